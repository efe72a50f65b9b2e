"""Ingest a GTFS-Realtime message into the database and Redis; fetch one from a file or URL.

Ordering: each entity is stamped with (observed_at, feed_timestamp): its own timestamp (else the
header's) and the header's; a stamp lower than the stored one is stale and ignored, so feeds
delivered out of order never overwrite newer state. A missing header timestamp counts as the
time of receipt; a timestamp more than `MAX_FUTURE_SKEW_S` ahead of receipt is clamped, so one
wrong clock cannot freeze a trip's state.

Full datasets: when a FULL_DATASET message carries entities of a kind, state of that kind which
the message no longer lists and an older feed last confirmed is removed (the spec: a full
dataset overwrites all preceding information). Kinds absent from the message are left alone,
since producers often serve TripUpdates, VehiclePositions and Alerts from separate URLs.
Pass ``full_dataset_replaces=False`` when one feed id is split over several partial URLs.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import redis
from sqlalchemy.orm import Session

from gtfs.realtime import repository, store
from gtfs.realtime.errors import InvalidRealtimeRequest
from gtfs.realtime.parse import parse_feed
from gtfs.realtime.records import RejectedEntity, Stamped
from gtfs.realtime.rows import utc
from gtfs.realtime.source import load_source
from gtfs.realtime.store import ALERTS, TRIP_UPDATES, VEHICLE_POSITIONS, RedisLayout, trip_member
from mobility.settings import get_settings

__all__ = ["IngestSummary", "KindCounts", "ingest", "load_source"]

log = logging.getLogger(__name__)
R = TypeVar("R")
MAX_FUTURE_SKEW_S = 300
_FEED_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True, slots=True)
class KindCounts:
    received: int = 0
    written: int = 0
    stale: int = 0  # older than the stored state, or repeated within the message
    purged: int = 0  # removed because a newer full dataset no longer lists them


@dataclass(frozen=True, slots=True)
class IngestSummary:
    feed_id: str
    feed_timestamp: datetime | None  # the header's, as given (None when absent)
    incrementality: str
    trip_updates: KindCounts
    vehicle_positions: KindCounts
    alerts: KindCounts
    deleted: int  # entities marked is_deleted
    rejected: tuple[RejectedEntity, ...]  # entities we could not use, with the reason
    unsupported: int  # entities of kinds we do not keep (shape, stop, trip_modifications)
    duration_s: float

    @property
    def stale(self) -> int:
        return self.trip_updates.stale + self.vehicle_positions.stale + self.alerts.stale

    @property
    def written(self) -> int:
        return self.trip_updates.written + self.vehicle_positions.written + self.alerts.written

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form, for the CLI and job logs."""
        body = asdict(self)
        body["feed_timestamp"] = self.feed_timestamp.isoformat() if self.feed_timestamp else None
        body["stale"], body["written"] = self.stale, self.written
        return body


def check_feed_id(feed_id: str) -> str:
    """`feed_id` if it can name the feed in keys and rows, else `InvalidRealtimeRequest`."""
    if not _FEED_ID.match(feed_id):
        raise InvalidRealtimeRequest(
            f"feed id {feed_id!r} must be 1-64 letters, digits, '_', '.' or '-',"
            " starting with a letter or digit"
        )
    return feed_id


def ingest(
    data: bytes,
    feed_id: str,
    session: Session,
    redis: redis.Redis,
    *,
    timezone: str | None = None,
    layout: RedisLayout | None = None,
    now: datetime | None = None,
    full_dataset_replaces: bool = True,
) -> IngestSummary:
    """Keep the newest state of every entity of `data`; the caller commits `session`.

    `timezone` (default: settings.timezone; pass the feed's agency_timezone) only serves to
    derive the service date of trips whose descriptor has no start_date.
    """
    started = time.perf_counter()
    check_feed_id(feed_id)
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise InvalidRealtimeRequest("`now` must be timezone-aware")
    received_at = int(now.timestamp())
    parsed = parse_feed(data, timezone=timezone or get_settings().timezone, received_at=received_at)
    layout = layout or RedisLayout.from_settings()
    ceiling = received_at + MAX_FUTURE_SKEW_S
    header_ts = min(parsed.header.timestamp or received_at, ceiling)
    purge = header_ts if parsed.is_full_dataset and full_dataset_replaces else None

    def stamp(record: R, entity_ts: int | None) -> Stamped[R]:
        observed = min(entity_ts, ceiling) if entity_ts else header_ts
        return Stamped(record, observed, header_ts)

    writer = _Writer(session, redis, layout, feed_id, purge, now)
    trips, dup = _newest(
        (trip_member(*tu.key), stamp(tu, tu.timestamp)) for tu in parsed.trip_updates
    )
    tu_counts = writer.apply(_TRIPS, trips, dup)
    vehicles, dup = _newest(
        (vp.entity_id, stamp(vp, vp.timestamp)) for vp in parsed.vehicle_positions
    )
    vp_counts = writer.apply(_VEHICLES, vehicles, dup)
    alerts, dup = _newest((a.entity_id, stamp(a, None)) for a in parsed.alerts)
    alert_counts = writer.apply(_ALERTS, alerts, dup)
    if parsed.deleted_entity_ids:
        _delete(session, redis, layout, feed_id, parsed.deleted_entity_ids)

    summary = IngestSummary(
        feed_id=feed_id,
        feed_timestamp=utc(parsed.header.timestamp),
        incrementality=parsed.header.incrementality,
        trip_updates=tu_counts,
        vehicle_positions=vp_counts,
        alerts=alert_counts,
        deleted=len(parsed.deleted_entity_ids),
        rejected=parsed.rejected,
        unsupported=parsed.unsupported,
        duration_s=time.perf_counter() - started,
    )
    log.info(
        "gtfs-rt %s: %d written, %d stale, %d rejected in %.3f s",
        feed_id, summary.written, summary.stale, len(summary.rejected), summary.duration_s,
    )  # fmt: skip
    return summary


