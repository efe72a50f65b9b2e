"""Online validation, POST /v1/gates/{id}/validate, against both databases and real Redis."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from mobility.redis_client import get_redis
from tests.access_control.server.conftest import (
    BrokenRedis,
    Pass,
    RegisteredGate,
    admin,
    assert_problem,
    staff,
)

Register = Callable[..., RegisteredGate]
Issue = Callable[..., Pass]


def validate(client: TestClient, gate: RegisteredGate, payload: str) -> Any:
    response = client.post(
        f"/v1/gates/{gate.id}/validate", json={"payload": payload}, headers=gate.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_good_pass_opens_and_the_token_is_not_stored(
    client: TestClient, register: Register, issue_pass: Issue, engine: Engine
) -> None:
    """A valid pass opens; the tap keeps pass id and jti, never the token."""
    gate = register()
    issued = issue_pass()
    body = validate(client, gate, issued.payload())
    assert body["open"] is True
    assert body["code"] == "ok"
    assert body["display"] == {"it": "Buon viaggio", "en": "Have a good trip"}
    assert body["degraded"] is False
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM access_taps")).mappings().all()
    assert len(rows) == 1
    assert rows[0]["tap_id"] == body["tap_id"]
    assert rows[0]["source"] == "online"
    assert rows[0]["pass_id"] == issued.pass_id
    assert issued.token not in repr(dict(rows[0]))


def test_revoked_immediately_after_the_revoke_endpoint(
    client: TestClient, register: Register, issue_pass: Issue
) -> None:
    """The next validation after a revoke is refused, and opens again after a restore."""
    gate = register()
    issued = issue_pass()
    until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    revoked = client.post(
        f"/v1/passes/{issued.pass_id}/revoke", json={"until": until}, headers=admin()
    )
    assert revoked.status_code == 201, revoked.text
    body = validate(client, gate, issued.payload())
    assert body["open"] is False
    assert body["code"] == "revoked"
    assert body["display"]["en"] == "Pass revoked"
    client.post(f"/v1/passes/{issued.pass_id}/restore", headers=admin())
    assert validate(client, gate, issued.payload())["open"] is True


def test_coverage_refusals(client: TestClient, register: Register, issue_pass: Issue) -> None:
    """Another operator's pass and a pass without the gate's zone are refused, in that order."""
    gate = register()
    assert validate(client, gate, issue_pass(operators=("CTT",)).payload())["code"] == (
        "wrong_operator"
    )
    assert validate(client, gate, issue_pass(zones=("Z2",)).payload())["code"] == (
        "wrong_gate_zone"
    )


def test_bad_payload_is_refused_with_its_reason(client: TestClient, register: Register) -> None:
    """A bare token string is a decision (proof_missing), not an error."""
    gate = register()
    body = validate(client, gate, "abc.def.ghi")
    assert body["open"] is False
    assert body["code"] == "proof_missing"


def test_single_use_under_concurrency_opens_once(
    client: TestClient, register: Register, issue_pass: Issue
) -> None:
    """Two threads present one single-use pass at the same instant: exactly one opens."""
    east, west = register("G-E"), register("G-W")
    payload = issue_pass(single_use=True).payload()
    barrier = threading.Barrier(2)
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def present(gate: RegisteredGate) -> None:
        try:
            barrier.wait(timeout=5)
            results.append(validate(client, gate, payload))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=present, args=(g,)) for g in (east, west)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert sorted(r["open"] for r in results) == [False, True]
    assert sorted(r["code"] for r in results) == ["already_used", "ok"]


def test_passback_within_the_window_and_after_an_exit(
    client: TestClient, register: Register, issue_pass: Issue
) -> None:
    """A second entry in the group is refused until the pass exits through the group."""
    entry = register("G-IN")
    exit_gate = register("G-OUT", direction="exit")
    payload = issue_pass().payload
    assert validate(client, entry, payload())["open"] is True
    assert validate(client, entry, payload())["code"] == "passback"
    assert validate(client, exit_gate, payload())["open"] is True
    assert validate(client, entry, payload())["open"] is True


def test_exit_opens_for_a_revoked_pass(
    client: TestClient, register: Register, issue_pass: Issue
) -> None:
    """Exits check only the token and proof."""
    exit_gate = register("G-OUT", direction="exit")
    issued = issue_pass(operators=("CTT",))
    assert validate(client, exit_gate, issued.payload())["open"] is True


@pytest.mark.parametrize("who", ["other_operator", "other_gate", "staff"])
def test_credential_cannot_validate_elsewhere(
    client: TestClient, register: Register, issue_pass: Issue, who: str
) -> None:
    """A gate key of another operator gets 404 (that gate is not its to see); another gate's
    key, or a staff token, 403."""
    gate = register()
    headers = {
        "other_operator": lambda: register("G-CTT", operator="CTT").headers,
        "other_gate": lambda: register("G-2").headers,
        "staff": staff,
    }[who]()
    response = client.post(
        f"/v1/gates/{gate.id}/validate", json={"payload": issue_pass().payload()}, headers=headers
    )
    assert_problem(response, 404 if who == "other_operator" else 403)


def test_missing_or_bad_credential_is_401(client: TestClient, register: Register) -> None:
    """No key, or an ill-formed one, is problem+json 401."""
    gate = register()
    url = f"/v1/gates/{gate.id}/validate"
    assert_problem(client.post(url, json={"payload": "x~y"}), 401)
    assert_problem(client.post(url, json={"payload": "x~y"}, headers={"X-API-Key": "nope"}), 401)


def test_unknown_gate_and_oversized_payload(client: TestClient, register: Register) -> None:
    """404 for an unknown gate (admin-free path: the key cannot act there) and 422 for junk."""
    gate = register()
    too_long = {"payload": "x" * 5000}
    assert_problem(
        client.post(f"/v1/gates/{gate.id}/validate", json=too_long, headers=gate.headers), 422
    )
    assert_problem(
        client.post("/v1/gates/NOPE/validate", json={"payload": "x"}, headers=gate.headers), 404
    )


def test_redis_down_falls_back_to_the_database_degraded(
    client: TestClient, register: Register, issue_pass: Issue
) -> None:
    """With Redis unreachable a revoked pass is still refused (from the DB), flagged degraded."""
    gate = register()
    issued = issue_pass()
    until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    client.post(f"/v1/passes/{issued.pass_id}/revoke", json={"until": until}, headers=admin())
    client.app.dependency_overrides[get_redis] = BrokenRedis  # type: ignore[attr-defined]
    try:
        body = validate(client, gate, issued.payload())
        good = validate(client, gate, issue_pass().payload())
    finally:
        client.app.dependency_overrides.clear()  # type: ignore[attr-defined]
    assert body["code"] == "revoked"
    assert body["degraded"] is True
    assert good["open"] is True
    assert good["degraded"] is True


def test_a_retried_scan_gets_its_first_answer_back(
    client: TestClient, register: Register, issue_pass: Issue, engine: Engine
) -> None:
    """The same tap_id twice (a retry after a lost answer) opens a single-use pass both times
    and stores one tap; found in review, when the retry was refused as already_used."""
    gate = register()
    payload = issue_pass(single_use=True).payload()
    body = {"payload": payload, "tap_id": "4b1f7a4e-3a9e-4f60-9d0b-0c1f6a2e7d11"}
    answers = [
        client.post(f"/v1/gates/{gate.id}/validate", json=body, headers=gate.headers).json()
        for _ in range(2)
    ]
    assert [(a["open"], a["tap_id"]) for a in answers] == [(True, body["tap_id"])] * 2
    with engine.connect() as conn:
        taps = conn.execute(text("SELECT count(*) FROM access_taps")).scalar_one()
    assert taps == 1
    fresh = client.post(
        f"/v1/gates/{gate.id}/validate", json={"payload": payload}, headers=gate.headers
    ).json()
    assert fresh["code"] == "already_used"  # a new scan is a new decision
