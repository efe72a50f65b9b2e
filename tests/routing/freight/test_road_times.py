"""Road time factors from the traffic side: the mean travel-time index of a road leg's two
ends (free flow where no congestion scenario covers a point), the congestion in force read once
per quarter hour; and once through a real published scenario."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from mobility.traffic.congestion import service as congestion
from mobility.traffic.congestion.publish import publish
from mobility.traffic.congestion.repository import CongestionRepository
from mobility.traffic.models import TrafficNetwork
from routing.algorithms.freight import FreightQuery, Place, RoadLink, search_routes
from routing.freight.road_times import CongestionFactor, road_time_factor
from tests.mobility.traffic.congestion.conftest import import_sioux_falls, run_new_scenario
from tests.routing.freight.factories import ROME, network, road, terminal

LINK = RoadLink("A", "B", 50.0, 60, 10_000, 80.0, ends=((44.1, 9.8), (43.6, 10.3)))
AT = datetime(2026, 11, 23, 8, 0, tzinfo=ROME)


class Uniform:
    """Congestion in force with one index everywhere (None: no zone near any point)."""

    def __init__(self, index: float | None) -> None:
        self.index = index

    def travel_time_index(self, lat: float, lon: float) -> float | None:  # noqa: ARG002
        return self.index


class NorthOf44:
    """The traffic side's congestion on a made-up map: congested north of 44 degrees."""

    def travel_time_index(self, lat: float, lon: float) -> float | None:  # noqa: ARG002
        return 1.8 if lat > 44 else None


class FakeSnapshots:
    """`congestion_snapshot(session, at)` counting its calls; None (nothing published) at night."""

    def __init__(self, levels: object) -> None:
        self.levels = levels
        self.calls: list[datetime] = []

    def __call__(self, _session: Session, at: datetime) -> object | None:
        self.calls.append(at)
        return None if at.astimezone(ROME).hour < 6 else self.levels


def test_mean_of_the_two_ends() -> None:
    """A leg from a congested end (1.8) to an uncovered one (free flow, 1.0) takes 1.4 times
    its free-flow time; the factor says it slowed a leg."""
    factor = CongestionFactor(None, FakeSnapshots(NorthOf44()))  # type: ignore[arg-type]
    assert factor(AT, LINK) == 1.4
    assert factor.used


def test_uncovered_everywhere_is_free_flow() -> None:
    """Where no zone is near either end, or nothing is published at that time, the factor is 1
    and nothing is marked slowed."""
    factor = CongestionFactor(None, FakeSnapshots(Uniform(None)))  # type: ignore[arg-type]
    assert factor(AT, LINK) == 1.0
    factor = CongestionFactor(None, FakeSnapshots(Uniform(3.0)))  # type: ignore[arg-type]
    assert factor(AT.replace(hour=3), LINK) == 1.0
    assert not factor.used


def test_congestion_in_force_is_read_once_per_quarter_hour() -> None:
    """Departures in the same quarter hour share one read of the congestion in force, whatever
    the points; the next quarter reads it again."""
    snapshots = FakeSnapshots(NorthOf44())
    factor = CongestionFactor(None, snapshots)  # type: ignore[arg-type]
    factor(AT, LINK)
    factor(AT.replace(minute=14), RoadLink("B", "C", 9.0, 9, 900, 80.0, ends=((45.0, 9.0),) * 2))
    assert len(snapshots.calls) == 1
    factor(AT.replace(minute=15), LINK)
    assert len(snapshots.calls) == 2


def test_an_index_below_one_counts_as_free_flow() -> None:
    """An index under 1 (a faster-than-free-flow artefact) never shortens a road leg."""
    factor = CongestionFactor(None, FakeSnapshots(Uniform(0.7)))  # type: ignore[arg-type]
    assert factor(AT, LINK) == 1.0


def test_default_is_the_traffic_sides_index(engine) -> None:  # type: ignore[no-untyped-def]
    """Without a published congestion scenario the traffic side answers None: free flow."""
    with Session(engine) as session:
        factor = road_time_factor(session)
        assert factor(AT, LINK) == 1.0
        assert not factor.used


def test_a_published_scenario_slows_road_legs_in_its_band(engine: Engine) -> None:
    """Through the real traffic side: after a Sioux Falls scenario is run and published for the
    weekday 07-09 band, a truck leg between two congested zones' centroids departing Monday
    08:00 takes its free-flow time times the mean of the two zones' indices (rounded up to
    the minute); the same leg at 12:00, outside the band, runs at free flow."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory() as session:
        import_sioux_falls(session)
        session.commit()
    scenario_id = run_new_scenario(factory)
    with factory() as session:
        network_id = session.scalars(select(TrafficNetwork.id)).one()
        congestion.set_fare_zone_map(session, network_id, dict.fromkeys(range(1, 25), "Z1"))
        publish(session, scenario_id, "planner@test")
        session.commit()
        zones = [z for z in CongestionRepository(session).zones_of(scenario_id) if z.x is not None]
        a, b = sorted(zones, key=lambda z: -z.travel_time_index)[:2]
        assert a.travel_time_index > 1.0
        net = network(
            [terminal("A", lat=a.y, lon=a.x), terminal("B", lat=b.y, lon=b.x)],  # type: ignore[arg-type]
            road("A", "B", 100, 20_000, 60.0, ends=((a.y, a.x), (b.y, b.x))),
            [],
        )
        monday_8 = datetime(2026, 11, 23, 8, 0, tzinfo=ROME)
        expected = math.ceil(100 * (a.travel_time_index + b.travel_time_index) / 2 - 1e-9)
        for start, minutes, used in (
            (monday_8, expected, True),
            (monday_8.replace(hour=12), 100, False),
        ):
            query = FreightQuery(
                origin=Place("A"),
                destination=Place("B"),
                teu=1,
                earliest_departure=start,
                deadline=start + timedelta(days=1),
                max_legs=1,
            )
            factor = road_time_factor(session)
            (route,) = search_routes(net, query, road_time_factor=factor).routes
            (leg,) = route.legs
            assert leg.arrival - leg.departure == timedelta(minutes=minutes)
            assert factor.used is used
