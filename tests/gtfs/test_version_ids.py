"""Feed version ids are never reused: per-version caches rely on it."""

from __future__ import annotations

from sqlalchemy import Engine, delete

from gtfs.importer import import_feed
from gtfs.models import Feed, FeedVersion
from tests.conftest import shared_feed


def test_version_id_is_not_reused_after_deleting_the_newest(engine: Engine) -> None:
    """Delete every version: the next import still gets a new id (SQLite AUTOINCREMENT)."""
    path = shared_feed("sample_google_sample-feed-1.zip")
    first = import_feed(engine, path, "google")
    with engine.begin() as conn:
        conn.execute(delete(FeedVersion))
        conn.execute(delete(Feed))
    second = import_feed(engine, path, "google")
    assert second.version_id > first.version_id
