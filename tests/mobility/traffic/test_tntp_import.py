"""TNTP networks into the database and back: counts, arrays equal to the file, idempotence,
all-or-nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mobility.traffic import repository, service
from mobility.traffic.errors import InvalidNetworkFile, NetworkChanged
from mobility.traffic.models import (
    DemandMatrix,
    TrafficLink,
    TrafficNetwork,
    TrafficNode,
    TrafficZone,
)
from mobility.traffic.tntp import read_net, read_trips

from .conftest import NET, NODES, TRIPS


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _import_sioux_falls(session: Session) -> service.NetworkImport:
    result = service.import_tntp_network(session, "sioux-falls", NET, NODES, crs="EPSG:4326")
    service.import_tntp_trips(session, "sioux-falls", TRIPS, "car", "day")
    session.commit()
    return result


def test_sioux_falls_counts(session: Session) -> None:
    """Sioux Falls loads 24 nodes with coordinates, 76 links, 24 zones and 360,600 trips."""
    result = _import_sioux_falls(session)
    assert (result.status, result.nodes, result.links, result.zones) == ("created", 24, 76, 24)
    counts = repository.network_counts(session, result.network_id)
    assert counts == {"nodes": 24, "links": 76, "zones": 24, "connectors": 0}
    node = session.get(TrafficNode, (result.network_id, 1))
    assert node is not None
    assert (node.x, node.y, node.is_zone) == (-96.77041974, 43.61282792, True)
    [total] = repository.demand_totals(session, result.network_id)
    assert (total.class_code, total.period_code, total.pce) == ("car", "day", 1.0)
    assert total.total_trips == pytest.approx(360_600.0)


def test_round_trip_to_arrays_equals_the_file(session: Session) -> None:
    """The arrays read back from the database are the parsed network and trip matrix."""
    network_id = _import_sioux_falls(session).network_id
    arrays = repository.load_network(session, network_id)
    parsed = read_net(NET)
    assert (arrays.n_zones, arrays.n_nodes, arrays.first_thru_node) == (24, 24, 1)
    assert np.array_equal(arrays.node_ids, np.arange(1, 25))
    for name in ("init_node", "term_node", "capacity", "length", "free_flow_time", "b",
                 "power", "speed", "toll", "link_type"):  # fmt: skip
        assert np.array_equal(getattr(arrays, name), getattr(parsed, name)), name
    demand = repository.load_demand(session, network_id, "car", "day")
    assert np.array_equal(demand.matrix, read_trips(TRIPS).matrix)
    assert np.array_equal(demand.zone_ids, np.arange(1, 25))


def test_reimport_of_identical_files_is_a_no_op(session: Session) -> None:
    """Importing the same files again changes nothing: same network id, same link ids."""
    first = _import_sioux_falls(session)
    link_ids = session.scalars(select(TrafficLink.id).order_by(TrafficLink.id)).all()
    again = service.import_tntp_network(session, "sioux-falls", NET, NODES)
    demand = service.import_tntp_trips(session, "sioux-falls", TRIPS, "car", "day")
    session.commit()
    assert (again.status, again.network_id, demand.status) == (
        "unchanged",
        first.network_id,
        "unchanged",
    )
    assert session.scalars(select(TrafficLink.id).order_by(TrafficLink.id)).all() == link_ids


def test_changed_file_is_refused_unless_replace(session: Session, tmp_path: Path) -> None:
    """A different file under the same name is refused; with replace it reloads under the same
    network id, and the network's demand is dropped (its zones may have changed)."""
    first = _import_sioux_falls(session)
    changed = tmp_path / "SiouxFalls_net.tntp"
    changed.write_text(NET.read_text().replace("25900.20064", "26000"), encoding="utf-8")
    with pytest.raises(NetworkChanged, match="sioux-falls"):
        service.import_tntp_network(session, "sioux-falls", changed, NODES)
    session.rollback()
    replaced = service.import_tntp_network(session, "sioux-falls", changed, NODES, replace=True)
    session.commit()
    assert (replaced.status, replaced.network_id) == ("replaced", first.network_id)
    assert repository.load_network(session, first.network_id).capacity[0] == 26000.0
    assert _count(session, DemandMatrix) == 0
    assert _count(session, TrafficLink) == 76


def test_broken_file_writes_nothing(session: Session, tmp_path: Path) -> None:
    """A network file broken on its last link, or trips naming a zone the network lacks, leave
    the database as it was: the import is one transaction."""
    lines = NET.read_text().splitlines()
    lines[-1] = lines[-1].replace("\t1\t;", "\tx\t;")
    broken = tmp_path / "broken_net.tntp"
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InvalidNetworkFile, match="line"):
        service.import_tntp_network(session, "broken", broken)
    session.rollback()
    assert _count(session, TrafficNetwork) == 0

    # Trips for 25 zones on a 24-zone network: fails after the network rows were written.
    trips = tmp_path / "big_trips.tntp"
    trips.write_text(
        "<NUMBER OF ZONES> 25\n<TOTAL OD FLOW> 7.0\n<END OF METADATA>\n\n"
        "Origin 25\n    1 :      7.0;\n",
        encoding="utf-8",
    )
    service.import_tntp_network(session, "sioux-falls", NET, NODES)
    with pytest.raises(InvalidNetworkFile, match="zone 25"):
        service.import_tntp_trips(session, "sioux-falls", trips, "car", "day")
    session.rollback()
    for model in (TrafficNetwork, TrafficNode, TrafficLink, TrafficZone, DemandMatrix):
        assert _count(session, model) == 0, model


def test_zones_only_nodes_are_connectors(session: Session, tmp_path: Path) -> None:
    """With <FIRST THRU NODE> above the zones, links touching a zone are centroid connectors
    and the arrays keep the file's first through node."""
    net = tmp_path / "tiny_net.tntp"
    net.write_text(
        "<NUMBER OF ZONES> 2\n<NUMBER OF NODES> 4\n<FIRST THRU NODE> 3\n<NUMBER OF LINKS> 4\n"
        "<END OF METADATA>\n"
        "~ init term cap len fft b power speed toll type ;\n"
        "1 3 1000 1 1 0.15 4 0 0 1 ;\n3 4 500 2 2 0.15 4 0 0 1 ;\n"
        "4 2 1000 1 1 0.15 4 0 0 1 ;\n4 3 500 2 2 0.15 4 0 0 1 ;\n",
        encoding="utf-8",
    )
    result = service.import_tntp_network(session, "tiny", net)
    session.commit()
    connectors = session.scalars(
        select(TrafficLink.link_index).where(TrafficLink.is_connector.is_(True))
    ).all()
    assert sorted(connectors) == [0, 2]
    arrays = repository.load_network(session, result.network_id)
    assert arrays.first_thru_node == 3
    assert np.isnan(arrays.speed).sum() == 0  # TNTP speeds are kept as written (0 here)
