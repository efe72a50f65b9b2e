"""Tenants stay apart: a traveller never sees another traveller's account, orders or passes;
a logistics firm never another firm's organisation; an operator's staff and gates never
another operator's gates. Another tenant's things read as not found (no probing of ids)."""

from __future__ import annotations

import uuid
from typing import Any

from mobility.auth.access_tokens import issue_access_token
from mobility.auth.principals import Principal, PrincipalKind, Scope
from tests.services.roles import logistics_firm
from tests.ticketing.shop import Shop


def _denied(response: Any, status: int = 404) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_traveller_never_sees_another_travellers_things(shop: Shop) -> None:
    """Bob, with a valid token, gets 404 for Alice's account, eligibility, order, passes, pass
    token and QR code, cannot confirm her order, and his lists hold none of hers."""
    alice, bob = shop.traveller(), shop.traveller()
    order = shop.buy(alice, [{"product_id": "SP-90"}])
    pass_id = order["pass_ids"][0]
    get = shop.client.get
    for url in [
        f"/v1/accounts/{alice.account_id}",
        f"/v1/accounts/{alice.account_id}/eligibility",
        f"/v1/orders/{order['id']}",
        f"/v1/passes/{pass_id}",
        f"/v1/passes/{pass_id}/token",
        f"/v1/passes/{pass_id}/qr",
    ]:
        _denied(get(url, headers=bob.headers))
        assert get(url, headers=alice.headers).status_code == 200, url
    confirm = shop.client.post(
        f"/v1/orders/{order['id']}/confirm",
        json={"payment_method": "pm_card_visa"},
        headers=bob.headers,
    )
    _denied(confirm)
    claim = shop.client.post(
        f"/v1/accounts/{alice.account_id}/eligibility",
        json={"rider_category": "student", "note": "not mine"},
        headers=bob.headers,
    )
    _denied(claim)
    assert get("/v1/orders", headers=bob.headers).json() == []
    assert get("/v1/passes", headers=bob.headers).json() == []
    assert get("/v1/me", headers=bob.headers).json()["id"] == bob.account_id


def test_a_firm_never_sees_another_firms_organisation(shop: Shop) -> None:
    """A firm's owner (token) and its systems (API key) get 404 for another firm's
    organisation and members, and cannot add themselves to it; their own reads work."""
    own, theirs = f"firm-a-{uuid.uuid4().hex[:6]}", f"firm-b-{uuid.uuid4().hex[:6]}"
    own_owner, own_key = logistics_firm(own)
    other_owner, _ = logistics_firm(theirs)
    get = shop.client.get
    for caller in (own_owner, own_key):
        _denied(get(f"/v1/organisations/{theirs}", headers=caller.headers))
        _denied(get(f"/v1/organisations/{theirs}/members", headers=caller.headers))
        added = shop.client.post(
            f"/v1/organisations/{theirs}/members",
            json={"subject": f"spy-{uuid.uuid4().hex[:4]}@x.it"},
            headers=caller.headers,
        )
        _denied(added)
        assert get(f"/v1/organisations/{own}", headers=caller.headers).status_code == 200
    members = get(f"/v1/organisations/{theirs}/members", headers=other_owner.headers).json()
    assert [m["subject"] for m in members] == [other_owner.subject]


def test_an_operator_never_reaches_another_operators_gates(shop: Shop) -> None:
    """Staff of CTT cannot read an ATC gate (404) nor register a gate for ATC (403); the ATC
    gate's own key cannot read another ATC gate (403)."""
    atc, ctt = _staff("ATC"), _staff("CTT")
    gates = []
    for _ in range(2):
        gate_id = f"G-{uuid.uuid4().hex[:8]}"
        body = {**_gate_body(), "id": gate_id}
        created = shop.client.post("/v1/gates", json=body, headers=atc)
        assert created.status_code == 201, created.text
        gates.append((gate_id, created.json()["api_key"]))
    (first, first_key), (second, _) = gates
    # Another operator's gate reads as absent: its ids cannot be probed.
    _problem(shop.client.get(f"/v1/gates/{first}", headers=ctt), 404)
    foreign = {**_gate_body(), "operator_id": "ATC"}
    _problem(shop.client.post("/v1/gates", json=foreign, headers=ctt), 403)
    key = {"Authorization": f"ApiKey {first_key}"}
    assert shop.client.get(f"/v1/gates/{first}", headers=key).status_code == 200
    _problem(shop.client.get(f"/v1/gates/{second}", headers=key), 403)


def _problem(response: Any, status: int) -> dict[str, Any]:
    _denied(response, status)
    body: dict[str, Any] = response.json()
    return body


def _gate_body() -> dict[str, Any]:
    return {
        "id": f"G-{uuid.uuid4().hex[:8]}",
        "name": "Porto",
        "location_kind": "stop",
        "location_ref": "spezia:PORTO",
        "direction": "entry",
        "gate_group": "porto",
        "network": "SP-URB",
        "zones": ["SP-URB"],
    }


def _staff(operator: str) -> dict[str, str]:
    principal = Principal(
        subject=f"desk@{operator.lower()}.example",
        kind=PrincipalKind.OPERATOR_STAFF,
        scopes=frozenset({Scope.OPERATOR_MANAGE}),
        operator_id=operator,
    )
    return {"Authorization": f"Bearer {issue_access_token(principal)}"}
