"""Tap upload: idempotent by tap id, single use first-writer-wins across gates, own gate only."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from access_control.gate_client.backend import Tap
from tests.access_control.server.conftest import RegisteredGate, assert_problem

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def tap(gate_id: str, pass_id: str = "P1", *, at: datetime = T0, **changes: Any) -> dict[str, Any]:
    """An opened entry tap as the gate uploads it."""
    document = Tap(
        tap_id=str(uuid.uuid4()),
        gate_id=gate_id,
        gate_group="molo-1",
        direction="entry",
        decided_at=at,
        opened=True,
        code="ok",
        pass_id=pass_id,
        jti="j" + pass_id,
        offline=True,
        degraded=False,
    ).to_json()
    document.update(changes)
    return document


def upload(client: TestClient, gate: RegisteredGate, taps: list[dict[str, Any]]) -> Any:
    return client.post(f"/v1/gates/{gate.id}/taps", json={"taps": taps}, headers=gate.headers)


def test_replayed_batch_is_acknowledged_again_not_duplicated(
    client: TestClient, register: Callable[..., RegisteredGate], engine: Engine
) -> None:
    """The same batch twice: both acknowledged in full, stored once."""
    gate = register()
    batch = [tap(gate.id, "P1"), tap(gate.id, "P2", opened=False, code="revoked")]
    first = upload(client, gate, batch)
    assert first.status_code == 200, first.text
    again = upload(client, gate, batch)
    assert again.json() == first.json()
    assert set(first.json()["acknowledged"]) == {t["tap_id"] for t in batch}
    assert first.json()["conflicts"] == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM access_taps")).scalar() == 2


def test_single_use_conflict_between_two_gates(
    client: TestClient, register: Callable[..., RegisteredGate]
) -> None:
    """Two gates let the same single-use pass in offline: the first upload wins, the second
    gets a conflict naming the first gate and its time; replaying the winner stays clean."""
    east, west = register("G-E"), register("G-W")
    first = tap(east.id, "SU1", single_use=True)
    second = tap(west.id, "SU1", at=T0 + timedelta(seconds=30), single_use=True)
    assert upload(client, east, [first]).json()["conflicts"] == []
    reply = upload(client, west, [second]).json()
    assert reply["acknowledged"] == [second["tap_id"]]
    assert reply["conflicts"] == [
        {
            "tap_id": second["tap_id"],
            "pass_id": "SU1",
            "consumed_by_gate": east.id,
            "consumed_at": "2026-03-02T08:00:00Z",
        }
    ]
    assert upload(client, east, [first]).json()["conflicts"] == []


def test_multi_use_entries_never_conflict(
    client: TestClient, register: Callable[..., RegisteredGate]
) -> None:
    """A pass not flagged single use enters at many gates."""
    east, west = register("G-E"), register("G-W")
    assert upload(client, east, [tap(east.id, "M1")]).json()["conflicts"] == []
    assert upload(client, west, [tap(west.id, "M1")]).json()["conflicts"] == []


def test_batch_must_be_the_gates_own(
    client: TestClient, register: Callable[..., RegisteredGate]
) -> None:
    """Taps of another gate, another gate's URL, malformed taps and no key are refused."""
    east, west = register("G-E"), register("G-W")
    assert_problem(upload(client, east, [tap(west.id)]), 403)
    url = client.post(f"/v1/gates/{west.id}/taps", json={"taps": []}, headers=east.headers)
    assert_problem(url, 403)
    assert_problem(upload(client, east, [{"tap_id": "x"}]), 422)
    assert_problem(client.post(f"/v1/gates/{east.id}/taps", json={"taps": []}), 401)


def test_a_made_up_tap_cannot_use_up_a_pass(
    client: TestClient, register: Callable[..., RegisteredGate], issue_pass: Any
) -> None:
    """An upload naming a pass without its token id claims nothing: the real pass still opens
    online once (found in review: any gate could burn any pass's single use)."""
    gate, other = register(), register("G-MOLO-1-E2")
    issued = issue_pass(single_use=True)
    forged = {
        "tap_id": "0b5e3f5c-1c9a-4a8e-9d4f-2f6a7b8c9d10", "gate_id": other.id,
        "gate_group": "anywhere", "direction": "entry", "decided_at": "2026-01-01T08:00:00Z",
        "opened": True, "code": "ok", "pass_id": issued.pass_id, "jti": None,
        "offline": True, "degraded": False, "single_use": True,
    }  # fmt: skip
    r = client.post(f"/v1/gates/{other.id}/taps", json={"taps": [forged]}, headers=other.headers)
    assert r.status_code == 200, r.text
    assert r.json()["conflicts"] == []
    opened = client.post(
        f"/v1/gates/{gate.id}/validate", json={"payload": issued.payload()}, headers=gate.headers
    ).json()
    assert opened["open"] is True
