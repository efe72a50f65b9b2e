"""GMNS folders: units, lanes and connectors as the reader documents them; errors naming the
file, line and field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mobility.traffic import repository, service
from mobility.traffic.errors import InvalidNetworkFile
from mobility.traffic.gmns import read_gmns
from mobility.traffic.models import TrafficLink, TrafficZone

from .conftest import GMNS_LINKS, GMNS_NODES, write_gmns


def test_gmns_import(session: Session, gmns_dir: Path) -> None:
    """Zones come from node zone_id, centroids hold the lowest ids so they are zones only;
    capacity is per lane times lanes; free-flow minutes come from meters and km/h."""
    result = service.import_gmns_network(session, "coast", gmns_dir)
    session.commit()
    assert (result.nodes, result.links, result.zones) == (6, 8, 2)
    zones = session.execute(select(TrafficZone.zone_id, TrafficZone.name)).all()
    assert sorted(zones) == [(1, "Porto"), (2, "Interporto")]
    a = session.scalar(select(TrafficLink).where(TrafficLink.external_id == "a"))
    assert a is not None
    assert (a.capacity, a.lanes, a.vdf_alpha, a.vdf_beta) == (3600.0, 2, 0.15, 4.0)
    assert a.free_flow_time == pytest.approx(6.0)  # 5 km at 50 km/h
    b = session.scalar(select(TrafficLink).where(TrafficLink.external_id == "b"))
    assert b is not None
    assert (b.toll, b.vdf_alpha, b.vdf_beta) == (0.5, 0.15, 4.0)  # spec defaults
    connectors = session.scalars(
        select(TrafficLink.external_id).where(TrafficLink.is_connector.is_(True))
    ).all()
    assert sorted(connectors) == ["c1", "c2", "c3", "c4"]

    arrays = repository.load_network(session, result.network_id)
    assert arrays.first_thru_node == 3
    assert arrays.node_ids.tolist() == [1, 2, 10, 11, 12, 13]
    # Link "a" runs 10 -> 11: dense nodes 3 -> 4.
    assert (arrays.init_node[2], arrays.term_node[2]) == (3, 4)
    assert np.array_equal(arrays.zone_ids, [1, 2])


def test_gmns_config_units(tmp_path: Path) -> None:
    """config.csv's units apply: miles and mph give minutes too; its crs is kept."""
    folder = write_gmns(tmp_path / "g")
    (folder / "config.csv").write_text(
        "dataset_name,long_length,speed,crs\ncoast,mi,mph,EPSG:4326\n", encoding="utf-8"
    )
    network = read_gmns(folder)
    a = next(link for link in network.links if link.link_id == "a")
    assert a.free_flow_time == pytest.approx(5000 / 50 * 60)
    assert network.crs == "EPSG:4326"


@pytest.mark.parametrize(
    ("nodes", "links", "message"),
    [
        (GMNS_NODES, GMNS_LINKS.replace("a,10,11", "a,10,99"),
         "link.csv, line 4, to_node_id: node 99 is not in node.csv"),
        (GMNS_NODES, GMNS_LINKS.replace("5000,2,50", "5000,2,fast"),
         "link.csv, line 4, free_speed: 'fast' is not a number"),
        (GMNS_NODES, GMNS_LINKS.replace("a,10,11,true", "a,10,11,false"),
         "link.csv, line 4, directed: undirected links are not supported"),
        (GMNS_NODES.replace("11,,10.35", "10,,10.35"), GMNS_LINKS,
         "node.csv, line 5, node_id: node 10 is listed twice"),
        (GMNS_NODES, GMNS_LINKS.replace(",capacity,", ",cap,"),
         "link.csv, line 1: missing column(s) capacity"),
    ],
)  # fmt: skip
def test_gmns_errors_name_file_line_and_field(
    tmp_path: Path, nodes: str, links: str, message: str
) -> None:
    """Each kind of bad input fails with the file, the line and the field in the message."""
    folder = write_gmns(tmp_path / "bad", nodes, links)
    with pytest.raises(InvalidNetworkFile) as caught:
        read_gmns(folder)
    assert message in caught.value.detail
