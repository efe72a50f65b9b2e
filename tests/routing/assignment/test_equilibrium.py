"""User equilibrium: known solutions, Wardrop's condition on the used paths, the gap reached."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mobility.traffic.tntp import read_net, read_trips
from routing.algorithms.assignment import (
    AssignmentNetwork,
    AssignmentResult,
    Method,
    StoppingCriterion,
    TrafficClass,
    UnreachableDemand,
    assign,
    class_from_tntp,
    generalized_cost,
    network_from_tntp,
)
from tests.routing.assignment.networks import (
    FILES,
    KNOWN_OBJECTIVE,
    braess,
    naive_times,
    tntp_folder,
    tntp_problem,
)


def wardrop_excess(net: AssignmentNetwork, result: AssignmentResult) -> tuple[float, float]:
    """(worst, average) relative excess cost of used paths over their OD pair's cheapest path.

    Costs are recomputed here from the volumes with the textbook BPR formula, independently of
    the solver's own times.
    """
    assert result.paths is not None
    times = naive_times(net, result.volume)
    worst = excess = total = 0.0
    for od in range(result.paths.od_origin.shape[0]):
        paths = result.paths.paths(od)
        costs = [float(times[links].sum()) for links, _ in paths]
        cheapest = min(costs)
        for cost, (_, flow) in zip(costs, paths, strict=True):
            if flow > 0:
                worst = max(worst, (cost - cheapest) / cheapest)
                excess += flow * (cost - cheapest)
                total += flow * cheapest
    return worst, excess / total


def check_flows(net: AssignmentNetwork, traffic: TrafficClass, result: AssignmentResult) -> None:
    """Path flows add up to the demand of each OD pair and to the link volumes."""
    paths = result.paths
    assert paths is not None
    demand = traffic.demand
    for od in range(paths.od_origin.shape[0]):
        loaded = sum(flow for _, flow in paths.paths(od))
        o, d = paths.od_origin[od], paths.od_destination[od]
        assert loaded == pytest.approx(demand[o, d], rel=1e-9)
        for links, _ in paths.paths(od):
            assert net.tail[links[-1]] == o
            assert net.head[links[0]] == d
            # consecutive (destination first): each link's tail is the next link's head
            assert (net.tail[links[:-1]] == net.head[links[1:]]).all()
    volume = np.zeros(net.n_links)
    for j in range(paths.path_flow.shape[0]):
        np.add.at(volume, paths.links[paths.path_start[j] : paths.path_start[j + 1]],
                  paths.path_flow[j])  # fmt: skip
    np.testing.assert_allclose(volume, result.volume, rtol=1e-9, atol=1e-6)
    off_diagonal = demand.sum() - np.trace(demand)
    assert paths.path_flow.sum() == pytest.approx(off_diagonal, rel=1e-12)


@pytest.mark.parametrize("method", ["path", "bfw"])
def test_braess_equilibrium(method: Method) -> None:
    """Braess with 6 trips: 2 on each path, every path costs 92."""
    net, traffic = braess()
    result = assign(net, [traffic], method=method, stop=StoppingCriterion(gap=1e-9))
    assert result.converged
    np.testing.assert_allclose(result.volume, [4, 2, 2, 2, 4], atol=1e-4)
    assert result.travel_time[[0, 2]].sum() == pytest.approx(92, rel=1e-6)
    if method == "path":
        assert result.paths is not None
        paths = result.paths.paths(0)
        assert sorted(round(flow, 6) for _, flow in paths) == [2.0, 2.0, 2.0]


def test_sioux_falls_path_based_reaches_wardrop() -> None:
    """Sioux Falls at gap 1e-6: the best known objective, and every used path of every OD pair
    within 100 x gap of the pair's cheapest (on average within the gap)."""
    net, traffic = tntp_problem("SiouxFalls")
    gap = 1e-6
    result = assign(net, [traffic], method="path", stop=StoppingCriterion(gap=gap))
    assert result.converged
    assert result.relative_gap <= gap
    assert result.objective == pytest.approx(KNOWN_OBJECTIVE["SiouxFalls"], rel=1e-7)
    worst, average = wardrop_excess(net, result)
    assert worst <= 100 * gap
    assert average <= gap
    check_flows(net, traffic, result)


def test_sioux_falls_methods_agree() -> None:
    """BFW and the path-based method reach the same link volumes (equilibrium volumes are
    unique for strictly increasing costs)."""
    net, traffic = tntp_problem("SiouxFalls")
    stop = StoppingCriterion(gap=1e-6)
    path = assign(net, [traffic], method="path", stop=stop)
    bfw = assign(net, [traffic], method="bfw", stop=stop)
    assert bfw.converged
    assert path.converged
    np.testing.assert_allclose(bfw.volume, path.volume, rtol=0, atol=1e-3 * path.volume.max())
    assert bfw.objective == pytest.approx(path.objective, rel=1e-7)
    assert np.all(np.diff(bfw.gap_history[-20:]) < 1)
    assert bfw.gap_history[-1] <= 1e-6


def test_anaheim_equilibrium() -> None:
    """Anaheim at gap 1e-5 (zones barred as through nodes): Wardrop holds path by path."""
    net, traffic = tntp_problem("Anaheim")
    gap = 1e-5
    result = assign(net, [traffic], method="path", stop=StoppingCriterion(gap=gap))
    assert result.converged
    worst, average = wardrop_excess(net, result)
    assert worst <= 100 * gap
    assert average <= gap
    check_flows(net, traffic, result)
    # no path passes through a zone
    paths = result.paths
    assert paths is not None
    for od in range(paths.od_origin.shape[0]):
        for links, _ in paths.paths(od):
            assert (net.tail[links[:-1]] >= net.first_thru).all()


