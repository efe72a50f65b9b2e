from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from gtfs.realtime.errors import (
    CorruptRealtimeFeed,
    InvalidRealtimeRequest,
    RealtimeSourceNotFound,
    RealtimeSourceTooLarge,
    RealtimeSourceUnreachable,
)
from gtfs.realtime.models import TABLES
from gtfs.realtime.service import ingest, load_source
from gtfs.realtime.source import redact_url
from gtfs.realtime.store import RedisLayout
from mobility.db import make_engine
from mobility.models import Base
from mobility.redis_client import make_redis
from tests.gtfs_realtime.conftest import FGC_RT


def test_http_url_is_fetched(http_base: str, fgc_bytes: bytes) -> None:
    """An http URL served by a local server returns exactly the .pb file's bytes."""
    assert load_source(f"{http_base}/fgc.pb") == fgc_bytes


def test_fetched_feed_ingests_end_to_end(
    http_base: str, tmp_path: Path, layout: RedisLayout
) -> None:
    """Fetch over HTTP, ingest into SQLite and fakeredis, commit: the 38 FGC trips are stored."""
    engine = make_engine(f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    Base.metadata.create_all(engine, tables=TABLES)
    client = make_redis("")
    try:
        with Session(engine) as session:
            summary = ingest(
                load_source(f"{http_base}/fgc.pb"), "fgc", session, client, layout=layout
            )
            session.commit()
        assert summary.trip_updates.written == 38
    finally:
        for key in client.scan_iter(match=layout.prefix + "*"):
            client.delete(key)
        engine.dispose()


def test_http_error_status_is_unreachable_and_redacted(http_base: str) -> None:
    """A 404 raises RealtimeSourceUnreachable naming the status, with the API key masked."""
    with pytest.raises(RealtimeSourceUnreachable, match="HTTP 404") as caught:
        load_source(f"{http_base}/missing.pb?api_key=SECRET123")
    assert "SECRET123" not in caught.value.detail
    assert "missing.pb?api_key=***" in caught.value.detail
    assert caught.value.status == 503


def test_slow_server_times_out(http_base: str) -> None:
    """A server slower than the timeout raises RealtimeSourceUnreachable saying so."""
    with pytest.raises(RealtimeSourceUnreachable, match=r"did not answer within 0\.3 s"):
        load_source(f"{http_base}/slow.pb", timeout_s=0.3)


def test_refused_connection_is_unreachable() -> None:
    """A port nobody listens on raises RealtimeSourceUnreachable, not an httpx error."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(RealtimeSourceUnreachable, match="ConnectError"):
        load_source(f"http://127.0.0.1:{port}/feed.pb", timeout_s=2)


def test_oversized_response_is_refused(http_base: str) -> None:
    """A body above max_bytes raises RealtimeSourceTooLarge instead of filling memory."""
    with pytest.raises(RealtimeSourceTooLarge):
        load_source(f"{http_base}/fgc.pb", max_bytes=1000)


def test_html_error_page_is_caught_at_parse(http_base: str) -> None:
    """A 200 answer carrying HTML loads, and ingest then reports it as a corrupt feed."""
    body = load_source(f"{http_base}/html")
    with pytest.raises(CorruptRealtimeFeed):
        ingest(body, "f1", None, None)  # type: ignore[arg-type]  # fails before any store


def test_local_files(tmp_path: Path, fgc_bytes: bytes) -> None:
    """A path and a file:// URL read the file; too large, missing and a directory are refused."""
    assert load_source(str(FGC_RT)) == fgc_bytes
    assert load_source(FGC_RT.as_uri()) == fgc_bytes
    with pytest.raises(RealtimeSourceTooLarge):
        load_source(str(FGC_RT), max_bytes=10)
    with pytest.raises(RealtimeSourceNotFound, match="no such file") as caught:
        load_source(str(tmp_path / "absent.pb"))
    assert caught.value.status == 404
    with pytest.raises(InvalidRealtimeRequest, match="directory"):
        load_source(str(tmp_path))


def test_unsupported_scheme_is_refused() -> None:
    """Schemes other than http(s) and file are refused with a clear message."""
    with pytest.raises(InvalidRealtimeRequest, match="unsupported source scheme 'ftp'"):
        load_source("ftp://example.org/feed.pb")


def test_redact_url_masks_credentials() -> None:
    """Passwords and query values are masked; host, path and parameter names stay readable."""
    assert (
        redact_url("https://user:pw@rt.example.org/tu.pb?key=abc&format=pb")
        == "https://user:***@rt.example.org/tu.pb?key=***&format=***"
    )
    assert redact_url("https://token@rt.example.org/tu") == "https://***@rt.example.org/tu"
    assert redact_url("http://rt.example.org/tu.pb") == "http://rt.example.org/tu.pb"
