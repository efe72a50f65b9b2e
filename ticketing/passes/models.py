"""Passes: what a paid order line entitles its traveller to, one row per unit bought."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mobility.models import Base, UTCDateTime, str_enum

_ID = 64


class PassStatus(StrEnum):
    ACTIVE = "active"
    REVOKED = "revoked"  # refunded in full, or withdrawn by staff


class Pass(Base):
    """One pass. (order_line_id, seq) is unique: issuing twice cannot make a second pass.

    `operators`, `networks` and `zones` are JSON arrays of codes (["*"] for all), the same
    vocabulary as the pass token's claims. A refund may shorten `valid_until`.
    """

    __tablename__ = "ticketing_passes"
    __table_args__ = (UniqueConstraint("order_line_id", "seq"),)

    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("ticketing_accounts.id"), nullable=False, index=True
    )
    order_id: Mapped[str] = mapped_column(
        ForeignKey("ticketing_orders.id"), nullable=False, index=True
    )
    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("ticketing_order_lines.id"), nullable=False
    )
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    product_id: Mapped[str] = mapped_column(ForeignKey("ticketing_products.id"), nullable=False)
    product_kind: Mapped[str] = mapped_column(String(32), nullable=False)
    rider_category_id: Mapped[str] = mapped_column(String(_ID), nullable=False)
    operators: Mapped[str] = mapped_column(Text, nullable=False)
    networks: Mapped[str] = mapped_column(Text, nullable=False)
    zones: Mapped[str] = mapped_column(Text, nullable=False)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    single_use: Mapped[bool] = mapped_column(Boolean, nullable=False)
    rides_total: Mapped[int | None] = mapped_column(Integer)
    # Its share of its order line's amount (a carnet's price over its rides, a party's total
    # over its members), so the passes of a line add up to the line.
    amount: Mapped[int] = mapped_column(Integer, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    device_key: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[PassStatus] = mapped_column(
        str_enum(PassStatus),
        nullable=False,
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoke_reason: Mapped[str | None] = mapped_column(String(200))

    def codes(self, name: str) -> tuple[str, ...]:
        return tuple(json.loads(getattr(self, name)))
