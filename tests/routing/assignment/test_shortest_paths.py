"""Shortest-path trees and all-or-nothing loading, against networkx and by conservation."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.algorithms.assignment import AssignmentNetwork, TrafficClass, assign
from routing.algorithms.assignment._shortest_paths import load_origins, tree


def random_network(seed: int, n_nodes: int, n_links: int, n_zones: int) -> AssignmentNetwork:
    rng = np.random.default_rng(seed)
    tail = rng.integers(0, n_nodes, n_links)
    head = (tail + rng.integers(1, n_nodes, n_links)) % n_nodes
    return AssignmentNetwork.from_links(
        tail,
        head,
        rng.uniform(0.0, 10.0, n_links),
        rng.uniform(100, 1000, n_links),
        np.full(n_links, 0.15),
        np.full(n_links, 4.0),
        n_zones=n_zones,
        n_nodes=n_nodes,
    )


def scratch(n: int) -> tuple[np.ndarray, ...]:
    return (
        np.empty(n),
        np.empty(n, dtype=np.int64),
        np.empty(n, dtype=np.int64),
        np.empty(n, dtype=np.int64),
        np.empty(n, dtype=np.int64),
    )


@given(seed=st.integers(0, 10_000), n_nodes=st.integers(2, 30), density=st.integers(1, 5))
@settings(max_examples=40, deadline=None)
def test_tree_distances_match_networkx(seed: int, n_nodes: int, density: int) -> None:
    """With no zone barred (first_thru = 0), distances equal networkx's Dijkstra."""
    net = random_network(seed, n_nodes, n_nodes * density, n_zones=1)
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(range(n_nodes))
    for a in range(net.n_links):
        graph.add_edge(int(net.tail[a]), int(net.head[a]), w=float(net.free_flow_time[a]))
    dist, pred, order, heap, pos = scratch(n_nodes)
    tree(0, net.csr_start, net.csr_head, net.csr_link, net.free_flow_time,
         np.zeros(net.n_links), 0, dist, pred, order, heap, pos)  # fmt: skip
    expected = nx.single_source_dijkstra_path_length(graph, 0, weight="w")
    for node in range(n_nodes):
        if node in expected:
            assert dist[node] == pytest.approx(expected[node], rel=1e-12, abs=1e-12)
            if node != 0:
                a = pred[node]  # the tree link into the node is tight
                assert net.head[a] == node
                assert dist[net.tail[a]] + net.free_flow_time[a] == pytest.approx(dist[node])
        else:
            assert dist[node] == np.inf


def test_zones_are_never_passed_through() -> None:
    """Zone 1 offers a shortcut 0 -> 1 -> 2 (cost 2) against 0 -> 3 -> 2 (cost 20): with zones
    barred the flow takes the long way; with first_thru = 0 it takes the shortcut."""
    tail, head = np.array([0, 1, 0, 3]), np.array([1, 2, 3, 2])
    fft = np.array([1.0, 1.0, 10.0, 10.0])
    args = (tail, head, fft, np.ones(4), np.zeros(4), np.ones(4))
    demand = np.zeros((3, 3))
    demand[0, 2] = 5.0
    demand[0, 1] = 1.0
    barred = AssignmentNetwork.from_links(*args, n_zones=3, n_nodes=4)
    for method in ("path", "bfw"):
        result = assign(barred, [TrafficClass(demand)], method=method)
        assert result.volume.tolist() == [1.0, 0.0, 5.0, 5.0]
    open_ = AssignmentNetwork.from_links(*args, n_zones=3, n_nodes=4, first_thru=0)
    result = assign(open_, [TrafficClass(demand)], method="path")
    assert result.volume.tolist() == [6.0, 5.0, 0.0, 0.0]


@given(seed=st.integers(0, 10_000))
@settings(max_examples=25, deadline=None)
def test_all_or_nothing_conserves_flow(seed: int) -> None:
    """At every node, inflow - outflow = trips ending there - trips starting there, and the
    demand-weighted cost equals the loaded flows times the link costs."""
    n_nodes, n_zones = 15, 5
    net = random_network(seed, n_nodes, 70, n_zones)
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 10, (n_zones, n_zones)) * (rng.random((n_zones, n_zones)) < 0.6)
    np.fill_diagonal(demand, 0.0)
    flows = np.zeros(net.n_links)
    cost, unreached = load_origins(
        0, 1, np.arange(n_zones), demand, net.csr_start, net.csr_head, net.csr_link, net.tail,
        net.free_flow_time, np.zeros(net.n_links), net.first_thru, True, flows,
    )  # fmt: skip
    if unreached:
        return  # a random graph may leave a pair unconnected; conservation is moot there
    balance = np.zeros(n_nodes)
    np.add.at(balance, net.head, flows)
    np.subtract.at(balance, net.tail, flows)
    expected = np.zeros(n_nodes)
    expected[:n_zones] = demand.sum(axis=0) - demand.sum(axis=1)
    np.testing.assert_allclose(balance, expected, atol=1e-9)
    assert cost == pytest.approx(float(flows @ net.free_flow_time), rel=1e-12)
