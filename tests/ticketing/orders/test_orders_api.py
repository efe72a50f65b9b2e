"""Orders through the API: idempotent creation, VAT on the receipt, payment, passes, access."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from mobility.db import session_scope
from tests.ticketing.shop import Shop
from ticketing.ledger.service import trial_balance
from ticketing.passes.models import Pass

PROBLEM = "application/problem+json"


def test_order_is_priced_with_vat_included_and_pays_into_passes(shop: Shop) -> None:
    """Two 7-day passes: total 2 x 20.00, VAT 10% included (363 cents), one pass per unit."""
    rider = shop.traveller()
    order = shop.buy(rider, [{"product_id": "COSTA-7", "quantity": 2}])
    assert order["status"] == "fulfilled"
    receipt = order["receipt"]
    assert receipt["total"] == {"amount": 4000, "currency": "EUR"}
    assert receipt["vat"]["amount"] == 364  # 4000 * 10 / 110 = 363.6..., to the cent
    assert receipt["net"]["amount"] == 4000 - 364
    assert receipt["vat_rate_percent"] == "10.00"
    assert len(order["pass_ids"]) == 2
    passes = shop.client.get("/v1/passes", headers=rider.headers).json()
    assert {p["id"] for p in passes} == set(order["pass_ids"])
    assert all(p["product_id"] == "COSTA-7" and p["status"] == "active" for p in passes)


def test_retry_with_the_same_key_returns_the_same_order(shop: Shop) -> None:
    """A retried POST /v1/orders with its Idempotency-Key gets the order made the first time."""
    rider = shop.traveller()
    key = uuid.uuid4().hex
    lines = [{"product_id": "SP-90"}]
    first = shop.order(rider, lines, key=key)
    again = shop.order(rider, lines, key=key)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["payment"]["intent_id"] == first.json()["payment"]["intent_id"]
    listed = shop.client.get("/v1/orders", headers=rider.headers).json()
    assert [o["id"] for o in listed] == [first.json()["id"]]


def test_same_key_for_another_request_is_a_conflict(shop: Shop) -> None:
    """Reusing a key for a different body is refused, and the first order is untouched."""
    rider = shop.traveller()
    key = uuid.uuid4().hex
    assert shop.order(rider, [{"product_id": "SP-90"}], key=key).status_code == 201
    clash = shop.order(rider, [{"product_id": "COSTA-DAY"}], key=key)
    assert clash.status_code == 409
    assert clash.headers["content-type"].startswith(PROBLEM)
    assert clash.json()["type"].endswith("/idempotency-key-reused")


def test_an_order_needs_an_idempotency_key(shop: Shop) -> None:
    """Without Idempotency-Key the order is refused with a problem, and nothing is stored."""
    rider = shop.traveller()
    response = shop.client.post(
        "/v1/orders",
        json={"lines": [{"product_id": "SP-90"}], "device_key": rider.device_key},
        headers=rider.headers,
    )
    assert response.status_code == 400
    assert response.json()["type"].endswith("/idempotency-key-missing")
    assert shop.client.get("/v1/orders", headers=rider.headers).json() == []


def test_reduced_fares_need_verified_eligibility(shop: Shop) -> None:
    """A student fare is refused until staff verified the account; then it costs the student
    price."""
    unverified = shop.traveller()
    refused = shop.order(unverified, [{"product_id": "COSTA-DAY", "rider_category": "student"}])
    assert refused.status_code == 403
    student = shop.traveller(verified=("student",))
    order = shop.buy(student, [{"product_id": "COSTA-DAY", "rider_category": "student"}])
    assert order["receipt"]["total"]["amount"] == 450


def test_unknown_product_is_a_404_problem(shop: Shop) -> None:
    """An order of a product the catalogue does not sell is refused with its stable type."""
    rider = shop.traveller()
    response = shop.order(rider, [{"product_id": "NOPE"}])
    assert response.status_code == 404
    assert response.json()["type"].endswith("/product-not-found")


def test_travellers_see_only_their_own_orders_and_passes(shop: Shop) -> None:
    """Another traveller's order and pass read as not found (no probing of ids)."""
    owner, other = shop.traveller(), shop.traveller()
    order = shop.buy(owner, [{"product_id": "SP-90"}])
    assert shop.client.get(f"/v1/orders/{order['id']}", headers=other.headers).status_code == 404
    pass_id = order["pass_ids"][0]
    assert shop.client.get(f"/v1/passes/{pass_id}", headers=other.headers).status_code == 404
    assert shop.client.get(f"/v1/passes/{pass_id}/token", headers=other.headers).status_code == 404
    assert shop.client.get("/v1/orders", headers=other.headers).json() == []
    assert shop.client.get(f"/v1/orders/{order['id']}", headers=owner.headers).status_code == 200


