from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from gtfs.realtime import codec
from gtfs.realtime.errors import CorruptRealtimeFeed, InvalidRealtimeRequest
from gtfs.realtime.parse import derive_service_date, parse_feed, posix
from gtfs.realtime.records import (
    Alert,
    StopRelationship,
    StopTimeEvent,
    TripRelationship,
    TripUpdate,
    VehiclePosition,
)
from tests.gtfs_realtime.factories import T0, FeedBuilder

NOW = T0 + 120
FGC_TRIP = "6c4bdab144746c0fb955c60d40|682dc5e505"


def _parse(data: bytes, timezone: str = "Europe/Madrid"):  # type: ignore[no-untyped-def]
    return parse_feed(data, timezone=timezone, received_at=NOW)


def test_fgc_snapshot_header_and_counts(fgc_bytes: bytes) -> None:
    """The real FGC snapshot holds 38 TripUpdates with 432 stop time updates, header 14:45:03Z."""
    feed = _parse(fgc_bytes)
    assert feed.header.gtfs_realtime_version == "1.0"
    assert feed.header.timestamp == 1755787503
    assert feed.is_full_dataset
    assert len(feed.trip_updates) == 38
    assert sum(len(tu.stop_time_updates) for tu in feed.trip_updates) == 432
    assert (feed.vehicle_positions, feed.alerts, feed.rejected) == ((), (), ())
    assert {tu.service_date for tu in feed.trip_updates} == {date(2025, 8, 21)}
    assert not any(tu.service_date_derived for tu in feed.trip_updates)
    assert all(tu.schedule_relationship is TripRelationship.SCHEDULED for tu in feed.trip_updates)


def test_fgc_trip_read_field_by_field(fgc_bytes: bytes) -> None:
    """One FGC trip decodes to its entity id, timestamp and absolute stop times, by stop_id."""
    feed = _parse(fgc_bytes)
    (tu,) = [t for t in feed.trip_updates if t.trip_id == FGC_TRIP]
    assert tu.entity_id == f"S|20250821|{FGC_TRIP}"
    assert tu.timestamp == 1755787391
    assert [s.stop_id for s in tu.stop_time_updates][:3] == ["SR", "PF", "VL"]
    first = tu.stop_time_updates[0]
    assert first.stop_sequence is None
    assert first.arrival == StopTimeEvent(time=1755787330)
    assert first.departure == StopTimeEvent(time=1755787390)
    assert first.schedule_relationship is StopRelationship.SCHEDULED
    assert tu.stop_time_updates[-1].stop_id == "PN"


def test_records_round_trip_through_json(fgc_bytes: bytes) -> None:
    """Every record survives the JSON codec used for Redis unchanged."""
    feed = _parse(fgc_bytes)
    for tu in feed.trip_updates:
        assert codec.loads(TripUpdate, codec.dumps(tu)) == tu
    synthetic = _parse(FeedBuilder().vehicle("v1").alert("a1", trip_id="T9").bytes())
    (vp,) = synthetic.vehicle_positions
    (alert,) = synthetic.alerts
    assert codec.loads(VehiclePosition, codec.dumps(vp)) == vp
    assert codec.loads(Alert, codec.dumps(alert)) == alert


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"", "empty"),
        (b"<html><body>502 Bad Gateway</body></html>", "not a GTFS-Realtime FeedMessage"),
        (b"\x00" * 16, "not a GTFS-Realtime FeedMessage"),
        (b"\x08\x01", "no header"),  # valid wire format of an unrelated message
    ],
)
def test_corrupt_payload_raises_domain_error(payload: bytes, message: str) -> None:
    """A payload that is not a FeedMessage raises CorruptRealtimeFeed (HTTP 400) with a reason."""
    with pytest.raises(CorruptRealtimeFeed, match=message) as caught:
        _parse(payload)
    assert caught.value.status == 400
    assert caught.value.to_problem()["type"].endswith("gtfs-rt-corrupt-feed")


def test_truncated_real_snapshot_is_corrupt(fgc_bytes: bytes) -> None:
    """The real snapshot cut in the middle of an entity is reported corrupt, not half-read."""
    with pytest.raises(CorruptRealtimeFeed, match=r"5000 bytes"):
        _parse(fgc_bytes[:5000])


def test_unusable_entities_are_rejected_not_fatal() -> None:
    """A trip without trip_id or with a malformed start_date is set aside; the others stay."""
    data = (
        FeedBuilder()
        .trip(None, entity_id="no-trip-id")
        .trip("T1", start_date="2025-08-21")
        .trip("T2")
        .bytes()
    )
    feed = _parse(data)
    assert [tu.trip_id for tu in feed.trip_updates] == ["T2"]
    reasons = {r.entity_id: r.reason for r in feed.rejected}
    assert reasons["no-trip-id"] == "trip_update without trip_id"
    assert "not YYYYMMDD" in reasons["tu-T1"]


