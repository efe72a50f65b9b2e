"""The engine on real shared feeds, imported by the real importer, loaded from the database.

Expected amounts are read by hand from each feed's CSVs (stated in every docstring); amounts are
minor units, as the importer stores them.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gtfs.importer import import_feed
from gtfs.repository import GtfsRepository
from tests.conftest import shared_feed
from ticketing.fares import FeedFares, Leg, NoFareApplies, RuleRef, quote
from ticketing.fares.load import load_feed_fares


def load(engine: Engine, name: str, feed_id: str) -> tuple[FeedFares, int]:
    version_id = import_feed(engine, shared_feed(name), feed_id).version_id
    with Session(engine) as session:
        return load_feed_fares(session, version_id), version_id


def trip_leg(
    engine: Engine,
    fares: FeedFares,
    version_id: int,
    trip_id: str,
    from_stop: str,
    to_stop: str,
    day: date,
) -> Leg:
    """A leg of a real trip between two of its stops, timed from its stop_times on `day`."""
    with Session(engine) as session:
        repo = GtfsRepository(session)
        route_id = repo.trip(version_id, trip_id).route_id
        rows = repo.trip_stop_times(version_id, trip_id)
    board = next(r for r in rows if r.stop_id == from_stop)
    alight = next(r for r in rows if r.stop_id == to_stop and r.stop_sequence > board.stop_sequence)
    # GTFS times count from noon minus 12 h of the service day, in the feed's timezone.
    tz = ZoneInfo(fares.timezone)
    origin = datetime.combine(day, time(12), tz) - timedelta(hours=12)
    return Leg(
        fares.feed,
        route_id,
        from_stop,
        to_stop,
        origin + timedelta(seconds=board.departure_time),
        origin + timedelta(seconds=alight.arrival_time),
        day,
    )


def test_zakroczym_areas_and_rider_category(engine: Engine) -> None:
    """Trip 10-1 from stop 100 (area 1) to 125 (area 3) is flr_13: zones 1-3 single, 5.00 PLN."""
    fares, version = load(engine, "pl_zakroczym_faresv2_2025-11.zip", "zakroczym")
    day = date(2025, 11, 17)
    leg = trip_leg(engine, fares, version, "10-1", "100", "125", day)
    q = quote([leg], fares, None)  # default category 0 (is_default_fare_category=1)
    assert (q.total, q.currency, q.rider_category_id) == (500, "PLN", "0")
    assert q.lines[0].fare_product_id == "single_ride_zones13_normal"
    assert q.lines[0].rule == RuleRef("fare_leg_rules.txt", 7, "flr_13")
    # 100 (area 1) to 117-2 (area 2): flr_12, single_ride_zones12_normal at 4.00 PLN.
    assert (
        quote([trip_leg(engine, fares, version, "10-1", "100", "117-2", day)], fares, "0").total
        == 400
    )
    # The single-ride products are sold to category 0 only: seniors (3) get none.
    with pytest.raises(NoFareApplies, match="rider category '3'"):
        quote([leg], fares, "3")


def test_transcollines_areas_and_timeframes(engine: Engine) -> None:
    """Route 910 from F134-01 (PNT) to F912-51 (GAT) in GT-2026 is REG-PNT-GAT: PS-2000, 20 CAD."""
    fares, version = load(engine, "ca_transcollines_fares_2026-04.zip", "transcollines")
    trip = "20260105-Semaine-01-910-0-0517"
    day = date(2026, 4, 20)  # FARES-GT-2026-1 runs every day from 2026-01-05 to 2026-08-23
    q = quote([trip_leg(engine, fares, version, trip, "F134-01", "F912-51", day)], fares, None)
    assert (q.total, q.currency, q.lines[0].fare_product_id) == (2000, "CAD", "PS-2000")
    assert q.lines[0].rule.key == "REG-PNT-GAT"
    # F134-01 (PNT) to F101-01 (COL): REG-PNT-COL, PS-500.
    short = trip_leg(engine, fares, version, trip, "F134-01", "F101-01", day)
    assert quote([short], fares, None).total == 500
    # After 2026-08-23 the timeframe's service has ended: every rule needs GT-2026, none matches.
    late = trip_leg(engine, fares, version, trip, "F134-01", "F101-01", date(2026, 9, 1))
    with pytest.raises(NoFareApplies):
        quote([late], fares, None)


def test_svrta_networks_and_transfer(engine: Engine) -> None:
    """Blue then Red (network local): local_adult 0.50 USD plus the free local->local transfer."""
    fares, version = load(engine, "us_oh_svrta_faresv2_2024-10.zip", "svrta")
    day = date(2024, 10, 14)  # a Monday, service 1
    blue = trip_leg(engine, fares, version, "Blue-1-OB-1-AM", "1", "17", day)  # 07:00-07:12
    red = trip_leg(engine, fares, version, "Red-1-OB-2-Full", "1", "30", day)  # 07:30-08:25
    q = quote([blue, red], fares, None)
    assert q.total == 50
    assert q.lines[1].rule == RuleRef("fare_transfer_rules.txt", 2, "local->local")
    assert q.lines[1].fare_product_id == "free_transfer"
    # RaylandTripper is network rayland (product rayland, 3.00 USD); no transfer rule joins it.
    rayland = trip_leg(
        engine,
        fares,
        version,
        "Rayland-OB-Full-2",
        *_first_last(engine, version, "Rayland-OB-Full-2"),
        day,
    )
    assert quote([blue, rayland], fares, None).total == 50 + 300


def test_google_sample_v1_fare_rules(engine: Engine) -> None:
    """Fares v1: STBA and AB are fare p (1.25 USD, no transfers), so two legs cost 2.50 USD."""
    fares, version = load(engine, "sample_google_sample-feed-1.zip", "google")
    day = date(2007, 6, 4)
    shuttle = trip_leg(engine, fares, version, "STBA", "STAGECOACH", "BEATTY_AIRPORT", day)
    q = quote([shuttle], fares, None)
    assert (q.total, q.currency, q.fares_version) == (125, "USD", "v1")
    assert q.lines[0].rule == RuleRef("fare_rules.txt", 3, "p")
    ab = trip_leg(engine, fares, version, "AB1", *_first_last(engine, version, "AB1"), day)
    ab = Leg(
        ab.feed,
        ab.route_id,
        ab.from_stop_id,
        ab.to_stop_id,
        shuttle.arrival + timedelta(hours=2),
        shuttle.arrival + timedelta(hours=3),
        day,
    )
    assert quote([shuttle, ab], fares, None).total == 250
    # Route CITY has no fare_rules row, and every fare is route-bound: nothing prices it.
    city = trip_leg(engine, fares, version, "CITY1", "STAGECOACH", "EMSI", day)
    with pytest.raises(NoFareApplies, match="route 'CITY'"):
        quote([city], fares, None)


def _first_last(engine: Engine, version_id: int, trip_id: str) -> tuple[str, str]:
    with Session(engine) as session:
        rows = GtfsRepository(session).trip_stop_times(version_id, trip_id)
    return rows[0].stop_id, rows[-1].stop_id
