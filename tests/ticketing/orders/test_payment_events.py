"""Payment events: duplicated, shuffled and late webhooks, a crash before issuance, and
reconciliation. Whatever the order of events, each paid order has its passes exactly once."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from mobility.db import session_scope
from mobility.money import Money
from tests.ticketing.shop import Shop, Traveller
from ticketing.ledger.models import LedgerTransaction
from ticketing.orders.models import Order, OrderStatus, Payment, PaymentStatus
from ticketing.orders.reconcile import reconcile
from ticketing.passes import service as passes_service
from ticketing.passes.models import Pass, PassStatus


class WorkerKilled(Exception):
    """Stands for the process dying: nothing after it runs, the transaction is not committed."""


def _pending_order(shop: Shop, rider: Traveller, quantity: int = 2) -> dict[str, Any]:
    response = shop.order(rider, [{"product_id": "SP-90", "quantity": quantity}])
    assert response.status_code == 201, response.text
    return response.json()


def _post_webhook(shop: Shop, payload: bytes, signature: str) -> Any:
    return shop.client.post(
        "/v1/payments/webhooks/sandbox",
        content=payload,
        headers={"Stripe-Signature": signature, "Content-Type": "application/json"},
    )


def _post_all(shop: Shop, deliveries: list[tuple[bytes, str]]) -> list[Any]:
    return [_post_webhook(shop, payload, sig) for payload, sig in deliveries]


def _counts(order_id: str) -> tuple[int, int]:
    """(passes of the order, ledger sale transactions of the order)."""
    with session_scope() as session:
        passes = session.scalar(
            select(func.count()).select_from(Pass).where(Pass.order_id == order_id)
        )
        sales = session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == "sale", LedgerTransaction.reference.contains(order_id))
        )
    return passes or 0, sales or 0


def test_duplicated_and_shuffled_webhooks_issue_passes_once(shop: Shop, provider: Any) -> None:
    """Every event of a payment delivered three times in random order: passes and the sale
    exist exactly once, and late 'created' events do not undo the success."""
    rider = shop.traveller()
    order = _pending_order(shop, rider)
    intent_id = order["payment"]["intent_id"]
    provider.confirm_intent(intent_id, payment_method="pm_card_visa")  # the app confirms
    deliveries = provider.deliveries(intent_id) * 3
    random.Random(7).shuffle(deliveries)
    outcomes = [_post_webhook(shop, payload, sig) for payload, sig in deliveries]
    assert all(r.status_code == 200 for r in outcomes), [r.text for r in outcomes]
    assert [r.json()["outcome"] for r in outcomes].count("issued") == 1
    assert _counts(order["id"]) == (2, 1)
    state = shop.client.get(f"/v1/orders/{order['id']}", headers=rider.headers).json()
    assert state["status"] == "fulfilled"


def test_webhook_after_the_client_confirmed_changes_nothing(shop: Shop, provider: Any) -> None:
    """The app confirmed through the API first; the webhooks arriving after are no-ops."""
    rider = shop.traveller()
    order = _pending_order(shop, rider)
    shop.client.post(
        f"/v1/orders/{order['id']}/confirm",
        json={"payment_method": "pm_card_visa"},
        headers=rider.headers,
    )
    for payload, sig in provider.deliveries(order["payment"]["intent_id"]):
        assert _post_webhook(shop, payload, sig).json()["outcome"] in (
            "settled",
            "duplicate",
            "ignored",
        )
    assert _counts(order["id"]) == (2, 1)


def test_forged_webhook_is_rejected(shop: Shop, provider: Any) -> None:
    """A payload with a signature that does not verify is a 400 problem and changes nothing."""
    rider = shop.traveller()
    order = _pending_order(shop, rider)
    intent_id = order["payment"]["intent_id"]
    provider.confirm_intent(intent_id, payment_method="pm_card_visa")
    payload, signature = provider.deliveries(intent_id)[-1]
    forged = payload.replace(b'"succeeded"', b'"succeeded" ')
    response = _post_webhook(shop, forged, signature)
    assert response.status_code == 400
    assert response.json()["type"].endswith("/invalid-webhook")
    assert _counts(order["id"]) == (0, 0)


def test_a_crash_between_payment_and_issuance_loses_nothing(
    shop: Shop, provider: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker dies while issuing passes: nothing half-done is kept; the redelivered webhook
    then issues every pass once, and the sale is posted once."""
    rider = shop.traveller()
    order = _pending_order(shop, rider, quantity=3)
    intent_id = order["payment"]["intent_id"]
    provider.confirm_intent(intent_id, payment_method="pm_card_visa")
    deliveries = provider.deliveries(intent_id)

    real_issue = passes_service.issue_passes

    def die_midway(session: Any, order_row: Any, now: datetime) -> Any:
        real_issue(session, order_row, now)  # passes flushed ...
        raise WorkerKilled  # ... and the process dies before the commit

    monkeypatch.setattr(passes_service, "issue_passes", die_midway)
    with pytest.raises(WorkerKilled):
        _post_all(shop, deliveries)
    monkeypatch.setattr(passes_service, "issue_passes", real_issue)
    assert _counts(order["id"]) == (0, 0)
    with session_scope() as session:
        payment = session.scalars(select(Payment).where(Payment.order_id == order["id"])).one()
        assert payment.status is PaymentStatus.PENDING  # rolled back with the passes

    retried = [_post_webhook(shop, p, s) for p, s in provider.deliveries(intent_id)]
    assert all(r.status_code == 200 for r in retried)
    assert _counts(order["id"]) == (3, 1)


