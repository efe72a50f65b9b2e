"""Travel times and distances between a plan's places: shortest paths over the freight data
set's road links between terminals, great-circle distance times a circuity factor at an
off-network speed for points (and between terminals the road links do not join).

A trip with a point at either end takes the faster of going straight there and going by the
road network: off the network to a terminal, along the links, off again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from mobility.freight.fleet_plans.repository import RoadLink
from routing.footpaths import haversine_m_array


@dataclass(frozen=True)
class Location:
    """A place of the plan: a terminal (`terminal_id`) or a point."""

    lat: float
    lon: float
    terminal_id: int | None = None


@dataclass(frozen=True)
class Matrices:
    """``(n, n)`` travel time in seconds and distance in metres, integers."""

    seconds: NDArray[np.int64]
    metres: NDArray[np.int64]


def _network(
    terminal_ids: Sequence[int], links: Sequence[RoadLink]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Fastest-path minutes and their kilometres between terminals (inf when not joined)."""
    index = {t: i for i, t in enumerate(terminal_ids)}
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(terminal_ids)))
    for link in links:
        if link.from_terminal in index and link.to_terminal in index:
            a, b = index[link.from_terminal], index[link.to_terminal]
            if not graph.has_edge(a, b) or graph[a][b]["time"] > link.time_min:
                graph.add_edge(a, b, time=link.time_min, km=link.distance_km)
    n = len(terminal_ids)
    minutes = np.full((n, n), math.inf)
    km = np.full((n, n), math.inf)
    for source in range(n):
        lengths, paths = nx.single_source_dijkstra(graph, source, weight="time")
        for target, path in paths.items():
            minutes[source, target] = lengths[target]
            km[source, target] = sum(graph[u][v]["km"] for u, v in pairwise(path))
    return minutes, km


def travel_matrices(
    locations: Sequence[Location],
    terminals: Sequence[Location],
    links: Sequence[RoadLink],
    *,
    circuity: float,
    speed_kmh: float,
) -> Matrices:
    """Travel times and distances between `locations`.

    Parameters
    ----------
    locations
        The plan's places, in node order.
    terminals
        Every terminal of the network (with its id), the places paths may pass through.
    links
        Road links between terminals (minutes, kilometres).
    circuity, speed_kmh
        Off-network road distance over great-circle distance, and the speed there.

    Returns
    -------
    Matrices
        Seconds and metres, rounded up and to the nearest metre.
    """
    term_ids = [t.terminal_id for t in terminals if t.terminal_id is not None]
    t_index = {t: i for i, t in enumerate(term_ids)}
    net_min, net_km = _network(term_ids, links)
    lat = np.array([p.lat for p in locations])
    lon = np.array([p.lon for p in locations])
    t_lat = np.array([t.lat for t in terminals if t.terminal_id is not None])
    t_lon = np.array([t.lon for t in terminals if t.terminal_id is not None])
    # Straight (off-network) legs: location to location, location to terminal.
    km_factor = circuity / 1000
    direct_km = haversine_m_array(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    direct_km *= km_factor
    to_term_km = (
        haversine_m_array(lat[:, None], lon[:, None], t_lat[None, :], t_lon[None, :]) * km_factor
    )
    per_km_min = 60.0 / speed_kmh
    on_net = [t_index.get(p.terminal_id) if p.terminal_id is not None else None for p in locations]
    n = len(locations)
    straight_min = to_term_km * per_km_min
    # Reaching terminal t from location i: along the network from a terminal; from a point,
    # straight to the best terminal t1 and along the network from there.
    access_min = np.full((n, len(term_ids)), math.inf)
    access_km = np.full((n, len(term_ids)), math.inf)
    for t1 in range(len(term_ids)):
        via = straight_min[:, t1][:, None] + net_min[t1][None, :]
        better = via < access_min
        access_min = np.where(better, via, access_min)
        access_km = np.where(better, to_term_km[:, t1][:, None] + net_km[t1][None, :], access_km)
    # Leaving terminal t for location j: along the network to a terminal, straight to a point.
    egress_min, egress_km = straight_min.T.copy(), to_term_km.T.copy()
    for i, ti in enumerate(on_net):
        if ti is not None:
            access_min[i], access_km[i] = net_min[ti], net_km[ti]
            egress_min[:, i], egress_km[:, i] = net_min[:, ti], net_km[:, ti]
    minutes = direct_km * per_km_min
    km = direct_km.copy()
    for t in range(len(term_ids)):
        via_min = access_min[:, t][:, None] + egress_min[t][None, :]
        better = via_min < minutes
        minutes = np.where(better, via_min, minutes)
        km = np.where(better, access_km[:, t][:, None] + egress_km[t][None, :], km)
    # Between two terminals the road links decide, when they join them.
    for i, ti in enumerate(on_net):
        for j, tj in enumerate(on_net):
            if ti is not None and tj is not None and math.isfinite(net_min[ti, tj]):
                minutes[i, j], km[i, j] = net_min[ti, tj], net_km[ti, tj]
    np.fill_diagonal(minutes, 0.0)
    np.fill_diagonal(km, 0.0)
    return Matrices(
        seconds=np.ceil(minutes * 60).astype(np.int64),
        metres=np.rint(km * 1000).astype(np.int64),
    )
