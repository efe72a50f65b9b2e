"""Secrets and full tokens never reach a log: every record of a session that registers, logs in
(and fails to), refreshes, buys, pays (with a signed webhook), fetches a pass token and QR code,
registers a gate and validates at it (and presents a bad API key), captured at DEBUG from every
logger (SQL statements and their parameters included), plus the access log line of each
request in uvicorn's format. Ids kept for correlation (`mob_<id>_`, `rt_<id>_`) are allowed;
what authenticates is not."""

from __future__ import annotations

import io
import logging
import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from uvicorn.logging import AccessFormatter

from access_control.qr import format_payload
from mobility.auth.access_tokens import issue_access_token
from mobility.auth.principals import Principal, PrincipalKind, Scope
from tests.ticketing.shop import JWT_SECRET, Shop, Traveller

PASSWORD = "correct horse battery staple 42"
WRONG_PASSWORD = "tr0ub4dor & 3 but wrong"
CONFIGURED = {
    "STRIPE_API_KEY": "sk_test_" + secrets.token_urlsafe(24),
    "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_urlsafe(24),
    "SANDBOX_WEBHOOK_SECRET": "whsec_" + secrets.token_urlsafe(24),
    "API_KEY_PEPPER": secrets.token_urlsafe(32),
}


@pytest.fixture
def access_log() -> Iterator[io.StringIO]:
    """uvicorn's access logger with its own formatter, as `uvicorn` configures it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s'))
    logger = logging.getLogger("uvicorn.access")
    # The application's logging setup disables this logger (it writes its own access lines);
    # a test that ran it earlier in this process must not silence the line checked here.
    was_disabled, logger.disabled = logger.disabled, False
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)
    logger.disabled = was_disabled


@pytest.fixture
def configured_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Secrets in the environment before the app starts, so it holds and uses them."""
    for name, value in CONFIGURED.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def logged_shop(configured_secrets: None, shop: Shop, access_log: io.StringIO) -> Shop:  # noqa: ARG001

    def log_access(response: httpx.Response) -> None:
        # The line uvicorn writes for each request: the path with its query string.
        line = response.request.url.raw_path.decode()
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d',
            "192.0.2.1:50000",
            response.request.method,
            line,
            "1.1",
            response.status_code,
        )

    shop.client.event_hooks["response"].append(log_access)
    assert access_log is not None
    return shop


def _parts(value: str) -> list[str]:
    """The value and its secret-bearing parts: a JWT's signature, a key's secret after its id."""
    out = [value]
    if value.count(".") >= 2:
        out.append(value.rsplit(".", 1)[1])
    if value.startswith(("mob_", "rt_")):
        out.append(value.split("_", 2)[2])
    return [p for p in out if len(p) >= 12]


