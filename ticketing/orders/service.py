"""Orders: price and create them idempotently, settle their payment, refund them.

The invariants, and what holds them:
- One request, one order: (account, Idempotency-Key) is unique and the order id is derived
  from it, so a retry after a crash finds (or recreates) the same order and, through the same
  provider idempotency key, the same payment intent.
- A pass exists only for a succeeded payment, exactly once: settling a payment and issuing its
  passes happen in one transaction, under a lock of the order row, and passes are unique per
  (order line, unit). A duplicate, late or out-of-order webhook finds the work done.
- Provider state is read, never assumed: webhook payloads only say "look at this intent"; the
  intent is fetched from the provider before anything changes.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mobility.money import Money
from ticketing.catalogue import service as catalogue
from ticketing.errors import (
    IdempotencyKeyReused,
    OrderNotFound,
    OrderStateConflict,
)
from ticketing.ledger import service as ledger
from ticketing.orders.lines import price_lines
from ticketing.orders.models import (
    Order,
    OrderStatus,
    Payment,
    PaymentStatus,
    ProviderEvent,
)
from ticketing.orders.repository import OrderRepository
from ticketing.orders.schemas import OrderCreate
from ticketing.passes import service as passes
from ticketing.payments.provider import EventKind, Intent, IntentStatus, PaymentProvider
from ticketing.schemas import request_fingerprint

log = logging.getLogger(__name__)

_PAYMENT_EVENTS = frozenset(
    {EventKind.PAYMENT_SUCCEEDED, EventKind.PAYMENT_FAILED, EventKind.PAYMENT_CANCELED}
)


@dataclass(frozen=True)
class CreatedOrder:
    order: Order
    payment: Payment
    client_secret: str | None
    replayed: bool  # True when the Idempotency-Key named an order made before


def order_id_for(account_id: str, idempotency_key: str) -> str:
    """The order id a request makes: the same for every retry of the same request."""
    digest = hashlib.sha256(f"{account_id}\0{idempotency_key}".encode()).hexdigest()
    return f"ord_{digest[:24]}"


def create_order(
    session: Session,
    *,
    account_id: str,
    request: OrderCreate,
    idempotency_key: str,
    provider: PaymentProvider,
    now: datetime,
    vat_rate_bp: int,
) -> CreatedOrder:
    """The order of this request, created with its payment intent, or the one made before."""
    repo = OrderRepository(session)
    fingerprint = request_fingerprint(request)
    existing = repo.by_idempotency_key(account_id, idempotency_key)
    if existing is not None:
        return _replay(session, existing, fingerprint, provider)
    order_id = order_id_for(account_id, idempotency_key)
    lines = price_lines(session, order_id, account_id, request, now, vat_rate_bp)
    currency = catalogue.get_product(session, lines[0].product_id).currency
    total = Money(sum(line.amount for line in lines), currency)
    order = Order(
        id=order_id,
        account_id=account_id,
        status=OrderStatus.PENDING_PAYMENT,
        currency=currency,
        total_amount=total.amount,
        vat_amount=sum(line.vat_amount for line in lines),
        vat_rate_bp=vat_rate_bp,
        refunded_amount=0,
        idempotency_key=idempotency_key,
        request_hash=fingerprint,
        device_key=request.device_key,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(order)
            session.flush()
            session.add_all(lines)
            session.flush()
    except IntegrityError:
        # A concurrent retry of the same request won the insert: answer with its order.
        winner = repo.by_idempotency_key(account_id, idempotency_key)
        if winner is None:
            raise
        return _replay(session, winner, fingerprint, provider)
    if total.amount == 0:  # e.g. a pay-as-you-go pass: nothing to pay, nothing to ask a provider
        return _free_order(session, order, now)
    intent = provider.create_intent(
        amount=total,
        order_id=order.id,
        idempotency_key=f"{order.id}:create",
        description=", ".join(line.product_name for line in lines)[:200],
        metadata={"order_id": order.id, "account_id": account_id},
    )
    payment = Payment(
        id=f"pay_{secrets.token_hex(12)}",
        order_id=order.id,
        provider=provider.name,
        intent_id=intent.intent_id,
        amount=total.amount,
        currency=currency,
        status=PaymentStatus.PENDING,
        created_at=now,
    )
    session.add(payment)
    session.flush()
    if intent.status.is_final:  # e.g. a sandbox set to succeed at once
        settle_payment(session, payment, intent, now)
    return CreatedOrder(order, payment, intent.client_secret, replayed=False)


FREE = "none"


class PaymentNotRecordedYet(OrderStateConflict):
    type_slug = "payment-not-recorded-yet"
    title = "The payment is not recorded yet; deliver again later"


def _free_order(session: Session, order: Order, now: datetime) -> CreatedOrder:
    payment = Payment(
        id=f"pay_{secrets.token_hex(12)}",
        order_id=order.id,
        provider=FREE,
        intent_id=f"free:{order.id}",
        amount=0,
        currency=order.currency,
        status=PaymentStatus.PENDING,
        created_at=now,
    )
    session.add(payment)
    session.flush()
    intent = Intent(FREE, payment.intent_id, IntentStatus.SUCCEEDED, Money(0, order.currency))
    settle_payment(session, payment, intent, now)
    return CreatedOrder(order, payment, None, replayed=False)


def _replay(
    session: Session, order: Order, fingerprint: str, provider: PaymentProvider
) -> CreatedOrder:
    if order.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used for a different order request; use a new key"
        )
    payment = OrderRepository(session).payment(order.id)
    if payment is None:  # cannot happen: order and payment commit together
        raise OrderStateConflict(f"order {order.id} has no payment")
    secret = None
    if order.status is OrderStatus.PENDING_PAYMENT and payment.provider == provider.name:
        secret = provider.retrieve_intent(payment.intent_id).client_secret
    return CreatedOrder(order, payment, secret, replayed=True)


def get_order(session: Session, order_id: str, *, for_update: bool = False) -> Order:
    order = OrderRepository(session).get(order_id, for_update=for_update)
    if order is None:
        raise OrderNotFound(f"no order '{order_id}'")
    return order


# -- settling payments ------------------------------------------------------------------------


def settle_payment(session: Session, payment: Payment, intent: Intent, now: datetime) -> bool:
    """Bring the payment and its order to the provider's state; True if passes were issued.

    Safe to call any number of times, in any order of events: a final state never regresses,
    and the success path (payment, ledger sale, passes) runs once, under the order's lock.
    """
    order = get_order(session, payment.order_id, for_update=True)
    session.refresh(payment)
    if intent.status is IntentStatus.SUCCEEDED:
        # Stripe reports its fee once the charge settles: whichever event brings it posts it.
        _post_fee(session, payment, intent, now)
        if payment.status is PaymentStatus.SUCCEEDED:
            return False
        if intent.amount.amount != payment.amount or intent.amount.currency != payment.currency:
            log.error("intent %s amount differs from payment %s", intent.intent_id, payment.id)
            raise OrderStateConflict(f"the provider's amount differs from order {order.id}'s")
        payment.status = PaymentStatus.SUCCEEDED
        payment.succeeded_at = now
        order.status = OrderStatus.PAID
        order.paid_at = now
        if payment.amount > 0:  # a free order moves no money
            _post_sale(session, order, payment, now)
        passes.issue_passes(session, order, now)
        order.status = OrderStatus.FULFILLED
        order.fulfilled_at = now
        return True
    if intent.status in (IntentStatus.FAILED, IntentStatus.CANCELED):
        if payment.status is PaymentStatus.PENDING:
            failed = intent.status is IntentStatus.FAILED
            payment.status = PaymentStatus.FAILED if failed else PaymentStatus.CANCELED
            order.status = OrderStatus.FAILED
    return False


def _post_fee(session: Session, payment: Payment, intent: Intent, now: datetime) -> None:
    if intent.fee:
        ledger.post_fee(
            session,
            reference=f"fee:{payment.id}",
            occurred_at=now,
            provider=payment.provider,
            amount=Money(intent.fee, payment.currency),
            order_id=payment.order_id,
        )


def _post_sale(session: Session, order: Order, payment: Payment, now: datetime) -> None:
    lines = OrderRepository(session).lines(order.id)
    ledger.post_sale(
        session,
        order_id=order.id,
        occurred_at=now,
        provider=payment.provider,
        lines=[
            ledger.SaleLine(
                product_id=line.product_id,
                gross=Money(line.amount, order.currency),
                vat=Money(line.vat_amount, order.currency),
            )
            for line in lines
        ],
    )


def confirm_order(
    session: Session,
    order: Order,
    *,
    provider: PaymentProvider,
    payment_method: str | None,
    now: datetime,
) -> Order:
    """Confirm server-side with a test payment method, or just re-read a payment the app
    confirmed; either way settle what the provider says."""
    payment = OrderRepository(session).payment(order.id)
    if payment is None:
        raise OrderStateConflict(f"order {order.id} has no payment")
    if payment.provider != provider.name:  # a free order, or one paid before a provider change
        return order
    if payment_method is not None and payment.status is PaymentStatus.PENDING:
        intent = provider.confirm_intent(payment.intent_id, payment_method=payment_method)
    else:
        intent = provider.retrieve_intent(payment.intent_id)
    settle_payment(session, payment, intent, now)
    return order


def handle_webhook(
    session: Session,
    provider: PaymentProvider,
    payload: bytes,
    signature: str | None,
    now: datetime,
) -> str:
    """Verify and apply one webhook delivery; the outcome, for the log and the response."""
    event = provider.parse_webhook(payload, signature)
    try:
        with session.begin_nested():
            session.add(
                ProviderEvent(
                    provider=provider.name,
                    event_id=event.event_id,
                    raw_type=event.raw_type,
                    intent_id=event.intent_id,
                    received_at=now,
                )
            )
            session.flush()
    except IntegrityError:
        return "duplicate"
    if event.kind not in _PAYMENT_EVENTS or event.intent_id is None:
        return "ignored"
    payment = OrderRepository(session).payment_by_intent(provider.name, event.intent_id)
    if payment is None:
        if event.intent is not None and "order_id" in event.intent.metadata:
            # Ours, but its order has not committed yet: refuse, so the provider redelivers
            # (the rollback forgets the event too).
            raise PaymentNotRecordedYet(f"no payment recorded yet for {event.intent_id}")
        log.warning("webhook %s names unknown intent %s", event.event_id, event.intent_id)
        return "unknown-intent"
    # The event may be stale or out of order: the provider's current state decides.
    intent = provider.retrieve_intent(event.intent_id)
    return "issued" if settle_payment(session, payment, intent, now) else "settled"
