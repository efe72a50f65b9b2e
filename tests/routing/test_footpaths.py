"""Footpaths, station walks and transfers.txt rules: pure functions, then through the builder."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gtfs.repository import haversine_m
from routing.footpaths import (
    MINIMUM_TIME,
    NOT_POSSIBLE,
    RECOMMENDED,
    TIMED,
    TransferRule,
    build_transfers,
    nearby_pairs,
    with_walking,
)
from routing.timetable_builder import build_timetable, build_timetable_and_inputs
from tests.routing.test_timetable_builder import TUESDAY, import_feeds

NO_PARENT = np.full(4, -1, dtype=np.int32)


def brute_force(lat: np.ndarray, lon: np.ndarray, max_m: float) -> set[tuple[int, int]]:
    """All ordered pairs within max_m, by haversine_m on every pair (a vectorised double loop)."""
    p = np.radians(lat)
    dp = p[None, :] - p[:, None]
    dl = np.radians(lon)[None, :] - np.radians(lon)[:, None]
    a = np.sin(dp / 2) ** 2 + np.cos(p)[:, None] * np.cos(p)[None, :] * np.sin(dl / 2) ** 2
    d = 2 * 6_371_008.8 * np.arcsin(np.sqrt(a))
    i, j = np.nonzero(d <= max_m)
    return {(a_, b_) for a_, b_ in zip(i.tolist(), j.tolist(), strict=True) if a_ != b_}


def line(metres: list[float], lat0: float = 54.68) -> tuple[np.ndarray, np.ndarray]:
    """Points northwards from (lat0, 25.28) at these distances."""
    lat = lat0 + np.degrees(np.asarray(metres) / 6_371_008.8)
    return lat, np.full(len(metres), 25.28)


def test_nearby_pairs_match_a_brute_force_search() -> None:
    """2,000 random stops over 17 x 16 km (Vilnius's density of stops): the grid finds exactly
    the pairs within 400 m that comparing every pair finds, with haversine distances."""
    rng = np.random.default_rng(7)
    lat = 54.6 + rng.random(2000) * 0.15
    lon = 25.1 + rng.random(2000) * 0.25
    src, dst, metres = nearby_pairs(lat, lon, 400)
    assert set(zip(src.tolist(), dst.tolist(), strict=True)) == brute_force(lat, lon, 400)
    for k in rng.choice(len(src), 20, replace=False).tolist():
        i, j = int(src[k]), int(dst[k])
        assert metres[k] == pytest.approx(haversine_m(lat[i], lon[i], lat[j], lon[j]), abs=1e-6)
    assert np.all(np.diff(src) >= 0)


def test_nearby_pairs_across_the_antimeridian_and_at_a_pole() -> None:
    """Points either side of longitude 180 and around the North Pole pair up like any others."""
    lat = np.array([10.0, 10.0, 89.9999, 89.9999, 0.0])
    lon = np.array([179.999, -179.999, 0.0, 180.0, 0.0])
    src, dst, _ = nearby_pairs(lat, lon, 400)
    assert set(zip(src.tolist(), dst.tolist(), strict=True)) == {(0, 1), (1, 0), (2, 3), (3, 2)}


def test_nearby_pairs_skip_unknown_positions_and_zero_distance_limit() -> None:
    """NaN coordinates pair with nothing; a limit of 0 gives no pairs at all."""
    lat, lon = line([0, 10, 20])
    lat[1] = np.nan
    src, dst, _ = nearby_pairs(lat, lon, 400)
    assert set(zip(src.tolist(), dst.tolist(), strict=True)) == {(0, 2), (2, 0)}
    assert len(nearby_pairs(lat, lon, 0)[0]) == 0


def test_walk_takes_distance_over_speed_rounded_up() -> None:
    """Stops 100 m apart at 1.3 m/s: 77 s each way; 500 m is beyond 400 m; no same-stop data."""
    lat, lon = line([0, 100, 600, 5000])
    out = build_transfers(lat, lon, NO_PARENT, max_transfer_walk_m=400, walk_speed_mps=1.3)
    assert [t.tolist() for t in out.transfers] == [[[1, 77]], [[0, 77]], [], []]
    assert out.min_transfer_s.tolist() == [-1, -1, -1, -1]
    assert out.forbidden == frozenset()
    faster = build_transfers(lat, lon, NO_PARENT, walk_speed_mps=2.0, default_min_transfer_s=60)
    assert faster.transfers[0].tolist() == [[1, 50]]
    assert faster.min_transfer_s.tolist() == [60] * 4


def test_station_platforms_connect_whatever_their_distance_when_walking_is_allowed() -> None:
    """Platforms 2 and 3 of station 0 are 600 m apart: they and the station connect by walks;
    with max_transfer_walk_m=0 nothing connects."""
    lat, lon = line([0, 300, 900, 5000])
    parent = np.array([-1, 0, 0, -1], dtype=np.int32)
    out = build_transfers(lat, lon, parent, max_transfer_walk_m=100)
    walk = math.ceil(600 / 1.3)
    assert out.transfers[1].tolist() == [[0, math.ceil(300 / 1.3)], [2, walk]]
    assert out.transfers[2].tolist() == [[0, math.ceil(900 / 1.3)], [1, walk]]
    off = build_transfers(lat, lon, parent, max_transfer_walk_m=0)
    assert all(len(t) == 0 for t in off.transfers)


def test_transfer_rules_override_add_and_forbid() -> None:
    """Type 2 replaces a walk's time and sets same-stop times, type 0 adds a walk beyond the
    limit, type 1 makes a change free, type 3 removes a walk and lists the pair as forbidden."""
    lat, lon = line([0, 100, 200, 5000])
    rules = [
        TransferRule(0, 1, MINIMUM_TIME, 300),
        TransferRule(1, 1, MINIMUM_TIME, 150),
        TransferRule(0, 3, RECOMMENDED),
        TransferRule(2, 2, TIMED),
        TransferRule(2, 1, NOT_POSSIBLE),
        TransferRule(3, 3, NOT_POSSIBLE),
    ]
    out = build_transfers(lat, lon, NO_PARENT, rules, max_transfer_walk_m=400)
    assert out.transfers[0].tolist() == [[1, 300], [2, 154], [3, math.ceil(5000 / 1.3)]]
    assert out.transfers[1].tolist() == [[0, 77], [2, 77]]
    assert out.transfers[2].tolist() == [[0, 154]]
    assert out.min_transfer_s.tolist() == [-1, 150, 0, -1]
    assert out.forbidden == frozenset({(2, 1), (3, 3)})
    walls = build_transfers(lat, lon, NO_PARENT, rules, max_transfer_walk_m=0)
    assert walls.transfers[0].tolist() == [[1, 300], [3, math.ceil(5000 / 1.3)]]
    assert walls.transfers[2].tolist() == []


def test_station_rules_apply_to_platforms_and_platform_rules_win() -> None:
    """A rule on station 0 applies to its platforms 1 and 2; platform 1's own rule wins."""
    lat, lon = line([0, 50, 100, 5000])
    parent = np.array([-1, 0, 0, -1], dtype=np.int32)
    rules = [TransferRule(1, 1, MINIMUM_TIME, 30), TransferRule(0, 0, MINIMUM_TIME, 240)]
    out = build_transfers(lat, lon, parent, rules)
    assert out.min_transfer_s.tolist() == [240, 30, 240, -1]
    assert out.transfers[1].tolist() == [[0, 240], [2, 240]]


def test_invalid_parameters_are_refused() -> None:
    """A non-positive walking speed or a negative distance limit is a ValueError."""
    lat, lon = line([0, 100, 200, 300])
    with pytest.raises(ValueError, match="walk_speed_mps"):
        build_transfers(lat, lon, NO_PARENT, walk_speed_mps=0)
    with pytest.raises(ValueError, match="max_transfer_walk_m"):
        build_transfers(lat, lon, NO_PARENT, max_transfer_walk_m=-1)


# -- through the builder, on both databases ------------------------------------------------


@pytest.fixture
def session(engine: Engine, tmp_path: Path) -> Iterator[Session]:
    import_feeds(engine, tmp_path)
    with Session(engine) as opened:
        yield opened


def edges(session: Session, **options: float) -> dict[tuple[str, str], int]:
    tt = build_timetable(session, TUESDAY, **options)  # type: ignore[arg-type]
    return {
        (tt.stop_refs[s], tt.stop_refs[int(t)]): int(sec)
        for s, rows in enumerate(tt.transfers)
        for t, sec in rows.tolist()
    }


def test_footpaths_join_stops_of_different_feeds(session: Session) -> None:
    """Z1 (feed b) is 97 m from X1 and 75 m from X4 (feed a): walks both ways, by distance."""
    found = edges(session)
    assert found[("b:Z1", "a:X1")] == found[("a:X1", "b:Z1")] == 75
    assert ("b:Z1", "a:X2") not in found
    assert ("b:Z1", "a:X1") not in edges(session, max_transfer_walk_m=50)


def test_transfers_txt_through_the_builder(session: Session) -> None:
    """X3 to Y1 (2.2 km) takes transfers.txt's 300 s; X1 to X4 is forbidden (one way only);
    X2 has a 120 s same-stop change; changing at X3 is forbidden; station ST's 240 s rule
    covers its platforms, P1's own 30 s wins."""
    tt = build_timetable(session, TUESDAY)
    index = {ref: i for i, ref in enumerate(tt.stop_refs)}
    found = edges(session)
    assert found[("a:X3", "a:Y1")] == 300
    assert ("a:X1", "a:X4") not in found
    assert found[("a:X4", "a:X1")] == 86
    assert (index["a:X1"], index["a:X4"]) in tt.forbidden
    assert (index["a:X3"], index["a:X3"]) in tt.forbidden
    same_stop = dict(zip(tt.stop_refs, tt.min_transfer_s.tolist(), strict=True))
    assert same_stop["a:X2"] == 120
    assert (same_stop["a:P1"], same_stop["a:P2"], same_stop["a:X1"]) == (30, 240, -1)
    assert found[("a:P1", "a:P2")] == 240


def test_without_walking_only_transfers_txt_connects_stops(session: Session) -> None:
    """max_transfer_walk_m=0: no footpaths or station walks, transfers.txt edges remain."""
    found = edges(session, max_transfer_walk_m=0)
    assert found == {
        ("a:X3", "a:Y1"): 300,
        ("a:P1", "a:P2"): 240,
        ("a:P2", "a:P1"): 240,
        ("a:P1", "a:ST"): 240,
        ("a:ST", "a:P1"): 240,
        ("a:P2", "a:ST"): 240,
        ("a:ST", "a:P2"): 240,
    }


def test_default_same_stop_change_time_fills_stops_without_data(session: Session) -> None:
    """default_min_transfer_s=60 sets 60 s wherever transfers.txt gives no same-stop time."""
    tt = build_timetable(session, date(2024, 3, 5), default_min_transfer_s=60)
    same_stop = dict(zip(tt.stop_refs, tt.min_transfer_s.tolist(), strict=True))
    assert same_stop["a:X1"] == same_stop["b:Z1"] == 60
    assert same_stop["a:X2"] == 120


def test_with_walking_recomputes_transfers_for_other_options(session: Session) -> None:
    """Transfers for 50 m at 1 m/s from the kept inputs equal a build with those options,
    and the trips are the very same objects."""
    tt, inputs = build_timetable_and_inputs(session, TUESDAY)
    slow = with_walking(tt, inputs, max_transfer_walk_m=50, walk_speed_mps=1.0)
    direct = build_timetable(session, TUESDAY, max_transfer_walk_m=50, walk_speed_mps=1.0)
    assert [t.tolist() for t in slow.transfers] == [t.tolist() for t in direct.transfers]
    assert slow.forbidden == direct.forbidden
    assert slow.trips is tt.trips
    assert slow.pattern_departures is tt.pattern_departures
    other, _ = build_timetable_and_inputs(session, TUESDAY, feeds=["b"])
    with pytest.raises(ValueError, match="another timetable"):
        with_walking(other, inputs)
