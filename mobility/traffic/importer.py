"""Network files (TNTP or GMNS) into the rows of the traffic tables, before any database work.

Both formats become one `NetworkContent`, so one writer loads either (see `service`). Reading
everything first is what makes an import all-or-nothing cheaply: a broken file fails here,
before the transaction has written a row.

The through-node rule is TNTP's for both: nodes numbered below `first_thru_node` are zones
only (trips start or end there, none passes through), and a link touching one is a centroid
connector. A GMNS network follows it when its centroids hold the lowest node ids (the layout
of networks converted from TNTP); otherwise its centroids are ordinary nodes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from mobility.traffic.errors import InvalidNetworkFile
from mobility.traffic.gmns import read_gmns
from mobility.traffic.tntp import read_net, read_nodes

# (node_id, x, y, is_zone)
NodeRow = tuple[int, float | None, float | None, bool]
# (link_index, external_id, from, to, length, free_flow_time, speed, capacity, lanes,
#  link_type, toll, vdf_alpha, vdf_beta, is_connector)
LinkRow = tuple[
    int, str | None, int, int, float, float, float | None, float, int | None, int | None,
    float, float, float, bool,
]  # fmt: skip
# (zone_id, name, centroid_node)
ZoneRow = tuple[int, str, int]

LINK_COLUMNS = (
    "link_index", "external_id", "from_node", "to_node", "length", "free_flow_time", "speed",
    "capacity", "lanes", "link_type", "toll", "vdf_alpha", "vdf_beta", "is_connector",
)  # fmt: skip
NODE_COLUMNS = ("node_id", "x", "y", "is_zone")
ZONE_COLUMNS = ("zone_id", "name", "centroid_node")


@dataclass(frozen=True)
class NetworkContent:
    """Everything an import writes about a network, and the hash that identifies it."""

    source_format: str
    files: list[Path]
    content_sha256: str
    crs: str
    units: str
    first_thru_node: int
    nodes: list[NodeRow]
    links: list[LinkRow]
    zones: list[ZoneRow]


def files_sha256(kind: str, files: Iterable[tuple[str, Path]]) -> str:
    """A hash of the files' bytes under their roles (`net`, `nodes`, ...), not their names or
    folders: a renamed copy of the same files is the same network, a changed byte is not."""
    digest = hashlib.sha256(kind.encode())
    for role, path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InvalidNetworkFile(
                f"{path}: cannot read the file ({exc.strerror or exc})", file=str(path)
            ) from exc
        digest.update(f"\0{role}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


def from_tntp(net: Path, nodes: Path | None = None, *, crs: str = "") -> NetworkContent:
    """The content of a TNTP network file and, if given, its node (coordinates) file."""
    network = read_net(net)
    coordinates = read_nodes(nodes) if nodes is not None else {}
    for node_id in coordinates:
        if not 1 <= node_id <= network.n_nodes:
            raise InvalidNetworkFile(
                f"{nodes}: node {node_id} is not a node of the network (1..{network.n_nodes})",
                file=str(nodes),
            )
    ftn = network.first_thru_node
    node_rows: list[NodeRow] = []
    for node_id in range(1, network.n_nodes + 1):
        x, y = coordinates.get(node_id, (None, None))
        node_rows.append((node_id, x, y, node_id <= network.n_zones))
    links: list[LinkRow] = []
    columns = zip(
        network.init_node.tolist(),
        network.term_node.tolist(),
        network.length.tolist(),
        network.free_flow_time.tolist(),
        network.speed.tolist(),
        network.capacity.tolist(),
        network.link_type.tolist(),
        network.toll.tolist(),
        network.b.tolist(),
        network.power.tolist(),
        strict=True,
    )
    for index, (a, b, length, fftt, speed, cap, kind, toll, alpha, beta) in enumerate(columns):
        links.append(
            (
                index,
                None,
                a,
                b,
                length,
                fftt,
                speed,
                cap,
                None,
                kind,
                toll,
                alpha,
                beta,
                a < ftn or b < ftn,
            )
        )
    roles = [("net", net)] if nodes is None else [("net", net), ("nodes", nodes)]
    return NetworkContent(
        source_format="tntp",
        files=[path for _role, path in roles],
        content_sha256=files_sha256("tntp", roles),
        crs=crs,
        units="as the network's README states (TNTP free-flow times are usually minutes)",
        first_thru_node=ftn,
        nodes=node_rows,
        links=links,
        zones=[(zone, "", zone) for zone in range(1, network.n_zones + 1)],
    )


def from_gmns(folder: Path) -> NetworkContent:
    """The content of a GMNS folder (see `gmns` for the fields read and their units)."""
    network = read_gmns(folder)
    centroids = network.centroids()
    centroid_nodes = set(centroids.values())
    node_ids = sorted(node.node_id for node in network.nodes)
    lowest = set(node_ids[: len(centroid_nodes)])
    ftn = max(centroid_nodes) + 1 if centroid_nodes and centroid_nodes == lowest else 1
    nodes: list[NodeRow] = [
        (node.node_id, node.x, node.y, node.node_id in centroid_nodes) for node in network.nodes
    ]
    names = {node.node_id: node.name for node in network.nodes}
    links: list[LinkRow] = [
        (
            index,
            link.link_id,
            link.from_node,
            link.to_node,
            link.length,
            link.free_flow_time,
            link.speed,
            link.capacity,
            link.lanes,
            link.link_type,
            link.toll,
            link.vdf_alpha,
            link.vdf_beta,
            link.from_node < ftn or link.to_node < ftn,
        )
        for index, link in enumerate(network.links)
    ]
    return NetworkContent(
        source_format="gmns",
        files=network.files,
        content_sha256=files_sha256("gmns", ((path.name, path) for path in network.files)),
        crs=network.crs,
        units=(
            f"length: {network.length_unit}; speed: {network.speed_unit}; free-flow time: "
            "minutes; capacity: PCE per hour (all lanes)"
        ),
        first_thru_node=ftn,
        nodes=nodes,
        links=links,
        zones=[(zone, names.get(node, ""), node) for zone, node in centroids.items()],
    )
