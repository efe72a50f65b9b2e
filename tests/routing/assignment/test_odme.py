"""OD matrix adjustment (Spiess's gradient method): fit to counts, structure kept, bounds held."""

from __future__ import annotations

import numpy as np
import pytest

from routing.algorithms.assignment import (
    AssignmentNetwork,
    StoppingCriterion,
    TrafficClass,
    assign,
)
from routing.algorithms.assignment.odme import OdmeParams, adjust_od, geh
from tests.routing.assignment.networks import tntp_problem

N_COUNTED = 20


def corridor() -> AssignmentNetwork:
    """Zone 0 -> node 2 -> zone 1: one OD pair, one path of two links."""
    return AssignmentNetwork.from_links(
        np.array([0, 2]),
        np.array([2, 1]),
        np.array([1.0, 1.0]),
        np.array([500.0, 500.0]),
        np.full(2, 0.15),
        np.full(2, 4.0),
        n_zones=2,
    )


@pytest.fixture(scope="module")
def sioux_falls() -> tuple[AssignmentNetwork, TrafficClass, np.ndarray, dict[int, float]]:
    """Sioux Falls, its seed class, the counted links, and counts from a perturbed matrix
    (seed x uniform factors in [0.7, 1.3], fixed random seed) assigned to gap 1e-6."""
    net, seed = tntp_problem("SiouxFalls")
    rng = np.random.default_rng(7)
    true = seed.demand * rng.uniform(0.7, 1.3, seed.demand.shape)
    volume = assign(net, [TrafficClass(true)], stop=StoppingCriterion(gap=1e-6)).volume
    links = rng.choice(net.n_links, N_COUNTED, replace=False)
    return net, seed, links, {int(a): float(volume[a]) for a in links}


def test_single_pair_scales_to_the_count() -> None:
    """One OD pair whose only path crosses the counted link: the cell becomes the count, in one
    step, and the fit is exact."""
    demand = np.array([[0.0, 100.0], [0.0, 0.0]])
    result = adjust_od(corridor(), demand, {0: 150.0})
    assert result.demand[0, 1] == pytest.approx(150.0, rel=1e-9)
    assert result.demand[1, 0] == 0.0
    assert result.iterations == 1
    assert result.stop_reason == "fitted"
    assert result.objective_history[-1] == pytest.approx(0.0, abs=1e-12)
    assert result.geh_after[0] == pytest.approx(0.0, abs=1e-6)
    assert (result.total_before, result.total_after) == pytest.approx((100.0, 150.0))


def test_cell_change_is_bounded() -> None:
    """A count ten times the seed's volume: the cell stops at seed x max_change."""
    demand = np.array([[0.0, 100.0], [0.0, 0.0]])
    result = adjust_od(corridor(), demand, {1: 1000.0}, OdmeParams(max_change=3.0))
    assert result.demand[0, 1] == pytest.approx(300.0)
    assert result.modelled_after[0] == pytest.approx(300.0)


def test_pce_counts() -> None:
    """Counts are PCE: a class of trucks (PCE 2.5) counted at 250 PCE ends at 100 trucks."""
    seed = TrafficClass(np.array([[0.0, 60.0], [0.0, 0.0]]), pce=2.5, name="truck")
    result = adjust_od(corridor(), seed, {0: 250.0})
    assert result.demand[0, 1] == pytest.approx(100.0, rel=1e-9)


def test_sioux_falls_fits_perturbed_counts(
    sioux_falls: tuple[AssignmentNetwork, TrafficClass, np.ndarray, dict[int, float]],
) -> None:
    """From the unperturbed seed: the objective never rises and falls by far, the share of
    counted links with GEH < 5 rises to at least 90%, zero cells stay zero, none is negative
    and every cell stays within the change bound."""
    net, seed, links, counts = sioux_falls
    seen: list[tuple[int, float]] = []
    result = adjust_od(net, seed, counts, progress=lambda i, z: seen.append((i, z)))
    history = result.objective_history
    assert np.all(np.diff(history) <= 1e-9 * history[0])
    assert history[-1] < 0.05 * history[0]
    assert [z for _, z in seen] == pytest.approx(history.tolist())
    assert result.iterations >= 3
    assert result.share_fit_after > result.share_fit_before
    assert result.share_fit_after >= 0.9
    assert ((result.demand > 0) == (seed.demand > 0)).all()
    assert (result.demand >= 0).all()
    cells = seed.demand > 0
    ratio = result.demand[cells] / seed.demand[cells]
    assert ratio.min() >= 1 / 3 - 1e-12
    assert ratio.max() <= 3 + 1e-12
    assert np.array_equal(result.links, np.sort(links))
    assert result.geh_after == pytest.approx(geh(result.modelled_after, result.observed))


