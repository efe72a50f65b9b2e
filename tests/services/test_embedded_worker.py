"""The embedded default polls real-time feeds inside the API process, where its in-process Redis
substitute lives: a TripUpdate in a REALTIME_FEEDS file reaches the journeys answer."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from gtfs.importer import import_feed
from mobility.db import reset_engine_cache
from mobility.redis_client import reset_redis_cache
from mobility.settings import get_settings
from services.app import create_app
from services.worker import Worker
from tests.gtfs.feeds import GOOD, write_feed
from tests.gtfs_realtime.factories import FeedBuilder, stop

WEEKDAY = "2024-03-05"
WAIT_S = 20.0  # generous: the poller's first round runs as the app starts


@pytest.fixture
def embedded(
    monkeypatch: pytest.MonkeyPatch, engine: Engine, tmp_path: Path
) -> Iterator[TestClient]:
    """The app on this test's database, no REDIS_URL, and one real-time feed file."""
    import_feed(engine, write_feed(tmp_path / "good", GOOD), "ctl")
    message = FeedBuilder(timestamp=int(time.time())).trip(
        "T1", start_date=WEEKDAY.replace("-", ""), stops=[stop(stop_id="S3", arrival_delay=420)]
    )
    source = tmp_path / "tripupdates.pb"
    source.write_bytes(message.message.SerializeToString())
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("REDIS_URL", "")
    monkeypatch.setenv("REALTIME_FEEDS", f"ctl={source}")
    monkeypatch.setenv("REALTIME_POLL_S", "1")
    monkeypatch.setenv("LOAD_SAMPLE_DATA", "false")
    for reset in (get_settings.cache_clear, reset_engine_cache, reset_redis_cache):
        reset()
    with TestClient(create_app()) as client:
        yield client
    for reset in (get_settings.cache_clear, reset_engine_cache, reset_redis_cache):
        reset()


def ride(client: TestClient) -> dict[str, Any]:
    response = client.get(
        "/v1/journeys",
        params={"from": "ctl:S1", "to": "ctl:S3", "date": WEEKDAY, "time": "07:55:00"},
    )
    assert response.status_code == 200, response.text
    legs = response.json()["journeys"][0]["legs"]
    return next(leg for leg in legs if leg["mode"] != "walk")


def test_the_embedded_worker_feeds_the_planner(embedded: TestClient) -> None:
    deadline = time.monotonic() + WAIT_S
    leg = ride(embedded)
    while not leg["realtime"] and time.monotonic() < deadline:
        time.sleep(0.2)
        leg = ride(embedded)
    assert leg["realtime"], f"no live data after {WAIT_S} s"
    assert leg["arrival"].startswith(f"{WEEKDAY}T08:37:00")


def test_a_failing_job_does_not_end_the_worker(
    monkeypatch: pytest.MonkeyPatch,
    settings_env: None,  # noqa: ARG001
) -> None:
    """An unexpected error in a periodic job (the database restarting, say) is logged and the
    next tick runs it again: an embedded worker thread would otherwise stop for good, silently."""
    calls: list[str] = []

    def broken(_url: str, feed_id: str) -> object:
        calls.append(feed_id)
        if len(calls) >= 2:
            worker.stop.set()
        raise RuntimeError("database restarting")

    monkeypatch.setenv("REALTIME_FEEDS", "ctl=unused")
    get_settings.cache_clear()
    monkeypatch.setattr("services.worker.ingest_source", broken)
    monkeypatch.setattr("services.worker.prune_stale_state", lambda: 0)
    worker = Worker([("ctl", "unused")], 0.01, embedded=True)
    thread = worker.start_in_thread()
    thread.join(timeout=WAIT_S)
    assert not thread.is_alive()
    # Ticks already queued when the stop came may run too: at least two, all of this feed.
    assert len(calls) >= 2
    assert set(calls) == {"ctl"}
