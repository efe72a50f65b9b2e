"""Queries of orders, their lines, payments and refunds."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from mobility.db import lock_row
from ticketing.orders.models import Order, OrderLine, OrderStatus, Payment, Refund


class OrderRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, order_id: str, *, for_update: bool = False) -> Order | None:
        """The order; with `for_update`, locked until the transaction ends and read afresh
        (not the copy the session may hold from before the lock)."""
        query = select(Order).where(Order.id == order_id)
        if for_update:
            lock_row(self.session, Order.id, order_id)
            query = query.execution_options(populate_existing=True)
        return self.session.scalars(query).first()

    def by_idempotency_key(self, account_id: str, key: str) -> Order | None:
        return self.session.scalars(
            select(Order).where(Order.account_id == account_id, Order.idempotency_key == key)
        ).first()

    def for_account(self, account_id: str, *, limit: int = 50, offset: int = 0) -> Sequence[Order]:
        return self.session.scalars(
            select(Order)
            .where(Order.account_id == account_id)
            .order_by(Order.created_at.desc(), Order.id)
            .limit(limit)
            .offset(offset)
        ).all()

    def lines(self, order_id: str) -> Sequence[OrderLine]:
        return self.session.scalars(
            select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.line_no)
        ).all()

    def payment(self, order_id: str) -> Payment | None:
        return self.session.scalars(
            select(Payment).where(Payment.order_id == order_id).order_by(Payment.created_at.desc())
        ).first()

    def payment_by_intent(self, provider: str, intent_id: str) -> Payment | None:
        return self.session.scalars(
            select(Payment).where(Payment.provider == provider, Payment.intent_id == intent_id)
        ).first()

    def refunds(self, order_id: str) -> Sequence[Refund]:
        return self.session.scalars(
            select(Refund).where(Refund.order_id == order_id).order_by(Refund.created_at)
        ).all()

    def refund_by_key(self, order_id: str, key: str) -> Refund | None:
        return self.session.scalars(
            select(Refund).where(Refund.order_id == order_id, Refund.idempotency_key == key)
        ).first()

    def with_status(self, *statuses: OrderStatus, limit: int = 500) -> Sequence[Order]:
        return self.session.scalars(
            select(Order).where(Order.status.in_(statuses)).order_by(Order.created_at).limit(limit)
        ).all()
