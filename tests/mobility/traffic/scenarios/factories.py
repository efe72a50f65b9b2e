"""Network and demand arrays for scenario tests: Sioux Falls from its files, and a tiny one."""

from __future__ import annotations

import numpy as np

from mobility.traffic.repository import DemandArrays, NetworkArrays
from mobility.traffic.tntp import read_net, read_trips
from tests.mobility.traffic.conftest import NET, TRIPS


def sioux_falls() -> tuple[NetworkArrays, DemandArrays]:
    net = read_net(NET)
    n = net.init_node.shape[0]
    arrays = NetworkArrays(
        network_id=1,
        name="sioux-falls",
        n_zones=net.n_zones,
        n_nodes=net.n_nodes,
        first_thru_node=net.first_thru_node,
        node_ids=np.arange(1, net.n_nodes + 1),
        zone_ids=np.arange(1, net.n_zones + 1),
        link_ids=np.arange(100, 100 + n),
        init_node=net.init_node.copy(),
        term_node=net.term_node.copy(),
        capacity=net.capacity.copy(),
        length=net.length.copy(),
        free_flow_time=net.free_flow_time.copy(),
        b=net.b.copy(),
        power=net.power.copy(),
        speed=np.full(n, np.nan),
        toll=np.zeros(n),
        link_type=np.ones(n, dtype=np.int64),
    )
    trips = read_trips(TRIPS)
    return arrays, DemandArrays("car", "am", 1.0, arrays.zone_ids, trips.matrix.copy())


def tiny() -> tuple[NetworkArrays, DemandArrays]:
    """Zones 1 and 2 (ids 1, 2), through nodes 30 and 40: 1->30->2 and 1->40->2."""
    init = np.array([1, 3, 1, 4])
    term = np.array([3, 2, 4, 2])
    arrays = NetworkArrays(
        network_id=7,
        name="tiny",
        n_zones=2,
        n_nodes=4,
        first_thru_node=3,
        node_ids=np.array([1, 2, 30, 40]),
        zone_ids=np.array([1, 2]),
        link_ids=np.array([11, 12, 13, 14]),
        init_node=init,
        term_node=term,
        capacity=np.full(4, 100.0),
        length=np.array([1.0, 1.0, 2.0, 2.0]),
        free_flow_time=np.array([1.0, 1.0, 2.0, 2.0]),
        b=np.full(4, 0.15),
        power=np.full(4, 4.0),
        speed=np.full(4, np.nan),
        toll=np.zeros(4),
        link_type=np.ones(4, dtype=np.int64),
    )
    matrix = np.array([[0.0, 50.0], [10.0, 0.0]])
    return arrays, DemandArrays("car", "am", 1.0, arrays.zone_ids, matrix)
