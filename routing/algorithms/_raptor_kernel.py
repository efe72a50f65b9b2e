"""The compiled RAPTOR rounds (numba): arrays in, labels updated in place.

Kept apart from `raptor.py` so the Python side (parameters, journeys) reads plainly. One
signature only, so numba compiles it once per process (and caches it on disk).

Labels, per round ``k`` (``k`` trips taken) and stop ``s``; all "best with at most k trips",
made monotone by copying round ``k - 1`` into round ``k`` before the round:

- ``trip_best[k, s]``: earliest arrival at ``s`` alighting from a vehicle;
- ``ready_best[k, s]``: earliest time one can board a vehicle at ``s`` (access walk, change at
  the same stop after ``min_transfer_s``, or a footpath from another stop).

``*_src[k, s]`` is the round whose parent arrays describe the label; parents are written only in
that round. Continuation rides (staying seated on a block) are recorded per trip.
"""

from __future__ import annotations

import numba as nb
import numpy as np

INF = np.int32(2**31 - 1)


@nb.njit(cache=True)
def run_rounds(
    pat_stop_start: np.ndarray,
    pat_stops: np.ndarray,
    pat_trip_start: np.ndarray,
    pat_st_start: np.ndarray,
    row_trip: np.ndarray,
    dep: np.ndarray,
    arr: np.ndarray,
    pickup: np.ndarray,
    dropoff: np.ndarray,
    sp_start: np.ndarray,
    sp_pattern: np.ndarray,
    sp_pos: np.ndarray,
    tr_start: np.ndarray,
    tr_to: np.ndarray,
    tr_s: np.ndarray,
    same_ok: np.ndarray,
    trip_row: np.ndarray,
    trip_pattern: np.ndarray,
    block_next: np.ndarray,
    mt: np.ndarray,
    stop_ok: np.ndarray,
    trip_ok: np.ndarray,
    src_stop: np.ndarray,
    src_walk: np.ndarray,
    egress: np.ndarray,
    departure: np.int64,
    n_rounds: np.int64,
    trip_best: np.ndarray,
    trip_src: np.ndarray,
    trip_trip: np.ndarray,
    trip_bpos: np.ndarray,
    trip_apos: np.ndarray,
    trip_bround: np.ndarray,
    ready_best: np.ndarray,
    ready_src: np.ndarray,
    ready_kind: np.ndarray,
    ready_from: np.ndarray,
    cont_prev: np.ndarray,
    cont_bpos: np.ndarray,
    cont_bround: np.ndarray,
    cont_seen: np.ndarray,
    stamp: np.int64,
    tgt_best: np.ndarray,
    tgt_stop: np.ndarray,
    tgt_new: np.ndarray,
) -> None:
    """Run rounds 0..n_rounds for one departure, improving the labels in place.

    ``tgt_new[k]`` is set to 1 where the best arrival at the destination with ``<= k`` trips
    improved during this call; ``tgt_stop[k]`` is then the target stop it arrives through.
    """
    n_stops = ready_best.shape[1]
    n_pat = pat_stop_start.shape[0] - 1
    has_blocks = cont_prev.shape[1] == block_next.shape[0] and block_next.shape[0] > 0
    marked = np.zeros(n_stops, dtype=np.uint8)
    marked_list = np.empty(n_stops, dtype=np.int64)
    n_marked = 0
    improved = np.zeros(n_stops, dtype=np.uint8)
    improved_list = np.empty(n_stops, dtype=np.int64)
    pat_first = np.full(n_pat, -1, dtype=np.int64)
    pat_list = np.empty(n_pat, dtype=np.int64)
    dest_row = np.full(n_pat if has_blocks else 0, -1, dtype=np.int64)
    dest_list = np.empty(n_pat if has_blocks else 0, dtype=np.int64)
    for k in range(n_rounds + 1):
        tgt_new[k] = 0

    # Round 0: walk to the source stops.
    for j in range(src_stop.shape[0]):
        s = src_stop[j]
        t = departure + src_walk[j]
        if stop_ok[s] and t < ready_best[0, s] and t < tgt_best[0]:
            ready_best[0, s] = t
            ready_src[0, s] = 0
            ready_kind[0, s] = 0
            ready_from[0, s] = -1
            if not marked[s]:
                marked[s] = 1
                marked_list[n_marked] = s
                n_marked += 1

    for k in range(1, n_rounds + 1):
        # Monotone labels: what k - 1 trips reach, k trips reach too.
        if tgt_best[k - 1] < tgt_best[k]:
            tgt_best[k] = tgt_best[k - 1]
            tgt_stop[k] = tgt_stop[k - 1]
        for s in range(n_stops):
            if trip_best[k - 1, s] < trip_best[k, s]:
                trip_best[k, s] = trip_best[k - 1, s]
                trip_src[k, s] = trip_src[k - 1, s]
            if ready_best[k - 1, s] < ready_best[k, s]:
                ready_best[k, s] = ready_best[k - 1, s]
                ready_src[k, s] = ready_src[k - 1, s]
        if n_marked == 0:
            continue

        # Patterns through the stops marked in round k - 1, from their first marked position.
        n_pl = 0
        for m in range(n_marked):
            s = marked_list[m]
            marked[s] = 0
            for e in range(sp_start[s], sp_start[s + 1]):
                p = sp_pattern[e]
                i = sp_pos[e]
                if pat_first[p] < 0:
                    pat_list[n_pl] = p
                    n_pl += 1
                    pat_first[p] = i
                elif i < pat_first[p]:
                    pat_first[p] = i
        n_marked = 0
        n_improved = 0
        n_dest = 0

        for q in range(n_pl):
            p = pat_list[q]
            i0 = pat_first[p]
            pat_first[p] = -1
            s0 = pat_stop_start[p]
            length = pat_stop_start[p + 1] - s0
            r0 = pat_trip_start[p]
            r1 = pat_trip_start[p + 1]
            st0 = pat_st_start[p]
            cur = -1
            cur_bpos = -1
            for i in range(i0, length):
                s = pat_stops[s0 + i]
                if cur >= 0:
                    off = st0 + (cur - r0) * length + i
                    if dropoff[off] and stop_ok[s]:
                        a = arr[off]
                        if a < trip_best[k, s] and a < tgt_best[k]:
                            trip_best[k, s] = a
                            trip_src[k, s] = k
                            trip_trip[k, s] = row_trip[cur]
                            trip_bpos[k, s] = cur_bpos
                            trip_apos[k, s] = i
                            trip_bround[k, s] = k - 1
                            if not improved[s]:
                                improved[s] = 1
                                improved_list[n_improved] = s
                                n_improved += 1
                            if egress[s] < INF and a + egress[s] < tgt_best[k]:
                                tgt_best[k] = a + egress[s]
                                tgt_stop[k] = s
                                tgt_new[k] = 1
                if i == length - 1:
                    break
                r = ready_best[k - 1, s]
                if r == INF or not stop_ok[s]:
                    continue
                if cur >= 0 and dep[st0 + (cur - r0) * length + i] < r:
                    continue
                # Earliest row departing at or after r (rows are sorted at every position).
                lo = r0
                hi = r1 if cur < 0 else cur
                while lo < hi:
                    mid = (lo + hi) // 2
                    if dep[st0 + (mid - r0) * length + i] < r:
                        lo = mid + 1
                    else:
                        hi = mid
                end = r1 if cur < 0 else cur
                while lo < end:
                    off = st0 + (lo - r0) * length + i
                    if pickup[off] and trip_ok[row_trip[lo]]:
                        break
                    lo += 1
                if lo < end:
                    cur = lo
                    cur_bpos = i
            # Stay seated: every trip of the pattern from `cur` on can be ridden to its end (flags
            # are shared and times never decrease down the rows), then on along its block: follow
            # every such chain (a step per trip, each trip once per round), and keep per pattern
            # the earliest trip reached, the only one whose stops need scanning (it dominates the
            # others there), in `dest_row`.
            if has_blocks and cur >= 0:
                for r in range(cur, r1):
                    t = row_trip[r]
                    if not trip_ok[t]:
                        continue
                    prev = t
                    end_arr = arr[st0 + (r - r0) * length + length - 1]
                    t2 = block_next[t]
                    while t2 >= 0 and trip_ok[t2] and trip_row[t2] >= 0:
                        if cont_seen[t2] == stamp * 64 + k:
                            break  # reached already this round, and its chain followed
                        p2 = trip_pattern[t2]
                        len2 = pat_stop_start[p2 + 1] - pat_stop_start[p2]
                        base2 = pat_st_start[p2] + (trip_row[t2] - pat_trip_start[p2]) * len2
                        if dep[base2] < end_arr or dep[base2] >= tgt_best[k]:
                            break
                        cont_seen[t2] = stamp * 64 + k
                        cont_prev[k, t2] = prev
                        cont_bpos[k, t2] = cur_bpos if prev == t else -1
                        cont_bround[k, t2] = k - 1
                        if dest_row[p2] < 0:
                            dest_list[n_dest] = p2
                            n_dest += 1
                            dest_row[p2] = trip_row[t2]
                        elif trip_row[t2] < dest_row[p2]:
                            dest_row[p2] = trip_row[t2]
                        prev = t2
                        end_arr = arr[base2 + len2 - 1]
                        t2 = block_next[t2]

        # Continuation rides of round k: the earliest trip reached in each pattern.
        for d in range(n_dest):
            p = dest_list[d]
            t = row_trip[dest_row[p]]
            dest_row[p] = -1
            s0 = pat_stop_start[p]
            length = pat_stop_start[p + 1] - s0
            base = pat_st_start[p] + (trip_row[t] - pat_trip_start[p]) * length
            for i in range(1, length):
                s = pat_stops[s0 + i]
                if dropoff[base + i] and stop_ok[s]:
                    a = arr[base + i]
                    if a < trip_best[k, s] and a < tgt_best[k]:
                        trip_best[k, s] = a
                        trip_src[k, s] = k
                        trip_trip[k, s] = t
                        trip_bpos[k, s] = -1
                        trip_apos[k, s] = i
                        trip_bround[k, s] = k - 1
                        if not improved[s]:
                            improved[s] = 1
                            improved_list[n_improved] = s
                            n_improved += 1
                        if egress[s] < INF and a + egress[s] < tgt_best[k]:
                            tgt_best[k] = a + egress[s]
                            tgt_stop[k] = s
                            tgt_new[k] = 1

        # Changes: at the same stop after min_transfer_s, or along a footpath.
        bound = tgt_best[k]
        for m in range(n_improved):
            s = improved_list[m]
            improved[s] = 0
            a = trip_best[k, s]
            if same_ok[s]:
                r = a + mt[s]
                if r < ready_best[k, s] and r < bound:
                    ready_best[k, s] = r
                    ready_src[k, s] = k
                    ready_kind[k, s] = 1
                    ready_from[k, s] = s
                    if not marked[s]:
                        marked[s] = 1
                        marked_list[n_marked] = s
                        n_marked += 1
            for e in range(tr_start[s], tr_start[s + 1]):
                u = tr_to[e]
                r = a + tr_s[e]
                if stop_ok[u] and r < ready_best[k, u] and r < bound:
                    ready_best[k, u] = r
                    ready_src[k, u] = k
                    ready_kind[k, u] = 2
                    ready_from[k, u] = s
                    if not marked[u]:
                        marked[u] = 1
                        marked_list[n_marked] = u
                        n_marked += 1
    for m in range(n_marked):
        marked[marked_list[m]] = 0
