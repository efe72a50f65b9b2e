from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import redis
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from gtfs.realtime import repository
from gtfs.realtime.errors import CorruptRealtimeFeed, InvalidRealtimeRequest
from gtfs.realtime.models import (
    RealtimeAlert,
    RealtimeAlertActivePeriod,
    RealtimeAlertInformedEntity,
    RealtimeStopTimeUpdate,
    RealtimeTripUpdate,
    RealtimeVehiclePosition,
)
from gtfs.realtime.propagate import apply_trip_update
from gtfs.realtime.records import StopRelationship
from gtfs.realtime.service import IngestSummary, ingest
from gtfs.realtime.store import RedisLayout, get_alerts, get_trip_updates, get_vehicle_positions
from gtfs.service_days import service_day_origin
from mobility.redis_client import make_redis
from tests.gtfs_realtime.factories import T0, FeedBuilder, stop

DAY = date(2025, 8, 21)
NOW = datetime.fromtimestamp(T0 + 60, UTC)
FGC_TRIP = "6c4bdab144746c0fb955c60d40|682dc5e505"


@pytest.fixture
def run(rt_session: Session, rt_redis: redis.Redis, layout: RedisLayout):  # type: ignore[no-untyped-def]
    """ingest() bound to this test's database session, Redis and key prefix."""

    def _run(data: bytes, feed_id: str = "f1", **kwargs: object) -> IngestSummary:
        kwargs.setdefault("now", NOW)
        return ingest(
            data, feed_id, rt_session, rt_redis, layout=layout, timezone="Europe/Rome", **kwargs
        )  # type: ignore[arg-type]

    return _run


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _redis_delay(client: redis.Redis, layout: RedisLayout, trip_id: str) -> int | None:
    found = get_trip_updates(client, "f1", [(trip_id, DAY)], layout=layout)
    return found[(trip_id, DAY)].stop_time_updates[0].arrival.delay  # type: ignore[union-attr]


def test_fgc_snapshot_lands_in_both_stores(
    run,
    fgc_bytes: bytes,
    rt_session: Session,
    rt_redis: redis.Redis,
    layout: RedisLayout,  # type: ignore[no-untyped-def]
) -> None:
    """All 38 real FGC trips reach the database and Redis, and the service does not commit."""
    commits: list[object] = []
    event.listen(rt_session, "after_commit", commits.append)
    summary = run(fgc_bytes, "fgc")
    assert summary.trip_updates.received == summary.trip_updates.written == 38
    assert (summary.stale, summary.rejected, summary.deleted) == (0, (), 0)
    assert summary.feed_timestamp == datetime(2025, 8, 21, 14, 45, 3, tzinfo=UTC)
    assert summary.incrementality == "FULL_DATASET"
    assert summary.duration_s > 0
    assert commits == []
    assert _count(rt_session, RealtimeTripUpdate) == 38
    assert _count(rt_session, RealtimeStopTimeUpdate) == 432
    found = get_trip_updates(rt_redis, "fgc", [(FGC_TRIP, DAY)], layout=layout)
    tu = found[(FGC_TRIP, DAY)]
    assert len(tu.stop_time_updates) == 17
    assert tu.stop_time_updates[0].arrival.time == 1755787330  # type: ignore[union-attr]
    assert repository.load_trip_updates(rt_session, "fgc", [(FGC_TRIP, DAY)])[(FGC_TRIP, DAY)] == tu
    assert summary.as_dict()["trip_updates"]["written"] == 38


def test_reingesting_the_same_feed_is_idempotent(
    run, fgc_bytes: bytes, rt_session: Session
) -> None:  # type: ignore[no-untyped-def]
    """The same message twice rewrites the same state: nothing stale, no duplicate rows."""
    run(fgc_bytes, "fgc")
    again = run(fgc_bytes, "fgc")
    assert (again.trip_updates.written, again.stale) == (38, 0)
    assert _count(rt_session, RealtimeStopTimeUpdate) == 432


