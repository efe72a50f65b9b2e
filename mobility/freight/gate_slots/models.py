"""Tables of truck appointment slots: a terminal's slot with its TEU capacity and what is
booked of it, and the bookings.

A slot row is written when its first booking is made (the grid itself follows from the
terminal's opening hours and the settings), with the capacity of that moment; `booked_teu` only
changes by conditional UPDATEs that keep it within `[0, capacity_teu]` (and a CHECK holds it
there), so concurrent bookings never overbook. A booking's gate pass is a pass token whose
pass id is `pass_id`; the token itself is never stored, only its jti and expiry.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from mobility.models import Base, UTCDateTime, str_enum


class BookingStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


class GateSlot(Base):
    __tablename__ = "freight_gate_slots"
    __table_args__ = (
        UniqueConstraint("terminal_id", "starts_at"),
        CheckConstraint("capacity_teu > 0", name="capacity_positive"),
        CheckConstraint(
            "booked_teu >= 0 AND booked_teu <= capacity_teu", name="booked_within_capacity"
        ),
        CheckConstraint("starts_at < ends_at", name="starts_before_ending"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    terminal_id: Mapped[int] = mapped_column(
        ForeignKey("freight_terminals.id", ondelete="CASCADE"), nullable=False
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    capacity_teu: Mapped[int] = mapped_column(Integer, nullable=False)
    booked_teu: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class GateSlotBooking(Base):
    __tablename__ = "freight_gate_slot_bookings"
    __table_args__ = (
        UniqueConstraint("organisation_id", "idempotency_key"),
        CheckConstraint("teu > 0", name="teu_positive"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("freight_gate_slots.id", ondelete="CASCADE"), nullable=False, index=True
    )
    organisation_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), nullable=False)
    plate: Mapped[str] = mapped_column(String(16), nullable=False)
    teu: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    # The driver's app key (base64url Ed25519) the gate pass is bound to.
    device_key: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[BookingStatus] = mapped_column(str_enum(BookingStatus), nullable=False)
    token_jti: Mapped[str | None] = mapped_column(String(64))
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def pass_id(self) -> str:
        """The pass id of the booking's gate pass (what gates record and revocations name)."""
        return f"GS-{self.id}"
