"""How TripUpdates become changes to a run (`routing.planner.realtime`), on a one-line timetable
whose axis is the service day's GTFS time, and how long live views are kept."""

from __future__ import annotations

import gc
from typing import Any, cast

import fakeredis

from gtfs.realtime.propagate import apply_trip_update
from gtfs.realtime.records import (
    StopRelationship,
    StopTimeEvent,
    StopTimeUpdate,
    TripDescriptor,
    TripUpdate,
)
from gtfs.realtime.store import RedisLayout
from routing.algorithms.timetable import build_timetable
from routing.planner.realtime import LiveTimetables, _change
from routing.timetable_cache import BuiltTimetable
from tests.routing.algorithms.factories import DAY, trip

# S1 is untimed in the schedule; the builder interpolates it to 1100.
SCHEDULED: list[tuple[int, str, int | None, int | None]] = [
    (1, "S0", 1000, 1000),
    (2, "S1", None, None),
    (3, "S2", 1200, 1200),
]


def built() -> BuiltTimetable:
    tt = build_timetable(["a:S0", "a:S1", "a:S2"], [trip("T", [0, 1, 2], [1000, 1100, 1200])])
    return BuiltTimetable(tt, cast(Any, None), (("a", 1),), DAY)


def update(*stops: StopTimeUpdate) -> TripUpdate:
    return TripUpdate(
        entity_id="e",
        trip_id="T",
        service_date=DAY,
        service_date_derived=False,
        trip=TripDescriptor(trip_id="T", start_date=DAY),
        stop_time_updates=stops,
    )


def live_times(*stops: StopTimeUpdate) -> tuple[list[int], list[int]] | None:
    b = built()
    trip_rt = apply_trip_update(SCHEDULED, update(*stops), service_day_origin=0)
    change = _change(b, "a", 0, trip_rt, offset=0)
    if change is None:
        return None
    if change.confirms_schedule:
        return [], []
    assert change.arrivals is not None
    assert change.departures is not None
    return change.arrivals.tolist(), change.departures.tolist()


def test_a_predicted_time_at_an_untimed_stop_is_a_delay_carried_on() -> None:
    """S1 has no scheduled time; a prediction of 1700 there is 600 s late against the
    interpolated 1100, and S2 is 600 s late too."""
    got = live_times(StopTimeUpdate(stop_sequence=2, arrival=StopTimeEvent(time=1700)))
    assert got == ([1000, 1700, 1800], [1000, 1700, 1800])


def test_running_early_is_not_dragged_up_to_stops_already_passed() -> None:
    """400 s early at S2 with nothing said of S0 and S1: no earlier stop is later than S2."""
    got = live_times(StopTimeUpdate(stop_sequence=3, arrival=StopTimeEvent(delay=-400)))
    assert got == ([800, 800, 800], [800, 800, 800])


def test_an_implausible_delay_is_ignored() -> None:
    """A delay of 2^31 - 1 s (a producer's sentinel) would wrap the int32 axis: no change."""
    huge = StopTimeUpdate(stop_sequence=1, departure=StopTimeEvent(delay=2**31 - 1))
    assert live_times(huge) is None


def test_an_on_time_update_confirms_the_schedule() -> None:
    """Live data saying 'on time' changes no time but marks the run as live."""
    assert live_times(StopTimeUpdate(stop_sequence=1, departure=StopTimeEvent(delay=0))) == ([], [])


def test_skipped_stops_are_flagged() -> None:
    b = built()
    skip = StopTimeUpdate(stop_sequence=2, schedule_relationship=StopRelationship.SKIPPED)
    change = _change(b, "a", 0, apply_trip_update(SCHEDULED, update(skip), service_day_origin=0), 0)
    assert change is not None
    assert change.skipped is not None
    assert change.skipped.tolist() == [False, True, False]


def test_views_do_not_keep_timetables_alive() -> None:
    """A view is kept only as long as its timetable is: query options that each build a
    timetable must not pile views up in memory."""
    client = fakeredis.FakeRedis()
    live = LiveTimetables(lambda: client, layout=lambda: RedisLayout(prefix="t:", ttl_s=60))
    for _ in range(5):
        b = built()
        live.view(cast(Any, None), b, {}, cast(Any, None))
        del b
    gc.collect()
    assert len(live._views) == 0
