"""Webhook storms: every event of a payment (and of its refund) delivered many times, at once,
in the wrong order, the way a provider retrying through a slow or failing endpoint does.
The ledger must hold each money movement once, and the order end where the provider is.

Events are the sandbox provider's: Stripe's format and signature scheme, through the real
endpoint `POST /v1/payments/webhooks/sandbox`, on both databases."""

from __future__ import annotations

import json
import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select

from mobility.db import session_scope
from tests.ticketing.shop import Shop, staff_headers
from ticketing.ledger.models import LedgerPosting, LedgerTransaction
from ticketing.ledger.service import trial_balance
from ticketing.orders.models import Order, ProviderEvent
from ticketing.passes.models import Pass

Delivery = tuple[bytes, str]
COPIES = 4
SENDERS = 8
REDELIVERY_ROUNDS = 5


def post(shop: Shop, delivery: Delivery) -> Any:
    payload, signature = delivery
    return shop.client.post(
        "/v1/payments/webhooks/sandbox",
        content=payload,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )


def storm(shop: Shop, deliveries: list[Delivery], seed: int) -> list[str]:
    """Each delivery COPIES times, shuffled, from SENDERS threads at once; then, as the provider
    does, whatever was not acknowledged (2xx) again. The outcomes of the acknowledged ones."""
    pending = deliveries * COPIES
    random.Random(seed).shuffle(pending)
    outcomes: list[str] = []
    for _ in range(REDELIVERY_ROUNDS):
        with ThreadPoolExecutor(max_workers=SENDERS) as pool:
            responses = list(pool.map(lambda d: post(shop, d), pending))
        outcomes += [r.json()["outcome"] for r in responses if r.status_code == 200]
        failed = [(d, r) for d, r in zip(pending, responses, strict=True) if r.status_code != 200]
        # 409 asks for a redelivery; anything else (a 500, a refused signature) is a defect.
        assert all(r.status_code == 409 for _, r in failed), [r.text for _, r in failed]
        pending = [d for d, _ in failed]
        if not pending:
            return outcomes
    raise AssertionError(f"{len(pending)} deliveries never acknowledged")


def event_type(delivery: Delivery) -> str:
    return str(json.loads(delivery[0])["type"])


def ledger() -> tuple[Counter[str], int]:
    """(transactions by kind, number of postings) of the whole ledger, which this test alone
    writes, after checking that it balances."""
    with session_scope() as session:
        sums: Counter[str] = Counter()
        for line in trial_balance(session):
            sums[line.balance.currency] += line.balance.amount
        assert set(sums.values()) <= {0}, f"ledger unbalanced: {sums}"
        kinds = session.scalars(select(LedgerTransaction.kind)).all()
        entries = session.scalar(select(func.count()).select_from(LedgerPosting)) or 0
    return Counter(str(kind) for kind in kinds), entries


def order_state(order_id: str) -> tuple[str, int, list[str]]:
    """(order status, refunded cents, its passes' statuses)."""
    with session_scope() as session:
        order = session.get(Order, order_id)
        assert order is not None
        statuses = session.scalars(
            select(Pass.status).where(Pass.order_id == order_id).order_by(Pass.id)
        ).all()
        return order.status.value, order.refunded_amount, [str(s) for s in statuses]


def stored_events() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(ProviderEvent)) or 0


def test_a_payment_storm_with_success_before_creation_issues_once(
    shop: Shop, provider: Any
) -> None:
    """A paid intent's events, newest first (succeeded before created), four times each from
    eight senders at once: one delivery issues the passes, every other is acknowledged without
    effect, each event is remembered once, one sale and its fee are posted, and the order is
    fulfilled."""
    rider = shop.traveller()
    created = shop.order(rider, [{"product_id": "SP-90", "quantity": 2}])
    assert created.status_code == 201, created.text
    order = created.json()
    intent_id = order["payment"]["intent_id"]
    provider.confirm_intent(intent_id, payment_method="pm_card_visa")  # the app paid
    deliveries = list(reversed(provider.deliveries(intent_id)))
    assert event_type(deliveries[0]) == "payment_intent.succeeded"

    outcomes = storm(shop, deliveries, seed=11)

    assert outcomes.count("issued") == 1
    assert set(outcomes) <= {"issued", "settled", "duplicate", "ignored"}
    assert stored_events() == len(deliveries)
    assert ledger()[0] == Counter({"sale": 1, "fee": 1})
    assert order_state(order["id"]) == ("fulfilled", 0, ["active", "active"])


def test_a_storm_after_a_refund_changes_nothing(shop: Shop, provider: Any) -> None:
    """A paid order refunded for one of its two passes; then all its events, the refund's
    first and the payment's after in reverse, storm in: the sale and the refund stay posted
    once, the order keeps its refunded amount and the refunded pass stays revoked."""
    rider = shop.traveller()
    order = shop.buy(rider, [{"product_id": "SP-90", "quantity": 2}])
    first_pass = sorted(order["pass_ids"])[0]
    refund = shop.client.post(
        f"/v1/orders/{order['id']}/refunds",
        json={"amount": order["receipt"]["total"]["amount"] // 2, "pass_ids": [first_pass]},
        headers={**staff_headers(), "Idempotency-Key": "storm-refund-1"},
    )
    assert refund.status_code in (200, 201), refund.text
    before = (ledger(), order_state(order["id"]))
    assert before[0][0] == Counter({"sale": 1, "fee": 1, "refund": 1})
    deliveries = provider.deliveries(order["payment"]["intent_id"])
    refund_events = [d for d in deliveries if not event_type(d).startswith("payment_intent.")]
    assert refund_events, [event_type(d) for d in deliveries]
    payment_events = [d for d in deliveries if event_type(d).startswith("payment_intent.")]
    storm(shop, refund_events + list(reversed(payment_events)), seed=12)

    assert (ledger(), order_state(order["id"])) == before
    _, refunded, passes = before[1]
    assert refunded == order["receipt"]["total"]["amount"] // 2
    assert sorted(passes) == ["active", "revoked"]