def test_missing_start_date_is_derived_in_feed_timezone() -> None:
    """Without start_date the service date is the local date of the entity timestamp."""
    late_evening_utc = int(datetime(2025, 8, 21, 22, 30, tzinfo=UTC).timestamp())  # 00:30 in Rome
    data = FeedBuilder().trip("T1", start_date=None, timestamp=late_evening_utc).bytes()
    (tu,) = _parse(data, timezone="Europe/Rome").trip_updates
    assert tu.service_date == date(2025, 8, 22)
    assert tu.service_date_derived
    (utc_tu,) = _parse(data, timezone="UTC").trip_updates
    assert utc_tu.service_date == date(2025, 8, 21)


@pytest.mark.parametrize(
    ("start_time", "local_clock", "expected"),
    [
        ("25:10:00", (2025, 8, 22, 1, 5), date(2025, 8, 21)),  # past midnight, yesterday's trip
        ("23:50:00", (2025, 8, 22, 0, 20), date(2025, 8, 21)),
        ("00:10:00", (2025, 8, 21, 23, 55), date(2025, 8, 22)),  # announced before midnight
        ("14:00:00", (2025, 8, 21, 13, 0), date(2025, 8, 21)),
        ("bogus", (2025, 8, 21, 13, 0), date(2025, 8, 21)),
    ],
)
def test_derived_service_date_follows_start_time(
    start_time: str, local_clock: tuple[int, ...], expected: date
) -> None:
    """A start_time 12 h or more away from the local clock moves the service date by a day."""
    tz = ZoneInfo("Europe/Rome")
    at = int(datetime(*local_clock, tzinfo=tz).timestamp())
    assert derive_service_date(start_time, at, tz) == expected


def test_vehicle_position_and_alert_fields() -> None:
    """Positions, enums and translations decode to plain values; float32 noise is rounded."""
    data = FeedBuilder().vehicle("v1", timestamp=T0 - 5).alert("a1").bytes()
    feed = _parse(data)
    (vp,) = feed.vehicle_positions
    assert (vp.latitude, vp.longitude) == pytest.approx((43.7228, 10.4017), abs=1e-5)
    assert (vp.bearing, vp.speed) == (12.3, 8.5)
    assert vp.vehicle is not None
    assert vp.vehicle.id == "V1"
    assert vp.trip is not None
    assert vp.trip.trip_id == "T1"
    assert (vp.current_status, vp.stop_id, vp.current_stop_sequence) == ("STOPPED_AT", "S2", 2)
    assert vp.occupancy_status == "FEW_SEATS_AVAILABLE"
    assert vp.congestion_level is None
    assert vp.timestamp == T0 - 5
    (alert,) = feed.alerts
    assert (alert.cause, alert.effect, alert.severity_level) == (
        "STRIKE",
        "REDUCED_SERVICE",
        "UNKNOWN_SEVERITY",
    )
    assert {(t.language, t.text) for t in alert.header_text} == {
        ("it", "Sciopero"),
        ("en", "Strike"),
    }
    assert [(e.agency_id, e.route_id, e.stop_id) for e in alert.informed_entities] == [
        ("A1", "R1", None),
        (None, None, "S2"),
    ]
    assert alert.is_active(T0 + 10)
    assert not alert.is_active(T0 + 3600)


def test_millisecond_timestamps_are_repaired() -> None:
    """A producer publishing milliseconds is read as seconds, so it cannot outrank later feeds."""
    data = FeedBuilder(timestamp=T0 * 1000).trip("T1", timestamp=(T0 - 1) * 1000).bytes()
    feed = _parse(data)
    assert feed.header.timestamp == T0
    assert feed.trip_updates[0].timestamp == T0 - 1
    assert posix(T0) == T0


def test_deleted_and_unsupported_entities_are_counted() -> None:
    """is_deleted entities are listed by id; entities with no kind we keep are counted."""
    builder = FeedBuilder(incrementality="DIFFERENTIAL").deleted("gone")
    builder.message.entity.add().id = "empty"
    feed = _parse(builder.bytes())
    assert feed.deleted_entity_ids == ("gone",)
    assert feed.unsupported == 1
    assert not feed.is_full_dataset


def test_unknown_timezone_is_a_bad_request() -> None:
    """An unknown time zone name is refused as InvalidRealtimeRequest, not a crash."""
    with pytest.raises(InvalidRealtimeRequest, match="Mars/Olympus"):
        _parse(FeedBuilder().bytes(), timezone="Mars/Olympus")
