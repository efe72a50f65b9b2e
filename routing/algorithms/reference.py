"""A brute-force journey planner to check RAPTOR against: Dijkstra over timetable events.

Slow and plain on purpose. Each trip is its own sequence of events (patterns, sorting and
pruning play no part). States are "ready to board at stop s having ridden k trips" and "on trip
t at position i having ridden k trips"; every move (board, ride on, alight and change at the
stop or walk a footpath, stay seated into the block's next trip) never goes back in time, so a
Dijkstra on time gives the earliest arrival for each number of trips. The journey model is the
one of `routing.algorithms.raptor` (see its module docstring).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence

import numpy as np

from routing.algorithms.raptor import RaptorParams
from routing.algorithms.timetable import ACCESSIBLE, NOT_ACCESSIBLE, Timetable


def _accessible(flag: int, params: RaptorParams) -> bool:
    if not params.wheelchair:
        return True
    return flag == ACCESSIBLE or (flag != NOT_ACCESSIBLE and params.wheelchair_unknown_ok)


def earliest_arrivals(
    timetable: Timetable,
    sources: Sequence[tuple[int, int]],
    targets: Sequence[tuple[int, int]],
    departure: int,
    params: RaptorParams,
    arrival_limit: int | None = None,
) -> list[int | None]:
    """Earliest arrival at the destination with at most ``k`` trips, for k = 1..max_transfers+1.

    Parameters
    ----------
    timetable, sources, targets, departure, params
        As for `routing.algorithms.raptor.raptor`.
    arrival_limit
        Ignored when None; otherwise arrivals later than it count as none.

    Returns
    -------
    list[int | None]
        Entry ``k - 1`` is the earliest arrival with at most ``k`` trips, None if unreachable.
    """
    tt = timetable
    k_max = params.max_transfers + 1
    trip_at: dict[int, tuple[int, int]] = {}  # trip -> (pattern, row)
    for p, ids in enumerate(tt.pattern_trip_ids):
        for row, t in enumerate(ids):
            trip_at[int(t)] = (p, row)
    by_stop: dict[int, list[tuple[int, int, int]]] = {}  # stop -> (trip, pattern, position)
    for t, (p, _row) in trip_at.items():
        for i, s in enumerate(tt.pattern_stops[p]):
            by_stop.setdefault(int(s), []).append((t, p, i))

    def stop_ok(s: int) -> bool:
        return _accessible(int(tt.stop_wheelchair[s]), params)

    def trip_ok(t: int) -> bool:
        info = tt.trips[t]
        if t in params.excluded_trips:
            return False
        if params.route_types is not None and info.route_type not in params.route_types:
            return False
        return _accessible(info.wheelchair, params)

    def change_s(s: int) -> int:
        m = int(tt.min_transfer_s[s])
        return m if m >= 0 else params.min_transfer_s

    egress: dict[int, int] = {}
    for s, w in targets:
        egress[s] = min(w, egress.get(s, w))
    # Heap entries: (time, kind, k, a, b); kind 0 = ready at stop a;
    # 1 = boarded trip a at position b; 2 = arrived at position b of trip a.
    heap: list[tuple[int, int, int, int, int]] = []
    for s, w in sources:
        if stop_ok(s):
            heapq.heappush(heap, (departure + w, 0, 0, s, 0))
    done: set[tuple[int, int, int, int]] = set()
    best: list[int | None] = [None] * (k_max + 1)
    while heap:
        time, kind, k, a, b = heapq.heappop(heap)
        key = (kind, k, a, b)
        if key in done:
            continue
        done.add(key)
        if kind == 0:  # ready at stop a: board any trip departing here later
            if k == k_max:
                continue
            for t, p, i in by_stop.get(a, ()):
                row = trip_at[t][1]
                if i == len(tt.pattern_stops[p]) - 1 or not trip_ok(t):
                    continue
                d = int(tt.pattern_departures[p][row, i])
                if d >= time and tt.pattern_pickup[p][row, i]:
                    heapq.heappush(heap, (d, 1, k + 1, t, i))
            continue
        t, i = a, b
        p, row = trip_at[t]
        stops = tt.pattern_stops[p]
        if i + 1 < len(stops):  # ride on to the next stop (kind 2: arrived there)
            nxt = int(tt.pattern_arrivals[p][row, i + 1])
            heapq.heappush(heap, (nxt, 2, k, t, i + 1))
        if kind == 2:  # arrived at position i: alight here?
            s = int(stops[i])
            if tt.pattern_dropoff[p][row, i] and stop_ok(s):
                if s in egress:
                    arr = time + egress[s]
                    if arrival_limit is None or arr <= arrival_limit:
                        cur = best[k]
                        best[k] = arr if cur is None else min(cur, arr)
                if (s, s) not in tt.forbidden:
                    heapq.heappush(heap, (time + change_s(s), 0, k, s, 0))
                for u, sec in np.asarray(tt.transfers[s]).reshape(-1, 2):
                    u = int(u)
                    if u != s and (s, u) not in tt.forbidden and stop_ok(u):
                        heapq.heappush(heap, (time + int(sec), 0, k, u, 0))
        if i == len(stops) - 1:  # stay seated into the block's next trip
            t2 = tt.trips[t].block_next
            if t2 >= 0 and t2 in trip_at and trip_ok(t2):
                p2, row2 = trip_at[t2]
                d2 = int(tt.pattern_departures[p2][row2, 0])
                if d2 >= time:
                    heapq.heappush(heap, (d2, 1, k, t2, 0))
    out: list[int | None] = []
    running: int | None = None
    for k in range(1, k_max + 1):
        v = best[k]
        if v is not None and (running is None or v < running):
            running = v
        out.append(running)
    return out
