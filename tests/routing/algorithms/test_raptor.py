"""RAPTOR on hand-made timetables: one rule per test."""

from __future__ import annotations

import pytest

from routing.algorithms.raptor import (
    RaptorParams,
    RaptorResult,
    TripLeg,
    WalkLeg,
    raptor,
    raptor_arrive_by,
    raptor_range,
)
from routing.algorithms.timetable import Timetable, build_timetable
from tests.routing.algorithms.factories import journey_errors, stops, trip


def _feasible(
    tt: Timetable,
    result: RaptorResult,
    sources: list[tuple[int, int]],
    targets: list[tuple[int, int]],
    params: RaptorParams,
) -> None:
    """Every journey of the result re-simulates without a fault."""
    for j in result.journeys:
        assert journey_errors(tt, j, sources, targets, result.departure, params) == []


def test_change_waits_for_min_transfer_time() -> None:
    """A change at the same stop boards no earlier than arrival plus min_transfer_s."""
    tt = build_timetable(
        stops(3),
        [
            trip("a", [0, 1], [0, 100]),
            trip("b1", [1, 2], [130, 200]),
            trip("b2", [1, 2], [200, 300]),
        ],
    )
    for change, arrival in ((30, 200), (31, 300), (60, 300), (0, 200)):
        params = RaptorParams(min_transfer_s=change)
        res = raptor(tt, [(0, 0)], [(2, 0)], 0, params)
        assert [j.arrival for j in res.journeys] == [arrival]
        assert res.journeys[0].transfers == 1
        _feasible(tt, res, [(0, 0)], [(2, 0)], params)


def test_stop_change_time_overrides_the_query_default() -> None:
    """The timetable's change time at a stop beats the query's default there."""
    tt = build_timetable(
        stops(3),
        [
            trip("a", [0, 1], [0, 100]),
            trip("b1", [1, 2], [130, 200]),
            trip("b2", [1, 2], [400, 500]),
        ],
        min_transfer_s=[-1, 0, -1],
    )
    res = raptor(tt, [(0, 0)], [(2, 0)], 0, RaptorParams(min_transfer_s=300))
    assert res.earliest is not None
    assert res.earliest.arrival == 200


def test_footpath_transfer() -> None:
    """A footpath to another stop takes its seconds, and boarding there needs no extra time."""
    tt = build_timetable(
        stops(4),
        [
            trip("a", [0, 1], [0, 100]),
            trip("early", [2, 3], [140, 200]),
            trip("ok", [2, 3], [150, 260]),
        ],
        transfers=[(1, 2, 50)],
    )
    params = RaptorParams(min_transfer_s=600)
    res = raptor(tt, [(0, 0)], [(3, 0)], 0, params)
    j = res.journeys[0]
    assert j.arrival == 260
    assert isinstance(j.legs[1], WalkLeg)
    assert (j.legs[1].from_stop, j.legs[1].to_stop, j.legs[1].arrival) == (1, 2, 150)
    _feasible(tt, res, [(0, 0)], [(3, 0)], params)


def test_forbidden_transfers_are_not_used() -> None:
    """A (s, s) forbidden pair blocks changing at s; (a, b) blocks the footpath a -> b."""
    trips = [
        trip("a", [0, 1], [0, 100]),
        trip("b", [1, 2], [200, 300]),
        trip("c", [3, 2], [200, 250]),
    ]
    free = build_timetable(stops(4), trips, transfers=[(1, 3, 30)])
    res = raptor(free, [(0, 0)], [(2, 0)], 0)
    assert res.earliest is not None
    assert res.earliest.arrival == 250
    no_walk = build_timetable(stops(4), trips, transfers=[(1, 3, 30)], forbidden=[(1, 3)])
    res = raptor(no_walk, [(0, 0)], [(2, 0)], 0)
    assert res.earliest is not None
    assert res.earliest.arrival == 300
    neither = build_timetable(stops(4), trips, transfers=[(1, 3, 30)], forbidden=[(1, 3), (1, 1)])
    assert raptor(neither, [(0, 0)], [(2, 0)], 0).journeys == ()


def test_trip_past_midnight() -> None:
    """Times past 24:00 are ordinary seconds on the axis; a change after midnight works."""
    tt = build_timetable(
        stops(3),
        [trip("late", [0, 1], [86_000, 86_500]), trip("night", [1, 2], [87_000, 90_000])],
    )
    res = raptor(tt, [(0, 60)], [(2, 0)], 85_000)
    j = res.journeys[0]
    assert (j.departure, j.arrival, j.transfers) == (85_940, 90_000, 1)
    assert isinstance(j.legs[0], WalkLeg)
    assert j.legs[0].arrival == 86_000


