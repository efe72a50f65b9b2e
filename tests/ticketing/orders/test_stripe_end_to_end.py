"""Orders paid through Stripe: the official SDK against localstripe, its real webhooks replayed
duplicated and shuffled to the app, refunds at the provider. Nothing is lost or doubled."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select

from mobility.db import session_scope
from tests.ticketing.shop import Shop, staff_headers
from tests.ticketing.stripe_harness import (
    StripeProxy,
    WebhookReceiver,
    captured_events,
    deliver,
)
from ticketing.orders.models import Payment, PaymentStatus
from ticketing.passes.models import Pass
from ticketing.payments.factory import get_payment_provider


@pytest.fixture
def stripe_shop(shop: Shop, stripe_settings_env: StripeProxy) -> Shop:  # noqa: ARG001
    """The shop with PAYMENT_PROVIDER=stripe against localstripe (set up after the shop's
    sandbox settings, so it wins)."""
    return shop


def _post(shop: Shop) -> Any:
    def post(payload: bytes, signature: str) -> Any:
        return shop.client.post(
            "/v1/payments/webhooks/stripe",
            content=payload,
            headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
        )

    return post


def _passes(order_id: str) -> int:
    with session_scope() as session:
        count = session.scalar(
            select(func.count()).select_from(Pass).where(Pass.order_id == order_id)
        )
    return count or 0


def test_stripe_webhooks_duplicated_and_shuffled_issue_passes_once(
    stripe_shop: Shop, webhook_receiver: WebhookReceiver
) -> None:
    """The app confirms at Stripe; localstripe's own signed webhooks, each delivered twice in
    shuffled order, issue the order's passes exactly once."""
    rider = stripe_shop.traveller()
    created = stripe_shop.order(rider, [{"product_id": "COSTA-DAY", "quantity": 2}])
    assert created.status_code == 201, created.text
    order = created.json()
    intent_id = order["payment"]["intent_id"]
    assert order["payment"]["provider"] == "stripe"
    assert order["payment"]["client_secret"]
    get_payment_provider().confirm_intent(intent_id, payment_method="pm_card_visa")

    events = captured_events(webhook_receiver, intent_id=intent_id)
    results = deliver(events, _post(stripe_shop), duplicate=True, shuffle=11)
    assert all(r.status_code == 200 for r in results), [r.text for r in results]
    assert sorted(r.json()["outcome"] for r in results) == ["duplicate", "issued"]
    assert _passes(order["id"]) == 2
    # A confirmation the app sends afterwards finds the work done.
    again = stripe_shop.client.post(
        f"/v1/orders/{order['id']}/confirm", json={}, headers=rider.headers
    )
    assert again.json()["status"] == "fulfilled"
    assert _passes(order["id"]) == 2


def test_retried_order_creation_makes_one_stripe_intent(
    stripe_shop: Shop, stripe_proxy: StripeProxy
) -> None:
    """The same Idempotency-Key twice: one order, one PaymentIntent created at Stripe."""
    rider = stripe_shop.traveller()
    key = uuid.uuid4().hex
    first = stripe_shop.order(rider, [{"product_id": "SP-90"}], key=key)
    second = stripe_shop.order(rider, [{"product_id": "SP-90"}], key=key)
    assert first.json()["payment"]["intent_id"] == second.json()["payment"]["intent_id"]
    creates = stripe_proxy.forwarded("POST", "/v1/payment_intents")
    assert len([r for r in creates if r.path.rstrip("/").endswith("/v1/payment_intents")]) == 1


def test_stripe_outage_at_order_time_stores_nothing(
    stripe_shop: Shop, stripe_proxy: StripeProxy
) -> None:
    """Stripe unreachable: a 503 problem, no order kept; the retry with the same key succeeds."""
    rider = stripe_shop.traveller()
    key = uuid.uuid4().hex
    stripe_proxy.fail_next("unavailable", count=10)
    failed = stripe_shop.order(rider, [{"product_id": "SP-90"}], key=key)
    assert failed.status_code == 503, failed.text
    assert failed.json()["type"].endswith("/payment-provider-unavailable")
    assert stripe_shop.client.get("/v1/orders", headers=rider.headers).json() == []
    stripe_proxy.reset()
    retried = stripe_shop.order(rider, [{"product_id": "SP-90"}], key=key)
    assert retried.status_code == 201, retried.text


def test_refund_goes_through_stripe_once(stripe_shop: Shop, stripe_proxy: StripeProxy) -> None:
    """A partial refund is made at Stripe; retried with its key, it is not made again."""
    rider = stripe_shop.traveller()
    order = stripe_shop.order(rider, [{"product_id": "COSTA-7"}]).json()
    stripe_shop.client.post(
        f"/v1/orders/{order['id']}/confirm",
        json={"payment_method": "pm_card_visa"},
        headers=rider.headers,
    )
    key = uuid.uuid4().hex
    headers = {**staff_headers(), "Idempotency-Key": key}
    body = {"amount": 500, "reason": "late ferry"}
    first = stripe_shop.client.post(f"/v1/orders/{order['id']}/refunds", json=body, headers=headers)
    second = stripe_shop.client.post(
        f"/v1/orders/{order['id']}/refunds", json=body, headers=headers
    )
    assert first.status_code == 201, first.text
    assert second.json()["id"] == first.json()["id"]
    with session_scope() as session:
        payment = session.scalars(select(Payment).where(Payment.order_id == order["id"])).one()
        assert payment.status is PaymentStatus.SUCCEEDED
    assert len(stripe_proxy.forwarded("POST", "/v1/refunds")) == 1
    state = stripe_shop.client.get(f"/v1/orders/{order['id']}", headers=rider.headers).json()
    assert state["receipt"]["refunded"]["amount"] == 500