def test_sioux_falls_own_counts_barely_change_the_seed(
    sioux_falls: tuple[AssignmentNetwork, TrafficClass, np.ndarray, dict[int, float]],
) -> None:
    """Counts equal to the seed's own assigned volumes: the matrix moves by well under 1% (the
    residual is the assignment's own gap) and every link fits."""
    net, seed, links, _ = sioux_falls
    volume = assign(net, [seed], stop=StoppingCriterion(gap=1e-6)).volume
    result = adjust_od(net, seed, {int(a): float(volume[a]) for a in links})
    moved = np.abs(result.demand - seed.demand).sum() / seed.demand.sum()
    assert moved < 0.005
    assert result.total_after == pytest.approx(result.total_before, rel=1e-3)
    assert result.share_fit_before == result.share_fit_after == 1.0


def test_geh() -> None:
    """GEH = sqrt(2 (M - C)^2 / (M + C)); zero when both volumes are zero."""
    assert geh(np.array([1100.0, 0.0]), np.array([1000.0, 0.0])) == pytest.approx(
        [np.sqrt(2 * 100.0**2 / 2100.0), 0.0]
    )


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({}, "no counted links"),
        ({5: 10.0}, "not a link"),
        ({0: -1.0}, "not a volume"),
        ({0: float("nan")}, "not a volume"),
    ],
)
def test_bad_counts_are_rejected(counts: dict[int, float], message: str) -> None:
    """Empty counts, unknown links, negative or NaN counts: ValueError naming the problem."""
    with pytest.raises(ValueError, match=message):
        adjust_od(corridor(), np.array([[0.0, 1.0], [0.0, 0.0]]), counts)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_iterations": 0},
        {"gap": -1.0},
        {"assignment_iterations": 0},
        {"max_change": 1.0},
        {"max_change": float("inf")},
        {"tolerance": -0.1},
        {"max_halvings": -1},
    ],
)
def test_params_validate_themselves(kwargs: dict[str, float]) -> None:
    """Out-of-range parameters fail when the parameter object is built."""
    with pytest.raises(ValueError):  # noqa: PT011 - each field has its own message
        OdmeParams(**kwargs)  # type: ignore[arg-type]


TRUCK_PCE = 2.5
N_CLASSIFIED = 8


@pytest.fixture(scope="module")
def sioux_falls_two_classes() -> tuple[
    AssignmentNetwork, list[TrafficClass], list[np.ndarray], dict[int, float],
    dict[str, dict[int, float]],
]:  # fmt: skip
    """Sioux Falls with cars (the TNTP matrix) and trucks (10% of it, PCE 2.5) as the seed;
    the true matrices perturb each class by its own uniform factors in [0.6, 1.4] (fixed
    random seed). 20 links are counted: 8 by classifying detectors (cars and trucks apart),
    12 in total PCE only."""
    net, seed = tntp_problem("SiouxFalls")
    cars = TrafficClass(seed.demand, name="car")
    trucks = TrafficClass(seed.demand * 0.1, pce=TRUCK_PCE, name="truck")
    rng = np.random.default_rng(11)
    true = [k.demand * rng.uniform(0.6, 1.4, k.demand.shape) for k in (cars, trucks)]
    truth = assign(
        net,
        [TrafficClass(true[0], name="car"), TrafficClass(true[1], pce=TRUCK_PCE, name="truck")],
        stop=StoppingCriterion(gap=1e-6),
    )
    links = rng.choice(net.n_links, N_COUNTED, replace=False)
    classified, totals = links[:N_CLASSIFIED], links[N_CLASSIFIED:]
    counts = {int(a): float(truth.volume[a]) for a in totals}
    by_class = {
        name: {int(a): float(truth.class_volume[k, a]) for a in classified}
        for k, name in enumerate(("car", "truck"))
    }
    return net, [cars, trucks], true, counts, by_class


