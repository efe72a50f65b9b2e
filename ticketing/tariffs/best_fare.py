"""Best fare: at the end of a period, the cheapest set of products covering the trips made.

A rider who paid as they went (single fares, possibly capped) is refunded the difference
between what they paid and the cheapest combination of the authority's products that would
have covered the same trips: time tickets (e.g. 90 minutes, 24 hours from validation), passes
counted in local service days from first use (day, 7-day, 30-day), and carnets of N rides
(each ride a single trip or a time ticket). The optimum is exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ticketing.tariffs.errors import InvalidTariff, InvalidTariffInput
from ticketing.tariffs.servicedays import (
    DEFAULT_DAY_START,
    DEFAULT_TIMEZONE,
    check_aware,
    check_day_start,
    service_day,
    zone,
)


def _check_product(product_id: str, price: int) -> None:
    if not isinstance(product_id, str) or not product_id:
        raise InvalidTariff(f"a product id is a non-empty string, not {product_id!r}")
    if type(price) is not int or price < 0:
        raise InvalidTariff(f"product {product_id!r}: price must be a non-negative integer")


@dataclass(frozen=True, slots=True)
class Trip:
    """A trip made: its id, validation instant and the single fare it costs (minor units)."""

    trip_id: str
    when: datetime
    fare: int

    def __post_init__(self) -> None:
        check_aware(self.when, f"trip {self.trip_id!r} time")
        if type(self.fare) is not int or self.fare < 0:
            raise InvalidTariffInput(f"trip {self.trip_id!r}: fare must be a non-negative integer")


@dataclass(frozen=True, slots=True)
class TimeTicket:
    """Valid for `duration` from its first validation: covers trips in [first, first + duration)."""

    product_id: str
    price: int
    duration: timedelta

    def __post_init__(self) -> None:
        _check_product(self.product_id, self.price)
        if not isinstance(self.duration, timedelta) or self.duration <= timedelta(0):
            raise InvalidTariff(f"product {self.product_id!r}: duration must be positive")


@dataclass(frozen=True, slots=True)
class DayPass:
    """Valid `days` local service days from the service day of its first use (1: a day pass)."""

    product_id: str
    price: int
    days: int

    def __post_init__(self) -> None:
        _check_product(self.product_id, self.price)
        if type(self.days) is not int or self.days < 1:
            raise InvalidTariff(f"product {self.product_id!r}: days must be a positive integer")


@dataclass(frozen=True, slots=True)
class Carnet:
    """`rides` rides for one price; a ride is one trip, or a time ticket of `ride_duration`."""

    product_id: str
    price: int
    rides: int
    ride_duration: timedelta | None = None

    def __post_init__(self) -> None:
        _check_product(self.product_id, self.price)
        if type(self.rides) is not int or self.rides < 1:
            raise InvalidTariff(f"carnet {self.product_id!r}: rides must be a positive integer")
        if self.ride_duration is not None and (
            not isinstance(self.ride_duration, timedelta) or self.ride_duration <= timedelta(0)
        ):
            raise InvalidTariff(f"carnet {self.product_id!r}: ride duration must be positive")


Product = TimeTicket | DayPass | Carnet


@dataclass(frozen=True, slots=True)
class Cover:
    """One product bought in the optimum and the trips it covers (`product_id` None: single fares).

    For a carnet, `rides` groups its trips by ride (one tuple per ride used).
    """

    product_id: str | None
    price: int
    trip_ids: tuple[str, ...]
    rides: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class BestFareResult:
    """The optimum cost, the products achieving it, and the refund owed on `already_paid`."""

    optimum: int
    covers: tuple[Cover, ...]
    already_paid: int
    refund: int


@dataclass(frozen=True)
class _Step:
    """A DP transition: trips [start, end) covered by `product` (None: the single fare)."""

    start: int
    end: int
    product: Product | None
    paid: int
    carnet_opened: bool = False


@dataclass
class _Plan:
    trips: Sequence[Trip]
    days: Sequence[date]
    products: Sequence[Product]
    carnets: tuple[Carnet, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.carnets = tuple(p for p in self.products if isinstance(p, Carnet))

    def reach(self, i: int, product: Product) -> int:
        """The first trip index not covered by `product` first used at trip i."""
        trips, days, n = self.trips, self.days, len(self.trips)
        j = i + 1
        if isinstance(product, DayPass):
            last = days[i] + timedelta(days=product.days)
            while j < n and days[j] < last:
                j += 1
            return j
        duration = product.ride_duration if isinstance(product, Carnet) else product.duration
        if duration is None:
            return j
        until = trips[i].when + duration
        while j < n and trips[j].when < until:
            j += 1
        return j


def best_fare(
    trips: Iterable[Trip],
    products: Sequence[Product],
    already_paid: int = 0,
    *,
    timezone: str = DEFAULT_TIMEZONE,
    day_start: time = DEFAULT_DAY_START,
) -> BestFareResult:
    """The cheapest set of products covering every trip, and the refund on `already_paid`.

    Parameters
    ----------
    trips
        The trips of the period, any order; each can always be paid by its own single fare.
    products
        The products the rider could have bought (ids unique).
    already_paid
        What the rider was charged for these trips (e.g. the sum of capped taps).
    timezone, day_start
        The local zone and service day boundary that day passes count in.

    Returns
    -------
    BestFareResult
        ``optimum``, the covers achieving it (chronological by first trip), and
        ``refund = max(0, already_paid - optimum)``.

    Notes
    -----
    Exact dynamic programme over the trips sorted by time. Some optimum has every time
    ticket, pass and carnet ride start at the first trip it covers and cover a run of
    consecutive trips: moving a product's start to its first trip only extends its reach, and
    giving the whole reach of the earliest product to it frees the others' trips without
    raising their cost (a carnet's cost, ceil(rides / N) * price, does not grow when fewer rides
    are used). So the state is (first uncovered trip, rides left in the open carnet of each
    carnet product): a carnet is paid when a ride is needed and none is left. With T trips,
    P products and carnets of N_c rides the work is O(T * prod(N_c) * P * T) at worst, and
    O(T * prod(N_c) * P) when products reach few trips.
    """
    tz: ZoneInfo = zone(timezone)
    check_day_start(day_start)
    if type(already_paid) is not int or already_paid < 0:
        raise InvalidTariffInput("already_paid must be a non-negative integer")
    ids = [p.product_id for p in products]
    if len(set(ids)) != len(ids):
        raise InvalidTariff("product ids must be unique")
    ordered = sorted(trips, key=lambda t: t.when)
    if len({t.trip_id for t in ordered}) != len(ordered):
        raise InvalidTariffInput("a trip id appears twice")
    plan = _Plan(ordered, [service_day(t.when, tz, day_start) for t in ordered], products)
    optimum, steps = _solve(plan)
    covers = _covers(plan, steps)
    return BestFareResult(optimum, covers, already_paid, max(0, already_paid - optimum))


State = tuple[int, ...]


def _solve(plan: _Plan) -> tuple[int, list[_Step]]:
    """The minimum cost and the steps of one optimal path of the DP."""
    n, carnets = len(plan.trips), plan.carnets
    if n == 0:
        return 0, []
    index = {c.product_id: k for k, c in enumerate(carnets)}
    start: State = (0,) * len(carnets)
    # best[i][state] = (cost, previous state, step into it)
    best: list[dict[State, tuple[int, State | None, _Step | None]]] = [{} for _ in range(n + 1)]
    best[0][start] = (0, None, None)

    def relax(j: int, state: State, cost: int, came_from: State, step: _Step) -> None:
        known = best[j].get(state)
        if known is None or cost < known[0]:
            best[j][state] = (cost, came_from, step)

    for i in range(n):
        for state, (cost, _, _) in list(best[i].items()):
            trip = plan.trips[i]
            relax(i + 1, state, cost + trip.fare, state, _Step(i, i + 1, None, trip.fare))
            for product in plan.products:
                j = plan.reach(i, product)
                if isinstance(product, Carnet):
                    k = index[product.product_id]
                    left = list(state)
                    opened = left[k] == 0
                    left[k] = (product.rides if opened else left[k]) - 1
                    paid = product.price if opened else 0
                    relax(j, tuple(left), cost + paid, state, _Step(i, j, product, paid, opened))
                else:
                    move = _Step(i, j, product, product.price)
                    relax(j, state, cost + product.price, state, move)
    final_state, (optimum, _, _) = min(best[n].items(), key=lambda item: item[1][0])
    steps: list[_Step] = []
    position, state = n, final_state
    while position > 0:
        _, previous, step = best[position][state]
        # only the start state has no parent, and position > 0 is not the start
        assert previous is not None
        assert step is not None
        steps.append(step)
        position, state = step.start, previous
    steps.reverse()
    return optimum, steps


def _covers(plan: _Plan, steps: Sequence[_Step]) -> tuple[Cover, ...]:
    """The purchases of a DP path: one cover per product bought, carnet rides grouped."""
    covers: list[Cover] = []
    open_carnet: dict[str, int] = {}  # carnet id -> index in covers of its open purchase
    for step in steps:
        ids = tuple(t.trip_id for t in plan.trips[step.start : step.end])
        if step.product is None:
            covers.append(Cover(None, step.paid, ids))
        elif isinstance(step.product, Carnet):
            pid = step.product.product_id
            if step.carnet_opened:
                open_carnet[pid] = len(covers)
                covers.append(Cover(pid, step.paid, ids, (ids,)))
            else:
                k = open_carnet[pid]
                old = covers[k]
                covers[k] = Cover(pid, old.price, old.trip_ids + ids, (*old.rides, ids))
        else:
            covers.append(Cover(step.product.product_id, step.paid, ids))
    return tuple(covers)
