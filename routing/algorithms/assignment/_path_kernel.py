"""The compiled sweeps of the path-based method (numba): path sets and flow shifts in place.

Paths live in a pool: path ``j`` has ``p_len[j]`` links at ``pool[p_start[j]:]`` (destination
first, as read off a shortest-path tree), ``p_flow[j]`` vehicles, and ``p_next[j]``, the next
path of its OD pair (``od_head[i]`` starts OD pair ``i``'s list; -1 ends it). A path whose flow
is shifted away entirely is unlinked; its pool slots become waste, reclaimed by `compact`.

``counters`` holds ``[paths used, pool slots used, pool slots wasted, mark stamp]``; the
sweeps add to ``excess[0]`` the PCE-weighted excess cost ``sum f_p (c_p - c_basic)`` of the
path sets as they find them: the gap within the current path sets, before balancing.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from routing.algorithms.assignment._bpr import link_time, link_time_derivative
from routing.algorithms.assignment._shortest_paths import tree

N_PATHS, POOL_USED, WASTED, STAMP = 0, 1, 2, 3
NEWTON_STEPS = 8
# A shift stops refining once the cost difference is below this share of where it started.
NEWTON_TOLERANCE = 1e-3


@nb.njit(cache=True, inline="always")
def _path_cost(
    j: int,
    p_start: np.ndarray,
    p_len: np.ndarray,
    pool: np.ndarray,
    time: np.ndarray,
    fixed_k: np.ndarray,
) -> float:
    c = 0.0
    for q in range(p_start[j], p_start[j] + p_len[j]):
        a = pool[q]
        c += time[a] + fixed_k[a]
    return c


@nb.njit(cache=True, inline="always")
def _move(
    a: int,
    dv: float,
    dx: float,
    k: int,
    t0: np.ndarray,
    bb: np.ndarray,
    pw: np.ndarray,
    cap: np.ndarray,
    time: np.ndarray,
    volume: np.ndarray,
    class_flow: np.ndarray,
) -> None:
    """Add ``dx`` vehicles of class ``k`` (``dv`` PCE) to link ``a`` and refresh its time."""
    x = volume[a] + dv
    volume[a] = x if x > 0.0 else 0.0
    class_flow[k, a] += dx
    time[a] = link_time(t0[a], bb[a], pw[a], cap[a], volume[a])


@nb.njit(cache=True)
def equilibrate_od(
    i: int,
    k: int,
    pce_k: float,
    t0: np.ndarray,
    bb: np.ndarray,
    pw: np.ndarray,
    cap: np.ndarray,
    fixed_k: np.ndarray,
    time: np.ndarray,
    volume: np.ndarray,
    class_flow: np.ndarray,
    od_head: np.ndarray,
    p_next: np.ndarray,
    p_flow: np.ndarray,
    p_start: np.ndarray,
    p_len: np.ndarray,
    pool: np.ndarray,
    counters: np.ndarray,
    excess: np.ndarray,
    mark_b: np.ndarray,
    mark_p: np.ndarray,
    minus_buf: np.ndarray,
    plus_buf: np.ndarray,
) -> None:
    """Shift flow of OD pair ``i`` from each path to its cheapest one (projected Newton).

    Each shift solves ``cost(p) = cost(basic)`` for the amount moved, within ``[0, flow(p)]``,
    by Newton steps inside a shrinking bracket: one Newton step, the textbook gradient
    projection move, overshoots badly on BPR powers of 10 or more (Barcelona).
    """
    first = od_head[i]
    if first < 0 or p_next[first] < 0:
        return  # a single path: nothing to balance
    basic = -1
    best = np.inf
    j = first
    while j >= 0:
        c = _path_cost(j, p_start, p_len, pool, time, fixed_k)
        if c < best:
            best = c
            basic = j
        j = p_next[j]
    counters[STAMP] += 1
    stamp = counters[STAMP]
    b0, bl = p_start[basic], p_len[basic]
    for q in range(b0, b0 + bl):
        mark_b[pool[q]] = stamp
    prev = -1
    j = first
    while j >= 0:
        nxt = p_next[j]
        if j == basic:
            prev = j
            j = nxt
            continue
        # The links of p and not of basic lose flow; those of basic and not of p gain it.
        n_minus = 0
        g0 = 0.0
        for q in range(p_start[j], p_start[j] + p_len[j]):
            a = pool[q]
            mark_p[a] = stamp
            if mark_b[a] != stamp:
                minus_buf[n_minus] = a
                n_minus += 1
                g0 += time[a] + fixed_k[a]
        n_plus = 0
        for q in range(b0, b0 + bl):
            a = pool[q]
            if mark_p[a] != stamp:
                plus_buf[n_plus] = a
                n_plus += 1
                g0 -= time[a] + fixed_k[a]
        for q in range(p_start[j], p_start[j] + p_len[j]):
            mark_p[pool[q]] = 0  # p's marks must not outlive this pair of paths
        f = p_flow[j]
        delta = 0.0
        if g0 > 0.0 and f > 0.0:
            excess[0] += pce_k * f * g0
            # g(d): cost difference p - basic after moving d vehicles; decreasing in d.
            lo, hi = 0.0, f
            g_at_f = 0.0
            for m in range(n_minus):
                a = minus_buf[m]
                g_at_f += link_time(t0[a], bb[a], pw[a], cap[a], volume[a] - pce_k * f)
                g_at_f += fixed_k[a]
            for m in range(n_plus):
                a = plus_buf[m]
                g_at_f -= link_time(t0[a], bb[a], pw[a], cap[a], volume[a] + pce_k * f)
                g_at_f += -fixed_k[a]
            if g_at_f >= 0.0:
                delta = f
            else:
                d = 0.0
                g = g0
                for _ in range(NEWTON_STEPS):
                    h = 0.0
                    for m in range(n_minus):
                        a = minus_buf[m]
                        h += link_time_derivative(
                            t0[a], bb[a], pw[a], cap[a], volume[a] - pce_k * d
                        )
                    for m in range(n_plus):
                        a = plus_buf[m]
                        h += link_time_derivative(
                            t0[a], bb[a], pw[a], cap[a], volume[a] + pce_k * d
                        )
                    h *= pce_k
                    step = d + g / h if h > 0.0 else hi
                    if not lo < step < hi:
                        step = 0.5 * (lo + hi)
                    d = step
                    g = 0.0
                    for m in range(n_minus):
                        a = minus_buf[m]
                        g += link_time(t0[a], bb[a], pw[a], cap[a], volume[a] - pce_k * d)
                        g += fixed_k[a]
                    for m in range(n_plus):
                        a = plus_buf[m]
                        g -= link_time(t0[a], bb[a], pw[a], cap[a], volume[a] + pce_k * d)
                        g -= fixed_k[a]
                    if g > 0.0:
                        lo = d
                    else:
                        hi = d
                    if abs(g) <= NEWTON_TOLERANCE * g0:
                        break
                delta = d
        if delta > 0.0:
            for m in range(n_minus):
                _move(
                    minus_buf[m],
                    -pce_k * delta,
                    -delta,
                    k,
                    t0,
                    bb,
                    pw,
                    cap,
                    time,
                    volume,
                    class_flow,
                )
            for m in range(n_plus):
                _move(
                    plus_buf[m], pce_k * delta, delta, k, t0, bb, pw, cap, time, volume, class_flow
                )
            p_flow[basic] += delta
            p_flow[j] = f - delta
        if delta >= f:
            # Emptied: unlink it. The basic path is never emptied, so the list keeps a head.
            p_flow[j] = 0.0
            counters[WASTED] += p_len[j]
            if prev < 0:
                od_head[i] = nxt
            else:
                p_next[prev] = nxt
        else:
            prev = j
        j = nxt


@nb.njit(cache=True)
def sweep(
    generate: bool,
    start_group: int,
    csr_start: np.ndarray,
    csr_head: np.ndarray,
    csr_link: np.ndarray,
    tail: np.ndarray,
    first_thru: int,
    t0: np.ndarray,
    bb: np.ndarray,
    pw: np.ndarray,
    cap: np.ndarray,
    pce: np.ndarray,
    fixed: np.ndarray,
    grp_class: np.ndarray,
    grp_origin: np.ndarray,
    grp_start: np.ndarray,
    od_dest: np.ndarray,
    od_demand: np.ndarray,
    time: np.ndarray,
    volume: np.ndarray,
    class_flow: np.ndarray,
    od_head: np.ndarray,
    p_next: np.ndarray,
    p_flow: np.ndarray,
    p_start: np.ndarray,
    p_len: np.ndarray,
    pool: np.ndarray,
    counters: np.ndarray,
    excess: np.ndarray,
    dist: np.ndarray,
    pred: np.ndarray,
    order: np.ndarray,
    heap: np.ndarray,
    pos: np.ndarray,
    mark_b: np.ndarray,
    mark_p: np.ndarray,
    path_buf: np.ndarray,
    minus_buf: np.ndarray,
    plus_buf: np.ndarray,
) -> int:
    """One pass over the (class, origin) groups from `start_group`.

    With `generate`, each group first gets a shortest-path tree at the current times (times
    change as flows shift: Gauss-Seidel), and each OD pair's shortest path joins its set if new
    (a new pair's first path takes the whole demand). Then each pair's flows are balanced.

    Returns the number of groups, or the group to resume from after the caller has grown the
    path arrays or the pool (which happens when they are nearly full).
    """
    n_groups = int(grp_class.shape[0])
    for g in range(start_group, n_groups):
        k = grp_class[g]
        pce_k = pce[k]
        fixed_k = fixed[k]
        o = grp_origin[g]
        if generate:
            tree(
                o,
                csr_start,
                csr_head,
                csr_link,
                time,
                fixed_k,
                first_thru,
                dist,
                pred,
                order,
                heap,
                pos,
            )
        for i in range(grp_start[g], grp_start[g + 1]):
            if generate:
                d = od_dest[i]
                length = 0
                a = pred[d]
                while a >= 0:
                    path_buf[length] = a
                    length += 1
                    a = pred[tail[a]]
                found = False
                j = od_head[i]
                while j >= 0 and not found:
                    if p_len[j] == length:
                        s = p_start[j]
                        same = True
                        for q in range(length):
                            if pool[s + q] != path_buf[q]:
                                same = False
                                break
                        found = same
                    j = p_next[j]
                if not found:
                    n_paths, used = counters[N_PATHS], counters[POOL_USED]
                    if n_paths >= p_flow.shape[0] or used + length > pool.shape[0]:
                        return g  # full: the caller grows the arrays and resumes here
                    pool[used : used + length] = path_buf[:length]
                    p_start[n_paths] = used
                    p_len[n_paths] = length
                    p_next[n_paths] = od_head[i]
                    p_flow[n_paths] = 0.0
                    if od_head[i] < 0:
                        q_od = od_demand[i]
                        p_flow[n_paths] = q_od
                        for q in range(length):
                            _move(
                                path_buf[q],
                                pce_k * q_od,
                                q_od,
                                k,
                                t0,
                                bb,
                                pw,
                                cap,
                                time,
                                volume,
                                class_flow,
                            )
                    od_head[i] = n_paths
                    counters[N_PATHS] = n_paths + 1
                    counters[POOL_USED] = used + length
            equilibrate_od(
                i,
                k,
                pce_k,
                t0,
                bb,
                pw,
                cap,
                fixed_k,
                time,
                volume,
                class_flow,
                od_head,
                p_next,
                p_flow,
                p_start,
                p_len,
                pool,
                counters,
                excess,
                mark_b,
                mark_p,
                minus_buf,
                plus_buf,
            )
    return n_groups


@nb.njit(cache=True)
def load_paths(
    od_class: np.ndarray,
    od_head: np.ndarray,
    p_next: np.ndarray,
    p_flow: np.ndarray,
    p_start: np.ndarray,
    p_len: np.ndarray,
    pool: np.ndarray,
    class_flow: np.ndarray,
) -> None:
    """Class link flows from the path flows (clears rounding drift of the shifts)."""
    class_flow[:] = 0.0
    for i in range(od_head.shape[0]):
        k = od_class[i]
        j = od_head[i]
        while j >= 0:
            f = p_flow[j]
            for q in range(p_start[j], p_start[j] + p_len[j]):
                class_flow[k, pool[q]] += f
            j = p_next[j]


@nb.njit(cache=True)
def compact(
    od_head: np.ndarray,
    p_next: np.ndarray,
    p_flow: np.ndarray,
    p_start: np.ndarray,
    p_len: np.ndarray,
    pool: np.ndarray,
    new_pool: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, int]:
    """Copy the live paths, in OD order, into fresh arrays (same capacities) and `new_pool`.

    Returns (od_head, p_next, p_flow, p_start, p_len) rewritten with the paths used and pool
    slots used. The paths of OD pair ``i`` end up consecutive.
    """
    cap = p_flow.shape[0]
    n_next = np.full(cap, -1, dtype=np.int64)
    n_flow = np.zeros(cap)
    n_start = np.zeros(cap, dtype=np.int64)
    n_len = np.zeros(cap, dtype=np.int64)
    n_paths = 0
    used = 0
    for i in range(od_head.shape[0]):
        j = od_head[i]
        od_head[i] = -1
        last = -1
        while j >= 0:
            length = p_len[j]
            new_pool[used : used + length] = pool[p_start[j] : p_start[j] + length]
            n_start[n_paths] = used
            n_len[n_paths] = length
            n_flow[n_paths] = p_flow[j]
            if last < 0:
                od_head[i] = n_paths
            else:
                n_next[last] = n_paths
            last = n_paths
            n_paths += 1
            used += length
            j = p_next[j]
    return od_head, n_next, n_flow, n_start, n_len, n_paths, used
