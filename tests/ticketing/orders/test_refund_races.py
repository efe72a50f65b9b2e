"""Refunds under pressure: requests racing with one key or with several, a refund refused by
our checks, and VAT given back in parts. Money and records must agree to the cent."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import select

from mobility.db import session_scope
from mobility.errors import MobilityError
from tests.ticketing.shop import Shop, staff_headers
from ticketing.ledger.service import trial_balance
from ticketing.orders import refunds
from ticketing.orders.models import Order, Refund
from ticketing.orders.schemas import RefundCreate
from ticketing.payments.factory import get_payment_provider


def _refund_in_thread(order_id: str, amount: int, key: str) -> str:
    """One refund in its own session, as a separate API worker would run it."""
    try:
        with session_scope() as session:
            result = refunds.refund_order(
                session,
                order_id,
                request=RefundCreate(amount=amount, reason="race"),
                idempotency_key=key,
                requested_by="cs-agent",
                provider=get_payment_provider(),
                now=datetime.now(UTC),
            )
            return result.refund.id
    except MobilityError as exc:
        return f"refused: {exc.type_slug}"


def _order_state(order_id: str) -> tuple[int, str, list[int]]:
    with session_scope() as session:
        order = session.get(Order, order_id)
        assert order is not None
        made = session.scalars(select(Refund.amount).where(Refund.order_id == order_id)).all()
        return order.refunded_amount, order.status.value, sorted(made)


def test_racing_refunds_never_return_more_than_was_paid(shop: Shop) -> None:
    """Three refunds of 3.00 race on a 6.00 order: two are made, one refused; the order and
    the refunds agree, and the order counts as refunded."""
    order = shop.buy(shop.traveller(), [{"product_id": "COSTA-DAY"}])
    keys = [uuid.uuid4().hex for _ in range(3)]
    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = list(pool.map(lambda k: _refund_in_thread(order["id"], 300, k), keys))
    assert sorted(o.startswith("ref_") for o in outcomes) == [False, True, True], outcomes
    assert _order_state(order["id"]) == (600, "refunded", [300, 300])


def test_racing_retries_of_one_refund_make_one_refund(shop: Shop) -> None:
    """The same Idempotency-Key sent three times at once: one refund, answered three times."""
    order = shop.buy(shop.traveller(), [{"product_id": "COSTA-DAY"}])
    key = uuid.uuid4().hex
    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = list(pool.map(lambda _: _refund_in_thread(order["id"], 200, key), range(3)))
    assert len(set(outcomes)) == 1, outcomes
    assert outcomes[0].startswith("ref_")
    assert _order_state(order["id"]) == (200, "partially_refunded", [200])


def test_a_refused_refund_moves_no_money(shop: Shop) -> None:
    """A refund naming a pass of another order is refused before the provider is asked, so
    the whole amount can still be refunded afterwards."""
    rider = shop.traveller()
    order = shop.buy(rider, [{"product_id": "SP-90"}])
    other = shop.buy(rider, [{"product_id": "SP-90"}])
    headers = {**staff_headers(), "Idempotency-Key": uuid.uuid4().hex}
    refused = shop.client.post(
        f"/v1/orders/{order['id']}/refunds",
        json={"amount": 100, "pass_ids": other["pass_ids"]},
        headers=headers,
    )
    assert refused.status_code == 422
    full = shop.client.post(
        f"/v1/orders/{order['id']}/refunds",
        json={},
        headers={**staff_headers(), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert full.status_code == 201, full.text
    assert full.json()["amount"]["amount"] == 180


def test_refunding_in_parts_gives_back_exactly_the_vat_sold(shop: Shop) -> None:
    """A 6.00 day ticket carried 0.55 VAT; refunded as 3.00 + 3.00 it gives back 0.27 + 0.28
    (not 0.27 twice), and the VAT account returns to zero."""
    order = shop.buy(shop.traveller(), [{"product_id": "COSTA-DAY"}])
    vats = []
    for _ in range(2):
        made = shop.client.post(
            f"/v1/orders/{order['id']}/refunds",
            json={"amount": 300},
            headers={**staff_headers(), "Idempotency-Key": uuid.uuid4().hex},
        )
        assert made.status_code == 201, made.text
        vats.append(made.json()["vat"]["amount"])
    assert order["receipt"]["vat"]["amount"] == 55
    assert vats == [27, 28]
    with session_scope() as session:
        balances = {line.account: line.balance.amount for line in trial_balance(session)}
    assert balances.get("liability:vat", 0) == 0


def test_a_key_reused_for_another_refund_is_refused(shop: Shop) -> None:
    """The same key with a different body is a 409, not a silent replay."""
    order = shop.buy(shop.traveller(), [{"product_id": "COSTA-DAY"}])
    headers = {**staff_headers(), "Idempotency-Key": uuid.uuid4().hex}
    first = shop.client.post(
        f"/v1/orders/{order['id']}/refunds", json={"amount": 100}, headers=headers
    )
    other = shop.client.post(
        f"/v1/orders/{order['id']}/refunds", json={"amount": 200}, headers=headers
    )
    assert first.status_code == 201
    assert other.status_code == 409
    assert other.json()["type"].endswith("/idempotency-key-reused")


def test_a_full_refund_cannot_merely_shorten(shop: Shop) -> None:
    """Giving all the money back while keeping the passes valid is refused."""
    order = shop.buy(shop.traveller(), [{"product_id": "COSTA-7"}])
    response = shop.client.post(
        f"/v1/orders/{order['id']}/refunds",
        json={"shorten_to": datetime.now(UTC).isoformat()},
        headers={**staff_headers(), "Idempotency-Key": uuid.uuid4().hex},
    )
    assert response.status_code == 422
