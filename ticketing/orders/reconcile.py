"""Reconciliation: payments without passes, passes without payments, and repairing both.

Webhooks can be lost, a process can die after the provider took the money and before our
commit, and data can be damaged by hand. This job compares our records with the provider's and
with each other, and repairs what it finds, idempotently:
- a payment still pending here after a grace period is re-read from the provider and settled
  (succeeded: passes issued; failed or canceled: order failed);
- a paid order missing some of its passes gets them (issuance keeps the ones that exist);
- an active pass whose order has no succeeded payment is revoked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from mobility.errors import MobilityError
from ticketing.orders import service
from ticketing.orders.models import Order, OrderLine, OrderStatus, Payment, PaymentStatus
from ticketing.passes import service as passes
from ticketing.passes.models import Pass, PassStatus
from ticketing.payments.provider import PaymentProvider

log = logging.getLogger(__name__)
GRACE = timedelta(minutes=10)
RECENT = timedelta(days=2)
PAID_STATES = (OrderStatus.FULFILLED, OrderStatus.PARTIALLY_REFUNDED, OrderStatus.REFUNDED)


@dataclass
class ReconcileReport:
    checked_payments: int = 0
    settled: int = 0
    failed: int = 0
    passes_issued: int = 0
    passes_revoked: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.checked_payments} pending payment(s) checked, {self.settled} settled, "
            f"{self.failed} failed; {self.passes_issued} pass(es) issued, "
            f"{self.passes_revoked} revoked; {len(self.errors)} error(s)"
        )


def reconcile(
    session: Session, provider: PaymentProvider, now: datetime, *, grace: timedelta = GRACE
) -> ReconcileReport:
    """Repair what the provider and our records disagree on; the caller commits."""
    report = ReconcileReport()
    _settle_stale_payments(session, provider, now, grace, report)
    _issue_missing_passes(session, now, report)
    _revoke_unpaid_passes(session, now, report)
    return report


def _settle_stale_payments(
    session: Session,
    provider: PaymentProvider,
    now: datetime,
    grace: timedelta,
    report: ReconcileReport,
) -> None:
    stale = session.scalars(
        select(Payment).where(
            Payment.status == PaymentStatus.PENDING,
            Payment.provider == provider.name,
            Payment.created_at <= now - grace,
        )
    ).all()
    for payment in stale:
        report.checked_payments += 1
        try:
            intent = provider.retrieve_intent(payment.intent_id)
            with session.begin_nested():
                if service.settle_payment(session, payment, intent, now):
                    report.settled += 1
                elif payment.status in (PaymentStatus.FAILED, PaymentStatus.CANCELED):
                    report.failed += 1
        except (MobilityError, SQLAlchemyError) as exc:  # one bad payment must not stop others
            report.errors.append(f"payment {payment.id}: {exc.__class__.__name__}: {exc}"[:300])
            log.warning("reconcile payment %s: %s", payment.id, exc.__class__.__name__)


def _units(session: Session, order_id: str) -> int:
    """How many passes the order's lines make (a carnet: one per ride)."""
    from ticketing.catalogue import service as catalogue

    total = 0
    for line in session.scalars(select(OrderLine).where(OrderLine.order_id == order_id)):
        product = catalogue.get_product(session, line.product_id)
        rides = product.rides if product.kind == passes.CARNET and product.rides else 1
        total += line.quantity * rides
    return total


def _issue_missing_passes(session: Session, now: datetime, report: ReconcileReport) -> None:
    """Orders left paid but not fulfilled, and recently fulfilled ones short of passes (a pass
    deleted by hand); older orders were checked by earlier runs."""
    issued = (
        select(Pass.order_id, func.count(Pass.id).label("n")).group_by(Pass.order_id).subquery()
    )
    rows = session.execute(
        select(Order.id, Order.status, func.coalesce(issued.c.n, 0))
        .outerjoin(issued, issued.c.order_id == Order.id)
        .where(
            (Order.status == OrderStatus.PAID)
            | (Order.status.in_(PAID_STATES) & (Order.paid_at >= now - RECENT))
        )
    ).all()
    for order_id, status, count in rows:
        try:
            with session.begin_nested():
                if status is not OrderStatus.PAID and count >= _units(session, order_id):
                    continue
                locked = service.get_order(session, order_id, for_update=True)
                new = passes.issue_passes(session, locked, now)
                if locked.status is OrderStatus.PAID:
                    locked.status = OrderStatus.FULFILLED
                    locked.fulfilled_at = now
                report.passes_issued += len(new)
        except (MobilityError, SQLAlchemyError) as exc:
            report.errors.append(f"order {order_id}: {exc.__class__.__name__}: {exc}"[:300])


def _revoke_unpaid_passes(session: Session, now: datetime, report: ReconcileReport) -> None:
    paid = select(Payment.order_id).where(Payment.status == PaymentStatus.SUCCEEDED)
    orphans = session.scalars(
        select(Pass).where(Pass.status == PassStatus.ACTIVE, Pass.order_id.not_in(paid))
    ).all()
    for item in orphans:
        if passes.revoke(session, item, "reconciliation: no succeeded payment", now):
            report.passes_revoked += 1