def test_block_continuation_stays_seated() -> None:
    """Staying on the vehicle into its block's next trip is no transfer and needs no change time."""
    trips = [
        trip("in", [0, 1], [0, 100], block_next=1),
        trip("out", [1, 2], [100, 200]),
        trip("later", [1, 2], [400, 500]),
    ]
    tt = build_timetable(stops(3), trips, forbidden=[(1, 1)])
    for max_transfers in (0, 2):
        params = RaptorParams(max_transfers=max_transfers, min_transfer_s=300)
        res = raptor(tt, [(0, 0)], [(2, 0)], 0, params)
        assert len(res.journeys) == 1
        j = res.journeys[0]
        assert (j.arrival, j.transfers) == (200, 0)
        rides = j.trip_legs
        assert [r.trip for r in rides] == [0, 1]
        assert [r.stay_seated for r in rides] == [False, True]
        _feasible(tt, res, [(0, 0)], [(2, 0)], params)


def test_chains_of_block_continuations_are_followed_from_every_trip() -> None:
    """Runs a and b of one line continue as c and d of another, which continue to different
    places (c to 3, d to 4): reaching 4 seated means boarding b, though a is earlier."""
    trips = [
        trip("a", [0, 1], [100, 200], block_next=2),
        trip("b", [0, 1], [300, 400], block_next=3),
        trip("c", [1, 2], [250, 350], block_next=4),
        trip("d", [1, 2], [450, 550], block_next=5),
        trip("e", [2, 3], [400, 500]),
        trip("f", [2, 4], [600, 700]),
    ]
    tt = build_timetable(stops(5), trips)
    params = RaptorParams(max_transfers=0)
    res = raptor(tt, [(0, 0)], [(4, 0)], 0, params)
    (j,) = res.journeys
    assert (j.arrival, j.transfers) == (700, 0)
    assert [(r.trip, r.stay_seated) for r in j.trip_legs] == [(1, False), (3, True), (5, True)]
    _feasible(tt, res, [(0, 0)], [(4, 0)], params)
    assert raptor(tt, [(0, 0)], [(3, 0)], 0, params).earliest.arrival == 500  # via a, c, e


def test_block_continuation_leaving_too_early_is_not_followed() -> None:
    """A block's next trip leaving before the previous one arrives is no continuation."""
    tt = build_timetable(
        stops(3),
        [trip("in", [0, 1], [0, 100], block_next=1), trip("out", [1, 2], [90, 200])],
    )
    assert raptor(tt, [(0, 0)], [(2, 0)], 0).journeys == ()


def test_max_transfers_zero_gives_direct_trips_only() -> None:
    """max_transfers=0 keeps only direct rides, even when a change would arrive earlier."""
    tt = build_timetable(
        stops(3),
        [
            trip("slow", [0, 2], [0, 1000]),
            trip("a", [0, 1], [0, 100]),
            trip("b", [1, 2], [200, 300]),
        ],
    )
    direct = raptor(tt, [(0, 0)], [(2, 0)], 0, RaptorParams(max_transfers=0))
    assert [(j.arrival, j.transfers) for j in direct.journeys] == [(1000, 0)]
    both = raptor(tt, [(0, 0)], [(2, 0)], 0, RaptorParams(max_transfers=1))
    assert [(j.arrival, j.transfers) for j in both.journeys] == [(1000, 0), (300, 1)]


def test_pickup_and_dropoff_flags() -> None:
    """No boarding where pickup is not allowed, no alighting where drop-off is not."""
    tt = build_timetable(
        stops(3),
        [
            trip("no-pickup", [0, 1, 2], [0, 50, 100], pickup=[False, True, True]),
            trip("no-dropoff", [0, 1, 2], [10, 60, 110], dropoff=[True, True, False]),
            trip("fine", [0, 1, 2], [20, 70, 120]),
        ],
    )
    res = raptor(tt, [(0, 0)], [(2, 0)], 0)
    assert [j.arrival for j in res.journeys] == [120]
    assert tt.trips[res.journeys[0].trip_legs[0].trip].trip_ref == "T:fine"


