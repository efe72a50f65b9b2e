"""Ingest one GTFS-Realtime source end to end: fetch, parse, store, commit (CLI and worker)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from gtfs.models import FeedVersion, FeedVersionStatus
from gtfs.realtime.repository import prune
from gtfs.realtime.service import IngestSummary, ingest, load_source
from mobility.db import session_scope
from mobility.redis_client import get_redis
from mobility.settings import get_settings


def feed_timezone(feed_id: str) -> str | None:
    """The agency time zone of the feed's current static version, if it has been imported."""
    with session_scope() as session:
        return (
            session.scalar(
                select(FeedVersion.timezone).where(
                    FeedVersion.feed_id == feed_id, FeedVersion.status == FeedVersionStatus.CURRENT
                )
            )
            or None
        )


def ingest_source(source: str, feed_id: str) -> IngestSummary:
    """Fetch `source` (path or URL) and keep its newest state; committed when this returns."""
    data = load_source(source)
    timezone = feed_timezone(feed_id)
    with session_scope() as session:
        return ingest(data, feed_id, session, get_redis(), timezone=timezone)


def prune_stale_state() -> int:
    """Delete database state older than the Redis TTL: no reader would use it any more."""
    cutoff = datetime.now(UTC) - timedelta(seconds=get_settings().realtime_ttl_s)
    with session_scope() as session:
        return prune(session, observed_before=cutoff)


def summary_line(feed_id: str, summary: IngestSummary) -> str:
    body = summary.as_dict()
    kinds = ", ".join(
        f"{body[k]['written']} {k.replace('_', ' ')}"
        for k in ("trip_updates", "vehicle_positions", "alerts")
        if isinstance(body.get(k), dict) and body[k].get("received")
    )
    return (
        f"realtime {feed_id}: {kinds or 'nothing'} written, {summary.stale} stale ignored, "
        f"feed time {body['feed_timestamp']}, {summary.duration_s * 1000:.0f} ms"
    )
