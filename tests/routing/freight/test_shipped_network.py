"""The search on the shipped Ligurian-Tuscan data set, read from the database (both SQLite and
PostgreSQL): sensible answers on the area's main relations, every route feasible."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from mobility.freight.loader import load_freight, load_freight_file
from routing.algorithms.freight import FreightNetwork, FreightQuery, Place, search_routes
from routing.freight.network import NetworkCache
from tests.mobility.freight.conftest import FREIGHT_FILE, replace_after, shipped_text
from tests.routing.freight.test_search import assert_valid

ROME_MONDAY = datetime.fromisoformat("2026-11-23T08:00:00+01:00")


@pytest.fixture
def shipped(engine: Engine) -> Iterator[tuple[Session, FreightNetwork]]:
    with Session(engine, expire_on_commit=False) as session:
        load_freight_file(session, FREIGHT_FILE)
        session.commit()
        found = NetworkCache().get(session)
        assert found is not None
        yield session, found[1]


def ask(net: FreightNetwork, origin: Place, dest: Place, days: float = 4, **kw: object):  # type: ignore[no-untyped-def]
    q = FreightQuery(
        origin=origin,
        destination=dest,
        teu=2,
        earliest_departure=ROME_MONDAY,
        deadline=ROME_MONDAY + timedelta(days=days),
        **kw,  # type: ignore[arg-type]
    )
    result = search_routes(net, q)
    assert_valid(net, q, result.routes)
    return result


def test_network_read_from_the_database(shipped: tuple[Session, FreightNetwork]) -> None:
    """The network holds the file's terminals, 38 one-way road links, 16 services with their
    distances from the rail/sea links, cargo restrictions and the first/last-mile formula."""
    _, net = shipped
    assert len(net.terminals) == 19
    assert len(net.services) == 16
    assert len(net.road_links) == 38
    assert net.services_by_code["R-SPE-MLZ"].distance_km == 238  # the rail link, not the road
    assert net.services_by_code["S-LIV-OLB"].accepts == frozenset({"reefer"})
    assert net.terminals["RUB"].accepts == frozenset({"hazardous"})
    assert net.road_access is not None
    assert net.road_access.circuity_factor == 1.3
    assert net.terminals["LSP-LSCT"].handling_kg_co2e_per_teu == 15.0


def test_la_spezia_to_melzo(shipped: tuple[Session, FreightNetwork]) -> None:
    """La Spezia -> Melzo: the Hannibal train is the cheap, low-carbon choice, the truck the
    fast one; nothing else beats them."""
    _, net = shipped
    routes = ask(net, Place("LSP-LSCT"), Place("MLZ")).routes
    rail = [r for r in routes if [leg.service for leg in r.legs] == ["R-SPE-MLZ"]]
    truck = [r for r in routes if [leg.mode for leg in r.legs] == ["road"]]
    assert rail
    assert truck
    assert rail[0].cost_cents < truck[0].cost_cents
    assert rail[0].co2e_g < truck[0].co2e_g / 3
    assert truck[0].arrival < rail[0].arrival
    # 19:00 train: the 06:30 one had left; 4 h cut-off met by the container already there.
    assert rail[0].legs[0].departure == datetime.fromisoformat("2026-11-23T19:00:00+01:00")


def test_livorno_to_guasticce(shipped: tuple[Session, FreightNetwork]) -> None:
    """Darsena Toscana -> Interporto Guasticce: the rail shuttle (after its 90-minute cut-off)
    or a 23-minute truck run."""
    _, net = shipped
    routes = ask(net, Place("LIV-TDT"), Place("GUA"), days=2).routes
    services = {leg.service for r in routes for leg in r.legs}
    assert "R-TDT-GUA" in services
    shuttle = next(r for r in routes if r.legs[0].service == "R-TDT-GUA")
    assert shuttle.legs[0].departure.hour == 13  # 07:00 had left before 08:00
    assert shuttle.co2e_g < min(r.co2e_g for r in routes if r.legs[0].mode == "road")


def test_cargo_restrictions_on_the_island_ferries(shipped: tuple[Session, FreightNetwork]) -> None:
    """Livorno -> Olbia: a reefer goes on the ro-pax ferry; dangerous goods do not (no route)."""
    _, net = shipped
    reefer = ask(net, Place("LIV-RORO"), Place("OLB-RORO"), cargo_flags=frozenset({"reefer"}))
    assert any(leg.service == "S-LIV-OLB" for r in reefer.routes for leg in r.legs)
    hazardous = ask(net, Place("LIV-RORO"), Place("OLB-RORO"), cargo_flags=frozenset({"hazardous"}))
    assert hazardous.routes == ()


def test_shipper_coordinates_to_an_inland_terminal(shipped: tuple[Session, FreightNetwork]) -> None:
    """From a shipper in Prato (coordinates) to Bologna's interporto: a first-mile truck, then
    road or the Guasticce train; every route starts at the point."""
    _, net = shipped
    routes = ask(net, Place(lat=43.88, lon=11.08), Place("BLQ"), days=5).routes
    assert routes
    assert all(r.legs[0].from_terminal is None for r in routes)


def test_new_version_rebuilds_the_cached_network(shipped: tuple[Session, FreightNetwork]) -> None:
    """Loading a changed file gives the next request a network of the new version."""
    session, net = shipped
    cache = NetworkCache()
    first = cache.get(session)
    assert first is not None
    assert first[1].services_by_code["R-SPE-MLZ"].capacity_teu == 64
    changed = replace_after(
        shipped_text(), 'code = "R-SPE-MLZ"', "capacity_teu = 64", "capacity_teu = 80"
    )
    load_freight(session, changed, source="changed.toml")
    session.commit()
    second = cache.get(session)
    assert second is not None
    assert second[1].services_by_code["R-SPE-MLZ"].capacity_teu == 80
    assert net.version != second[1].version
