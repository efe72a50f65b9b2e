"""A bought pass at the gates: its token and QR code, taps becoming travel records, and
refunds that revoke or shorten it reaching online validation."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from access_control.qr import format_payload
from access_control.revocations import is_ident_revoked
from mobility.auth.access_tokens import issue_access_token
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.db import session_scope
from mobility.outbox import OutboxMessage
from tests.ticketing.shop import Shop, Traveller, staff_headers
from ticketing.ledger.service import trial_balance
from ticketing.usage.models import TravelRecord


def _gate(shop: Shop, operator: str = "ATC", zones: tuple[str, ...] = ("SP-URB",)) -> str:
    """Register an entry gate of `operator`; its API key."""
    staff = Principal(
        subject=f"staff-{operator}",
        kind=PrincipalKind.OPERATOR_STAFF,
        scopes=frozenset({Scope.OPERATOR_MANAGE}),
        operator_id=operator,
    )
    gate_id = f"G-{uuid.uuid4().hex[:8]}"
    response = shop.client.post(
        "/v1/gates",
        json={
            "id": gate_id,
            "name": "Stazione Centrale, ingresso",
            "location_kind": "stop",
            "location_ref": "spezia:CENTRALE",
            "direction": "entry",
            "gate_group": "centrale",
            "network": "SP-URB",
            "zones": list(zones),
        },
        headers={"Authorization": f"Bearer {issue_access_token(staff)}"},
    )
    assert response.status_code == 201, response.text
    return f"{gate_id}|{response.json()['api_key']}"


def _validate(shop: Shop, gate: str, rider: Traveller, token: str, jti: str) -> dict[str, Any]:
    gate_id, api_key = gate.split("|")
    payload = format_payload(token, rider.device.prove(jti, datetime.now(UTC)))
    response = shop.client.post(
        f"/v1/gates/{gate_id}/validate",
        json={"payload": payload, "tap_id": str(uuid.uuid4())},
        headers={"X-API-Key": api_key},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _token(shop: Shop, rider: Traveller, pass_id: str) -> tuple[str, str]:
    response = shop.client.get(f"/v1/passes/{pass_id}/token", headers=rider.headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()["token"], response.json()["jti"]


def _refund(shop: Shop, order_id: str, body: dict[str, Any], key: str | None = None) -> Any:
    return shop.client.post(
        f"/v1/orders/{order_id}/refunds",
        json=body,
        headers={**staff_headers(), "Idempotency-Key": key or uuid.uuid4().hex},
    )


def test_a_bought_pass_opens_its_gate_and_its_tap_is_a_travel_record(shop: Shop) -> None:
    """Token of a paid pass + device proof opens an ATC gate; the tap is a travel record."""
    rider = shop.traveller()
    order = shop.buy(rider, [{"product_id": "SP-90"}])
    token, jti = _token(shop, rider, order["pass_ids"][0])
    decision = _validate(shop, _gate(shop), rider, token, jti)
    assert decision["open"] is True, decision
    with session_scope() as session:
        record = session.scalars(select(TravelRecord)).one()
        assert (record.pass_id, record.operator_id, record.account_id) == (
            order["pass_ids"][0],
            "ATC",
            rider.account_id,
        )


def test_another_operators_gate_refuses_the_pass(shop: Shop) -> None:
    """An SP-90 ticket (ATC only) does not open a ferry operator's gate."""
    rider = shop.traveller()
    order = shop.buy(rider, [{"product_id": "SP-90"}])
    token, jti = _token(shop, rider, order["pass_ids"][0])
    decision = _validate(shop, _gate(shop, operator="NGP"), rider, token, jti)
    assert decision["open"] is False
    assert decision["code"] == "wrong_operator"


def test_full_refund_revokes_the_pass_at_the_gates(shop: Shop) -> None:
    """After a full refund the gate refuses the pass as revoked; the ledger still balances."""
    rider = shop.traveller()
    order = shop.buy(rider, [{"product_id": "SP-90"}])
    pass_id = order["pass_ids"][0]
    token, jti = _token(shop, rider, pass_id)
    gate = _gate(shop)
    assert _validate(shop, gate, rider, token, jti)["open"] is True
    refund = _refund(shop, order["id"], {"reason": "service strike"})
    assert refund.status_code == 201, refund.text
    assert refund.json()["amount"] == {"amount": 180, "currency": "EUR"}
    assert refund.json()["revoked_pass_ids"] == [pass_id]
    decision = _validate(shop, gate, rider, token, jti)
    assert (decision["open"], decision["code"]) == (False, "revoked")
    with session_scope() as session:
        assert is_ident_revoked(session, "pass", pass_id, datetime.now(UTC))
        pending = session.scalar(select(func.count()).where(OutboxMessage.delivered_at.is_(None)))
        assert pending == 0
        assert sum(line.balance.amount for line in trial_balance(session)) == 0
    state = shop.client.get(f"/v1/orders/{order['id']}", headers=rider.headers).json()
    assert state["status"] == "refunded"
    assert state["receipt"]["refunded"]["amount"] == 180
    assert shop.client.get(f"/v1/passes/{pass_id}/token", headers=rider.headers).status_code == 409


