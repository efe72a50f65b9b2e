"""Test networks: Braess in code, Sioux Falls from the repository, the others from ../shared."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mobility.traffic.tntp import read_net, read_trips
from routing.algorithms.assignment import (
    AssignmentNetwork,
    TrafficClass,
    class_from_tntp,
    network_from_tntp,
)
from tests.conftest import SHARED_DATA

REPO_TNTP = Path(__file__).resolve().parents[3] / "data" / "tntp"
SHARED_TNTP = SHARED_DATA / "tntp"
FILES = {
    "SiouxFalls": ("SiouxFalls_net.tntp", "SiouxFalls_trips.tntp"),
    "Anaheim": ("Anaheim_net.tntp", "Anaheim_trips.tntp"),
    "Barcelona": ("Barcelona_net.tntp", "Barcelona_trips.tntp"),
    "Winnipeg": ("Winnipeg_net.tntp", "Winnipeg_trips.tntp"),
    "Chicago-Sketch": ("ChicagoSketch_net.tntp", "ChicagoSketch_trips.tntp"),
    "Braess-Example": ("Braess_net.tntp", "Braess_trips.tntp"),
}
# Best known Beckmann objectives, from each network's README in TransportationNetworks.
KNOWN_OBJECTIVE = {
    "SiouxFalls": 42.31335287107440e5,  # README gives it in units of 1e5 (flows / 100)
    "Barcelona": 1265654.92203176,
    "Winnipeg": 827911.494629963,
}


def tntp_folder(name: str) -> Path:
    """The network's folder: the repository copy if there is one, else ../shared (or skip)."""
    for root in (REPO_TNTP, SHARED_TNTP):
        if (root / name / FILES[name][0]).exists():
            return root / name
    pytest.skip(f"{SHARED_TNTP / name} is absent (../shared/data is not beside the repository)")


def tntp_problem(name: str) -> tuple[AssignmentNetwork, TrafficClass]:
    folder = tntp_folder(name)
    net = read_net(folder / FILES[name][0])
    demand = read_trips(folder / FILES[name][1])
    return network_from_tntp(net), class_from_tntp(demand, n_zones=net.n_zones)


def braess(demand: float = 6.0) -> tuple[AssignmentNetwork, TrafficClass]:
    """The Braess network of TNTP's example, nodes 0-based: zones 0 (origin) and 1.

    Links 0->2 (10 x), 0->3 (50 + x), 2->1 (50 + x), 2->3 (10 + x), 3->1 (10 x). With 6 trips
    each of the three paths carries 2 and costs 92.
    """
    net = AssignmentNetwork.from_links(
        np.array([0, 0, 2, 2, 3]),
        np.array([2, 3, 1, 3, 1]),
        np.array([1e-8, 50.0, 50.0, 10.0, 1e-8]),
        np.ones(5),
        np.array([1e9, 0.02, 0.02, 0.1, 1e9]),
        np.ones(5),
        n_zones=2,
    )
    return net, TrafficClass(np.array([[0.0, demand], [0.0, 0.0]]))


def naive_times(net: AssignmentNetwork, volume: np.ndarray) -> np.ndarray:
    """BPR times by the textbook formula, for networks where it does not overflow."""
    return net.free_flow_time * (1 + net.b * (volume / net.capacity) ** net.power)
