"""Several classes: PCE-weighted volumes, per-class fixed costs, one shared congestion."""

from __future__ import annotations

import numpy as np
import pytest

from routing.algorithms.assignment import Method, StoppingCriterion, TrafficClass, assign
from tests.routing.assignment.networks import braess, tntp_problem


@pytest.mark.parametrize("method", ["path", "bfw"])
def test_trucks_count_by_pce(method: Method) -> None:
    """Cars plus trucks of 2.5 PCE give the PCE volumes of one class with demand
    cars + 2.5 x trucks (equilibrium volumes are unique), and class volumes add up."""
    net, traffic = tntp_problem("SiouxFalls")
    cars = traffic.demand * 0.7
    trucks = traffic.demand * 0.3 / 2.5
    stop = StoppingCriterion(gap=1e-6)
    mixed = assign(
        net,
        [TrafficClass(cars, name="car"), TrafficClass(trucks, pce=2.5, name="truck")],
        method=method,
        stop=stop,
    )
    single = assign(net, [TrafficClass(cars + 2.5 * trucks)], method=method, stop=stop)
    assert mixed.converged
    assert single.converged
    np.testing.assert_allclose(mixed.volume, single.volume, rtol=0, atol=2e-3 * single.volume.max())
    np.testing.assert_allclose(
        mixed.volume, mixed.class_volume[0] + 2.5 * mixed.class_volume[1], rtol=1e-12
    )
    assert mixed.class_volume.shape == (2, net.n_links)


@pytest.mark.parametrize("method", ["path", "bfw"])
def test_a_fixed_cost_steers_one_class_only(method: Method) -> None:
    """On Braess, a toll (as time) on the middle link 2 -> 3 for trucks alone: trucks leave it,
    cars still use it, and both classes are at equilibrium on their own costs."""
    net, cars = braess(demand=4.0)
    toll = np.zeros(net.n_links)
    toll[3] = 1000.0
    trucks = TrafficClass(np.array([[0.0, 2.0], [0.0, 0.0]]), fixed_cost=toll, name="truck")
    result = assign(net, [cars, trucks], method=method, stop=StoppingCriterion(gap=1e-8))
    assert result.converged
    assert result.class_volume[1, 3] == pytest.approx(0.0, abs=1e-6)
    assert result.class_volume[0, 3] > 0.1
    assert result.class_volume[1].sum() == pytest.approx(4.0)  # 2 trucks, two links each
    if method == "path":
        assert result.paths is not None
        times = result.travel_time
        for od in range(result.paths.od_origin.shape[0]):
            k = result.paths.od_class[od]
            fixed = toll if k == 1 else np.zeros(net.n_links)
            costs = [
                float((times[links] + fixed[links]).sum())
                for links, flow in result.paths.paths(od)
                if flow > 0
            ]
            assert max(costs) - min(costs) <= 1e-5 * min(costs)
