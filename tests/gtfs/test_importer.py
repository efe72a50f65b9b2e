"""Importing feeds: versions, atomic switch, all-or-nothing, both databases."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine, func, select

from gtfs.errors import FeedInvalid, FeedUnreadable
from gtfs.importer import import_feed
from gtfs.models import FeedVersion, FeedVersionStatus, table_for
from tests.conftest import shared_feed


def _versions(engine: Engine, feed_id: str) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(FeedVersion.id, FeedVersion.status)
            .where(FeedVersion.feed_id == feed_id)
            .order_by(FeedVersion.id)
        ).all()
    return [(r.id, FeedVersionStatus(r.status).value) for r in rows]


def _count(engine: Engine, file: str, version_id: int | None = None) -> int:
    table = table_for(file)
    query = select(func.count()).select_from(table)
    if version_id is not None:
        query = query.where(table.c.feed_version_id == version_id)
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def test_import_loads_every_row_of_the_spec_sample(engine: Engine) -> None:
    """Each file's rows land in its table, counted as the report counts them."""
    result = import_feed(engine, shared_feed("sample_google_sample-feed-1.zip"), "google")
    assert result.row_counts["stop_times.txt"] == 28
    assert result.row_counts["frequencies.txt"] == 11
    for file in ("stops.txt", "trips.txt", "stop_times.txt", "frequencies.txt", "fare_rules.txt"):
        assert _count(engine, file, result.version_id) == result.row_counts[file]
    assert _versions(engine, "google") == [(result.version_id, "current")]


def test_version_metadata_describes_the_feed(engine: Engine) -> None:
    """The version records time zone, service range, counts and the file's hash."""
    result = import_feed(engine, shared_feed("sample_google_sample-feed-1.zip"), "google")
    with engine.connect() as conn:
        v = conn.execute(select(FeedVersion).where(FeedVersion.id == result.version_id)).one()
    assert v.timezone == "America/Los_Angeles"
    assert str(v.service_start) == "2007-01-01"
    assert str(v.service_end) == "2010-12-31"
    assert json.loads(v.row_counts)["trips.txt"] == 11
    assert len(v.sha256) == 64


def test_reimport_replaces_the_version_and_prunes_the_old(engine: Engine) -> None:
    """A second import becomes current; the superseded version and its rows are removed."""
    path = shared_feed("sample_google_sample-feed-1.zip")
    first = import_feed(engine, path, "google")
    second = import_feed(engine, path, "google")
    assert second.version_id != first.version_id
    assert second.pruned_versions == [first.version_id]
    assert _versions(engine, "google") == [(second.version_id, "current")]
    assert _count(engine, "stop_times.txt", first.version_id) == 0
    assert _count(engine, "stop_times.txt") == 28


def test_keep_versions_retains_superseded_rows(engine: Engine) -> None:
    """With keep_versions=1 the previous version stays, superseded, with its rows."""
    path = shared_feed("sample_google_sample-feed-1.zip")
    first = import_feed(engine, path, "google")
    second = import_feed(engine, path, "google", keep_versions=1)
    assert _versions(engine, "google") == [
        (first.version_id, "superseded"),
        (second.version_id, "current"),
    ]
    assert _count(engine, "stop_times.txt") == 56


def test_feeds_coexist(engine: Engine) -> None:
    """Two feeds with overlapping GTFS ids live side by side under their own versions."""
    import_feed(engine, shared_feed("sample_google_sample-feed-1.zip"), "alpha")
    import_feed(engine, shared_feed("sample_google_sample-feed-1.zip"), "beta")
    assert _count(engine, "stops.txt") == 18
    assert [s for _, s in _versions(engine, "alpha")] == ["current"]
    assert [s for _, s in _versions(engine, "beta")] == ["current"]


def test_invalid_feed_is_rejected_and_previous_version_keeps_serving(engine: Engine) -> None:
    """The broken Udine feed raises with its notices; nothing of it is stored."""
    good = import_feed(engine, shared_feed("sample_google_sample-feed-1.zip"), "feed")
    before = _count(engine, "stop_times.txt")
    with pytest.raises(FeedInvalid) as info:
        import_feed(engine, shared_feed("it_udine_saf_osm_2016.zip"), "feed")
    codes = {n["code"] for n in info.value.extensions["notices"]}
    assert "invalid_date" in codes
    assert _versions(engine, "feed") == [(good.version_id, "current")]
    assert _count(engine, "stop_times.txt") == before


def test_unreadable_path_is_a_clear_error(engine: Engine, tmp_path) -> None:
    """A file that is not a zip gives FeedUnreadable, and no version."""
    bogus = tmp_path / "feed.zip"
    bogus.write_text("not a zip")
    with pytest.raises(FeedUnreadable):
        import_feed(engine, bogus, "feed")
    assert _versions(engine, "feed") == []


@pytest.mark.slow
def test_prato_imports_completely(engine: Engine) -> None:
    """The bundled Prato feed imports with the counts of its MANIFEST."""
    result = import_feed(engine, shared_feed("it_prato_cap_2016.zip"), "prato")
    assert result.row_counts["stop_times.txt"] == 107_752
    assert result.row_counts["shapes.txt"] == 101_999
    assert _count(engine, "stop_times.txt", result.version_id) == 107_752