def test_partial_refund_shortens_the_pass_and_kills_older_tokens(shop: Shop) -> None:
    """A 7-day pass refunded in part ends sooner: the token minted before is refused, a new
    one (ending at the new end) opens; a retried refund request changes nothing."""
    rider = shop.traveller()
    order = shop.buy(rider, [{"product_id": "COSTA-7"}])
    pass_id = order["pass_ids"][0]
    old_token, old_jti = _token(shop, rider, pass_id)
    new_end = datetime.now(UTC) + timedelta(days=2)
    key = uuid.uuid4().hex
    body = {"amount": 1000, "reason": "moved away", "shorten_to": new_end.isoformat()}
    first = _refund(shop, order["id"], body, key)
    again = _refund(shop, order["id"], body, key)
    assert first.status_code == 201, first.text
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert first.json()["shortened_pass_ids"] == [pass_id]
    gate = _gate(shop, operator="ATC", zones=("SP-URB",))
    assert _validate(shop, gate, rider, old_token, old_jti)["code"] == "revoked"
    token, jti = _token(shop, rider, pass_id)
    assert _validate(shop, gate, rider, token, jti)["open"] is True
    passes = shop.client.get(f"/v1/passes/{pass_id}", headers=rider.headers).json()
    assert abs(datetime.fromisoformat(passes["valid_until"]) - new_end) < timedelta(seconds=1)
    state = shop.client.get(f"/v1/orders/{order['id']}", headers=rider.headers).json()
    assert state["status"] == "partially_refunded"
    assert state["receipt"]["refunded"]["amount"] == 1000


def test_refunds_cannot_exceed_what_was_paid(shop: Shop) -> None:
    """A refund above what is left is a 409 problem; travellers cannot refund themselves."""
    rider = shop.traveller()
    order = shop.buy(rider, [{"product_id": "SP-90"}])
    too_much = _refund(shop, order["id"], {"amount": 181})
    assert too_much.status_code == 409
    assert too_much.json()["type"].endswith("/refund-not-allowed")
    own = shop.client.post(
        f"/v1/orders/{order['id']}/refunds",
        json={},
        headers={**rider.headers, "Idempotency-Key": "k"},
    )
    assert own.status_code == 403


def test_qr_code_holds_the_token_and_the_device_proof(shop: Shop) -> None:
    """GET .../qr with a jti and its proof renders `token~proof`, which a gate accepts."""
    rider = shop.traveller()
    order = shop.buy(rider, [{"product_id": "SP-90"}])
    pass_id = order["pass_ids"][0]
    _, jti = _token(shop, rider, pass_id)
    proof = rider.device.prove(jti, datetime.now(UTC))
    response = shop.client.get(
        f"/v1/passes/{pass_id}/qr",
        params={"format": "png", "jti": jti, "proof": proof},
        headers=rider.headers,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    token, _, scanned_proof = decoded[0].text.partition("~")
    assert scanned_proof == proof
    gate_id, api_key = _gate(shop).split("|")
    verdict = shop.client.post(
        f"/v1/gates/{gate_id}/validate",
        json={"payload": decoded[0].text, "tap_id": str(uuid.uuid4())},
        headers={"X-API-Key": api_key},
    ).json()
    assert verdict["open"] is True, verdict
    assert token.count(".") == 2
    svg = shop.client.get(f"/v1/passes/{pass_id}/qr", headers=rider.headers)
    assert svg.headers["content-type"] == "image/svg+xml"


def test_operator_staff_revoke_only_passes_of_their_operator_alone(shop: Shop) -> None:
    """ATC staff may revoke (and restore) an ATC-only ticket; not another operator's staff,
    and not ATC staff for an integrated pass valid with several operators."""

    def staff(operator: str) -> dict[str, str]:
        principal = Principal(
            subject=f"staff-{operator}",
            kind=PrincipalKind.OPERATOR_STAFF,
            scopes=frozenset({Scope.OPERATOR_MANAGE}),
            operator_id=operator,
        )
        return {"Authorization": f"Bearer {issue_access_token(principal)}"}

    rider = shop.traveller()
    city = shop.buy(rider, [{"product_id": "SP-90"}])["pass_ids"][0]
    coast = shop.buy(rider, [{"product_id": "COSTA-7"}])["pass_ids"][0]
    until = {"until": (datetime.now(UTC) + timedelta(days=8)).isoformat(), "reason": "fraud"}
    post = shop.client.post
    assert post(f"/v1/passes/{city}/revoke", json=until, headers=staff("AT")).status_code == 403
    assert post(f"/v1/passes/{coast}/revoke", json=until, headers=staff("ATC")).status_code == 403
    assert post(f"/v1/passes/{city}/revoke", json=until, headers=staff("ATC")).status_code == 201
    assert post(f"/v1/passes/{city}/restore", headers=staff("ATC")).status_code == 201
