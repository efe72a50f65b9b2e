"""A city-sized synthetic timetable, and a timing run of the planner on it (not a test).

``python -m tests.routing.algorithms.synthetic [n_queries [n_lines [headway_s]]]`` prints
p50/p95/p99 of single-departure, 60-minute range and arrive-by queries between random stops, on
a timetable shaped like Vilnius
(about 3,000 stops, bus lines of 20-35 stops, a few hundred thousand stop times, footpaths
between stops within 400 m).
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime

import numpy as np

from routing.algorithms.raptor import RaptorParams, raptor, raptor_arrive_by, raptor_range
from routing.algorithms.timetable import Timetable, TripInfo

DAY = date(2026, 11, 22)


def synthetic_timetable(
    n_stops: int = 3000,
    n_lines: int = 180,
    seed: int = 1,
    headway_s: int = 600,
    walk_m: float = 400.0,
    blocks: bool = True,
) -> Timetable:
    """Random bus lines over stops on a 12 km square; each line runs both ways 05:00-24:00.

    Parameters
    ----------
    n_stops, n_lines
        City size.
    seed
        Random seed.
    headway_s
        Base interval between trips (peak hours run twice as often).
    walk_m
        Footpaths connect stops closer than this, at 1.3 m/s.
    blocks
        Vehicles run a line back and forth all day: each trip continues as the first trip of
        the opposite direction leaving 5 minutes after it arrives (stay seated).

    Returns
    -------
    Timetable
        A timetable satisfying `Timetable.check`.
    """
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 12_000, size=(n_stops, 2))
    p_stops: list[np.ndarray] = []
    p_dep: list[np.ndarray] = []
    p_arr: list[np.ndarray] = []
    p_ids: list[np.ndarray] = []
    p_pick: list[np.ndarray] = []
    p_drop: list[np.ndarray] = []
    trips: list[TripInfo] = []
    stop_pat: list[list[tuple[int, int]]] = [[] for _ in range(n_stops)]
    for line in range(n_lines):
        # A line wanders from a random stop towards a random far point, stop by stop.
        length = int(rng.integers(20, 36))
        here = int(rng.integers(n_stops))
        goal = rng.uniform(0, 12_000, size=2)
        seq = [here]
        for _ in range(length - 1):
            d_goal = np.linalg.norm(xy - goal, axis=1)
            d_here = np.linalg.norm(xy - xy[here], axis=1)
            score = d_goal + 0.5 * d_here
            score[seq] = np.inf
            cand = np.argsort(score)[:4]
            here = int(rng.choice(cand))
            seq.append(here)
        for direction in (seq, seq[::-1]):
            stops_a = np.array(direction, dtype=np.int32)
            hop = np.linalg.norm(np.diff(xy[stops_a], axis=0), axis=1) / 7.0 + 20  # ~25 km/h
            offsets = np.concatenate([[0], np.cumsum(np.round(hop))]).astype(np.int32)
            starts: list[int] = []
            t = 5 * 3600 + int(rng.integers(headway_s))
            while t < 24 * 3600:
                starts.append(t)
                peak = 7 * 3600 <= t < 9 * 3600 or 16 * 3600 <= t < 19 * 3600
                t += headway_s // 2 if peak else headway_s
            arr = np.array(starts, dtype=np.int32)[:, None] + offsets[None, :]
            p = len(p_stops)
            ids = np.arange(len(trips), len(trips) + len(starts), dtype=np.int32)
            trips.extend(
                TripInfo(f"S:{p}-{i}", f"S:L{line}", 3, f"L{line}", DAY) for i in range(len(starts))
            )
            p_stops.append(stops_a)
            p_arr.append(arr)
            p_dep.append(arr.copy())
            p_ids.append(ids)
            p_pick.append(np.ones(arr.shape, dtype=bool))
            p_drop.append(np.ones(arr.shape, dtype=bool))
            for i, s in enumerate(stops_a):
                stop_pat[int(s)].append((p, i))
    if blocks:
        trips = _link_blocks(trips, p_ids, p_dep, p_arr)
    transfers = []
    for s in range(n_stops):
        d = np.linalg.norm(xy - xy[s], axis=1)
        near = np.nonzero((d < walk_m) & (d > 0))[0]
        transfers.append(
            np.stack([near, np.ceil(d[near] / 1.3)], axis=1).astype(np.int32).reshape(-1, 2)
        )
    return Timetable(
        origin=datetime(2026, 11, 21, 22, tzinfo=UTC),
        stop_refs=tuple(f"S:{i}" for i in range(n_stops)),
        stop_lat=54.6 + xy[:, 1] / 111_000,
        stop_lon=25.2 + xy[:, 0] / 64_000,
        stop_wheelchair=np.zeros(n_stops, dtype=np.int8),
        pattern_stops=tuple(p_stops),
        pattern_departures=tuple(p_dep),
        pattern_arrivals=tuple(p_arr),
        pattern_trip_ids=tuple(p_ids),
        pattern_pickup=tuple(p_pick),
        pattern_dropoff=tuple(p_drop),
        stop_patterns=tuple(np.array(x, dtype=np.int32).reshape(-1, 2) for x in stop_pat),
        transfers=tuple(transfers),
        min_transfer_s=np.full(n_stops, -1, dtype=np.int32),
        forbidden=frozenset(),
        trips=tuple(trips),
    )


def _link_blocks(
    trips: list[TripInfo], ids: list[np.ndarray], deps: list[np.ndarray], arrs: list[np.ndarray]
) -> list[TripInfo]:
    nxt = [-1] * len(trips)
    for p in range(0, len(ids), 2):
        for a, b in ((p, p + 1), (p + 1, p)):
            taken: set[int] = set()
            first_b = deps[b][:, 0]
            for row, t in enumerate(ids[a]):
                j = int(np.searchsorted(first_b, arrs[a][row, -1] + 300))
                while j < len(first_b) and j in taken:
                    j += 1
                if j < len(first_b):
                    taken.add(j)
                    nxt[int(t)] = int(ids[b][j])
    return [replace(t, block_next=n) for t, n in zip(trips, nxt, strict=True)]


def _percentiles(ms: list[float]) -> str:
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms"


def main(n_queries: int = 300, n_lines: int = 180, headway_s: int = 600) -> None:
    """Time random stop-to-stop queries on the synthetic timetable."""
    t0 = time.perf_counter()
    tt = synthetic_timetable(n_lines=n_lines, headway_s=headway_s)
    tt.check()
    n_st = sum(a.size for a in tt.pattern_arrivals)
    out = sys.stdout
    out.write(
        f"timetable: {tt.n_stops} stops, {tt.n_patterns} patterns, {len(tt.trips)} trips, "
        f"{n_st} stop times, {sum(len(t) for t in tt.transfers)} footpaths, "
        f"built in {time.perf_counter() - t0:.1f} s\n"
    )
    t0 = time.perf_counter()
    raptor(tt, [(0, 0)], [(1, 0)], 8 * 3600)  # compile (or load the cache) and flatten
    out.write(f"first query (numba load/compile + flatten): {time.perf_counter() - t0:.2f} s\n")
    rng = np.random.default_rng(7)
    params = RaptorParams(max_transfers=5)
    single, rng_ms, arrive, found = [], [], [], 0
    for _ in range(n_queries):
        a, b = (int(x) for x in rng.integers(tt.n_stops, size=2))
        dep = int(rng.integers(6 * 3600, 21 * 3600))
        src = [(a, 0), *((int(u), int(s)) for u, s in tt.transfers[a][:5])]
        dst = [(b, 0), *((int(u), int(s)) for u, s in tt.transfers[b][:5])]
        t0 = time.perf_counter()
        res = raptor(tt, src, dst, dep, params)
        single.append((time.perf_counter() - t0) * 1000)
        found += bool(res.journeys)
        t0 = time.perf_counter()
        raptor_range(tt, src, dst, dep, dep + 3600, params)
        rng_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        raptor_arrive_by(tt, src, dst, dep + 3600, 3600, params)
        arrive.append((time.perf_counter() - t0) * 1000)
    out.write(f"single departure ({found}/{n_queries} answered): {_percentiles(single)}\n")
    out.write(f"60-minute range: {_percentiles(rng_ms)}\n")
    out.write(f"arrive-by, 60-minute window: {_percentiles(arrive)}\n")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]))
