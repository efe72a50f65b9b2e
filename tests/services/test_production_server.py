"""The production server as deployed: gunicorn with `deploy/gunicorn.conf.py`, two uvicorn
workers, JSON logs and multiprocess metrics, started as a real process for the test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.faults.processes import ROOT, START_BUDGET_S, free_port

REQUESTS = 24
METRICS_TOKEN = "scrape-" + "k" * 24


@pytest.fixture(scope="session")
def database_url(sqlite_url: str) -> str:
    """The server is the point here, not the database: SQLite is enough."""
    return sqlite_url


@pytest.fixture
def gunicorn(settings_env: None, tmp_path: Path) -> Iterator[tuple[httpx.Client, Path]]:  # noqa: ARG001
    """gunicorn on a free port with two workers; its client and its log file."""
    port = free_port()
    log_file = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "LOG_FORMAT": "json",
        "METRICS_TOKEN": METRICS_TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "VAR_DIR": str(tmp_path / "var"),
    }
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "deploy/gunicorn.conf.py",
                "services.asgi:app",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    try:
        deadline = time.monotonic() + START_BUDGET_S
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if client.get("/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"gunicorn did not start:\n{log_file.read_text()[-3000:]}")
        yield client, log_file
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=60)


def test_every_worker_is_counted_and_every_line_is_json(
    gunicorn: tuple[httpx.Client, Path],
) -> None:
    """Requests spread over two workers are all in one scrape (multiprocess metrics), behind
    the metrics token; every line the server wrote, master and workers, is one JSON object,
    and each request's access line carries the id it was sent with."""
    client, log_file = gunicorn
    ids = [f"prod-check-{n:04d}" for n in range(REQUESTS)]
    for request_id in ids:
        response = client.get("/readyz", headers={"X-Request-ID": request_id})
        assert response.status_code == 200, response.text
        assert response.headers["x-request-id"] == request_id
    assert client.get("/metrics").status_code == 401
    scrape = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert scrape.status_code == 200
    count = (
        'mobility_http_request_duration_seconds_count{method="GET",route="/readyz",status="200"}'
    )
    values = [
        float(line.split()[-1]) for line in scrape.text.splitlines() if line.startswith(count)
    ]
    assert values == [float(REQUESTS)]

    lines = [json.loads(line) for line in log_file.read_text().splitlines() if line.strip()]
    assert {line["logger"] for line in lines} >= {"gunicorn.error", "mobility.access"}
    access = {line["request_id"]: line for line in lines if line["logger"] == "mobility.access"}
    assert set(ids) <= set(access)
    assert {(access[i]["route"], access[i]["status"]) for i in ids} == {("/readyz", 200)}
    workers = {line["message"] for line in lines if "Booting worker" in line["message"]}
    assert len(workers) == 2
