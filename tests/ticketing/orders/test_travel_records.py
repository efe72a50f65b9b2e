"""Travel records from taps: a tap-out measures the ride from the tap-in along the GTFS shape,
the figure passenger-km clearing shares revenue by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from gtfs.importer import import_feed
from gtfs.repository import haversine_m
from mobility.db import get_engine, session_scope
from tests.gtfs.feeds import GOOD, write_feed
from tests.ticketing.shop import Shop
from ticketing.usage.service import TapFacts, record_tap


def _tap(tap_id: str, pass_id: str, direction: str, stop: str, when: datetime) -> int | None:
    with session_scope() as session:
        record = record_tap(
            session,
            TapFacts(
                tap_id=tap_id,
                pass_id=pass_id,
                operator_id="ATC",
                direction=direction,
                tapped_at=when,
                stop_ref=stop,
            ),
        )
        assert record is not None
        return record.distance_m


def test_tap_out_measures_the_ride_along_the_shape(shop: Shop, tmp_path: Path) -> None:
    """In at S1, out at S3 of route 15: the exit record carries the shape's length (through
    S2); the entry record carries none, so the trip counts once."""
    import_feed(get_engine(), write_feed(tmp_path / "good", GOOD), "ctl")
    rider = shop.traveller()
    pass_id = shop.buy(rider, [{"product_id": "COSTA-7"}])["pass_ids"][0]
    now = datetime.now(UTC)
    assert _tap("in-1", pass_id, "entry", "ctl:S1", now) is None
    distance = _tap("out-1", pass_id, "exit", "ctl:S3", now + timedelta(minutes=31))
    s1, s2, s3 = (44.4031, 8.9498), (44.3952, 8.9853), (44.3805, 9.0376)
    assert distance == round(haversine_m(*s1, *s2) + haversine_m(*s2, *s3))


def test_tap_out_at_a_terminal_gate_has_no_distance(shop: Shop) -> None:
    """Without GTFS stops on both ends (a freight terminal gate) no distance is invented."""
    rider = shop.traveller()
    pass_id = shop.buy(rider, [{"product_id": "COSTA-7"}])["pass_ids"][0]
    now = datetime.now(UTC)
    _tap("in-2", pass_id, "entry", "ctl:S1", now)
    assert _tap("out-2", pass_id, "exit", "interporto-gate-3", now + timedelta(minutes=5)) is None
