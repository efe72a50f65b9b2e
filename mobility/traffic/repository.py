"""Queries of the road network: the arrays an assignment consumes, and summaries.

`load_network` numbers nodes densely in the TNTP layout every assignment code expects: zone
centroids first, as nodes `1 .. n_zones` in ascending zone id, then the other nodes in
ascending id. For a network imported from TNTP this is the file's own numbering, so the arrays
equal the parsed file; for GMNS, `node_ids` maps the numbers back to the file's ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mobility.errors import ValidationFailed
from mobility.traffic.errors import NetworkNotFound
from mobility.traffic.models import (
    DemandCell,
    DemandMatrix,
    TrafficLink,
    TrafficNetwork,
    TrafficNode,
    TrafficZone,
    VehicleClass,
)


@dataclass(frozen=True)
class NetworkArrays:
    """A network's links as arrays in link order (the file's), nodes numbered 1..n_nodes.

    The fields are named as `mobility.traffic.tntp.TntpNetwork`'s, so the assignment's TNTP
    adapters read either.

    `init_node`/`term_node` are those dense numbers; `node_ids[k - 1]` is the stored id of node
    `k`, `zone_ids[z - 1]` the id of zone `z`, `link_ids` the database ids of the links.
    Travel time on a link is `free_flow_time * (1 + b * (flow / capacity) ** power)`.
    """

    network_id: int
    name: str
    n_zones: int
    n_nodes: int
    first_thru_node: int
    node_ids: np.ndarray
    zone_ids: np.ndarray
    link_ids: np.ndarray
    init_node: np.ndarray
    term_node: np.ndarray
    capacity: np.ndarray
    length: np.ndarray
    free_flow_time: np.ndarray
    b: np.ndarray
    power: np.ndarray
    speed: np.ndarray  # NaN where unknown
    toll: np.ndarray
    link_type: np.ndarray  # -1 where unknown

    @property
    def n_links(self) -> int:
        return int(self.init_node.shape[0])


@dataclass(frozen=True)
class DemandArrays:
    """Trips (vehicles) of one class in one period: `matrix[o, d]` by zone index of the
    network (`zone_ids`), and the factor converting them to passenger-car equivalents."""

    class_code: str
    period_code: str
    pce: float
    zone_ids: np.ndarray
    matrix: np.ndarray

    @property
    def n_zones(self) -> int:
        return int(self.zone_ids.shape[0])

    def in_pce(self) -> np.ndarray:
        return self.matrix * self.pce


def _network(session: Session, network_id: int) -> TrafficNetwork:
    network = session.get(TrafficNetwork, network_id)
    if network is None:
        raise NetworkNotFound(f"no road network with id {network_id}", network=network_id)
    return network


def _dense_numbering(
    network: TrafficNetwork, node_ids: Sequence[int], zones: Sequence[tuple[int, int]]
) -> tuple[np.ndarray, int]:
    """Node ids in dense order (centroids first) and the dense first through node."""
    centroids = [node for _zone, node in zones]
    others = sorted(set(node_ids) - set(centroids))
    ordered = np.array(centroids + others, dtype=np.int64)
    ftn = network.first_thru_node
    # The nodes below the stored first through node are the zones-only ones; in the dense
    # order they must lead, or the TNTP rule cannot express which nodes carry no traffic.
    blocked = int(np.count_nonzero(ordered < ftn))
    if blocked and not (ordered[:blocked] < ftn).all():
        raise ValidationFailed(
            f"network {network.name!r}: nodes below {ftn} that are not zone centroids"
        )
    return ordered, blocked + 1


def load_network(session: Session, network_id: int) -> NetworkArrays:
    """The network `network_id` as arrays (see `NetworkArrays`)."""
    network = _network(session, network_id)
    zones = session.execute(
        select(TrafficZone.zone_id, TrafficZone.centroid_node)
        .where(TrafficZone.network_id == network_id)
        .order_by(TrafficZone.zone_id)
    ).all()
    node_ids = session.scalars(
        select(TrafficNode.node_id).where(TrafficNode.network_id == network_id)
    ).all()
    ordered, ftn = _dense_numbering(network, node_ids, [(z, n) for z, n in zones])
    # Stored ids -> dense numbers, vectorised through a lookup table over the id range.
    lookup = np.zeros(int(ordered.max()) + 1 if ordered.size else 1, dtype=np.int64)
    lookup[ordered] = np.arange(1, ordered.size + 1)
    rows = session.execute(
        select(
            TrafficLink.id,
            TrafficLink.from_node,
            TrafficLink.to_node,
            TrafficLink.capacity,
            TrafficLink.length,
            TrafficLink.free_flow_time,
            TrafficLink.vdf_alpha,
            TrafficLink.vdf_beta,
            TrafficLink.speed,
            TrafficLink.toll,
            TrafficLink.link_type,
        )
        .where(TrafficLink.network_id == network_id)
        .order_by(TrafficLink.link_index)
    ).all()
    columns: list[Any] = list(zip(*rows, strict=True)) if rows else [()] * 11

    def floats(values: Sequence[float | None]) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

    return NetworkArrays(
        network_id=network.id,
        name=network.name,
        n_zones=len(zones),
        n_nodes=int(ordered.size),
        first_thru_node=ftn,
        node_ids=ordered,
        zone_ids=np.array([z for z, _n in zones], dtype=np.int64),
        link_ids=np.array(columns[0], dtype=np.int64),
        init_node=lookup[np.array(columns[1], dtype=np.int64)],
        term_node=lookup[np.array(columns[2], dtype=np.int64)],
        capacity=floats(columns[3]),
        length=floats(columns[4]),
        free_flow_time=floats(columns[5]),
        b=floats(columns[6]),
        power=floats(columns[7]),
        speed=floats(columns[8]),
        toll=floats(columns[9]),
        link_type=np.array([-1 if v is None else v for v in columns[10]], dtype=np.int64),
    )


def _zone_index(session: Session, network_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Zone ids in ascending order, and a lookup table from zone id to index."""
    zone_ids = np.array(
        session.scalars(
            select(TrafficZone.zone_id)
            .where(TrafficZone.network_id == network_id)
            .order_by(TrafficZone.zone_id)
        ).all(),
        dtype=np.int64,
    )
    lookup = np.full(int(zone_ids.max()) + 1 if zone_ids.size else 1, -1, dtype=np.int64)
    lookup[zone_ids] = np.arange(zone_ids.size)
    return zone_ids, lookup


