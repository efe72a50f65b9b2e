"""A killed import leaves the previous version serving and nothing of its own behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, func, select, text

from gtfs.importer import import_feed
from gtfs.models import FeedVersion, table_for
from tests.conftest import SAMPLE_FEED, shared_feed

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _import_in_progress(engine: Engine) -> bool:
    """True once the child is writing the big tables (seen from outside its transaction)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            return bool(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND query LIKE 'COPY \"gtfs_s%'"
                    )
                ).scalar()
            )
    wal = Path(str(engine.url.database) + "-wal")
    return wal.exists() and wal.stat().st_size > 2_000_000


def _state(engine: Engine) -> tuple[list[tuple[int, str]], int]:
    with engine.connect() as conn:
        versions = [
            (r.id, str(r.status.value))
            for r in conn.execute(
                select(FeedVersion.id, FeedVersion.status).order_by(FeedVersion.id)
            )
        ]
        stop_times = conn.execute(select(func.count()).select_from(table_for("stop_times.txt")))
        return versions, int(stop_times.scalar_one())


def test_killed_import_leaves_previous_version_intact(engine: Engine) -> None:
    """SIGKILL during the bulk load: same versions, same rows, and the next import works."""
    previous = import_feed(engine, shared_feed("sample_google_sample-feed-1.zip"), "feed")
    before = _state(engine)
    env = {**os.environ, "DATABASE_URL": engine.url.render_as_string(hide_password=False)}
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
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not _import_in_progress(engine):
            assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
            assert time.monotonic() < deadline, "the import never reached the bulk load"
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL
    assert _state(engine) == before
    assert before[0] == [(previous.version_id, "current")]
    # The database is usable afterwards: locks are gone and a new version can be loaded.
    again = import_feed(engine, shared_feed("sample_google_sample-feed-1.zip"), "feed")
    assert _state(engine)[0] == [(again.version_id, "current")]