def test_out_of_order_feed_does_not_overwrite(
    run,
    rt_session: Session,
    rt_redis: redis.Redis,
    layout: RedisLayout,  # type: ignore[no-untyped-def]
) -> None:
    """A feed older than the stored state is ignored, in Redis and in the database."""
    newer = FeedBuilder(timestamp=T0).trip("T1", stops=[stop(1, arrival_delay=120)]).bytes()
    older = FeedBuilder(timestamp=T0 - 30).trip("T1", stops=[stop(1, arrival_delay=60)]).bytes()
    assert run(newer).trip_updates.written == 1
    late = run(older)
    assert (late.trip_updates.written, late.trip_updates.stale, late.stale) == (0, 1, 1)
    assert _redis_delay(rt_redis, layout, "T1") == 120
    stored = repository.load_trip_updates(rt_session, "f1", [("T1", DAY)])[("T1", DAY)]
    assert stored.stop_time_updates[0].arrival.delay == 120  # type: ignore[union-attr]


def test_entity_timestamp_orders_before_header(
    run,
    rt_redis: redis.Redis,
    layout: RedisLayout,  # type: ignore[no-untyped-def]
) -> None:
    """A newer header does not rescue an entity whose own timestamp is older than the stored."""
    run(
        FeedBuilder(timestamp=T0)
        .trip("T1", timestamp=T0 - 5, stops=[stop(1, arrival_delay=90)])
        .bytes()
    )
    summary = run(
        FeedBuilder(timestamp=T0 + 30)
        .trip("T1", timestamp=T0 - 50, stops=[stop(1, arrival_delay=10)])
        .bytes()
    )
    assert summary.trip_updates.stale == 1
    assert _redis_delay(rt_redis, layout, "T1") == 90


def test_cancellation_replaces_a_scheduled_trip(
    run,
    rt_session: Session,
    rt_redis: redis.Redis,
    layout: RedisLayout,  # type: ignore[no-untyped-def]
) -> None:
    """A later CANCELED update is stored; applied to the schedule it flags every stop."""
    run(FeedBuilder(timestamp=T0).trip("T1", stops=[stop(1, arrival_delay=30)]).bytes())
    run(FeedBuilder(timestamp=T0 + 30).trip("T1", relationship="CANCELED").bytes())
    tu = get_trip_updates(rt_redis, "f1", [("T1", DAY)], layout=layout)[("T1", DAY)]
    assert tu.canceled
    assert tu.stop_time_updates == ()
    row = rt_session.scalars(select(RealtimeTripUpdate)).one()
    assert row.schedule_relationship == "CANCELED"
    assert _count(rt_session, RealtimeStopTimeUpdate) == 0
    schedule = [(1, "S1", 36000, 36000), (2, "S2", 36300, 36300)]
    rt = apply_trip_update(schedule, tu, service_day_origin=service_day_origin(DAY, "Europe/Rome"))
    assert rt.canceled
    assert all(s.canceled for s in rt.stop_times)


def test_skipped_stops_are_stored_and_applied(
    run,
    rt_session: Session,
    rt_redis: redis.Redis,
    layout: RedisLayout,  # type: ignore[no-untyped-def]
) -> None:
    """SKIPPED and NO_DATA survive both stores and drive the propagation."""
    run(
        FeedBuilder()
        .trip(
            "T1",
            stops=[
                stop(1, arrival_delay=45),
                stop(2, relationship="SKIPPED"),
                stop(4, relationship="NO_DATA"),
            ],
        )
        .bytes()
    )
    tu = get_trip_updates(rt_redis, "f1", [("T1", DAY)], layout=layout)[("T1", DAY)]
    from_db = repository.load_trip_updates(rt_session, "f1", [("T1", DAY)])[("T1", DAY)]
    assert tu == from_db
    assert [s.schedule_relationship for s in tu.stop_time_updates] == [
        StopRelationship.SCHEDULED,
        StopRelationship.SKIPPED,
        StopRelationship.NO_DATA,
    ]
    schedule = [(n, f"S{n}", 36000 + 300 * n, 36000 + 300 * n) for n in range(1, 6)]
    rt = apply_trip_update(schedule, tu, service_day_origin=service_day_origin(DAY, "Europe/Rome"))
    assert [(s.arrival_delay, s.skipped) for s in rt.stop_times] == [
        (45, False), (45, True), (45, False), (None, False), (None, False),
    ]  # fmt: skip