def test_reconciliation_settles_a_payment_whose_webhooks_were_lost(
    shop: Shop, provider: Any
) -> None:
    """No webhook arrives: reconciliation reads the provider, issues the passes once; run
    again, it finds nothing to do."""
    rider = shop.traveller()
    order = _pending_order(shop, rider)
    provider.confirm_intent(order["payment"]["intent_id"], payment_method="pm_card_visa")
    later = datetime.now(UTC) + timedelta(minutes=30)
    with session_scope() as session:
        report = reconcile(session, provider, later)
    assert (report.settled, report.passes_issued) == (1, 0)
    assert _counts(order["id"]) == (2, 1)
    with session_scope() as session:
        again = reconcile(session, provider, later)
    assert (again.settled, again.passes_issued, again.passes_revoked) == (0, 0, 0)


def test_reconciliation_repairs_missing_and_unpaid_passes(shop: Shop, provider: Any) -> None:
    """A paid order that lost a pass gets it back; a pass of an unpaid order is revoked."""
    rider = shop.traveller()
    paid = shop.buy(rider, [{"product_id": "SP-90", "quantity": 2}])
    unpaid = _pending_order(shop, rider, quantity=1)
    with session_scope() as session:
        session.delete(session.get(Pass, paid["pass_ids"][0]))
        order = session.get(Order, unpaid["id"])
        assert order is not None
        passes_service.issue_passes(session, order, datetime.now(UTC))  # damaged by hand
    with session_scope() as session:
        report = reconcile(session, provider, datetime.now(UTC))
    assert report.passes_issued == 1
    assert report.passes_revoked == 1
    assert _counts(paid["id"]) == (2, 1)
    with session_scope() as session:
        orphan = session.scalars(select(Pass).where(Pass.order_id == unpaid["id"])).one()
        assert orphan.status is PassStatus.REVOKED
        assert session.get(Order, unpaid["id"]).status is OrderStatus.PENDING_PAYMENT


def test_an_event_before_its_payment_is_recorded_is_refused_for_redelivery(
    shop: Shop, provider: Any
) -> None:
    """An event about one of our intents whose order has not committed yet is answered 409 and
    not remembered, so the provider's redelivery is processed rather than dropped."""
    from ticketing.payments.provider import EventKind

    intent = provider.create_intent(
        amount=Money(180, "EUR"), order_id="ord_not_committed", idempotency_key="k-early"
    )
    payload, signature = provider.event_for(intent, EventKind.PAYMENT_SUCCEEDED)
    for _ in range(2):
        response = _post_webhook(shop, payload, signature)
        assert response.status_code == 409
        assert response.json()["type"].endswith("/payment-not-recorded-yet")


def test_an_event_of_someone_elses_intent_is_acknowledged(shop: Shop, provider: Any) -> None:
    """An intent without our order id (another integration on the same account) is answered
    200 once, so the provider stops retrying it."""
    from ticketing.payments.provider import EventKind, Intent, IntentStatus

    foreign = Intent("sandbox", "pi_foreign", IntentStatus.SUCCEEDED, Money(500, "EUR"), 500)
    payload, signature = provider.event_for(foreign, EventKind.PAYMENT_SUCCEEDED)
    assert _post_webhook(shop, payload, signature).json()["outcome"] == "unknown-intent"
    assert _post_webhook(shop, payload, signature).json()["outcome"] == "duplicate"
