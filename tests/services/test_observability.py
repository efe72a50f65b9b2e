"""Operability: request ids in headers, problem bodies and JSON log lines; Prometheus metrics
and their guard; readiness that follows the database and Redis."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import Engine

from gtfs import service as gtfs_service
from gtfs.errors import FeedInvalid
from gtfs.importer import import_feed
from mobility.db import session_scope
from mobility.outbox import enqueue
from mobility.settings import get_settings
from services import logging_setup
from services.app import create_app
from services.logging_setup import configure_logging
from tests.access_control.server.conftest import BrokenRedis
from tests.gtfs.feeds import GOOD, write_feed

HEX_ID = re.compile(r"[0-9a-f]{32}")
LATENCY = "mobility_http_request_duration_seconds_count"
IMPORT_ROWS = "mobility_gtfs_import_rows_total"


@pytest.fixture
def client(settings_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:  # noqa: ARG001
    """The app; GET /v1/feeds made to fail with a defect (an unhandled exception)."""

    def defect(_session: object) -> None:
        raise RuntimeError("a defect")

    monkeypatch.setattr(gtfs_service, "list_feeds", defect)
    with TestClient(create_app(), raise_server_exceptions=False) as made:
        yield made


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """LOG_FORMAT=json, its lines kept in a buffer; the handler is removed afterwards."""
    root = logging.getLogger()
    level = root.level
    configure_logging("json", "INFO")
    ours = [h for h in root.handlers if isinstance(h, logging_setup._OurHandler)]
    assert len(ours) == 1
    buffer = io.StringIO()
    ours[0].setStream(buffer)
    yield buffer
    root.removeHandler(ours[0])
    root.setLevel(level)


def log_lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_a_well_formed_request_id_is_echoed_and_others_replaced(client: TestClient) -> None:
    """A caller's well-formed X-Request-ID comes back as given; a malformed one (spaces, too
    short) and a missing one are replaced by a fresh 32-hex id, different each time."""
    given = "req-2026-11-22T08:00:00Z-abc"
    assert client.get("/healthz", headers={"X-Request-ID": given}).headers["x-request-id"] == given
    replaced = [
        client.get("/healthz", headers=headers).headers["x-request-id"]
        for headers in ({"X-Request-ID": "a b c d e f g h i"}, {"X-Request-ID": "short"}, {})
    ]
    assert all(HEX_ID.fullmatch(r) for r in replaced)
    assert len(set(replaced)) == 3


def test_problem_bodies_carry_the_request_id(client: TestClient) -> None:
    """A 404 of the framework, a domain error and an unhandled defect (500) all answer
    problem+json whose `request_id` is the response's X-Request-ID."""
    for path in ("/no-such-path", "/v1/stops/nofeed:1", "/v1/feeds"):
        response = client.get(path, headers={"X-Request-ID": f"trace-{path[1:8]}-0001"})
        assert response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert body["request_id"] == response.headers["x-request-id"]
        assert body["status"] == response.status_code
        assert int(response.headers["content-length"]) == len(response.content)
    assert response.status_code == 500
    assert body["type"].endswith("/internal-error")


def test_access_lines_are_json_with_the_request_id_and_route(
    client: TestClient, json_logs: io.StringIO
) -> None:
    """Each request writes one JSON access line: timestamp, level, logger, message, its
    request id, method, path, route template, status and duration."""
    client.get("/v1/stops/nofeed:42", headers={"X-Request-ID": "trace-access-0001"})
    lines = [line for line in log_lines(json_logs) if line["logger"] == "mobility.access"]
    assert len(lines) == 1
    line = lines[0]
    assert {"timestamp", "level", "message"} <= set(line)
    assert (line["request_id"], line["method"], line["path"]) == (
        "trace-access-0001",
        "GET",
        "/v1/stops/nofeed:42",
    )
    assert (line["route"], line["status"], line["level"]) == ("/v1/stops/{ref}", 404, "INFO")
    assert isinstance(line["duration_ms"], float)


