from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gtfs.realtime import repository
from gtfs.realtime.models import RealtimeStopTimeUpdate, RealtimeTripUpdate
from gtfs.realtime.records import (
    Stamped,
    StopRelationship,
    StopTimeEvent,
    StopTimeUpdate,
    TripDescriptor,
    TripRelationship,
    TripUpdate,
    VehicleDescriptor,
)

DAY = date(2025, 8, 21)
NOW = datetime(2025, 8, 21, 14, 50, tzinfo=UTC)


def _tu(trip_id: str, delay: int, *, stops: int = 2, canceled: bool = False) -> TripUpdate:
    relationship = TripRelationship.CANCELED if canceled else TripRelationship.SCHEDULED
    return TripUpdate(
        entity_id=f"e-{trip_id}",
        trip_id=trip_id,
        service_date=DAY,
        service_date_derived=False,
        trip=TripDescriptor(trip_id=trip_id, start_date=DAY, schedule_relationship=relationship),
        vehicle=VehicleDescriptor(id="V7"),
        timestamp=1_755_787_000,
        stop_time_updates=tuple(
            StopTimeUpdate(
                stop_sequence=n,
                stop_id=f"S{n}",
                arrival=StopTimeEvent(delay=delay, time=1_755_787_000 + 60 * n),
                schedule_relationship=StopRelationship.SKIPPED
                if n == 2
                else StopRelationship.SCHEDULED,
            )
            for n in range(1, stops + 1)
        ),
    )


def _upsert(
    session: Session, *items: Stamped[TripUpdate], feed_id: str = "f1"
) -> set[tuple[str, date]]:
    return repository.upsert_trip_updates(session, feed_id, list(items), ingested_at=NOW)


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_upsert_round_trips_the_record(rt_session: Session) -> None:
    """A stored trip update reads back equal to the record written, stop times in order."""
    record = _tu("T1", 60, stops=3)
    assert _upsert(rt_session, Stamped(record, 100, 100)) == {("T1", DAY)}
    assert repository.load_trip_updates(rt_session, "f1", [("T1", DAY), ("T9", DAY)]) == {
        ("T1", DAY): record
    }


def test_newer_replaces_children_and_older_is_ignored(rt_session: Session) -> None:
    """A newer update replaces the row and its stop times; an older one leaves both untouched."""
    _upsert(rt_session, Stamped(_tu("T1", 60, stops=3), 100, 100))
    assert _upsert(rt_session, Stamped(_tu("T1", 120, stops=2), 200, 200)) == {("T1", DAY)}
    assert _upsert(rt_session, Stamped(_tu("T1", 5, stops=4), 150, 150)) == set()
    stored = repository.load_trip_updates(rt_session, "f1", [("T1", DAY)])[("T1", DAY)]
    assert [s.arrival.delay for s in stored.stop_time_updates if s.arrival] == [120, 120]
    assert _count(rt_session, RealtimeStopTimeUpdate) == 2
    assert _count(rt_session, RealtimeTripUpdate) == 1


def test_feeds_are_kept_apart(rt_session: Session) -> None:
    """The same trip id in two feeds is two rows."""
    _upsert(rt_session, Stamped(_tu("T1", 60), 100, 100), feed_id="f1")
    _upsert(rt_session, Stamped(_tu("T1", 99), 50, 50), feed_id="f2")
    assert (
        repository.load_trip_updates(rt_session, "f1", [("T1", DAY)])[("T1", DAY)].trip_id == "T1"
    )
    assert _count(rt_session, RealtimeTripUpdate) == 2


def test_timestamps_come_back_timezone_aware(rt_session: Session) -> None:
    """Stored times read back as aware UTC datetimes on both databases."""
    _upsert(rt_session, Stamped(_tu("T1", 60), 1_755_787_391, 1_755_787_503))
    row = rt_session.scalars(select(RealtimeTripUpdate)).one()
    assert row.observed_at == datetime(2025, 8, 21, 14, 43, 11, tzinfo=UTC)
    assert row.feed_timestamp == datetime(2025, 8, 21, 14, 45, 3, tzinfo=UTC)
    assert row.feed_timestamp.utcoffset() == timedelta(0)
    assert row.ingested_at == NOW


def test_purge_missing_spares_listed_and_newer_rows(rt_session: Session) -> None:
    """Purging removes rows of older feeds that are not listed, with their stop times."""
    _upsert(
        rt_session,
        Stamped(_tu("OLD", 1), 100, 100),
        Stamped(_tu("LISTED", 2), 100, 100),
        Stamped(_tu("NEWER", 3), 400, 400),
    )
    purged = repository.purge_missing(
        rt_session, "f1", "trip_updates",
        before=datetime.fromtimestamp(300, UTC), keep=[("LISTED", DAY)],
    )  # fmt: skip
    assert purged == 1
    left = repository.load_trip_updates(
        rt_session, "f1", [("OLD", DAY), ("LISTED", DAY), ("NEWER", DAY)]
    )
    assert {k[0] for k in left} == {"LISTED", "NEWER"}
    assert _count(rt_session, RealtimeStopTimeUpdate) == 4


def test_delete_entities_and_prune(rt_session: Session) -> None:
    """is_deleted entity ids remove their trips; prune drops state observed before a time."""
    _upsert(rt_session, Stamped(_tu("T1", 1), 100, 100), Stamped(_tu("T2", 2), 900, 900))
    gone = repository.delete_entities(rt_session, "f1", ["e-T1", "unknown"])
    assert gone["trip_updates"] == [("T1", DAY)]
    assert repository.prune(rt_session, observed_before=datetime.fromtimestamp(1000, UTC)) == 1
    assert _count(rt_session, RealtimeTripUpdate) == 0
    assert _count(rt_session, RealtimeStopTimeUpdate) == 0


def test_many_rows_are_chunked(rt_session: Session) -> None:
    """More rows than one statement's chunk are all written and read back."""
    items = [Stamped(_tu(f"T{n}", n, stops=1), 100, 100) for n in range(1234)]
    assert len(_upsert(rt_session, *items)) == 1234
    keys = [(f"T{n}", DAY) for n in range(1234)]
    assert len(repository.load_trip_updates(rt_session, "f1", keys)) == 1234
