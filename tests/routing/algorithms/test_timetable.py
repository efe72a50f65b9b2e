"""The timetable data model: the builder for plain trips, the invariant check, the flat copy."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from routing.algorithms.timetable import build_timetable
from tests.routing.algorithms.factories import stops, trip


def test_builder_groups_trips_by_stops_and_flags() -> None:
    """Trips share a pattern only with the same stops and the same pickup/drop-off flags."""
    tt = build_timetable(
        stops(3),
        [
            trip("a", [0, 1, 2], [0, 10, 20]),
            trip("b", [0, 1, 2], [100, 110, 120]),
            trip("c", [0, 1, 2], [50, 60, 70], pickup=[True, False, True]),
            trip("d", [2, 1, 0], [0, 10, 20]),
        ],
    )
    tt.check()
    assert tt.n_patterns == 3
    together = [p for p, ids in enumerate(tt.pattern_trip_ids) if len(ids) == 2]
    assert [tt.pattern_trip_ids[p].tolist() for p in together] == [[0, 1]]


def test_check_rejects_overtaking_and_mixed_flags() -> None:
    """check() refuses trips that overtake or differ in flags inside one pattern."""
    tt = build_timetable(stops(2), [trip("a", [0, 1], [0, 100]), trip("b", [0, 1], [10, 110])])
    tt.check()
    overtaking = replace(tt, pattern_arrivals=(np.array([[0, 100], [10, 90]], dtype=np.int32),))
    with pytest.raises(ValueError, match="overtake"):
        overtaking.check()
    mixed = replace(tt, pattern_pickup=(np.array([[True, True], [False, True]]),))
    with pytest.raises(ValueError, match="flags"):
        mixed.check()
    backwards = replace(
        tt,
        pattern_arrivals=(np.array([[0, 100], [10, 110]], dtype=np.int32),),
        pattern_departures=(np.array([[0, 100], [10, 5]], dtype=np.int32),),
    )
    with pytest.raises(ValueError, match="backwards"):
        backwards.check()


def test_flat_copy_drops_forbidden_and_self_transfers() -> None:
    """The flat arrays keep footpaths to other stops only, never forbidden ones."""
    tt = build_timetable(
        stops(3),
        [trip("a", [0, 1], [0, 10])],
        transfers=[(0, 1, 30), (0, 2, 40), (1, 2, 50)],
        forbidden=[(0, 2), (1, 1)],
    )
    f = tt.flat
    pairs = {
        (s, int(f.tr_to[e]), int(f.tr_s[e]))
        for s in range(3)
        for e in range(f.tr_start[s], f.tr_start[s + 1])
    }
    assert pairs == {(0, 1, 30), (1, 2, 50)}
    assert f.same_stop_ok.tolist() == [1, 0, 1]
    assert tt.flat is f  # built once per timetable