def test_lines_a_request_causes_carry_its_id_and_no_secret(
    client: TestClient, json_logs: io.StringIO
) -> None:
    """The traceback line of an unhandled defect carries the request id; a bearer token
    written to a log line comes out masked."""
    client.get("/v1/feeds", headers={"X-Request-ID": "trace-boom-0001"})
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl"
    logging.getLogger("tests").info("caller sent Authorization: Bearer %s", token)
    lines = log_lines(json_logs)
    errors = [line for line in lines if line["level"] == "ERROR"]
    assert errors
    assert {line["request_id"] for line in errors} == {"trace-boom-0001"}
    assert token not in json.dumps(lines)
    assert any("[REDACTED]" in line["message"] for line in lines if line["logger"] == "tests")


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_count_requests_by_route_template(client: TestClient) -> None:
    """Requests are counted under their route template with method and status, and unknown
    paths under one `unmatched` series; /metrics answers Prometheus text."""
    labels = {"method": "GET", "route": "/v1/stops/{ref}", "status": "404"}
    before, unmatched = (
        sample(LATENCY, **labels),
        sample(LATENCY, method="GET", route="unmatched", status="404"),
    )
    client.get("/v1/stops/nofeed:1")
    client.get("/v1/stops/nofeed:2")
    client.get("/probing/wp-login.php")
    assert sample(LATENCY, **labels) == before + 2
    assert sample(LATENCY, method="GET", route="unmatched", status="404") == unmatched + 1
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 'mobility_http_request_duration_seconds_bucket{le="0.0025"' in response.text


def test_metrics_token_guards_the_endpoint(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With METRICS_TOKEN set, /metrics needs it as a bearer token (401 without, 401 with
    another); without one it is refused in production (403)."""
    monkeypatch.setenv("METRICS_TOKEN", "scrape-secret-123")
    get_settings.cache_clear()
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-124"})
    assert wrong.status_code == 401
    assert wrong.headers["content-type"].startswith("application/problem+json")
    ok = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-123"})
    assert ok.status_code == 200
    monkeypatch.setenv("METRICS_TOKEN", "")
    monkeypatch.setenv("ENVIRONMENT", "production")
    get_settings.cache_clear()
    assert client.get("/metrics").status_code == 403


def test_queue_depth_counts_undelivered_outbox_messages(client: TestClient) -> None:
    """Outbox messages nobody has delivered show as the queue depth of their topic."""
    with session_scope() as session:
        for n in range(3):
            enqueue(session, "test.unhandled", {"n": n}, deliver_after_commit=False)
    text = client.get("/metrics").text
    assert 'mobility_job_queue_depth{queue="test.unhandled",source="outbox"} 3.0' in text


def test_readiness_follows_redis_and_the_database(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """/readyz is 200 with both up; 503 problem+json naming Redis when Redis cannot be
    reached, and naming the database when it cannot be reached."""
    from sqlalchemy import create_engine

    from services import health

    assert client.get("/readyz").status_code == 200
    monkeypatch.setattr(health, "get_redis", BrokenRedis)
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["checks"]["redis"]["ok"] is False
    assert down.json()["checks"]["database"]["ok"] is True
    monkeypatch.undo()
    unreachable = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    monkeypatch.setattr(health, "get_engine", lambda: unreachable)
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["checks"]["database"] == {"ok": False, "error": "OperationalError"}


def test_imported_rows_are_counted_per_file(engine: Engine, tmp_path: Path) -> None:
    """A committed GTFS import adds each file's row count to the import-rows counter; a feed
    refused for errors adds nothing."""
    feed = write_feed(tmp_path / "good", GOOD)
    before = {name: sample(IMPORT_ROWS, feed="metrics", file=name) for name in GOOD}
    result = import_feed(engine, feed, "metrics")
    after = {name: sample(IMPORT_ROWS, feed="metrics", file=name) for name in GOOD}
    assert {n: after[n] - before[n] for n in GOOD} == {
        n: float(result.row_counts.get(n, 0)) for n in GOOD
    }
    assert after["stop_times.txt"] > before["stop_times.txt"]
    broken = write_feed(tmp_path / "broken", {**GOOD, "stops.txt": "stop_id\n"})
    with pytest.raises(FeedInvalid):
        import_feed(engine, broken, "metrics")
    assert {name: sample(IMPORT_ROWS, feed="metrics", file=name) for name in GOOD} == after