def _drive(shop: Shop) -> list[str]:
    """Exercise every path that handles a secret; the secrets it saw."""
    post, get = shop.client.post, shop.client.get
    email = f"log-{uuid.uuid4().hex[:6]}@example.it"
    registered = post(
        "/v1/auth/register",
        json={"email": email, "password": PASSWORD, "display_name": "Log Test"},
    )
    assert registered.status_code == 201, registered.text
    wrong = {"grant_type": "password", "email": email, "password": WRONG_PASSWORD}
    assert post("/v1/auth/token", json=wrong).status_code == 401
    password = {"grant_type": "password", "email": email, "password": PASSWORD}
    login = post("/v1/auth/token", json=password)
    assert login.status_code == 200, login.text
    refresh = {"grant_type": "refresh_token", "refresh_token": login.json()["refresh_token"]}
    refreshed = post("/v1/auth/token", json=refresh)
    assert refreshed.status_code == 200, refreshed.text
    tokens = [login.json()[k] for k in ("access_token", "refresh_token")]
    tokens += [refreshed.json()[k] for k in ("access_token", "refresh_token")]
    rider = Traveller(registered.json()["id"], {"Authorization": f"Bearer {tokens[2]}"})

    created = shop.order(rider, [{"product_id": "SP-90"}])
    assert created.status_code == 201, created.text
    order = created.json()
    client_secret = order["payment"].get("client_secret") or ""
    from ticketing.payments.factory import get_payment_provider

    provider: Any = get_payment_provider()
    provider.confirm_intent(order["payment"]["intent_id"], payment_method="pm_card_visa")
    for payload, signature in provider.deliveries(order["payment"]["intent_id"]):
        delivered = post(
            "/v1/payments/webhooks/sandbox",
            content=payload,
            headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
        )
        assert delivered.status_code == 200, delivered.text
    pass_id = get(f"/v1/orders/{order['id']}", headers=rider.headers).json()["pass_ids"][0]
    minted = get(f"/v1/passes/{pass_id}/token", headers=rider.headers)
    assert minted.status_code == 200, minted.text
    pass_token, jti = minted.json()["token"], minted.json()["jti"]
    assert get(f"/v1/passes/{pass_id}/qr", headers=rider.headers).status_code == 200

    staff = Principal("desk@atc.example", PrincipalKind.OPERATOR_STAFF,
                      frozenset({Scope.OPERATOR_MANAGE}), "ATC")  # fmt: skip
    staff_token = issue_access_token(staff)
    gate_id = f"G-{uuid.uuid4().hex[:8]}"
    gate = post(
        "/v1/gates",
        json={"id": gate_id, "name": "Centrale", "location_kind": "stop",
              "location_ref": "spezia:CENTRALE", "direction": "entry", "gate_group": "centrale",
              "network": "SP-URB", "zones": ["SP-URB"]},
        headers={"Authorization": f"Bearer {staff_token}"},
    )  # fmt: skip
    assert gate.status_code == 201, gate.text
    api_key = gate.json()["api_key"]
    qr_payload = format_payload(pass_token, rider.device.prove(jti, datetime.now(UTC)))
    for headers in ({"X-API-Key": api_key}, {"Authorization": f"ApiKey {api_key}"}):
        decision = post(
            f"/v1/gates/{gate_id}/validate",
            json={"payload": qr_payload, "tap_id": str(uuid.uuid4())},
            headers=headers,
        )
        assert decision.status_code == 200, decision.text
    bad_key = f"{api_key[:21]}{secrets.token_urlsafe(32)[:43]}"
    assert get(f"/v1/gates/{gate_id}", headers={"X-API-Key": bad_key}).status_code == 401

    seen = [PASSWORD, WRONG_PASSWORD, *tokens, client_secret, pass_token, qr_payload]
    seen += [staff_token, api_key, bad_key, JWT_SECRET, *CONFIGURED.values()]
    return [part for value in seen if value for part in _parts(value)]


def test_no_secret_reaches_any_log(
    logged_shop: Shop, caplog: pytest.LogCaptureFixture, access_log: io.StringIO
) -> None:
    """None of the passwords, access and refresh tokens, API keys, pass tokens, QR payloads,
    payment client secrets, Stripe and webhook secrets, JWT secret or pepper appears in any
    captured record (message, arguments, traceback) nor in the access log."""
    # Libraries set their own levels (SQLAlchemy: WARNING); open every logger to DEBUG.
    for name in ["", "sqlalchemy", *logging.root.manager.loggerDict]:
        caplog.set_level(logging.DEBUG, logger=name)
    secrets_seen = _drive(logged_shop)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    records = [formatter.format(record) for record in caplog.records]
    records += [repr(record.args) for record in caplog.records]
    text = "\n".join([*records, access_log.getvalue()])
    leaked = [s[:6] + "…" for s in secrets_seen if s in text]
    assert leaked == []
    # The capture really held the session: SQL with its parameters, and the access lines.
    assert any(r.name.startswith("sqlalchemy.engine") for r in caplog.records)
    assert "POST /v1/gates/" in access_log.getvalue()