def test_full_dataset_purges_trips_it_no_longer_lists(
    run,
    rt_session: Session,
    rt_redis: redis.Redis,
    layout: RedisLayout,  # type: ignore[no-untyped-def]
) -> None:
    """A newer full dataset without trip T2 removes T2; a partial feed or other kinds do not."""
    run(FeedBuilder(timestamp=T0).trip("T1").trip("T2").bytes())
    run(FeedBuilder(timestamp=T0 + 10).vehicle("v1").bytes())  # another kind: trips untouched
    assert _count(rt_session, RealtimeTripUpdate) == 2
    kept = run(FeedBuilder(timestamp=T0 + 20).trip("T1").bytes(), full_dataset_replaces=False)
    assert kept.trip_updates.purged == 0
    summary = run(FeedBuilder(timestamp=T0 + 30).trip("T1").bytes())
    assert summary.trip_updates.purged == 1
    assert set(get_trip_updates(rt_redis, "f1", [("T1", DAY), ("T2", DAY)], layout=layout)) == {
        ("T1", DAY)
    }
    assert rt_session.scalars(select(RealtimeTripUpdate.trip_id)).all() == ["T1"]


def test_differential_deletion_removes_state(
    run,
    rt_session: Session,
    rt_redis: redis.Redis,
    layout: RedisLayout,  # type: ignore[no-untyped-def]
) -> None:
    """An is_deleted entity removes the trip and the vehicle it named, from both stores."""
    run(FeedBuilder(timestamp=T0).trip("T1", entity_id="e1").vehicle("v1").bytes())
    summary = run(
        FeedBuilder(timestamp=T0 + 5, incrementality="DIFFERENTIAL")
        .deleted("e1")
        .deleted("v1")
        .bytes()
    )
    assert summary.deleted == 2
    assert get_trip_updates(rt_redis, "f1", [("T1", DAY)], layout=layout) == {}
    assert get_vehicle_positions(rt_redis, "f1", layout=layout) == []
    assert (
        _count(rt_session, RealtimeTripUpdate) == _count(rt_session, RealtimeVehiclePosition) == 0
    )


def test_vehicle_positions_and_alerts_are_kept(
    run,
    rt_session: Session,
    rt_redis: redis.Redis,
    layout: RedisLayout,  # type: ignore[no-untyped-def]
) -> None:
    """Positions and alerts (periods, translations, informed entities) reach both stores."""
    data = FeedBuilder().vehicle("v1", timestamp=T0 - 3).alert("a1", trip_id="T9").bytes()
    summary = run(data)
    assert (summary.vehicle_positions.written, summary.alerts.written) == (1, 1)
    (vp,) = get_vehicle_positions(rt_redis, "f1", layout=layout)
    assert (vp.stop_id, vp.occupancy_status, vp.timestamp) == ("S2", "FEW_SEATS_AVAILABLE", T0 - 3)
    (alert,) = get_alerts(rt_redis, "f1", layout=layout)
    assert alert.is_active(T0 + 60)
    row = rt_session.scalars(select(RealtimeVehiclePosition)).one()
    assert (row.vehicle_id, row.trip_id, row.latitude) == (
        "V1",
        "T1",
        pytest.approx(43.7228, abs=1e-5),
    )
    assert row.timestamp == datetime.fromtimestamp(T0 - 3, UTC)
    alert_row = rt_session.scalars(select(RealtimeAlert)).one()
    assert (alert_row.cause, alert_row.effect) == ("STRIKE", "REDUCED_SERVICE")
    assert {"text": "Sciopero", "language": "it"} in alert_row.header_text
    period = rt_session.scalars(select(RealtimeAlertActivePeriod)).one()
    assert (period.starts_at, period.ends_at) == (
        datetime.fromtimestamp(T0, UTC),
        datetime.fromtimestamp(T0 + 3600, UTC),
    )
    selectors = rt_session.execute(
        select(RealtimeAlertInformedEntity.route_id, RealtimeAlertInformedEntity.stop_id,
               RealtimeAlertInformedEntity.trip_id).order_by(RealtimeAlertInformedEntity.id)
    ).all()  # fmt: skip
    assert [tuple(s) for s in selectors] == [
        ("R1", None, None),
        (None, "S2", None),
        (None, None, "T9"),
    ]


