"""A GTFS import killed in the middle of stop_times, seen from the API: the previous version
serves unchanged while the import runs and after it dies, and no row, partition or version of
the killed import is left anywhere. (tests/gtfs/test_import_interrupted.py checks the database
side of a kill at any point of the bulk load; this one pins the kill to stop_times and looks
through the API and every GTFS table.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text

from gtfs.importer import import_feed
from gtfs.models import STATIC_TABLES, FeedVersion
from services.app import create_app
from tests.conftest import SAMPLE_FEED, shared_feed
from tests.faults.processes import ROOT

WAIT_S = 120.0  # a bound on the wait for the child to reach stop_times, not a speed figure
# SQLite shows no statement from outside; stop_times (5.9 MB in the Prato feed) is loaded after
# the small stops, routes and trips files, so a write-ahead log past this size is inside it.
SQLITE_WAL_IN_STOP_TIMES = 1_500_000


def _in_stop_times(engine: Engine) -> bool:
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            return bool(
                conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND query LIKE 'COPY \"gtfs_stop_times%'"
                    )
                )
            )
    wal = Path(str(engine.url.database) + "-wal")
    return wal.exists() and wal.stat().st_size > SQLITE_WAL_IN_STOP_TIMES


def _rows_by_version(engine: Engine) -> dict[str, dict[int, int]]:
    """Every GTFS table's row count per feed version."""
    counts: dict[str, dict[int, int]] = {}
    with engine.connect() as conn:
        for name, table in STATIC_TABLES.items():
            version = table.c.feed_version_id
            rows = conn.execute(select(version, func.count()).group_by(version)).all()
            counts[name] = {int(v): int(n) for v, n in rows}
    return counts


def _partitions(engine: Engine) -> set[str]:
    if engine.dialect.name != "postgresql":
        return set()
    with engine.connect() as conn:
        names = conn.scalars(
            text(
                "SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') AND relname ~ '_v[0-9]+$'"
            )
        )
        return {str(name) for name in names}


@pytest.fixture
def client(settings_env: None, engine: Engine) -> Iterator[TestClient]:  # noqa: ARG001
    with TestClient(create_app()) as c:
        yield c


def _served(client: TestClient) -> tuple[Any, Any]:
    feeds = client.get("/v1/feeds")
    stop = client.get("/v1/stops/feed:BEATTY_AIRPORT")
    assert feeds.status_code == 200, feeds.text
    assert stop.status_code == 200, stop.text
    return feeds.json(), stop.json()


def test_an_import_killed_in_stop_times_leaves_the_previous_version_serving(
    engine: Engine, client: TestClient
) -> None:
    """SIGKILL of `mobility gtfs import` while it loads stop_times: the API serves the same
    version before, during and after; no table holds a row of any other version."""
    previous = import_feed(engine, shared_feed("sample_google_sample-feed-1.zip"), "feed")
    before = _served(client)
    rows_before = _rows_by_version(engine)
    partitions_before = _partitions(engine)
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "services.cli",
            "gtfs",
            "import",
            str(SAMPLE_FEED),
            "--feed",
            "feed",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": engine.url.render_as_string(hide_password=False)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + WAIT_S
        while not _in_stop_times(engine):
            assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
            assert time.monotonic() < deadline, "the import never reached stop_times"
            time.sleep(0.02)
        assert _served(client) == before  # nothing of the running import is visible
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    assert _served(client) == before
    assert _rows_by_version(engine) == rows_before
    assert all(set(counts) <= {previous.version_id} for counts in rows_before.values())
    assert _partitions(engine) == partitions_before
    with engine.connect() as conn:
        versions = conn.execute(select(FeedVersion.id, FeedVersion.status)).all()
    assert [(v, s.value) for v, s in versions] == [(previous.version_id, "current")]
