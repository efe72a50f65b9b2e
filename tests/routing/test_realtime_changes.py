"""Real-time changes on a timetable: what RAPTOR can ride afterwards, checked by hand and against
the brute-force reference on random timetables with random delays, cancellations and skips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routing.algorithms.raptor import RaptorParams, TripLeg, raptor
from routing.algorithms.reference import earliest_arrivals
from routing.algorithms.timetable import Timetable, build_timetable
from routing.builder.realtime import TripChange, apply_changes
from tests.routing.algorithms.factories import Case, cases, journey_errors, stops, trip
from tests.routing.algorithms.test_raptor_properties import best_by_trips

PARAMS = RaptorParams(min_transfer_s=0)


LINE = (0, 1, 2, 3)


def two_runs() -> Timetable:
    """Two runs of the line 0-1-2-3, ten minutes apart; trip 0 leaves at 1000."""
    return build_timetable(
        stops(4),
        [
            trip("early", LINE, [1000, 1100, 1200, 1300]),
            trip("late", LINE, [1600, 1700, 1800, 1900]),
        ],
    )


def arrival_at(tt: Timetable, target: int, departure: int = 0) -> int | None:
    res = raptor(tt, [(0, 0)], [(target, 0)], departure, PARAMS)
    return min((j.arrival for j in res.journeys), default=None)


def test_no_changes_is_the_same_timetable() -> None:
    tt = two_runs()
    assert apply_changes(tt, []) is tt


def test_a_delay_moves_the_arrival_and_keeps_trip_indices() -> None:
    tt = two_runs()
    delayed = apply_changes(
        tt,
        [
            TripChange(
                0,
                arrivals=np.array([1000, 1400, 1500, 1600]),
                departures=np.array([1000, 1400, 1500, 1600]),
            )
        ],
    )
    delayed.check()
    assert arrival_at(delayed, 3) == 1600
    assert delayed.trips == tt.trips
    legs = raptor(delayed, [(0, 0)], [(3, 0)], 0, PARAMS).journeys[0].legs
    assert isinstance(legs[0], TripLeg)
    assert legs[0].trip == 0
    assert arrival_at(tt, 3) == 1300  # the base timetable is untouched


def test_a_delay_that_overtakes_splits_the_pattern() -> None:
    """The early run, delayed by 15 min, now arrives after the late one: two patterns."""
    tt = two_runs()
    late = np.array([1900, 2000, 2100, 2200])
    changed = apply_changes(tt, [TripChange(0, arrivals=late, departures=late)])
    changed.check()
    assert changed.n_patterns == 2
    assert arrival_at(changed, 3) == 1900  # the other run is now the first


def test_a_cancelled_run_is_never_ridden() -> None:
    tt = two_runs()
    changed = apply_changes(tt, [TripChange(0, canceled=True)])
    changed.check()
    assert arrival_at(changed, 3) == 1900
    assert changed.flat.trip_row[0] == -1


def test_cancelling_every_run_of_a_pattern_removes_it() -> None:
    tt = two_runs()
    changed = apply_changes(tt, [TripChange(0, canceled=True), TripChange(1, canceled=True)])
    changed.check()
    assert changed.n_patterns == 0
    assert arrival_at(changed, 3) is None


def test_a_skipped_stop_neither_boards_nor_alights() -> None:
    tt = two_runs()
    skip = np.array([False, False, True, False])
    changed = apply_changes(tt, [TripChange(0, skipped=skip)])
    changed.check()
    assert arrival_at(changed, 2) == 1800  # only the late run still stops at 2
    assert arrival_at(changed, 3) == 1300  # riding through 2 is still fine


def test_times_are_made_consistent() -> None:
    """An arrival later than the following departure pushes the departure on."""
    tt = two_runs()
    changed = apply_changes(tt, [TripChange(0, arrivals=np.array([1000, 1500, 1200, 1300]))])
    changed.check()
    assert arrival_at(changed, 3) == 1500


def test_bad_changes_are_refused() -> None:
    tt = two_runs()
    with pytest.raises(ValueError, match="in no pattern"):
        apply_changes(tt, [TripChange(7, canceled=True)])
    with pytest.raises(ValueError, match="entries"):
        apply_changes(tt, [TripChange(0, arrivals=np.array([1, 2]))])


@st.composite
def changed_cases(draw: st.DrawFn) -> tuple[Case, list[TripChange]]:
    """A random case and random changes to some of its runs."""
    case = draw(cases())
    tt = case.tt
    changes = []
    for p in range(tt.n_patterns):
        length = len(tt.pattern_stops[p])
        for row, trip_index in enumerate(tt.pattern_trip_ids[p].tolist()):
            kind = draw(st.sampled_from(["none", "none", "delay", "cancel", "skip"]))
            if kind == "cancel":
                changes.append(TripChange(trip_index, canceled=True))
            elif kind == "delay":
                start = draw(st.integers(0, length - 1))
                delay = draw(st.integers(-120, 1200))
                shift = np.where(np.arange(length) >= start, delay, 0)
                arr = tt.pattern_arrivals[p][row].astype(np.int64) + shift
                dep = tt.pattern_departures[p][row].astype(np.int64) + shift
                changes.append(TripChange(trip_index, arrivals=arr, departures=dep))
            elif kind == "skip":
                skipped = np.array(draw(st.lists(st.booleans(), min_size=length, max_size=length)))
                changes.append(TripChange(trip_index, skipped=skipped))
    return case, changes


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(changed_cases())
def test_changed_timetables_still_match_the_reference(data: tuple[Case, list[TripChange]]) -> None:
    """After any changes the timetable is valid and RAPTOR equals the brute force on it."""
    case, changes = data
    tt = apply_changes(case.tt, changes)
    tt.check()
    res = raptor(tt, case.sources, case.targets, case.departure, case.params)
    k_max = case.params.max_transfers + 1
    expected = earliest_arrivals(tt, case.sources, case.targets, case.departure, case.params)
    assert best_by_trips(res.journeys, k_max) == expected
    cancelled = {c.trip for c in changes if c.canceled}
    for j in res.journeys:
        assert journey_errors(tt, j, case.sources, case.targets, case.departure, case.params) == []
        assert not {leg.trip for leg in j.trip_legs} & cancelled
