"""Refunds: all or part of a paid order given back, its passes revoked or shortened, the money
movement posted to the ledger.

The order of the steps is what keeps money and records together:
1. The order row is locked, and the Idempotency-Key looked up again under the lock, so a
   retried or concurrent request with the same key replays the refund made first.
2. Every check (amount left, passes named, `shorten_to`) runs before any money moves.
3. The amount is reserved with one conditional UPDATE (`refunded_amount + a <= total`), so
   two refunds racing under different keys can never give back more than was paid.
4. Only then is the provider asked (with an idempotency key derived from ours); if it fails,
   the transaction, reservation included, rolls back.
VAT is refunded line by line as the VAT of what the line has refunded in all minus what was
refunded before, so a line refunded in parts gives back exactly the VAT it was sold with.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from mobility.errors import ValidationFailed
from mobility.money import Money, allocate, vat_included
from ticketing.errors import IdempotencyKeyReused, RefundNotAllowed
from ticketing.ledger import service as ledger
from ticketing.orders.models import (
    Order,
    OrderLine,
    OrderStatus,
    PaymentStatus,
    Refund,
)
from ticketing.orders.repository import OrderRepository
from ticketing.orders.schemas import RefundCreate
from ticketing.passes import service as passes
from ticketing.passes.models import Pass, PassStatus
from ticketing.payments.provider import PaymentProvider
from ticketing.schemas import request_fingerprint

REFUNDABLE = (OrderStatus.FULFILLED, OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)


@dataclass(frozen=True)
class RefundResult:
    refund: Refund
    revoked: tuple[str, ...]
    shortened: tuple[str, ...]
    replayed: bool


def _replay(refund: Refund, fingerprint: str) -> RefundResult:
    if refund.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used for a different refund request; use a new key"
        )
    return RefundResult(refund, (), (), replayed=True)


def refund_order(
    session: Session,
    order_id: str,
    *,
    request: RefundCreate,
    idempotency_key: str,
    requested_by: str,
    provider: PaymentProvider,
    now: datetime,
) -> RefundResult:
    """Refund all or part of a paid order, revoke or shorten its passes, post to the ledger."""
    repo = OrderRepository(session)
    fingerprint = request_fingerprint(request)
    order = repo.get(order_id, for_update=True)
    if order is None:
        raise RefundNotAllowed(f"no order '{order_id}'")
    existing = repo.refund_by_key(order.id, idempotency_key)
    if existing is not None:
        return _replay(existing, fingerprint)
    if order.status not in REFUNDABLE:
        raise RefundNotAllowed(f"order {order.id} is {order.status.value}: nothing to refund")
    payment = repo.payment(order.id)
    if payment is None or payment.status is not PaymentStatus.SUCCEEDED:
        raise RefundNotAllowed(f"order {order.id} has no succeeded payment")
    left = order.total_amount - order.refunded_amount
    if left <= 0:
        raise RefundNotAllowed(f"nothing is left to refund of order {order.id}")
    amount = request.amount if request.amount is not None else left
    if amount > left:
        raise RefundNotAllowed(f"at most {Money(left, order.currency)} is left to refund")
    full = amount == left
    chosen = _passes_to_change(session, order, request, full, now)
    lines = list(repo.lines(order.id))
    parts = _refund_parts(lines, amount, order)
    _reserve(session, order, amount)

    provider_refund = provider.refund(
        payment.intent_id,
        amount=Money(amount, order.currency),
        idempotency_key=f"{order.id}:refund:{idempotency_key}",
        reason=request.reason or None,
    )
    refund = Refund(
        id=f"ref_{secrets.token_hex(12)}",
        order_id=order.id,
        payment_id=payment.id,
        provider_refund_id=provider_refund.refund_id,
        amount=amount,
        vat_amount=sum(vat for _, _, vat in parts),
        currency=order.currency,
        reason=request.reason,
        idempotency_key=idempotency_key,
        request_hash=fingerprint,
        requested_by=requested_by,
        created_at=now,
    )
    session.add(refund)
    for line, gross, _ in parts:
        line.refunded_amount += gross
    order.status = OrderStatus.REFUNDED if full else OrderStatus.PARTIALLY_REFUNDED
    session.flush()
    ledger.post_refund(
        session,
        refund_id=refund.id,
        order_id=order.id,
        occurred_at=now,
        provider=payment.provider,
        lines=[
            ledger.SaleLine(
                product_id=line.product_id,
                gross=Money(gross, order.currency),
                vat=Money(vat, order.currency),
            )
            for line, gross, vat in parts
            if gross > 0
        ],
    )
    revoked, shortened = _change_passes(session, order, chosen, request, now)
    return RefundResult(refund, revoked, shortened, replayed=False)


def _reserve(session: Session, order: Order, amount: int) -> None:
    """Add `amount` to what the order has refunded, unless that would pass its total."""
    result = session.execute(
        update(Order)
        .where(
            Order.id == order.id,
            Order.refunded_amount + amount <= Order.total_amount,
        )
        .values(refunded_amount=Order.refunded_amount + amount)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise RefundNotAllowed(f"order {order.id}: a concurrent refund took what was left")
    session.refresh(order)


def _refund_parts(
    lines: Sequence[OrderLine], amount: int, order: Order
) -> list[tuple[OrderLine, int, int]]:
    """(line, gross, VAT) of this refund: the amount split over what each line has left to
    refund (so no line gives back more than it sold), each part's VAT the difference between
    the VAT of the line's refunded total after and before it."""
    open_lines = [line for line in lines if line.amount - line.refunded_amount > 0]
    grosses = allocate(amount, [line.amount - line.refunded_amount for line in open_lines])
    parts = []
    for line, gross in zip(open_lines, grosses, strict=True):
        after = line.refunded_amount + gross
        vat_after = (
            line.vat_amount
            if after == line.amount
            else vat_included(Money(after, order.currency), order.vat_rate_bp).vat.amount
        )
        vat_before = vat_included(
            Money(line.refunded_amount, order.currency), order.vat_rate_bp
        ).vat.amount
        parts.append((line, gross, vat_after - vat_before))
    return parts


def _passes_to_change(
    session: Session, order: Order, request: RefundCreate, full: bool, now: datetime
) -> list[Pass]:
    """The passes this refund revokes or shortens, checked before any money moves."""
    owned = {p.id: p for p in passes.passes_of_order(session, order.id)}
    if request.pass_ids is not None:
        unknown = sorted(set(request.pass_ids) - set(owned))
        if unknown:
            raise ValidationFailed(f"passes {unknown} are not of order {order.id}")
        chosen = [owned[i] for i in request.pass_ids]
    else:
        chosen = list(owned.values()) if (full or request.shorten_to) else []
    if request.shorten_to is not None:
        if full:
            raise ValidationFailed("a full refund revokes the passes: shorten_to is for part")
        if request.shorten_to < now:
            raise ValidationFailed("shorten_to must not be in the past")
        active = [p for p in chosen if p.status is PassStatus.ACTIVE]
        if not any(p.valid_until > request.shorten_to for p in active):
            raise ValidationFailed("shorten_to does not end any of these passes sooner")
    return chosen


def _change_passes(
    session: Session, order: Order, chosen: list[Pass], request: RefundCreate, now: datetime
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    reason = f"refund of order {order.id}"
    if request.shorten_to is not None:
        until = request.shorten_to
        return (), tuple(p.id for p in chosen if passes.shorten(session, p, until, reason, now))
    return tuple(p.id for p in chosen if passes.revoke(session, p, reason, now)), ()
