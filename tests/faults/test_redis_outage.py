"""Redis stopped during gate traffic: online validation falls back to the database (the offline
rules' sources of truth) and says so (`degraded`); once Redis is back nothing is accepted twice.

The API runs against a redis-server of this test alone, stopped and started under it; the
shared Redis is never touched."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from itertools import cycle
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import Engine, text

from tests.access_control.server.conftest import Pass, RegisteredGate, admin
from tests.faults.processes import PrivateRedis

Register = Callable[..., RegisteredGate]
Issue = Callable[..., Pass]


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(private_redis: PrivateRedis) -> str:
    """The app of these tests talks to the private Redis (overrides the shared one)."""
    return private_redis.url


def validate(client: TestClient, gate: RegisteredGate, payload: str) -> dict[str, Any]:
    response = client.post(
        f"/v1/gates/{gate.id}/validate", json={"payload": payload}, headers=gate.headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def opened_taps(engine: Engine, pass_id: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text("SELECT count(*) FROM access_taps WHERE pass_id = :p AND opened"),
                {"p": pass_id},
            ).scalar_one()
        )


def decisions(code: str, degraded: str) -> float:
    """Online entry decisions of `code` counted by the gate-decision metric so far."""
    labels = {"direction": "entry", "code": code, "degraded": degraded}
    return REGISTRY.get_sample_value("mobility_gate_decisions_total", labels) or 0.0


def answer(body: dict[str, Any]) -> tuple[bool, str, bool]:
    return body["open"], body["code"], body["degraded"]


def test_single_use_and_revocation_hold_across_a_redis_outage(
    client: TestClient,
    register: Register,
    issue_pass: Issue,
    private_redis: PrivateRedis,
    engine: Engine,
) -> None:
    """A single-use pass used before the outage is refused during it, one used during it is
    refused after it, a pass revoked before is refused throughout; answers during the outage
    are flagged degraded, answers after it are not, and each single-use pass opened once."""
    gate = register()
    used_before, used_during = issue_pass(single_use=True), issue_pass(single_use=True)
    revoked = issue_pass()
    until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = client.post(
        f"/v1/passes/{revoked.pass_id}/revoke", json={"until": until}, headers=admin()
    )
    assert response.status_code == 201, response.text
    assert answer(validate(client, gate, used_before.payload())) == (True, "ok", False)

    degraded_before = decisions("ok", "true") + decisions("already_used", "true")
    private_redis.stop()
    assert answer(validate(client, gate, used_before.payload())) == (False, "already_used", True)
    assert answer(validate(client, gate, revoked.payload())) == (False, "revoked", True)
    assert answer(validate(client, gate, used_during.payload())) == (True, "ok", True)
    assert answer(validate(client, gate, used_during.payload())) == (False, "already_used", True)
    assert answer(validate(client, gate, issue_pass().payload())) == (True, "ok", True)

    # The gate-decision metric shows the outage: the four open/used answers above, degraded.
    degraded_after = decisions("ok", "true") + decisions("already_used", "true")
    assert degraded_after - degraded_before == 4
    private_redis.start()
    assert answer(validate(client, gate, used_during.payload())) == (False, "already_used", False)
    assert answer(validate(client, gate, used_before.payload())) == (False, "already_used", False)
    assert answer(validate(client, gate, revoked.payload())) == (False, "revoked", False)
    assert answer(validate(client, gate, issue_pass().payload())) == (True, "ok", False)
    assert [opened_taps(engine, p.pass_id) for p in (used_before, used_during)] == [1, 1]


def test_a_pass_revoked_during_the_outage_stays_refused_after_it(
    client: TestClient,
    register: Register,
    issue_pass: Issue,
    private_redis: PrivateRedis,
) -> None:
    """A pass revoked while Redis is down is refused during the outage (from the database)
    and still refused once Redis is back."""
    gate = register()
    revoked = issue_pass()
    private_redis.stop()
    until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    response = client.post(
        f"/v1/passes/{revoked.pass_id}/revoke", json={"until": until}, headers=admin()
    )
    assert response.status_code == 201, response.text
    assert answer(validate(client, gate, revoked.payload())) == (False, "revoked", True)
    private_redis.start()
    assert answer(validate(client, gate, revoked.payload()))[:2] == (False, "revoked")


class GateTraffic:
    """Threads presenting passes at gates without pause, counting their answers, until stopped."""

    def __init__(self, client: TestClient, gates: list[RegisteredGate], payloads: list[str]):
        self.client, self.gates, self.payloads = client, gates, payloads
        self.answers: list[tuple[str, dict[str, Any]]] = []
        self.errors: list[BaseException] = []
        self.stop = threading.Event()
        self.progress = threading.Condition()

    def run(self, offset: int) -> None:
        gates = cycle(self.gates[offset:] + self.gates[:offset])
        payloads = cycle(self.payloads[offset:] + self.payloads[:offset])
        try:
            while not self.stop.is_set():
                payload = next(payloads)
                body = validate(self.client, next(gates), payload)
                with self.progress:
                    self.answers.append((payload, body))
                    self.progress.notify_all()
        except BaseException as exc:  # reported by the test, not lost in the thread
            self.errors.append(exc)
            with self.progress:
                self.progress.notify_all()

    def wait_for(self, count: int) -> None:
        """Until `count` more answers have come (or a thread failed)."""
        with self.progress:
            target = len(self.answers) + count
            self.progress.wait_for(lambda: len(self.answers) >= target or bool(self.errors))


def test_concurrent_gate_traffic_through_a_redis_stop_and_start(
    client: TestClient,
    register: Register,
    issue_pass: Issue,
    private_redis: PrivateRedis,
    engine: Engine,
) -> None:
    """Four gates present six single-use passes over and over while Redis is stopped and
    started: every request is answered (200), some answers are degraded, none after Redis is
    back and answered again, and each pass opened exactly once, by answers and by stored taps."""
    gates = [register(f"G-{n}") for n in range(4)]
    passes = [issue_pass(single_use=True) for _ in range(6)]
    traffic = GateTraffic(client, gates, [p.payload() for p in passes])
    threads = [threading.Thread(target=traffic.run, args=(n,)) for n in range(len(gates))]
    for thread in threads:
        thread.start()
    try:
        traffic.wait_for(12)
        private_redis.stop()
        traffic.wait_for(24)
        private_redis.start()
        traffic.wait_for(24)  # the first of these may have been sent before Redis was back
        settled = len(traffic.answers)
        traffic.wait_for(12)
    finally:
        traffic.stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not traffic.errors
    opened = Counter(payload for payload, body in traffic.answers if body["open"])
    assert sorted(opened.values()) == [1] * len(passes)
    assert {body["code"] for _, body in traffic.answers if not body["open"]} == {"already_used"}
    assert any(body["degraded"] for _, body in traffic.answers)
    assert not any(body["degraded"] for _, body in traffic.answers[settled:])
    assert [opened_taps(engine, p.pass_id) for p in passes] == [1] * len(passes)
