"""Adapters from parsed TNTP files (`mobility.traffic.tntp`) to assignment inputs."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from mobility.traffic.tntp import TntpDemand, TntpNetwork
from routing.algorithms.assignment.network import AssignmentNetwork, TrafficClass


class OneBasedLinks(Protocol):
    """Links in TNTP's shape, nodes numbered from 1: a parsed file (`TntpNetwork`) or a stored
    network read back as arrays (`mobility.traffic.repository.NetworkArrays`)."""

    @property
    def n_zones(self) -> int: ...
    @property
    def n_nodes(self) -> int: ...
    @property
    def first_thru_node(self) -> int: ...
    @property
    def init_node(self) -> np.ndarray: ...
    @property
    def term_node(self) -> np.ndarray: ...
    @property
    def free_flow_time(self) -> np.ndarray: ...
    @property
    def capacity(self) -> np.ndarray: ...
    @property
    def b(self) -> np.ndarray: ...
    @property
    def power(self) -> np.ndarray: ...


def network_from_tntp(net: OneBasedLinks) -> AssignmentNetwork:
    """The TNTP links as an assignment network: node id ``i`` becomes index ``i - 1``.

    Zones are nodes ``1 .. n_zones``; nodes below ``FIRST THRU NODE`` are not passed through
    (the file's own rule: SiouxFalls and Chicago-Sketch say 1, so their zones may be).
    """
    return AssignmentNetwork.from_links(
        net.init_node - 1,
        net.term_node - 1,
        net.free_flow_time,
        net.capacity,
        net.b,
        net.power,
        n_zones=net.n_zones,
        n_nodes=net.n_nodes,
        first_thru=net.first_thru_node - 1,
    )


def generalized_cost(
    net: TntpNetwork, *, toll_factor: float = 0.0, distance_factor: float = 0.0
) -> np.ndarray | None:
    """The per-link fixed cost ``toll_factor * toll + distance_factor * length``, or None.

    The TNTP READMEs give both weights under "Generalized Cost Weights" in time units per
    unit (Chicago-Sketch: 0.02 minutes a cent of toll, 0.04 minutes a mile).
    """
    if toll_factor == 0.0 and distance_factor == 0.0:
        return None
    return toll_factor * net.toll + distance_factor * net.length


def class_from_tntp(
    demand: TntpDemand,
    *,
    pce: float = 1.0,
    fixed_cost: np.ndarray | None = None,
    name: str = "car",
    n_zones: int | None = None,
) -> TrafficClass:
    """A traffic class from a TNTP trip table (padded with zeros to `n_zones` if given)."""
    matrix = demand.matrix
    if n_zones is not None and n_zones != demand.n_zones:
        if n_zones < demand.n_zones:
            raise ValueError(f"the trips have {demand.n_zones} zones, the network {n_zones}")
        padded = np.zeros((n_zones, n_zones))
        padded[: demand.n_zones, : demand.n_zones] = matrix
        matrix = padded
    return TrafficClass(demand=matrix, pce=pce, fixed_cost=fixed_cost, name=name)
