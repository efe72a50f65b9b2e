"""What the planner is asked and what it answers (validated, frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from gtfs.modes import BASIC, EXTENDED
from gtfs.refs import parse_ref
from routing.algorithms.raptor import MAX_ROUNDS_LIMIT

MODES = frozenset(BASIC.values()) | frozenset(EXTENDED.values())


@dataclass(frozen=True)
class Coordinates:
    """A point: the traveller walks to (or from) stops within reach."""

    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise ValueError(f"coordinates ({self.lat}, {self.lon}) are out of range")


@dataclass(frozen=True)
class StopPlace:
    """A stop reference ``FEED:STOP_ID``; a station means its platforms."""

    ref: str

    def __post_init__(self) -> None:
        parse_ref(self.ref)  # InvalidReference (400) for a malformed one


Place = Coordinates | StopPlace


@dataclass(frozen=True)
class PlanRequest:
    """One journey question; validates itself (ValueError with the reason)."""

    origin: Place
    destination: Place
    when: datetime  # aware; departure time, or arrival time if arrive_by
    arrive_by: bool = False
    window_min: int = 0  # > 0: every departure in [when, when + window] (arrive_by: before)
    max_walk_m: float = 800
    max_transfer_walk_m: float = 400
    walk_speed_mps: float = 1.3
    min_transfer_s: int = 60
    max_transfers: int = 5
    wheelchair: bool = False
    modes: frozenset[str] | None = None
    feeds: frozenset[str] | None = None  # ride only trips of these feeds (None: any)

    def __post_init__(self) -> None:
        for name in ("origin", "destination"):
            if not isinstance(getattr(self, name), Coordinates | StopPlace):
                raise ValueError(f"{name} must be Coordinates or a StopPlace")
        if self.when.tzinfo is None or self.when.utcoffset() is None:
            raise ValueError("when must be timezone-aware")
        if not 0 <= self.window_min <= 24 * 60:
            raise ValueError("window_min must be in [0, 1440]")
        if not 0 <= self.max_walk_m <= 10_000:
            raise ValueError("max_walk_m must be in [0, 10000]")
        if not 0 <= self.max_transfer_walk_m <= 5_000:
            raise ValueError("max_transfer_walk_m must be in [0, 5000]")
        if not 0.1 <= self.walk_speed_mps <= 10:
            raise ValueError("walk_speed_mps must be in [0.1, 10]")
        if not 0 <= self.min_transfer_s <= 3600:
            raise ValueError("min_transfer_s must be in [0, 3600]")
        if not 0 <= self.max_transfers <= MAX_ROUNDS_LIMIT - 2:
            raise ValueError(f"max_transfers must be in [0, {MAX_ROUNDS_LIMIT - 2}]")
        if self.modes is not None:
            if not self.modes:
                raise ValueError("modes must name at least one mode (or be omitted)")
            unknown = sorted(set(self.modes) - MODES)
            if unknown:
                raise ValueError(f"unknown modes {unknown}; known: {sorted(MODES)}")
        if self.feeds is not None and not self.feeds:
            raise ValueError("feeds must name at least one feed (or be omitted)")


@dataclass(frozen=True)
class StopCall:
    """A stop of a leg, with the scheduled times there (None where it does not apply) and the
    real-time ones when the trip has live data."""

    ref: str
    name: str
    arrival: datetime | None
    departure: datetime | None
    realtime_arrival: datetime | None = None
    realtime_departure: datetime | None = None
    skipped: bool = False  # the trip no longer stops here today


@dataclass(frozen=True)
class PlannedLeg:
    """A walk or a ride; ``from_stop``/``to_stop`` None are the origin/destination point."""

    mode: str  # "walk" or the GTFS route type as a word
    from_stop: StopCall | None
    to_stop: StopCall | None
    departure: datetime  # expected: real-time when the trip has live data, else scheduled
    arrival: datetime
    feed: str | None = None
    route_id: str | None = None
    route_short_name: str | None = None
    trip_id: str | None = None
    headsign: str | None = None
    service_date: date | None = None
    agency_id: str | None = None
    intermediate: tuple[StopCall, ...] = ()
    geometry: tuple[tuple[float, float], ...] = ()  # (lat, lon) points
    scheduled_departure: datetime | None = None  # rides only
    scheduled_arrival: datetime | None = None
    realtime: bool = False  # the times come from live data


@dataclass(frozen=True)
class PlannedJourney:
    """One itinerary."""

    departure: datetime
    arrival: datetime
    transfers: int
    legs: tuple[PlannedLeg, ...] = field(default=())

    @property
    def duration_s(self) -> int:
        """Seconds from leaving the origin to reaching the destination."""
        return int((self.arrival - self.departure).total_seconds())


@dataclass(frozen=True)
class PlanResult:
    """The itineraries, and whether they rode on live data ("live"), the schedule alone
    ("schedule": no real-time source) or the schedule because live data was unreadable
    ("unavailable")."""

    journeys: list[PlannedJourney]
    realtime: str = "schedule"
