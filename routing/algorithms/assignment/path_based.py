"""Path-based user equilibrium: gradient projection with column generation, per OD pair.

The scheme of Jayakrishnan, Tsai, Prashker and Rajadhyaksha (1994), "A faster path-based
algorithm for traffic assignment", with the per-pair Newton shift solved exactly:

- an iteration visits each (class, origin) in turn, builds its shortest-path tree at the
  *current* times, adds each OD pair's shortest path to the pair's path set if new, and moves
  flow from every other path of the pair to the cheapest one until their costs are equal (or
  the other path is empty). Times are updated after every move (Gauss-Seidel), so later
  origins see the effect of earlier ones;
- then up to `inner_sweeps` passes re-balance the path sets without new trees: cheap, and they
  do most of the work once the sets are nearly complete. They stop early once a pass finds the
  sets' own excess cost below a tenth of what the last gap measured (more balancing cannot
  help then; only new paths can).

Measured alternatives that lost: generating columns from the trees of the gap measurement
(Jacobi: one tree per origin less each iteration, but more iterations and no faster overall on
Chicago-Sketch, Barcelona, Winnipeg), and a fixed number of balancing passes.

Used paths of an OD pair thus end with equal costs, as user equilibrium requires; the gap is
measured after each iteration with fresh shortest paths (see `result.relative_gap`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from routing.algorithms.assignment import _path_kernel as kernel
from routing.algorithms.assignment._problem import Problem
from routing.algorithms.assignment.network import AssignmentNetwork, TrafficClass
from routing.algorithms.assignment.result import (
    AssignmentResult,
    PathSet,
    Progress,
    StoppingCriterion,
    relative_gap,
)

# At most this many balancing sweeps after each column generation; fewer once they stop paying
# (their excess cost below INNER_STOP x the last gap's excess).
INNER_SWEEPS = 16
INNER_STOP = 0.1
# Reclaim pool space once more than this share of it holds emptied paths.
WASTE_SHARE = 0.5


class _Paths:
    """The growing path arrays of the kernel, and the OD pairs they belong to."""

    def __init__(self, pb: Problem) -> None:
        classes, origins, dests, demand, groups = [], [], [], [], []
        grp_start = [0]
        for k in range(pb.n_classes):
            for o in pb.origins[k]:
                row = pb.demand[k][o]
                d = np.flatnonzero(row > 0)
                d = d[d != o]
                classes.append(np.full(d.size, k))
                origins.append(np.full(d.size, o))
                dests.append(d)
                demand.append(row[d])
                groups.append((k, o))
                grp_start.append(grp_start[-1] + d.size)
        cat = np.concatenate
        self.od_class = cat(classes).astype(np.int64) if classes else np.zeros(0, np.int64)
        self.od_origin = cat(origins).astype(np.int64) if origins else np.zeros(0, np.int64)
        self.od_dest = cat(dests).astype(np.int64) if dests else np.zeros(0, np.int64)
        self.od_demand = cat(demand).astype(np.float64) if demand else np.zeros(0)
        self.grp_class = np.array([k for k, _ in groups], dtype=np.int64)
        self.grp_origin = np.array([o for _, o in groups], dtype=np.int64)
        self.grp_start = np.array(grp_start, dtype=np.int64)
        n_od = self.od_dest.shape[0]
        self.od_head = np.full(n_od, -1, dtype=np.int64)
        capacity = max(16, 2 * n_od)
        self.p_next = np.full(capacity, -1, dtype=np.int64)
        self.p_flow = np.zeros(capacity)
        self.p_start = np.zeros(capacity, dtype=np.int64)
        self.p_len = np.zeros(capacity, dtype=np.int64)
        self.pool = np.zeros(max(4096, capacity * 8), dtype=np.int64)
        self.counters = np.zeros(4, dtype=np.int64)

    def grow(self) -> None:
        """Double whichever of the path arrays and the pool is nearly full."""
        n_paths, used = self.counters[kernel.N_PATHS], self.counters[kernel.POOL_USED]
        if n_paths + 1 >= self.p_flow.shape[0]:
            extra = self.p_flow.shape[0]
            self.p_next = np.concatenate([self.p_next, np.full(extra, -1, dtype=np.int64)])
            self.p_flow = np.concatenate([self.p_flow, np.zeros(extra)])
            self.p_start = np.concatenate([self.p_start, np.zeros(extra, dtype=np.int64)])
            self.p_len = np.concatenate([self.p_len, np.zeros(extra, dtype=np.int64)])
        if used * 2 >= self.pool.shape[0] or self.pool.shape[0] - used < 4096:
            self.pool = np.concatenate([self.pool, np.empty(self.pool.shape[0], np.int64)])

    def compact_if_wasteful(self) -> None:
        used, wasted = self.counters[kernel.POOL_USED], self.counters[kernel.WASTED]
        if wasted <= WASTE_SHARE * used:
            return
        new_pool = np.empty_like(self.pool)
        head, nxt, flow, start, length, n_paths, used = kernel.compact(
            self.od_head, self.p_next, self.p_flow, self.p_start, self.p_len, self.pool, new_pool
        )
        self.od_head, self.p_next, self.p_flow, self.p_start, self.p_len = (
            head,
            nxt,
            flow,
            start,
            length,
        )
        self.pool = new_pool
        self.counters[kernel.N_PATHS] = n_paths
        self.counters[kernel.POOL_USED] = used
        self.counters[kernel.WASTED] = 0

    def path_set(self) -> PathSet:
        """The live paths, pooled per OD pair (after a compaction, so they are consecutive)."""
        self.counters[kernel.WASTED] = self.counters[kernel.POOL_USED] + 1  # force it
        self.compact_if_wasteful()
        n_paths = int(self.counters[kernel.N_PATHS])
        count = np.zeros(self.od_head.shape[0], dtype=np.int64)
        # After compaction each OD's paths are consecutive from its head.
        heads = self.od_head
        od_paths = np.zeros(heads.shape[0] + 1, dtype=np.int64)
        has = heads >= 0
        nxt_head = np.append(heads[has][1:], n_paths)
        count[has] = nxt_head - heads[has]
        np.cumsum(count, out=od_paths[1:])
        start = np.append(self.p_start[:n_paths], self.counters[kernel.POOL_USED])
        return PathSet(
            od_class=self.od_class,
            od_origin=self.od_origin,
            od_destination=self.od_dest,
            od_paths=od_paths,
            path_flow=self.p_flow[:n_paths].copy(),
            path_start=start,
            links=self.pool[: self.counters[kernel.POOL_USED]].copy(),
        )


def solve_path_based(
    network: AssignmentNetwork,
    classes: Sequence[TrafficClass],
    stop: StoppingCriterion,
    progress: Progress | None = None,
    inner_sweeps: int = INNER_SWEEPS,
) -> AssignmentResult:
    """User equilibrium by path-based gradient projection.

    Parameters
    ----------
    network
        The links and their volume-delay parameters.
    classes
        One or more traffic classes.
    stop
        Gap target, iteration and time limits.
    progress
        Called with (iteration, gap) after each iteration.
    inner_sweeps
        At most this many balancing passes over the path sets after each column generation
        pass (fewer once a pass finds the sets balanced well below the last gap).

    Returns
    -------
    AssignmentResult
        Class and total volumes, times, the gap history and the path flows.
    """
    started = time.perf_counter()
    pb = Problem.build(network, classes)
    net = network
    n_nodes, n_links = net.n_nodes, net.n_links
    paths = _Paths(pb)
    for k in range(pb.n_classes):
        pb.all_or_nothing(k, load=False)  # raises UnreachableDemand before any work
    class_flow = np.zeros((pb.n_classes, n_links))
    volume = np.zeros(n_links)
    pb.update_times(volume)
    dist = np.empty(n_nodes)
    pred = np.empty(n_nodes, dtype=np.int64)
    order = np.empty(n_nodes, dtype=np.int64)
    heap = np.empty(n_nodes, dtype=np.int64)
    pos = np.empty(n_nodes, dtype=np.int64)
    mark_b = np.zeros(n_links, dtype=np.int64)
    mark_p = np.zeros(n_links, dtype=np.int64)
    path_buf = np.empty(n_nodes, dtype=np.int64)
    minus_buf = np.empty(n_nodes, dtype=np.int64)
    plus_buf = np.empty(n_nodes, dtype=np.int64)
    n_groups = paths.grp_class.shape[0]
    excess = np.zeros(1)

    def run(generate: bool) -> float:
        """One sweep; returns the excess cost the path sets had before it balanced them."""
        excess[0] = 0.0
        g = 0
        while True:
            g = kernel.sweep(
                generate,
                g,
                net.csr_start,
                net.csr_head,
                net.csr_link,
                net.tail,
                net.first_thru,
                net.free_flow_time,
                net.b,
                net.power,
                net.capacity,
                pb.pce,
                pb.fixed,
                paths.grp_class,
                paths.grp_origin,
                paths.grp_start,
                paths.od_dest,
                paths.od_demand,
                pb.time,
                volume,
                class_flow,
                paths.od_head,
                paths.p_next,
                paths.p_flow,
                paths.p_start,
                paths.p_len,
                paths.pool,
                paths.counters,
                excess,
                dist,
                pred,
                order,
                heap,
                pos,
                mark_b,
                mark_p,
                path_buf,
                minus_buf,
                plus_buf,
            )
            if g >= n_groups:
                return float(excess[0])
            paths.grow()

    history: list[float] = []
    gap = np.inf
    total_cost = 0.0
    iteration = 0
    while iteration < stop.max_iterations:
        iteration += 1
        run(True)
        # Balance the path sets again while that still pays: once their own excess cost is
        # well below what the gap allows, only new paths (the next iteration) can help.
        for _ in range(inner_sweeps if iteration > 1 else 0):
            if run(False) <= INNER_STOP * gap * total_cost:
                break
        # Re-derive link flows from path flows: the shifts' += and -= drift by rounding.
        kernel.load_paths(
            paths.od_class,
            paths.od_head,
            paths.p_next,
            paths.p_flow,
            paths.p_start,
            paths.p_len,
            paths.pool,
            class_flow,
        )
        volume[:] = pb.pce @ class_flow
        pb.update_times(volume)
        shortest = sum(pb.pce[k] * pb.all_or_nothing(k, load=False)[1] for k in range(pb.n_classes))
        total_cost = pb.total_cost(class_flow)
        gap = relative_gap(total_cost, float(shortest))
        history.append(gap)
        if progress is not None:
            progress(iteration, gap)
        if gap <= stop.gap or (
            stop.time_budget_s is not None and time.perf_counter() - started >= stop.time_budget_s
        ):
            break
        paths.compact_if_wasteful()
    return AssignmentResult(
        volume=volume.copy(),
        class_volume=class_flow,
        travel_time=pb.time.copy(),
        iterations=iteration,
        relative_gap=float(gap),
        gap_history=np.array(history),
        run_time_s=time.perf_counter() - started,
        converged=bool(gap <= stop.gap),
        objective=pb.objective(volume, class_flow),
        method="path",
        paths=paths.path_set(),
    )