def test_duplicate_entities_keep_the_newest(
    run, rt_redis: redis.Redis, layout: RedisLayout
) -> None:  # type: ignore[no-untyped-def]
    """Two updates of one trip in one message: the newer is kept, the other counted stale."""
    data = (
        FeedBuilder()
        .trip("T1", entity_id="a", timestamp=T0 - 1, stops=[stop(1, arrival_delay=300)])
        .trip("T1", entity_id="b", timestamp=T0 - 9, stops=[stop(1, arrival_delay=5)])
        .bytes()
    )
    summary = run(data)
    assert (summary.trip_updates.received, summary.trip_updates.written, summary.stale) == (2, 1, 1)
    assert _redis_delay(rt_redis, layout, "T1") == 300


def test_future_timestamp_freezes_state_only_briefly(
    run, rt_redis: redis.Redis, layout: RedisLayout
) -> None:  # type: ignore[no-untyped-def]
    """A header days ahead counts as 5 minutes ahead, so correct feeds win again soon after."""
    run(
        FeedBuilder(timestamp=T0 + 10 * 86400)
        .trip("T1", stops=[stop(1, arrival_delay=999)])
        .bytes(),
        now=NOW,
    )
    soon = FeedBuilder(timestamp=T0 + 100).trip("T1", stops=[stop(1, arrival_delay=1)]).bytes()
    assert run(soon, now=NOW).stale == 1
    later = datetime.fromtimestamp(NOW.timestamp() + 400, UTC)
    fresh = (
        FeedBuilder(timestamp=int(later.timestamp()))
        .trip("T1", stops=[stop(1, arrival_delay=2)])
        .bytes()
    )
    assert run(fresh, now=later).trip_updates.written == 1
    assert _redis_delay(rt_redis, layout, "T1") == 2


def test_corrupt_payload_writes_nothing(
    run,
    fgc_bytes: bytes,
    rt_session: Session,
    rt_redis: redis.Redis,
    layout: RedisLayout,  # type: ignore[no-untyped-def]
) -> None:
    """A corrupt payload raises CorruptRealtimeFeed before touching either store."""
    with pytest.raises(CorruptRealtimeFeed):
        run(fgc_bytes[:-7])
    assert _count(rt_session, RealtimeTripUpdate) == 0
    assert list(rt_redis.scan_iter(match=layout.prefix + "*")) == []


@pytest.mark.parametrize("feed_id", ["", "a:b", "x" * 65, "-lead"])
def test_bad_feed_id_is_refused(run, feed_id: str) -> None:  # type: ignore[no-untyped-def]
    """A feed id that cannot name keys and rows safely is an InvalidRealtimeRequest."""
    with pytest.raises(InvalidRealtimeRequest, match="feed id"):
        run(FeedBuilder().bytes(), feed_id)


def test_ingest_on_the_alembic_migrated_schema(
    engine: Engine, fgc_bytes: bytes, layout: RedisLayout
) -> None:
    """The upserts work on the schema built by the project's migrations, not only create_all."""
    client = make_redis("")
    try:
        with Session(engine) as session:
            summary = ingest(fgc_bytes, "fgc", session, client, layout=layout, now=NOW)
            session.commit()
        with Session(engine) as session:
            assert _count(session, RealtimeStopTimeUpdate) == 432
            again = ingest(fgc_bytes, "fgc", session, client, layout=layout, now=NOW)
            session.commit()
        assert (summary.trip_updates.written, again.trip_updates.written, again.stale) == (
            38,
            38,
            0,
        )
    finally:
        for key in client.scan_iter(match=layout.prefix + "*"):
            client.delete(key)