@pytest.mark.parametrize("name", ["Barcelona", "Winnipeg"])
def test_tiny_b_large_power_networks_converge(name: str) -> None:
    """Barcelona and Winnipeg (B down to 1e-71, p up to 16.8): finite numbers throughout, the
    gap reached, and the best known objective."""
    net, traffic = tntp_problem(name)
    result = assign(net, [traffic], method="path", stop=StoppingCriterion(gap=1e-5))
    assert result.converged
    assert np.isfinite(result.volume).all()
    assert np.isfinite(result.travel_time).all()
    assert np.isfinite(result.gap_history).all()
    assert result.objective == pytest.approx(KNOWN_OBJECTIVE[name], rel=1e-5)


def test_chicago_sketch_with_its_distance_cost() -> None:
    """Chicago-Sketch with its README's generalized cost (0.04 min a mile, 0.02 min a cent of
    toll) as a fixed per-link cost: the best known objective, 17,313,018.74."""
    folder = tntp_folder("Chicago-Sketch")
    net = read_net(folder / FILES["Chicago-Sketch"][0])
    demand = read_trips(folder / FILES["Chicago-Sketch"][1])
    fixed = generalized_cost(net, toll_factor=0.02, distance_factor=0.04)
    traffic = class_from_tntp(demand, fixed_cost=fixed, n_zones=net.n_zones)
    result = assign(network_from_tntp(net), [traffic], stop=StoppingCriterion(gap=1e-5))
    assert result.converged
    assert result.objective == pytest.approx(17313018.7387477, rel=1e-5)


def test_barcelona_bfw_is_robust() -> None:
    """BFW on Barcelona: no NaN or inf, and the gap falls to 1e-4."""
    net, traffic = tntp_problem("Barcelona")
    result = assign(net, [traffic], method="bfw", stop=StoppingCriterion(gap=1e-4))
    assert result.converged
    assert np.isfinite(result.volume).all()
    assert np.isfinite(result.gap_history).all()
    assert result.gap_history[-1] < result.gap_history[0] / 100


def test_stopping_by_iterations_and_time() -> None:
    """An iteration limit or a time budget stops the run unconverged, with its history."""
    net, traffic = tntp_problem("SiouxFalls")
    for method in ("path", "bfw"):
        result = assign(
            net, [traffic], method=method, stop=StoppingCriterion(gap=0.0, max_iterations=3)
        )
        assert not result.converged
        assert result.iterations == 3
        assert result.gap_history.shape == (3,)
        timed = assign(
            net,
            [traffic],
            method=method,
            stop=StoppingCriterion(gap=0.0, max_iterations=10**6, time_budget_s=0.05),
        )
        assert not timed.converged
        assert timed.run_time_s < 5


def test_unreachable_demand_is_an_error() -> None:
    """A trip to a zone no link reaches raises UnreachableDemand (a ValueError)."""
    net = AssignmentNetwork.from_links(
        np.array([0]), np.array([1]), np.ones(1), np.ones(1), np.zeros(1), np.ones(1),
        n_zones=3,
    )  # fmt: skip
    demand = np.zeros((3, 3))
    demand[0, 2] = 1.0
    for method in ("path", "bfw"):
        with pytest.raises(UnreachableDemand):
            assign(net, [TrafficClass(demand)], method=method)


def test_parameter_objects_validate_themselves() -> None:
    """Bad parameters fail at construction with a message."""
    with pytest.raises(ValueError, match="gap"):
        StoppingCriterion(gap=-1)
    with pytest.raises(ValueError, match="pce"):
        TrafficClass(np.zeros((2, 2)), pce=0)
    with pytest.raises(ValueError, match="square"):
        TrafficClass(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="capacity"):
        AssignmentNetwork.from_links(
            np.array([0]), np.array([1]), np.ones(1), np.zeros(1), np.ones(1), np.ones(1),
            n_zones=2,
        )  # fmt: skip


@given(seed=st.integers(0, 100_000))
@settings(max_examples=12, deadline=None)
def test_methods_agree_on_random_networks(seed: int) -> None:
    """On small random networks (a two-way ring plus random chords, strictly increasing BPR
    costs, so equilibrium volumes are unique) both methods reach the same volumes."""
    rng = np.random.default_rng(seed)
    n_nodes, n_zones = int(rng.integers(5, 12)), 4
    ring = np.arange(n_nodes)
    chords = rng.integers(0, n_nodes, (2, int(rng.integers(0, 2 * n_nodes))))
    chords = chords[:, chords[0] != chords[1]]
    tail = np.concatenate([ring, (ring + 1) % n_nodes, chords[0]])
    head = np.concatenate([(ring + 1) % n_nodes, ring, chords[1]])
    n = int(tail.shape[0])
    net = AssignmentNetwork.from_links(
        tail, head, rng.uniform(1, 10, n), rng.uniform(5, 50, n), np.full(n, 0.15),
        rng.uniform(1, 5, n), n_zones=n_zones, n_nodes=n_nodes, first_thru=0,
    )  # fmt: skip
    demand = rng.uniform(0, 30, (n_zones, n_zones))
    stop = StoppingCriterion(gap=1e-9, max_iterations=3000)
    path = assign(net, [TrafficClass(demand)], method="path", stop=stop)
    bfw = assign(net, [TrafficClass(demand)], method="bfw", stop=stop)
    assert path.converged
    assert bfw.relative_gap <= 1e-6
    np.testing.assert_allclose(bfw.volume, path.volume, rtol=0, atol=1e-3 * path.volume.max())
