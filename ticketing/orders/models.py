"""Orders and their lines, the payments that settle them, provider events seen, and refunds.

Amounts are gross minor units (VAT included, as Italian tickets are priced); the VAT part is
stored beside them as it was computed at sale, so a receipt never changes with a later rate.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Enum,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from mobility.models import Base, UTCDateTime, str_enum

_ID = 64


def _enum(cls: type[StrEnum]) -> Enum:
    return str_enum(cls, 24)


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"  # payment succeeded; passes being issued
    FULFILLED = "fulfilled"  # passes issued
    FAILED = "failed"  # payment failed or was canceled
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


class PaymentStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


class Order(Base):
    """One purchase by one traveller; (account, Idempotency-Key) identifies its request."""

    __tablename__ = "ticketing_orders"
    __table_args__ = (
        UniqueConstraint("account_id", "idempotency_key"),
        CheckConstraint("total_amount >= 0", name="total_not_negative"),
        CheckConstraint(
            "refunded_amount >= 0 AND refunded_amount <= total_amount", name="refund_within_total"
        ),
    )

    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("ticketing_accounts.id"), nullable=False, index=True
    )
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus), nullable=False, index=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    total_amount: Mapped[int] = mapped_column(Integer, nullable=False)
    vat_amount: Mapped[int] = mapped_column(Integer, nullable=False)
    vat_rate_bp: Mapped[int] = mapped_column(Integer, nullable=False)
    refunded_amount: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    idempotency_key: Mapped[str] = mapped_column(String(200), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    device_key: Mapped[str] = mapped_column(String(64), nullable=False)  # base64url Ed25519
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fulfilled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OrderLine(Base):
    """A product bought `quantity` times for one rider category, from `valid_from` on."""

    __tablename__ = "ticketing_order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "line_no"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint(
            "refunded_amount >= 0 AND refunded_amount <= amount", name="refund_within_amount"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(ForeignKey("ticketing_orders.id"), nullable=False)
    line_no: Mapped[int] = mapped_column(Integer, nullable=False)
    product_id: Mapped[str] = mapped_column(
        ForeignKey("ticketing_products.id"), nullable=False, index=True
    )
    product_name: Mapped[str] = mapped_column(String(200), nullable=False)
    rider_category_id: Mapped[str] = mapped_column(String(_ID), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_amount: Mapped[int] = mapped_column(Integer, nullable=False)
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    vat_amount: Mapped[int] = mapped_column(Integer, nullable=False)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    pricing_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    refunded_amount: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Payment(Base):
    """The provider's payment intent for an order; its id is unique per provider."""

    __tablename__ = "ticketing_payments"
    __table_args__ = (UniqueConstraint("provider", "intent_id"),)

    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    order_id: Mapped[str] = mapped_column(
        ForeignKey("ticketing_orders.id"), nullable=False, index=True
    )
    provider: Mapped[str] = mapped_column(String(16), nullable=False)
    intent_id: Mapped[str] = mapped_column(String(200), nullable=False)
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    status: Mapped[PaymentStatus] = mapped_column(_enum(PaymentStatus), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProviderEvent(Base):
    """A webhook event already processed: its unique key makes redelivery a no-op."""

    __tablename__ = "ticketing_provider_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String(16), nullable=False)
    event_id: Mapped[str] = mapped_column(String(200), nullable=False)
    raw_type: Mapped[str] = mapped_column(String(100), nullable=False)
    intent_id: Mapped[str | None] = mapped_column(String(200), index=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class Refund(Base):
    """A full or partial refund of an order's payment; its key makes a retry a no-op."""

    __tablename__ = "ticketing_refunds"
    __table_args__ = (
        UniqueConstraint("order_id", "idempotency_key"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    order_id: Mapped[str] = mapped_column(
        ForeignKey("ticketing_orders.id"), nullable=False, index=True
    )
    payment_id: Mapped[str] = mapped_column(ForeignKey("ticketing_payments.id"), nullable=False)
    provider_refund_id: Mapped[str | None] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    vat_amount: Mapped[int] = mapped_column(Integer, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    reason: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    idempotency_key: Mapped[str] = mapped_column(String(200), nullable=False)
    request_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    requested_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
