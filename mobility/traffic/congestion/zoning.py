"""Which traffic zone a link belongs to, for its congestion.

The rule, in order:

1. A link whose two end nodes have coordinates belongs to the zone whose centroid is nearest
   to the link's midpoint. Geographic networks are measured on a local equirectangular
   projection (longitudes scaled by the cosine of the mean latitude), exact enough to rank
   distances within a city; planar ones as they are.
2. Otherwise it belongs to the zone whose centroid is nearest to its from-node along the
   network (links taken both ways, weighted by length): the zone it is reached from.
3. A link reached from no centroid belongs to no zone and counts nowhere.

Centroid connectors (`is_connector`) belong to no zone: their capacities are a modelling
device, not a road's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import networkx as nx
import numpy as np

_CHUNK = 4096  # links measured against every centroid at once


@dataclass(frozen=True, slots=True)
class LinkEnds:
    from_node: int
    to_node: int
    length: float


def _projected(points: np.ndarray, geographic: bool, mean_lat: float) -> np.ndarray:
    if not geographic:
        return points
    out = points.copy()
    out[:, 0] *= np.cos(np.radians(mean_lat))
    return out


def link_zones(
    links: Sequence[LinkEnds],
    coordinates: Mapping[int, tuple[float, float]],
    centroids: Mapping[int, int],
    *,
    geographic: bool,
) -> list[int | None]:
    """The zone of each link (None: none), by the module's rule.

    `coordinates` maps node ids to (x, y) for the nodes that have them; `centroids` maps zone
    ids to their centroid node.
    """
    placed = {z: coordinates[n] for z, n in centroids.items() if n in coordinates}
    zones: list[int | None] = [None] * len(links)
    pending: list[int] = []
    if placed:
        zone_ids = np.array(list(placed), dtype=np.int64)
        centre = np.array(list(placed.values()), dtype=np.float64)
        mean_lat = float(centre[:, 1].mean())
        centre = _projected(centre, geographic, mean_lat)
        measured = [
            i
            for i, link in enumerate(links)
            if link.from_node in coordinates and link.to_node in coordinates
        ]
        done = set(measured)
        pending = [i for i in range(len(links)) if i not in done]
        for start in range(0, len(measured), _CHUNK):
            chunk = measured[start : start + _CHUNK]
            mids = np.array(
                [
                    np.add(coordinates[links[i].from_node], coordinates[links[i].to_node]) / 2
                    for i in chunk
                ],
                dtype=np.float64,
            )
            mids = _projected(mids, geographic, mean_lat)
            d2 = ((mids[:, None, :] - centre[None, :, :]) ** 2).sum(axis=2)
            for i, k in zip(chunk, d2.argmin(axis=1), strict=True):
                zones[i] = int(zone_ids[k])
    else:
        pending = list(range(len(links)))
    if pending:
        nearest = _graph_nearest(links, centroids)
        for i in pending:
            zones[i] = nearest.get(links[i].from_node)
    return zones


def _graph_nearest(links: Sequence[LinkEnds], centroids: Mapping[int, int]) -> dict[int, int]:
    """For each node, the zone whose centroid is nearest along the (undirected) network."""
    graph: nx.Graph[int] = nx.Graph()
    for link in links:
        weight = max(link.length, 0.0)
        old = graph.get_edge_data(link.from_node, link.to_node)
        if old is None or weight < old["weight"]:
            graph.add_edge(link.from_node, link.to_node, weight=weight)
    zone_of_centroid = {n: z for z, n in sorted(centroids.items(), reverse=True)}
    sources = [n for n in zone_of_centroid if n in graph]
    if not sources:
        return {}
    _, paths = nx.multi_source_dijkstra(graph, sources, weight="weight")
    return {node: zone_of_centroid[path[0]] for node, path in paths.items()}