def load_demand(
    session: Session, network_id: int, class_code: str, period_code: str
) -> DemandArrays:
    """The demand matrix of one class and period; zeros if none was imported."""
    _network(session, network_id)
    zone_ids, lookup = _zone_index(session, network_id)
    vehicle_class = session.get(VehicleClass, class_code)
    matrix = np.zeros((zone_ids.size, zone_ids.size), dtype=np.float64)
    cells = session.execute(
        select(DemandCell.origin, DemandCell.destination, DemandCell.trips)
        .join(DemandMatrix, DemandMatrix.id == DemandCell.matrix_id)
        .where(
            DemandMatrix.network_id == network_id,
            DemandMatrix.class_code == class_code,
            DemandMatrix.period_code == period_code,
        )
    ).all()
    if cells:
        origins, destinations, trips = (np.array(c) for c in zip(*cells, strict=True))
        matrix[lookup[origins.astype(np.int64)], lookup[destinations.astype(np.int64)]] = trips
    pce = vehicle_class.pce if vehicle_class is not None else 1.0
    return DemandArrays(class_code, period_code, pce, zone_ids, matrix)


def load_demand_pce(session: Session, network_id: int, period_code: str) -> np.ndarray:
    """The demand of every class in one period, in passenger-car equivalents."""
    zone_ids, _lookup = _zone_index(session, network_id)
    total = np.zeros((zone_ids.size, zone_ids.size), dtype=np.float64)
    classes = session.scalars(
        select(DemandMatrix.class_code).where(
            DemandMatrix.network_id == network_id, DemandMatrix.period_code == period_code
        )
    ).all()
    for class_code in classes:
        total += load_demand(session, network_id, class_code, period_code).in_pce()
    return total


# -- summaries for the API and the CLI -------------------------------------------------------


@dataclass(frozen=True)
class DemandTotal:
    class_code: str
    period_code: str
    pce: float
    cells: int
    total_trips: float


def network_counts(session: Session, network_id: int) -> dict[str, int]:
    def count(model: type[TrafficNode | TrafficLink | TrafficZone], *where: Any) -> int:
        statement = (
            select(func.count()).select_from(model).where(model.network_id == network_id, *where)
        )
        return int(session.scalar(statement) or 0)

    return {
        "nodes": count(TrafficNode),
        "links": count(TrafficLink),
        "zones": count(TrafficZone),
        "connectors": count(TrafficLink, TrafficLink.is_connector.is_(True)),
    }


def demand_totals(session: Session, network_id: int) -> list[DemandTotal]:
    rows = session.execute(
        select(
            DemandMatrix.class_code,
            DemandMatrix.period_code,
            VehicleClass.pce,
            func.count(DemandCell.origin),
            DemandMatrix.total_trips,
        )
        .join(VehicleClass, VehicleClass.code == DemandMatrix.class_code)
        .outerjoin(DemandCell, DemandCell.matrix_id == DemandMatrix.id)
        .where(DemandMatrix.network_id == network_id)
        .group_by(
            DemandMatrix.id,
            DemandMatrix.class_code,
            DemandMatrix.period_code,
            VehicleClass.pce,
            DemandMatrix.total_trips,
        )
        .order_by(DemandMatrix.class_code, DemandMatrix.period_code)
    ).all()
    return [DemandTotal(c, p, pce, int(n), float(t)) for c, p, pce, n, t in rows]


def get_network(session: Session, network_id: int) -> TrafficNetwork:
    return _network(session, network_id)


def list_networks(session: Session) -> Sequence[TrafficNetwork]:
    return session.scalars(select(TrafficNetwork).order_by(TrafficNetwork.name)).all()


def link_geometries(
    session: Session, network_id: int
) -> list[tuple[TrafficLink, tuple[float, float], tuple[float, float]]]:
    """Links whose two end nodes have coordinates, with those coordinates, in link order."""
    _network(session, network_id)
    coordinates: dict[int, tuple[float, float]] = {
        node_id: (x, y)
        for node_id, x, y in session.execute(
            select(TrafficNode.node_id, TrafficNode.x, TrafficNode.y).where(
                TrafficNode.network_id == network_id
            )
        )
        if x is not None and y is not None
    }
    links = session.scalars(
        select(TrafficLink)
        .where(TrafficLink.network_id == network_id)
        .order_by(TrafficLink.link_index)
    )
    return [
        (link, coordinates[link.from_node], coordinates[link.to_node])
        for link in links
        if link.from_node in coordinates and link.to_node in coordinates
    ]
