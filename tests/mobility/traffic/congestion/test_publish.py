"""Levels computed by a scenario run, the travel-time index at a place and time, publication
to ticketing through the outbox (idempotent, capped), on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from mobility import outbox
from mobility.traffic import service as traffic
from mobility.traffic.congestion import service
from mobility.traffic.congestion.bands import parse_weekdays
from mobility.traffic.congestion.errors import CongestionNotPublishable, FareZoneMapInvalid
from mobility.traffic.congestion.models import CongestionLevel
from mobility.traffic.congestion.publish import CONGESTION_PUBLISHED, publish
from mobility.traffic.congestion.repository import CongestionRepository
from mobility.traffic.congestion.schemas import CongestionPolicy
from mobility.traffic.congestion.snapshot import congestion_snapshot
from mobility.traffic.models import TrafficNetwork
from mobility.traffic.scenarios import service as scenarios
from mobility.traffic.scenarios.models import ScenarioLinkResult
from mobility.traffic.scenarios.schemas import ScenarioCreate
from routing.scenarios.run import run_scenario
from tests.mobility.traffic.conftest import TRIPS
from tests.mobility.traffic.congestion.conftest import WEEKDAYS, run_new_scenario
from tests.ticketing.catalogue.conftest import SMALL
from ticketing.catalogue.congestion_feed import on_congestion_published
from ticketing.catalogue.loader import load_tariffs
from ticketing.catalogue.models import CongestionBandSet
from ticketing.catalogue.service import congestion_bands

MONDAY_8 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # 08:00 in Rome
SUNDAY_8 = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)
HALVES = {z: ("Z1" if z <= 12 else "Z2") for z in range(1, 25)}


def _network_id(session: Session) -> int:
    return session.scalars(select(TrafficNetwork.id)).one()


def test_run_stores_levels_of_every_zone(factory: sessionmaker[Session], scenario_id: int) -> None:
    """A finished run has a row per zone that some link's midpoint is nearest to (in Sioux
    Falls every node is a centroid, so a few zones win no link), every link counted once,
    indices >= 1, and the volume of its links."""
    with factory() as session:
        zones = CongestionRepository(session).zones_of(scenario_id)
        links = session.scalars(
            select(ScenarioLinkResult).where(ScenarioLinkResult.scenario_id == scenario_id)
        ).all()
    assert {z.zone_id for z in zones} <= set(range(1, 25))
    assert len(zones) >= 18
    assert sum(z.links for z in zones) == len(links) == 76
    assert sum(z.volume for z in zones) == pytest.approx(sum(r.volume for r in links))
    assert all(z.travel_time_index >= 1.0 for z in zones)
    assert any(z.level is CongestionLevel.SEVERE for z in zones)  # the base case is congested
    assert all(z.x is not None and z.y is not None for z in zones)


def test_travel_time_index_at_a_place_and_time(
    factory: sessionmaker[Session], scenario_id: int
) -> None:
    """The index is the nearest zone's, in the band of the published scenario only, and None
    far from every centroid, outside the band, and before any publication."""
    with factory() as session:
        zone = CongestionRepository(session).zones_of(scenario_id)[9]
        assert zone.x is not None
        assert zone.y is not None
        lat, lon = zone.y + 0.0005, zone.x - 0.0005
        assert service.travel_time_index(session, lat, lon, MONDAY_8) is None
        service.set_fare_zone_map(session, _network_id(session), HALVES)
        load_tariffs(session, SMALL, source="test")
        publish(session, scenario_id, "planner@test")
        session.commit()
        assert service.travel_time_index(session, lat, lon, MONDAY_8) == pytest.approx(
            zone.travel_time_index
        )
        assert service.travel_time_index(session, lat, lon, SUNDAY_8) is None
        assert service.travel_time_index(session, 45.0, 10.0, MONDAY_8) is None
        with pytest.raises(ValueError, match="aware"):
            service.travel_time_index(session, lat, lon, datetime(2026, 11, 23, 8))


def test_publication_reaches_ticketing_once_and_capped(
    factory: sessionmaker[Session], scenario_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Publishing enqueues the bands; ticketing's handler replaces its set with them (capped
    at max_surcharge_bp, the reason naming the publication and scenario), and neither a second
    delivery nor a late older publication changes anything."""
    delivered: list[dict[str, object]] = []

    def handler(session: Session, payload: dict[str, object]) -> None:
        delivered.append(payload)
        on_congestion_published(session, payload)

    monkeypatch.setitem(outbox._HANDLERS, CONGESTION_PUBLISHED, handler)
    monkeypatch.setattr(outbox, "_INLINE", {*outbox._INLINE, CONGESTION_PUBLISHED})
    with factory() as session:
        load_tariffs(session, SMALL, source="test")
        service.set_fare_zone_map(session, _network_id(session), HALVES)
        # Every level but free surcharges above SMALL's cap of 3000 bp, so capping is seen.
        policy = CongestionPolicy(free=-500, moderate=3500, heavy=4000, severe=5000)
        publication, bands = publish(session, scenario_id, "planner@test", policy)
        session.commit()
        publication_id = publication.id
    assert {b.zone for b in bands} <= {"Z1", "Z2"}
    assert bands
    assert all(b.weekdays == ["mon", "tue", "wed", "thu", "fri"] for b in bands)
    assert all((b.start, b.end) == ("07:00", "09:00") for b in bands)
    assert len(delivered) == 1  # delivered in process after the commit
    with factory() as session:
        current = congestion_bands(session, datetime.now(UTC))
        assert current.reason.startswith(f"traffic publication {publication_id}: scenario ")
        assert f"scenario {scenario_id} (am)" in current.reason
        expected = {(b.zone, min(b.adjustment_bp, 3000)) for b in bands}
        assert {(b.zone, b.adjustment_bp) for b in current.bands} == expected
        assert any(b.adjustment_bp > 3000 for b in bands)
        assert "capped at 3000 bp" in current.reason
        sets = session.scalars(select(CongestionBandSet.id)).all()
        on_congestion_published(session, delivered[0])  # the outbox delivers at least once
        older = {**delivered[0], "publication_id": publication_id - 1, "bands": []}
        on_congestion_published(session, older)  # a late retry of an older publication
        session.commit()
        assert session.scalars(select(CongestionBandSet.id)).all() == sets


