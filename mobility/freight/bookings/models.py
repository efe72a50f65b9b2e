"""Bookings of freight routes and the capacity they hold on dated service departures.

Capacity is counted per dated departure (`FreightDepartureCapacity`: a service code and the
departure instant), by code rather than by service row: a reload of the data set replaces the
service rows, and bookings must outlive that. The row is made on the first booking of the
departure with the service's capacity then; reservations only change it through one conditional
UPDATE (`booked_teu + n <= capacity_teu`), which is what keeps concurrent bookings from
overbooking, with a CHECK constraint as the last guard.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from mobility.models import Base, UTCDateTime, str_enum


class BookingStatus(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class FreightDepartureCapacity(Base):
    """TEU offered and booked on one dated departure of a scheduled service."""

    __tablename__ = "freight_departure_capacity"
    __table_args__ = (
        CheckConstraint("booked_teu >= 0", name="booked_not_negative"),
        CheckConstraint("booked_teu <= capacity_teu", name="not_overbooked"),
    )

    service_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    departure_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    capacity_teu: Mapped[int] = mapped_column(Integer, nullable=False)
    booked_teu: Mapped[int] = mapped_column(Integer, nullable=False)


class FreightBooking(Base):
    """A route booked by an organisation; (organisation, Idempotency-Key) names its request."""

    __tablename__ = "freight_bookings"
    __table_args__ = (
        UniqueConstraint("organisation_id", "idempotency_key"),
        CheckConstraint("teu > 0", name="teu_positive"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID: not guessable
    organisation_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(200), nullable=False)
    request_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[BookingStatus] = mapped_column(str_enum(BookingStatus), nullable=False)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("freight_dataset_versions.id"), nullable=False
    )
    teu: Mapped[int] = mapped_column(Integer, nullable=False)
    cargo_flags: Mapped[str] = mapped_column(String(32), nullable=False)
    gross_weight_t: Mapped[float | None] = mapped_column(Float, nullable=True)
    cost_cents: Mapped[int] = mapped_column(Integer, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    co2e_g: Mapped[int] = mapped_column(Integer, nullable=False)
    departure: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    arrival: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    # The route as checked at booking time (origin, destination, legs): what was sold.
    route: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class FreightBookingReservation(Base):
    """TEU a booking holds on one dated departure (released when it is cancelled)."""

    __tablename__ = "freight_booking_reservations"
    __table_args__ = (CheckConstraint("teu > 0", name="teu_positive"),)

    booking_id: Mapped[str] = mapped_column(
        ForeignKey("freight_bookings.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    service_code: Mapped[str] = mapped_column(String(32), nullable=False)
    departure_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    teu: Mapped[int] = mapped_column(Integer, nullable=False)