def test_plain_least_squares_lets_large_counts_dominate(
    sioux_falls_two_classes: tuple[
        AssignmentNetwork,
        list[TrafficClass],
        list[np.ndarray],
        dict[int, float],
        dict[str, dict[int, float]],
    ],
) -> None:
    """Spiess's plain objective on the same counts also falls, but leaves more truck counts
    (small volumes) outside GEH 5 than the relative one: why `relative` exists."""
    net, classes, _, counts, by_class = sioux_falls_two_classes
    plain = adjust_od(net, classes, counts, class_counts=by_class)
    relative = adjust_od(net, classes, counts, OdmeParams(relative=True), class_counts=by_class)
    assert plain.objective_history[-1] < plain.objective_history[0]
    trucks = np.array(plain.observation_class) == "truck"
    assert (plain.geh_after[trucks] >= 5).sum() > (relative.geh_after[trucks] >= 5).sum()


def test_multiclass_fits_pce_and_class_counts(
    sioux_falls_two_classes: tuple[
        AssignmentNetwork,
        list[TrafficClass],
        list[np.ndarray],
        dict[int, float],
        dict[str, dict[int, float]],
    ],
) -> None:
    """Cars and trucks adjusted together on the relative objective: it falls by more than 90%,
    the share of the 28 observations (12 PCE totals, 8 car and 8 truck counts) with GEH < 5
    rises from 61% to 100%, each class keeps its zero cells and bounds, and the observations
    are labelled by kind and modelled from the right volumes."""
    net, classes, _, counts, by_class = sioux_falls_two_classes
    params = OdmeParams(relative=True)
    result = adjust_od(net, classes, counts, params, class_counts=by_class)
    history = result.objective_history
    assert np.all(np.diff(history) <= 1e-9 * history[0])
    assert history[-1] < 0.1 * history[0]
    assert result.share_fit_before < 0.65
    assert result.share_fit_after == 1.0
    labels = np.array(result.observation_class)
    assert (labels == "").sum() == N_COUNTED - N_CLASSIFIED
    assert (labels == "truck").sum() == (labels == "car").sum() == N_CLASSIFIED
    for adjusted, seed in zip(result.class_demand, classes, strict=True):
        cells = seed.demand > 0
        assert ((adjusted > 0) == cells).all()
        ratio = adjusted[cells] / seed.demand[cells]
        assert ratio.min() >= 1 / 3 - 1e-12
        assert ratio.max() <= 3 + 1e-12
    assert result.demand == pytest.approx(result.class_demand[0] + result.class_demand[1])
    truck_volume = result.assignment.class_volume[1, result.links[labels == "truck"]]
    assert result.modelled_after[labels == "truck"] == pytest.approx(truck_volume)
    pce_volume = result.assignment.volume[result.links[labels == ""]]
    assert result.modelled_after[labels == ""] == pytest.approx(pce_volume)


def test_class_counts_move_their_own_class() -> None:
    """On one corridor, trucks counted at 40 vehicles with cars uncounted: only the truck
    cell moves, to the count."""
    cars = TrafficClass(np.array([[0.0, 100.0], [0.0, 0.0]]), name="car")
    trucks = TrafficClass(np.array([[0.0, 20.0], [0.0, 0.0]]), pce=2.5, name="truck")
    result = adjust_od(corridor(), [cars, trucks], {}, class_counts={"truck": {0: 40.0}})
    assert result.class_demand[1][0, 1] == pytest.approx(40.0, rel=1e-9)
    assert result.class_demand[0][0, 1] == pytest.approx(100.0)
    assert result.stop_reason == "fitted"


def test_class_counts_of_an_unknown_class_are_refused() -> None:
    """Counts of a class the seed lacks: ValueError naming it."""
    k = TrafficClass(np.array([[0.0, 1.0], [0.0, 0.0]]), name="car")
    with pytest.raises(ValueError, match="'bus'"):
        adjust_od(corridor(), [k], {}, class_counts={"bus": {0: 1.0}})