def test_wheelchair_filter_avoids_inaccessible_trips_and_stops() -> None:
    """With the wheelchair filter, only accessible trips and stops are used."""
    tt = build_timetable(
        stops(3),
        [
            trip("stairs", [0, 2], [0, 100], wheelchair=2),
            trip("unknown", [0, 2], [10, 110], wheelchair=0),
            trip("ramp", [0, 2], [20, 120], wheelchair=1),
        ],
        stop_wheelchair=[1, 1, 1],
    )
    assert raptor(tt, [(0, 0)], [(2, 0)], 0).journeys[0].arrival == 100
    strict = RaptorParams(wheelchair=True)
    assert raptor(tt, [(0, 0)], [(2, 0)], 0, strict).journeys[0].arrival == 120
    lenient = RaptorParams(wheelchair=True, wheelchair_unknown_ok=True)
    assert raptor(tt, [(0, 0)], [(2, 0)], 0, lenient).journeys[0].arrival == 110
    blocked = build_timetable(
        stops(3), [trip("ramp", [0, 2], [20, 120], wheelchair=1)], stop_wheelchair=[1, 1, 2]
    )
    assert raptor(blocked, [(0, 0)], [(2, 0)], 0, strict).journeys == ()


def test_route_types_and_excluded_trips() -> None:
    """Trips of other modes and excluded (cancelled) trips are not ridden."""
    tt = build_timetable(
        stops(2), [trip("first", [0, 1], [0, 100]), trip("second", [0, 1], [50, 150])]
    )
    assert (
        raptor(tt, [(0, 0)], [(1, 0)], 0, RaptorParams(excluded_trips=frozenset({0})))
        .journeys[0]
        .arrival
        == 150
    )
    assert (
        raptor(tt, [(0, 0)], [(1, 0)], 0, RaptorParams(route_types=frozenset({2}))).journeys == ()
    )


def test_overtaking_trips_go_to_separate_patterns() -> None:
    """An express overtaking a slower trip of the same stops is found (its own pattern)."""
    tt = build_timetable(
        stops(3),
        [trip("slow", [0, 1, 2], [0, 500, 1000]), trip("express", [0, 1, 2], [100, 200, 300])],
    )
    tt.check()
    assert tt.n_patterns == 2
    assert raptor(tt, [(0, 0)], [(2, 0)], 0).journeys[0].arrival == 300


def test_access_and_egress_walks_pick_the_best_stop() -> None:
    """Several source and target stops: walking times are added and the best pair wins."""
    tt = build_timetable(stops(4), [trip("a", [0, 2], [100, 400]), trip("b", [1, 3], [300, 350])])
    res = raptor(tt, [(0, 10), (1, 200)], [(2, 5), (3, 100)], 0)
    j = res.journeys[0]
    assert (j.departure, j.arrival) == (90, 405)
    assert isinstance(j.legs[0], WalkLeg)
    assert isinstance(j.legs[1], TripLeg)


def test_range_query_keeps_undominated_departures() -> None:
    """The range answer has one journey per useful departure, none dominated by a later one."""
    tt = build_timetable(
        stops(2),
        [
            trip("t0", [0, 1], [0, 500]),
            trip("t1", [0, 1], [100, 300]),  # overtakes t0: t0 is dominated
            trip("t2", [0, 1], [200, 400]),
            trip("t3", [0, 1], [5000, 5100]),  # outside the window
        ],
    )
    res = raptor_range(tt, [(0, 0)], [(1, 0)], 0, 3600)
    assert [(j.departure, j.arrival) for j in res] == [(100, 300), (200, 400)]


def test_arrive_by_leaves_latest() -> None:
    """Arrive-by picks the latest departure arriving in time, per number of transfers."""
    tt = build_timetable(
        stops(3),
        [
            trip("d1", [0, 2], [0, 500]),
            trip("d2", [0, 2], [100, 600]),
            trip("d3", [0, 2], [300, 800]),
            trip("a", [0, 1], [350, 400]),
            trip("b", [1, 2], [500, 700]),
        ],
    )
    res = raptor_arrive_by(tt, [(0, 0)], [(2, 0)], 700, 3600)
    assert [(j.departure, j.transfers) for j in res.journeys] == [(100, 0), (350, 1)]


@pytest.mark.parametrize(
    "kwargs",
    [{"max_transfers": -1}, {"max_transfers": 99}, {"min_transfer_s": -5}],
)
def test_params_validate_themselves(kwargs: dict[str, int]) -> None:
    """Out-of-range limits fail when the parameters are made."""
    with pytest.raises(ValueError, match="must be"):
        RaptorParams(**kwargs)  # type: ignore[arg-type]


def test_bad_sources_are_rejected() -> None:
    """A stop index out of range or a negative walk fails clearly."""
    tt = build_timetable(stops(2), [trip("a", [0, 1], [0, 10])])
    with pytest.raises(ValueError, match="bad"):
        raptor(tt, [(5, 0)], [(1, 0)], 0)
    with pytest.raises(ValueError, match="bad"):
        raptor(tt, [(0, 0)], [(1, -3)], 0)