def test_declined_card_leaves_the_order_payable(shop: Shop) -> None:
    """A declined card is a 409 problem; no pass exists; a good card then completes the order."""
    rider = shop.traveller()
    order = shop.order(rider, [{"product_id": "SP-90"}]).json()
    declined = shop.client.post(
        f"/v1/orders/{order['id']}/confirm",
        json={"payment_method": "pm_card_chargeDeclined"},
        headers=rider.headers,
    )
    assert declined.status_code in (402, 409)
    assert declined.headers["content-type"].startswith(PROBLEM)
    state = shop.client.get(f"/v1/orders/{order['id']}", headers=rider.headers).json()
    assert state["pass_ids"] == []
    paid = shop.client.post(
        f"/v1/orders/{order['id']}/confirm",
        json={"payment_method": "pm_card_visa"},
        headers=rider.headers,
    ).json()
    assert paid["status"] == "fulfilled"
    assert len(paid["pass_ids"]) == 1


def test_a_carnet_is_one_single_use_pass_per_ride(shop: Shop) -> None:
    """A 10-ride carnet issues ten single-use passes, so each ride is spent at a gate."""
    rider = shop.traveller()
    order = shop.buy(rider, [{"product_id": "SP-CARNET-10"}])
    assert len(order["pass_ids"]) == 10
    with session_scope() as session:
        rows = session.scalars(select(Pass).where(Pass.order_id == order["id"])).all()
        assert all(row.single_use for row in rows)
        assert {row.rides_total for row in rows} == {10}


def test_sales_and_fees_balance_the_ledger(shop: Shop) -> None:
    """After two sales the trial balance sums to zero; each sale and the provider's fee on it
    (the sandbox charges Stripe's 1.5% + 0.25: 63 on 25.40, 34 on 6.00) were posted once."""
    rider = shop.traveller()
    shop.buy(rider, [{"product_id": "COSTA-7"}, {"product_id": "SP-90", "quantity": 3}])
    shop.buy(rider, [{"product_id": "COSTA-DAY"}])
    with session_scope() as session:
        lines = trial_balance(session)
        assert sum(line.balance.amount for line in lines) == 0
        balances = {line.account: line.balance.amount for line in lines}
        assert balances["cash:sandbox"] == 2000 + 3 * 180 + 600 - 63 - 34
        assert balances["expense:payment_fees"] == 63 + 34
        count = session.scalar(select(func.count()).select_from(Pass))
        assert count == 5


def test_only_customer_service_reads_travellers_orders(shop: Shop) -> None:
    """Operator staff without operator:manage cannot read a traveller's order; customer service
    can read it, but never fetch the pass's token (only its holder presents it)."""
    from mobility.auth.access_tokens import issue_access_token
    from mobility.auth.principals import Principal, PrincipalKind, Scope

    def staff(*scopes: str) -> dict[str, str]:
        principal = Principal(
            subject="s-1",
            kind=PrincipalKind.OPERATOR_STAFF,
            scopes=frozenset(scopes),
            operator_id="ATC",
        )
        return {"Authorization": f"Bearer {issue_access_token(principal)}"}

    order = shop.buy(shop.traveller(), [{"product_id": "SP-90"}])
    reader = staff(Scope.ORDERS_READ, Scope.PASSES_READ)
    service = staff(Scope.ORDERS_READ, Scope.PASSES_READ, Scope.OPERATOR_MANAGE)
    pass_id = order["pass_ids"][0]
    assert shop.client.get(f"/v1/orders/{order['id']}", headers=reader).status_code == 404
    assert shop.client.get(f"/v1/orders/{order['id']}", headers=service).status_code == 200
    assert shop.client.get(f"/v1/passes/{pass_id}", headers=service).status_code == 200
    token = shop.client.get(f"/v1/passes/{pass_id}/token", headers=service)
    assert token.status_code == 403
    assert token.json()["type"].endswith("/role-forbidden")