def _newest(pairs: Iterable[tuple[str, Stamped[R]]]) -> tuple[dict[str, Stamped[R]], int]:
    """One item per member (the newest; the later on a tie), and how many were dropped."""
    newest: dict[str, Stamped[R]] = {}
    dropped = 0
    for member, item in pairs:
        kept = newest.get(member)
        if kept is not None:
            dropped += 1
            if item.version < kept.version:
                continue
        newest[member] = item
    return newest, dropped


@dataclass(frozen=True, slots=True)
class _Kind:
    db: str  # the repository's name of the kind
    redis: str  # the store's name of the kind
    upsert: Callable[..., set[Any]]
    natural_key: Callable[[Any], tuple[Any, ...]]  # the row's key besides feed_id


_TRIPS = _Kind("trip_updates", TRIP_UPDATES, repository.upsert_trip_updates, lambda r: r.key)
_VEHICLES = _Kind(
    "vehicle_positions",
    VEHICLE_POSITIONS,
    repository.upsert_vehicle_positions,
    lambda r: (r.entity_id,),
)
_ALERTS = _Kind("alerts", ALERTS, repository.upsert_alerts, lambda r: (r.entity_id,))


@dataclass(frozen=True, slots=True)
class _Writer:
    session: Session
    client: redis.Redis
    layout: RedisLayout
    feed_id: str
    purge_before: int | None
    now: datetime

    def apply(self, kind: _Kind, items: Mapping[str, Stamped[Any]], duplicates: int) -> KindCounts:
        """Write one kind to both stores; stale unless both took it."""
        if not items:  # a kind absent from the message is neither written nor purged
            return KindCounts(received=duplicates, stale=duplicates)
        stamped: Sequence[Stamped[Any]] = list(items.values())
        in_db = kind.upsert(self.session, self.feed_id, stamped, ingested_at=self.now)
        purged = 0
        if self.purge_before is not None:
            purged = repository.purge_missing(
                self.session,
                self.feed_id,
                kind.db,
                before=datetime.fromtimestamp(self.purge_before, UTC),
                keep=[kind.natural_key(item.record) for item in stamped],
            )
        in_redis = store.write_latest(
            self.client,
            self.layout,
            self.feed_id,
            kind.redis,
            items,
            purge_before=self.purge_before,
        )
        written = sum(
            1
            for member, item in items.items()
            if member in in_redis.written and _db_key(kind.natural_key(item.record)) in in_db
        )
        received = len(items) + duplicates
        return KindCounts(received, written, received - written, max(purged, in_redis.purged))


def _db_key(key: tuple[Any, ...]) -> Any:
    # The upserts answer (trip_id, date) for trips and the bare entity id for the others.
    return key[0] if len(key) == 1 else key


def _delete(
    session: Session,
    client: redis.Redis,
    layout: RedisLayout,
    feed_id: str,
    entity_ids: Sequence[str],
) -> None:
    gone = repository.delete_entities(session, feed_id, entity_ids)
    store.delete_members(
        client, layout, feed_id, TRIP_UPDATES, [trip_member(*k) for k in gone["trip_updates"]]
    )
    store.delete_members(client, layout, feed_id, VEHICLE_POSITIONS, entity_ids)
    store.delete_members(client, layout, feed_id, ALERTS, entity_ids)
