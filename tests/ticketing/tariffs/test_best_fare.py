"""Best fare: the exact cheapest cover of a period's trips, checked by hand and by brute force."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, time, timedelta
from itertools import product
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticketing.tariffs import (
    Carnet,
    DayPass,
    InvalidTariff,
    InvalidTariffInput,
    Product,
    TimeTicket,
    Trip,
    best_fare,
    service_day,
)

ROME = ZoneInfo("Europe/Rome")
BIT = TimeTicket("BIT", 150, timedelta(minutes=90))
DAY = DayPass("DAY", 700, 1)
WEEK = DayPass("WEEK", 2400, 7)
CARNET = Carnet("CARNET10", 1300, 10, timedelta(minutes=90))


def rome(d: int, h: int, mi: int = 0, month: int = 5) -> datetime:
    return datetime(2026, month, d, h, mi, tzinfo=ROME)


def trips(*whens: datetime, fare: int = 200) -> list[Trip]:
    return [Trip(f"r{i}", w, fare) for i, w in enumerate(whens)]


def test_time_ticket_covers_trips_within_its_duration() -> None:
    """Three rides within 90 minutes cost one 1.50 time ticket instead of three 2.00 fares."""
    result = best_fare(
        trips(rome(12, 8), rome(12, 8, 40), rome(12, 9, 29)), [BIT], already_paid=600
    )
    assert (result.optimum, result.refund) == (150, 450)
    assert [(c.product_id, c.trip_ids) for c in result.covers] == [("BIT", ("r0", "r1", "r2"))]


def test_time_ticket_window_is_half_open() -> None:
    """A ride exactly 90 minutes after validation needs a new ticket."""
    result = best_fare(trips(rome(12, 8), rome(12, 9, 30)), [BIT])
    assert result.optimum == 300


def test_day_pass_counts_service_days() -> None:
    """A 01:30 ride belongs to the previous service day, so one day pass covers the evening."""
    rides = trips(rome(12, 7), rome(12, 12), rome(12, 18), rome(12, 23), rome(13, 1, 30))
    result = best_fare(rides, [DAY])
    assert result.optimum == 700
    assert result.covers[0].trip_ids == ("r0", "r1", "r2", "r3", "r4")
    # With midnight as the boundary the last ride is another day: single fare.
    assert best_fare(rides, [DAY], day_start=time(0)).optimum == 900


def test_week_pass_from_first_use() -> None:
    """Seven service days from the first ride: three rides a day for a week cost a weekly pass."""
    rides = trips(*(rome(4 + d, h) for d in range(7) for h in (8, 13, 18)))
    result = best_fare(rides, [DAY, WEEK, BIT], already_paid=4200)
    assert (result.optimum, result.refund) == (2400, 1800)
    assert [c.product_id for c in result.covers] == ["WEEK"]
    # The eighth day's rides fall outside it: three time tickets, cheaper than a day pass (the
    # week may as well start on the second day, leaving the first day's rides to time tickets).
    eighth = [Trip(f"late{h}", rome(11, h), 200) for h in (8, 13, 18)]
    result = best_fare([*rides, *eighth], [DAY, WEEK, BIT])
    assert result.optimum == 2400 + 3 * 150
    assert sorted(c.product_id or "" for c in result.covers) == ["BIT", "BIT", "BIT", "WEEK"]


def test_carnet_rides_are_shared_across_days() -> None:
    """Twelve separate rides: one carnet of ten 90-minute rides plus two time tickets."""
    rides = trips(*(rome(4 + d, h) for d in range(6) for h in (8, 18)))
    result = best_fare(rides, [BIT, CARNET])
    assert result.optimum == 1300 + 2 * 150
    (carnet,) = [c for c in result.covers if c.product_id == "CARNET10"]
    assert len(carnet.rides) == 10
    assert len(carnet.trip_ids) == 10
    # Twenty rides: two carnets.
    rides = trips(*(rome(4 + d, h) for d in range(10) for h in (8, 18)))
    result = best_fare(rides, [BIT, CARNET])
    assert result.optimum == 2600
    assert sorted(c.product_id or "" for c in result.covers) == ["CARNET10", "CARNET10"]


def test_no_refund_when_paid_less_than_optimum() -> None:
    """The refund is never negative: paying less than the optimum refunds nothing."""
    result = best_fare(trips(rome(12, 8)), [BIT], already_paid=100)
    assert (result.optimum, result.refund) == (150, 0)


def test_empty_period_costs_nothing() -> None:
    """No trips: optimum 0, every cent paid is refunded."""
    result = best_fare([], [BIT, CARNET], already_paid=250)
    assert (result.optimum, result.covers, result.refund) == (0, (), 250)


def test_invalid_inputs_are_refused() -> None:
    """Duplicate ids, naive times, bad durations and negative payments are refused."""
    with pytest.raises(InvalidTariff, match="unique"):
        best_fare([], [BIT, BIT])
    with pytest.raises(InvalidTariffInput, match="twice"):
        best_fare(trips(rome(12, 8)) * 2, [BIT])
    with pytest.raises(InvalidTariffInput, match="timezone-aware"):
        Trip("x", datetime(2026, 5, 12, 8), 200)
    with pytest.raises(InvalidTariff, match="positive"):
        TimeTicket("T", 100, timedelta(0))
    with pytest.raises(InvalidTariff, match="positive"):
        DayPass("D", 100, 0)
    with pytest.raises(InvalidTariff, match="rides"):
        Carnet("C", 100, 0)
    with pytest.raises(InvalidTariffInput, match="already_paid"):
        best_fare([], [BIT], already_paid=-1)


# --- brute force ---------------------------------------------------------------------------


def set_partitions(items: Sequence[int]) -> Iterator[list[list[int]]]:
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for partition in set_partitions(rest):
        yield [[first], *partition]
        for k in range(len(partition)):
            yield [*partition[:k], [first, *partition[k]], *partition[k + 1 :]]


def can_cover(group: list[Trip], option: Product | None) -> bool:
    """Whether one product instance (None: a single fare) can cover every trip of `group`."""
    if option is None:
        return len(group) == 1
    times = [t.when for t in group]
    if isinstance(option, DayPass):
        days = [service_day(w, ROME) for w in times]
        return (max(days) - min(days)).days < option.days
    duration = option.ride_duration if isinstance(option, Carnet) else option.duration
    if duration is None:
        return len(group) == 1
    return max(times) - min(times) < duration


def brute_force(trip_list: list[Trip], products: list[Product]) -> int:
    """The cheapest cost over every partition of the trips and every product per group."""
    best = math.inf
    options: list[Product | None] = [None, *products]
    for partition in set_partitions(list(range(len(trip_list)))):
        groups = [[trip_list[i] for i in g] for g in partition]
        choices = [[o for o in options if can_cover(g, o)] for g in groups]
        for pick in product(*choices):
            cost, rides = 0, dict.fromkeys([p.product_id for p in products], 0)
            for group, option in zip(groups, pick, strict=True):
                if option is None:
                    cost += group[0].fare
                elif isinstance(option, Carnet):
                    rides[option.product_id] += 1
                else:
                    cost += option.price
            for p in products:
                if isinstance(p, Carnet):
                    cost += math.ceil(rides[p.product_id] / p.rides) * p.price
            best = min(best, cost)
    return int(best)


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[Trip], list[Product]]:
    """Up to 6 trips over 3 days around a DST change, and up to 3 random products."""
    start = datetime(2026, 3, 27, 18, tzinfo=UTC)
    minutes = draw(st.lists(st.integers(0, 3 * 24 * 60), min_size=1, max_size=6))
    trip_list = [
        Trip(f"r{i}", start + timedelta(minutes=m), draw(st.integers(0, 400)))
        for i, m in enumerate(minutes)
    ]
    kinds = draw(st.lists(st.sampled_from(["time", "day", "carnet"]), max_size=3))
    products: list[Product] = []
    for k, kind in enumerate(kinds):
        price = draw(st.integers(0, 1200))
        if kind == "time":
            products.append(
                TimeTicket(f"p{k}", price, timedelta(minutes=draw(st.integers(1, 1500))))
            )
        elif kind == "day":
            products.append(DayPass(f"p{k}", price, draw(st.integers(1, 3))))
        else:
            duration = draw(st.none() | st.integers(1, 600).map(lambda m: timedelta(minutes=m)))
            products.append(Carnet(f"p{k}", price, draw(st.integers(1, 4)), duration))
    return trip_list, products


@settings(max_examples=300, deadline=None)
@given(instances(), st.integers(0, 3000))
def test_optimum_equals_brute_force(instance: tuple[list[Trip], list[Product]], paid: int) -> None:
    """The DP's optimum equals the brute force over all partitions; its covers are consistent."""
    trip_list, products = instance
    result = best_fare(trip_list, products, already_paid=paid)
    assert result.optimum == brute_force(trip_list, products)
    assert result.refund == max(0, paid - result.optimum)
    # The covers price to the optimum and cover every trip exactly once, each feasibly.
    assert sum(c.price for c in result.covers) == result.optimum
    covered = [i for c in result.covers for i in c.trip_ids]
    assert sorted(covered) == sorted(t.trip_id for t in trip_list)
    by_id = {t.trip_id: t for t in trip_list}
    by_product = {p.product_id: p for p in products}
    for cover in result.covers:
        option = by_product.get(cover.product_id) if cover.product_id else None
        groups = cover.rides if isinstance(option, Carnet) else (cover.trip_ids,)
        for group in groups:
            assert can_cover([by_id[i] for i in group], option)
        if isinstance(option, Carnet):
            assert len(cover.rides) <= option.rides
