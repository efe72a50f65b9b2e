"""The `mobility` command: exit codes, one-line errors, summaries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.conftest import GTFS_DIR, shared_feed

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GTFS_RT = GTFS_DIR / "rt"


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [sys.executable, "-m", "services.cli", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_validate_good_feed_exits_zero() -> None:
    """A valid feed: exit 0 and a summary line with zero errors."""
    r = run_cli("gtfs", "validate", str(shared_feed("sample_google_sample-feed-1.zip")))
    assert r.returncode == 0, r.stderr
    assert "0 errors" in r.stdout.splitlines()[-1]


def test_validate_broken_feed_exits_one_with_json_notices() -> None:
    """The Udine feed: exit 1; the JSON report has invalid_date at calendar.txt:3 end_date."""
    r = run_cli(
        "gtfs", "validate", str(shared_feed("it_udine_saf_osm_2016.zip")), "--format", "json"
    )
    assert r.returncode == 1
    report = json.loads(r.stdout)
    assert report["valid"] is False
    by_code = {n["code"]: n for n in report["notices"]}
    sample = by_code["invalid_date"]["sample"][0]
    assert (sample["file"], sample["field"], sample["value"]) == (
        "calendar.txt",
        "end_date",
        "20160931",
    )
    assert sample["severity"] == "error"
    assert isinstance(sample["line"], int)


def test_missing_path_is_one_line_error() -> None:
    """A path that does not exist: one line on stderr, exit 1, no traceback."""
    r = run_cli("gtfs", "validate", "/nonexistent/feed.zip")
    assert r.returncode == 1
    assert r.stderr.strip().count("\n") == 0
    assert "no such file" in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_format_option_is_usage_error() -> None:
    """An unknown --format exits 2."""
    r = run_cli("gtfs", "validate", "x.zip", "--format", "xml")
    assert r.returncode == 2


@pytest.mark.usefixtures("engine")
def test_import_prints_summary_and_feeds_lists_it(engine: Engine) -> None:
    """import prints counts and rows/s; feeds shows the current version."""
    env = {"DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    path = str(shared_feed("sample_google_sample-feed-1.zip"))
    r = run_cli("gtfs", "import", path, "--feed", "google", env=env)
    assert r.returncode == 0, r.stderr
    assert "imported google version" in r.stdout
    assert "rows/s" in r.stdout
    listed = run_cli("gtfs", "feeds", env=env)
    assert "google: version" in listed.stdout


@pytest.mark.usefixtures("engine")
def test_import_of_invalid_feed_fails_cleanly(engine: Engine) -> None:
    """An invalid feed: exit 1, one line naming the error count, nothing imported."""
    env = {"DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    r = run_cli(
        "gtfs", "import", str(shared_feed("it_udine_saf_osm_2016.zip")), "--feed", "u", env=env
    )
    assert r.returncode == 1
    assert "errors; nothing imported" in r.stderr
    assert "u:" not in run_cli("gtfs", "feeds", env=env).stdout


def test_bad_feed_id_is_rejected() -> None:
    """Feed ids are lower-case slugs (they prefix every public reference)."""
    r = run_cli("gtfs", "import", "x.zip", "--feed", "Bad:Id")
    assert r.returncode == 2
    assert "feed id" in r.stderr


def _service_env(engine: Engine, redis_url: str, key_prefix: str) -> dict[str, str]:
    return {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": key_prefix,
    }


@pytest.mark.usefixtures("redis_client")
def test_realtime_ingests_the_fgc_snapshot(engine: Engine, redis_url: str, key_prefix: str) -> None:
    """The real FGC TripUpdates: 38 written; the same file again is idempotent."""
    env = _service_env(engine, redis_url, key_prefix)
    pb = str(GTFS_RT / "es_catalunya_fgc_tripupdates_2025-08-21T144503Z.pb")
    first = run_cli("gtfs", "realtime", pb, "--feed", "fgc", env=env)
    assert first.returncode == 0, first.stderr
    assert "38 trip updates written" in first.stdout
    again = run_cli("gtfs", "realtime", pb, "--feed", "fgc", env=env)
    assert "38 trip updates written" in again.stdout


@pytest.mark.usefixtures("redis_client")
def test_realtime_corrupt_payload_is_one_line(
    engine: Engine, redis_url: str, key_prefix: str, tmp_path: Path
) -> None:
    """A file that is not a FeedMessage: exit 1, one line."""
    bad = tmp_path / "bad.pb"
    bad.write_bytes(b"\xff\x00garbage")
    r = run_cli(
        "gtfs",
        "realtime",
        str(bad),
        "--feed",
        "fgc",
        env=_service_env(engine, redis_url, key_prefix),
    )
    assert r.returncode == 1
    assert r.stderr.strip().count("\n") == 0


@pytest.mark.usefixtures("redis_client")
def test_worker_polls_configured_sources(engine: Engine, redis_url: str, key_prefix: str) -> None:
    """One worker round ingests each REALTIME_FEEDS source and logs a failing one."""
    pb = GTFS_RT / "es_catalunya_fgc_tripupdates_2025-08-21T144503Z.pb"
    env = _service_env(engine, redis_url, key_prefix)
    env["REALTIME_FEEDS"] = f"fgc={pb},other=/nonexistent.pb"
    r = run_cli("worker", "--once", env=env)
    assert r.returncode == 0, r.stderr
    assert "realtime fgc: 38 trip updates written" in r.stderr
    assert "realtime other:" in r.stderr


def test_worker_rejects_malformed_configuration() -> None:
    """REALTIME_FEEDS without feed=url is a one-line configuration error."""
    r = run_cli("worker", "--once", env={"REALTIME_FEEDS": "just-a-url"})
    assert r.returncode == 1
    assert "REALTIME_FEEDS" in r.stderr