def test_latest_publication_per_period_is_in_force(factory: sessionmaker[Session]) -> None:
    """A second scenario published for the same period replaces the first in the index."""
    first = run_new_scenario(factory)
    second = run_new_scenario(factory, {"type": "close_link", "link": [10, 15]})
    with factory() as session:
        service.set_fare_zone_map(session, _network_id(session), HALVES)
        publish(session, first, "a")
        publish(session, second, "b")
        active = service.active_at(session, MONDAY_8)
        assert active is not None
        assert active.scenario.id == second


def test_not_publishable_without_band_or_map(
    factory: sessionmaker[Session], scenario_id: int
) -> None:
    """No fare zone map, or a period without times: 422 problems; a map naming zones the
    network lacks is refused whole."""
    with factory() as session:
        with pytest.raises(CongestionNotPublishable, match="fare zone map"):
            publish(session, scenario_id, "a")
        with pytest.raises(FareZoneMapInvalid, match="no zone 99"):
            service.set_fare_zone_map(session, _network_id(session), {1: "Z1", 99: "Z2"})
        assert service.fare_zone_map(session, _network_id(session)) == {}


def test_index_lookups_are_one_query_and_follow_publications(
    factory: sessionmaker[Session], scenario_id: int
) -> None:
    """Once a publication's zones are read, a look-up costs one statement and a snapshot none;
    a newer publication (other zones) is seen at the next look-up, not served from the cache."""
    closure = run_new_scenario(factory, {"type": "close_link", "link": [10, 15]})
    statements: list[str] = []

    def count(_c: object, _cur: object, statement: str, *_: object) -> None:
        statements.append(statement)

    with factory() as session:
        service.set_fare_zone_map(session, _network_id(session), HALVES)
        publish(session, scenario_id, "a")
        session.commit()
        zones = {z.zone_id: z for z in CongestionRepository(session).zones_of(scenario_id)}
        changed = {z.zone_id: z for z in CongestionRepository(session).zones_of(closure)}
        zone_id = next(
            z for z in zones if zones[z].travel_time_index != changed[z].travel_time_index
        )
        lat, lon = zones[zone_id].y, zones[zone_id].x
        assert lat is not None
        assert lon is not None
        first = service.travel_time_index(session, lat, lon, MONDAY_8)
        assert first == pytest.approx(zones[zone_id].travel_time_index)
        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", count)
        try:
            assert service.travel_time_index(session, lat, lon, MONDAY_8) == first
            assert len(statements) == 1
            snapshot = congestion_snapshot(session, MONDAY_8)
            assert snapshot is not None
            statements.clear()
            assert snapshot.travel_time_index(lat, lon) == first
            assert snapshot.travel_time_index(45.0, 10.0) is None
            assert statements == []
        finally:
            event.remove(engine, "before_cursor_execute", count)
        publish(session, closure, "b")
        session.commit()
        assert service.travel_time_index(session, lat, lon, MONDAY_8) == pytest.approx(
            changed[zone_id].travel_time_index
        )


def test_overlapping_periods_charge_the_newest_only(
    factory: sessionmaker[Session], scenario_id: int
) -> None:
    """A newer publication of a period overlapping an older one's band takes the overlap: the
    older period's fare bands are trimmed around it, so no minute is charged twice."""
    with factory() as session:
        traffic.import_tntp_trips(session, "sioux-falls", TRIPS, "car", "day")
        service.set_period_band(session, "day", time(6), time(20), parse_weekdays(WEEKDAYS))
        session.commit()
    body = ScenarioCreate.model_validate({"name": "d", "network": "sioux-falls", "period": "day"})
    with factory() as session:
        day = scenarios.create_scenario(session, body, "planner@test").id
        session.commit()
        run_scenario(session, day)
    with factory() as session:
        service.set_fare_zone_map(session, _network_id(session), HALVES)
        publish(session, day, "a")
        _, bands = publish(session, scenario_id, "b")
    spans = {(b.period, b.start, b.end) for b in bands}
    assert spans == {("am", "07:00", "09:00"), ("day", "06:00", "07:00"), ("day", "09:00", "20:00")}
