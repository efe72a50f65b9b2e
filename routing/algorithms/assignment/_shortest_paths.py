"""Shortest-path trees and all-or-nothing loading (numba): arrays in, arrays filled in place.

The graph is a forward star (CSR by tail node): the arcs leaving node ``u`` are
``csr_start[u] .. csr_start[u + 1] - 1``, with head node ``csr_head[j]`` and link index
``csr_link[j]`` (into the link arrays, which keep the caller's order). Nodes below
``first_thru`` are zones: a tree may start at one but never passes through one.
"""

from __future__ import annotations

import numba as nb
import numpy as np

UNREACHED = -1
SETTLED = -2


@nb.njit(cache=True, inline="always")
def _sift_up(heap: np.ndarray, pos: np.ndarray, dist: np.ndarray, i: int) -> None:
    node = heap[i]
    key = dist[node]
    while i > 0:
        parent = (i - 1) >> 1
        above = heap[parent]
        if dist[above] <= key:
            break
        heap[i] = above
        pos[above] = i
        i = parent
    heap[i] = node
    pos[node] = i


@nb.njit(cache=True, inline="always")
def _sift_down(heap: np.ndarray, pos: np.ndarray, dist: np.ndarray, size: int) -> None:
    node = heap[0]
    key = dist[node]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        right = child + 1
        if right < size and dist[heap[right]] < dist[heap[child]]:
            child = right
        below = heap[child]
        if key <= dist[below]:
            break
        heap[i] = below
        pos[below] = i
        i = child
    heap[i] = node
    pos[node] = i


@nb.njit(cache=True)
def tree(
    origin: int,
    csr_start: np.ndarray,
    csr_head: np.ndarray,
    csr_link: np.ndarray,
    link_cost: np.ndarray,
    class_cost: np.ndarray,
    first_thru: int,
    dist: np.ndarray,
    pred: np.ndarray,
    order: np.ndarray,
    heap: np.ndarray,
    pos: np.ndarray,
) -> int:
    """Dijkstra (binary heap with decrease-key) from ``origin``; arc cost is
    ``link_cost[a] + class_cost[a]``.

    Fills ``dist`` (inf where unreached), ``pred`` (the tree link into each node, -1 at the
    origin and unreached nodes) and ``order`` (nodes in the order settled); returns how many
    were settled. ``heap`` and ``pos`` are scratch arrays of the node count.
    """
    n = dist.shape[0]
    for i in range(n):
        dist[i] = np.inf
        pred[i] = -1
        pos[i] = UNREACHED
    dist[origin] = 0.0
    heap[0] = origin
    pos[origin] = 0
    size = 1
    settled = 0
    while size > 0:
        u = heap[0]
        pos[u] = SETTLED
        size -= 1
        if size > 0:
            heap[0] = heap[size]
            _sift_down(heap, pos, dist, size)
        order[settled] = u
        settled += 1
        if u < first_thru and u != origin:
            continue  # a zone is a destination, never a way through
        du = dist[u]
        for j in range(csr_start[u], csr_start[u + 1]):
            v = csr_head[j]
            if pos[v] == SETTLED:
                continue
            a = csr_link[j]
            nd = du + link_cost[a] + class_cost[a]
            if nd < dist[v]:
                dist[v] = nd
                pred[v] = a
                if pos[v] == UNREACHED:
                    heap[size] = v
                    pos[v] = size
                    size += 1
                _sift_up(heap, pos, dist, pos[v])
    return settled


@nb.njit(cache=True)
def load_tree(
    settled: int,
    order: np.ndarray,
    pred: np.ndarray,
    tail: np.ndarray,
    node_flow: np.ndarray,
    link_flow: np.ndarray,
) -> None:
    """Add the flows ``node_flow`` (demand to each destination node) along the tree.

    Walks the settled nodes in reverse order, so each node passes its accumulated flow to its
    predecessor once: O(nodes), not O(paths x length). ``node_flow`` is consumed (zeroed).
    """
    for i in range(settled - 1, 0, -1):
        u = order[i]
        f = node_flow[u]
        if f != 0.0:
            a = pred[u]
            link_flow[a] += f
            node_flow[tail[a]] += f
            node_flow[u] = 0.0
    node_flow[order[0]] = 0.0


@nb.njit(cache=True)
def load_origins(
    first: int,
    step: int,
    origins: np.ndarray,
    demand: np.ndarray,
    csr_start: np.ndarray,
    csr_head: np.ndarray,
    csr_link: np.ndarray,
    tail: np.ndarray,
    link_cost: np.ndarray,
    class_cost: np.ndarray,
    first_thru: int,
    load: bool,
    link_flow: np.ndarray,
) -> tuple[float, int]:
    """Trees from ``origins[first::step]``, their demand added to `link_flow` (when `load`).

    ``demand[o, d]`` is the flow from zone ``o`` to zone ``d`` (``d`` also a node index).
    Returns ``sum_od demand * mincost`` and the number of OD pairs with demand but no path.
    """
    n_nodes = csr_start.shape[0] - 1
    dist = np.empty(n_nodes)
    pred = np.empty(n_nodes, dtype=np.int64)
    order = np.empty(n_nodes, dtype=np.int64)
    heap = np.empty(n_nodes, dtype=np.int64)
    pos = np.empty(n_nodes, dtype=np.int64)
    node_flow = np.zeros(n_nodes)
    cost_sum = 0.0
    unreached = 0
    for i in range(first, origins.shape[0], step):
        o = origins[i]
        settled = tree(
            o,
            csr_start,
            csr_head,
            csr_link,
            link_cost,
            class_cost,
            first_thru,
            dist,
            pred,
            order,
            heap,
            pos,
        )
        for d in range(demand.shape[1]):
            q = demand[o, d]
            if q > 0.0 and d != o:
                if dist[d] == np.inf:
                    unreached += 1
                    continue
                cost_sum += q * dist[d]
                node_flow[d] += q
        if load:
            load_tree(settled, order, pred, tail, node_flow, link_flow)
        else:
            node_flow[:] = 0.0
    return cost_sum, unreached


@nb.njit(cache=True, parallel=True)
def all_or_nothing_parallel(
    origins: np.ndarray,
    demand: np.ndarray,
    csr_start: np.ndarray,
    csr_head: np.ndarray,
    csr_link: np.ndarray,
    tail: np.ndarray,
    link_cost: np.ndarray,
    class_cost: np.ndarray,
    first_thru: int,
    load: bool,
    n_threads: int,
) -> tuple[np.ndarray, float, int]:
    """`load_origins` over all origins, dealt to `n_threads` workers.

    Each worker loads into its own row of flows, summed at the end (deterministic for a given
    thread count). Returns the link flows, ``sum_od demand * mincost`` and the unreached count.
    """
    n_links = tail.shape[0]
    flows = np.zeros((n_threads, n_links))
    cost_sums = np.zeros(n_threads)
    unreached = np.zeros(n_threads, dtype=np.int64)
    for t in nb.prange(n_threads):
        c, u = load_origins(
            t,
            n_threads,
            origins,
            demand,
            csr_start,
            csr_head,
            csr_link,
            tail,
            link_cost,
            class_cost,
            first_thru,
            load,
            flows[t],
        )
        cost_sums[t] = c
        unreached[t] = u
    return flows.sum(axis=0), cost_sums.sum(), int(unreached.sum())
