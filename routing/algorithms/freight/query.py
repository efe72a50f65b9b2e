"""What a route search is asked (`FreightQuery`) and what it answers (`FreightRoute`, legs).

A query validates itself, so bad input fails here with a message a caller can show; the search
and the checker (`check.evaluate_plan`) share these types, and a route's `plan()` is what a
booking submits to have the route checked again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from routing.algorithms.freight.network import ALL_FLAGS, RoadLink

# (service code, departure instant): a dated departure of a scheduled service. Aware datetimes
# compare and hash by instant, so keys made in any time zone match.
DepartureKey = tuple[str, datetime]
# Road time factor: (departure of the road leg, the link) -> factor >= 1 on its free-flow time.
RoadTimeFactor = Callable[[datetime, RoadLink], float]
Capacity = Mapping[DepartureKey, int]

MAX_LEGS_LIMIT = 12
MAX_CANDIDATES = 10
# Opening hours and departures are expanded a few days either side of the query; the calendar
# (and datetime) ends at year 9999, so the query's dates stay well inside it.
YEARS = (1970, 9990)


class FreightQueryInvalid(ValueError):
    """A query that cannot be answered as asked (unknown terminal, deadline before departure...)."""


@dataclass(frozen=True, slots=True)
class Place:
    """A terminal (by code) or a point (WGS84 coordinates)."""

    terminal: str | None = None
    lat: float | None = None
    lon: float | None = None

    def __post_init__(self) -> None:
        point = self.lat is not None and self.lon is not None
        if (self.terminal is None) == (not point):
            raise FreightQueryInvalid("a place is a terminal code or lat and lon, not both")
        if point and not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):  # type: ignore[operator]
            raise FreightQueryInvalid(f"coordinates out of range: {self.lat}, {self.lon}")

    @property
    def is_point(self) -> bool:
        return self.terminal is None


@dataclass(frozen=True, slots=True)
class Weights:
    """How the Pareto set is ordered: weighted sum of each criterion scaled to [0, 1] over the
    set. Weights never drop a route; only `FreightQuery.limit` does."""

    cost: float = 1.0
    time: float = 1.0
    co2e: float = 1.0

    def __post_init__(self) -> None:
        values = (self.cost, self.time, self.co2e)
        if any(w < 0 for w in values) or not any(w > 0 for w in values):
            raise FreightQueryInvalid("criteria weights are >= 0 and not all zero")


@dataclass(frozen=True, slots=True)
class FreightQuery:
    """A container move to plan.

    Attributes
    ----------
    teu
        Size of the shipment in TEU (a 40' container is 2); every price is per TEU.
    gross_weight_t
        Cargo mass for the tonne-km of emissions; None: the data set's tonnes per TEU x `teu`.
    cargo_flags
        ``reefer``, ``hazardous``: only terminals, services and links that accept them are used.
    earliest_departure, deadline
        Aware datetimes: the container is ready then; it must arrive by the deadline.
    max_legs
        Bound on the legs of a route (first/last mile, each road link, each service).
    candidates
        Terminals tried for the first and last mile of a point origin or destination.
    """

    origin: Place
    destination: Place
    teu: int
    earliest_departure: datetime
    deadline: datetime
    gross_weight_t: float | None = None
    cargo_flags: frozenset[str] = frozenset()
    max_legs: int = 6
    candidates: int = 3
    weights: Weights = field(default_factory=Weights)
    limit: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.teu <= 10_000:
            raise FreightQueryInvalid(f"teu must be between 1 and 10000, not {self.teu}")
        if self.gross_weight_t is not None and not 0 < self.gross_weight_t <= 40 * self.teu:
            raise FreightQueryInvalid("gross_weight_t must be > 0 and at most 40 t per TEU")
        if unknown := set(self.cargo_flags) - ALL_FLAGS:
            raise FreightQueryInvalid(f"unknown cargo flags {sorted(unknown)}")
        for name in ("earliest_departure", "deadline"):
            at = getattr(self, name)
            if at.utcoffset() is None:
                raise FreightQueryInvalid(f"{name} needs a time zone offset")
            if not YEARS[0] < at.year < YEARS[1]:
                raise FreightQueryInvalid(f"{name} must be between {YEARS[0]} and {YEARS[1]}")
        if self.deadline.timestamp() <= self.earliest_departure.timestamp():
            raise FreightQueryInvalid("the deadline is not after the earliest departure")
        if not 1 <= self.max_legs <= MAX_LEGS_LIMIT:
            raise FreightQueryInvalid(f"max_legs must be between 1 and {MAX_LEGS_LIMIT}")
        if not 1 <= self.candidates <= MAX_CANDIDATES:
            raise FreightQueryInvalid(f"candidates must be between 1 and {MAX_CANDIDATES}")
        if self.limit is not None and self.limit < 1:
            raise FreightQueryInvalid("limit must be at least 1")
        if self.origin == self.destination:
            raise FreightQueryInvalid("origin and destination are the same place")


@dataclass(frozen=True, slots=True)
class Handling:
    """A transshipment at a terminal: the lift from one vehicle to the next."""

    terminal: str
    start: datetime
    minutes: int
    cost_cents: int
    co2e_g: int


@dataclass(frozen=True, slots=True)
class FreightLeg:
    """One leg; `from_terminal`/`to_terminal` None is the query's origin/destination point.

    `wait_min` is the time the container waits before the leg departs (for the train or ship,
    for the terminal to open); `gate_wait_min` is a truck's wait at a closed gate on arrival;
    `handling` is the transshipment at the leg's departure terminal before it.
    """

    mode: str
    from_terminal: str | None
    to_terminal: str | None
    departure: datetime
    arrival: datetime
    wait_min: int
    distance_km: float
    cost_cents: int
    co2e_g: int
    service: str | None = None
    description: str = ""
    gate_wait_min: int = 0
    handling: Handling | None = None

    @property
    def departure_key(self) -> DepartureKey | None:
        return None if self.service is None else (self.service, self.departure)


@dataclass(frozen=True, slots=True)
class PlannedLeg:
    """A leg as a booking names it: enough to re-derive everything else from the network."""

    mode: str
    from_terminal: str | None
    to_terminal: str | None
    service: str | None = None
    departure: datetime | None = None


@dataclass(frozen=True, slots=True)
class FreightRoute:
    """A door-to-door route: the legs, and its three criteria (cost, arrival, CO2e)."""

    legs: tuple[FreightLeg, ...]
    cost_cents: int
    currency: str
    co2e_g: int
    departure: datetime
    arrival: datetime
    score: float = 0.0

    @property
    def criteria(self) -> tuple[int, datetime, int]:
        # UTC: datetimes of one zone object compare by wall time, wrong in the autumn fold.
        return (self.cost_cents, self.arrival.astimezone(UTC), self.co2e_g)

    def plan(self) -> tuple[PlannedLeg, ...]:
        return tuple(
            PlannedLeg(
                leg.mode,
                leg.from_terminal,
                leg.to_terminal,
                leg.service,
                leg.departure if leg.service else None,
            )
            for leg in self.legs
        )

    def departure_keys(self) -> list[DepartureKey]:
        return [key for leg in self.legs if (key := leg.departure_key) is not None]


def dominates(a: tuple[int, datetime, int], b: tuple[int, datetime, int]) -> bool:
    """`a` is no worse than `b` on every criterion and better on one."""
    return a != b and a[0] <= b[0] and a[1] <= b[1] and a[2] <= b[2]
