"""The latest real-time state in the database: upserts that refuse older state, and readers.

Upserts are INSERT ... ON CONFLICT DO UPDATE ... WHERE newer, RETURNING the rows written, in the
dialect of the session (PostgreSQL or SQLite): one statement decides and writes, so concurrent
ingests of the same feed cannot interleave a read and a write. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Table, and_, delete, insert, or_, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gtfs.realtime import models as m
from gtfs.realtime.records import Alert, Stamped, TripUpdate, VehiclePosition
from gtfs.realtime.rows import (
    alert_children,
    alert_row,
    stop_time_rows,
    trip_update_from_rows,
    trip_update_row,
    vehicle_position_row,
)

T = TypeVar("T")
_CHUNK = 500  # rows per statement: well under SQLite's and PostgreSQL's bound-parameter limits
TripKey = tuple[str, date]

TRIP_UPDATES: Table = m.RealtimeTripUpdate.__table__  # type: ignore[assignment]
STOP_TIME_UPDATES: Table = m.RealtimeStopTimeUpdate.__table__  # type: ignore[assignment]
VEHICLE_POSITIONS: Table = m.RealtimeVehiclePosition.__table__  # type: ignore[assignment]
ALERTS: Table = m.RealtimeAlert.__table__  # type: ignore[assignment]
ACTIVE_PERIODS: Table = m.RealtimeAlertActivePeriod.__table__  # type: ignore[assignment]
INFORMED_ENTITIES: Table = m.RealtimeAlertInformedEntity.__table__  # type: ignore[assignment]
# Each parent table: its natural key, and its child tables with their foreign-key column.
_KEYS = {
    "trip_updates": (
        TRIP_UPDATES,
        ("trip_id", "start_date"),
        ((STOP_TIME_UPDATES, "trip_update_id"),),
    ),
    "vehicle_positions": (VEHICLE_POSITIONS, ("entity_id",), ()),
    "alerts": (
        ALERTS,
        ("entity_id",),
        ((ACTIVE_PERIODS, "alert_id"), (INFORMED_ENTITIES, "alert_id")),
    ),
}


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _dialect_insert(session: Session) -> Callable[[Table], Any]:
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"real-time upserts support PostgreSQL and SQLite, not {name}")


def _upsert(session: Session, kind: str, rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], int]:
    """Write the rows newer than the stored ones; the natural keys written, with their ids."""
    table, key, _ = _KEYS[kind]
    conflict = ("feed_id", *key)
    stmt = _dialect_insert(session)(table)
    new, old = stmt.excluded, table.c
    newer = or_(
        new.observed_at > old.observed_at,
        and_(new.observed_at == old.observed_at, new.feed_timestamp >= old.feed_timestamp),
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=list(conflict),
        set_={c.name: new[c.name] for c in table.columns if c.name not in ("id", *conflict)},
        where=newer,
    ).returning(old.id, *(old[c] for c in key))
    written: dict[tuple[Any, ...], int] = {}
    for chunk in _chunks(rows):
        for row in session.execute(stmt, list(chunk)):
            written[tuple(row[1:])] = row[0]
    return written


def _replace_children(
    session: Session, kind: str, parent_ids: list[int], children: dict[Table, list[dict[str, Any]]]
) -> None:
    for table, fk in _KEYS[kind][2]:
        for chunk in _chunks(parent_ids):
            session.execute(delete(table).where(table.c[fk].in_(chunk)))
        for rows in _chunks(children.get(table, [])):
            session.execute(insert(table), list(rows))


def upsert_trip_updates(
    session: Session, feed_id: str, items: Sequence[Stamped[TripUpdate]], *, ingested_at: datetime
) -> set[TripKey]:
    """Store each trip update unless the stored one is newer; the (trip_id, date) keys written.

    Keys must be unique within `items` (PostgreSQL refuses to upsert one row twice in a
    statement); `service.ingest` keeps the newest of duplicates before calling.
    """
    rows = [trip_update_row(feed_id, item, ingested_at) for item in items]
    written = _upsert(session, "trip_updates", rows)
    ids = {(trip_id, start_date): id_ for (trip_id, start_date), id_ in written.items()}
    children = [
        row
        for item in items
        if item.record.key in ids
        for row in stop_time_rows(feed_id, ids[item.record.key], item.record)
    ]
    _replace_children(session, "trip_updates", list(ids.values()), {STOP_TIME_UPDATES: children})
    return set(ids)


def upsert_vehicle_positions(
    session: Session,
    feed_id: str,
    items: Sequence[Stamped[VehiclePosition]],
    *,
    ingested_at: datetime,
) -> set[str]:
    """Store each vehicle position unless the stored one is newer; the entity ids written.

    Entity ids must be unique within `items`, as for `upsert_trip_updates`.
    """
    rows = [vehicle_position_row(feed_id, item, ingested_at) for item in items]
    return {key[0] for key in _upsert(session, "vehicle_positions", rows)}


def upsert_alerts(
    session: Session, feed_id: str, items: Sequence[Stamped[Alert]], *, ingested_at: datetime
) -> set[str]:
    """Store each alert unless the stored one is newer; the entity ids written.

    Entity ids must be unique within `items`, as for `upsert_trip_updates`.
    """
    rows = [alert_row(feed_id, item, ingested_at) for item in items]
    written = {key[0]: id_ for key, id_ in _upsert(session, "alerts", rows).items()}
    periods: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    for item in items:
        if item.record.entity_id in written:
            p, e = alert_children(feed_id, written[item.record.entity_id], item.record)
            periods += p
            entities += e
    _replace_children(
        session,
        "alerts",
        list(written.values()),
        {ACTIVE_PERIODS: periods, INFORMED_ENTITIES: entities},
    )
    return set(written)


def _delete_parents(session: Session, kind: str, ids: list[int]) -> None:
    table = _KEYS[kind][0]
    _replace_children(session, kind, ids, {})  # children first: SQLite may run without FK cascades
    for chunk in _chunks(ids):
        session.execute(delete(table).where(table.c.id.in_(chunk)))


def purge_missing(
    session: Session, feed_id: str, kind: str, *, before: datetime, keep: Iterable[tuple[Any, ...]]
) -> int:
    """Delete `kind` rows of the feed last confirmed by a feed older than `before`, except `keep`.

    `kind` is trip_updates, vehicle_positions or alerts; `keep` holds natural keys
    ((trip_id, start_date) or (entity_id,)) present in the feed that triggers the purge.
    """
    table, key, _ = _KEYS[kind]
    kept = set(keep)
    rows = session.execute(
        select(table.c.id, *(table.c[c] for c in key)).where(
            table.c.feed_id == feed_id, table.c.feed_timestamp < before
        )
    )
    ids = [row[0] for row in rows if tuple(row[1:]) not in kept]
    _delete_parents(session, kind, ids)
    return len(ids)


def delete_entities(
    session: Session, feed_id: str, entity_ids: Sequence[str]
) -> dict[str, list[tuple[Any, ...]]]:
    """Delete every kind of state carried by these entity ids (is_deleted); the keys deleted."""
    deleted: dict[str, list[tuple[Any, ...]]] = {}
    for kind, (table, key, _) in _KEYS.items():
        found: list[tuple[Any, ...]] = []
        ids: list[int] = []
        for chunk in _chunks(list(entity_ids)):
            query = select(table.c.id, *(table.c[c] for c in key)).where(
                table.c.feed_id == feed_id, table.c.entity_id.in_(chunk)
            )
            for row in session.execute(query):
                ids.append(row[0])
                found.append(tuple(row[1:]))
        _delete_parents(session, kind, ids)
        deleted[kind] = found
    return deleted


def prune(session: Session, *, observed_before: datetime, feed_id: str | None = None) -> int:
    """Delete state observed before `observed_before` (housekeeping); how many parents went."""
    total = 0
    for kind, (table, _, _) in _KEYS.items():
        query = select(table.c.id).where(table.c.observed_at < observed_before)
        if feed_id is not None:
            query = query.where(table.c.feed_id == feed_id)
        ids = list(session.scalars(query))
        _delete_parents(session, kind, ids)
        total += len(ids)
    return total


def load_trip_updates(
    session: Session, feed_id: str, keys: Iterable[TripKey]
) -> dict[TripKey, TripUpdate]:
    """The stored trip updates for these (trip_id, service date) keys, the missing ones left out."""
    wanted = list(dict.fromkeys(keys))
    parents: list[Any] = []
    for chunk in _chunks(wanted):
        parents += session.execute(
            select(TRIP_UPDATES).where(
                TRIP_UPDATES.c.feed_id == feed_id,
                tuple_(TRIP_UPDATES.c.trip_id, TRIP_UPDATES.c.start_date).in_(list(chunk)),
            )
        ).all()
    children: dict[int, list[Any]] = {p.id: [] for p in parents}
    for ids in _chunks(list(children)):
        query = (
            select(STOP_TIME_UPDATES)
            .where(STOP_TIME_UPDATES.c.trip_update_id.in_(ids))
            .order_by(STOP_TIME_UPDATES.c.trip_update_id, STOP_TIME_UPDATES.c.position)
        )
        for row in session.execute(query):
            children[row.trip_update_id].append(row)
    return {(p.trip_id, p.start_date): trip_update_from_rows(p, children[p.id]) for p in parents}
