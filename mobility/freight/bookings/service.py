"""Booking freight routes: capacity reserved on every dated departure of a route, all or none,
idempotently by (organisation, Idempotency-Key); cancelling releases it. Never commits.

Overbooking is impossible by construction: a departure's booked TEU only grows through one
conditional UPDATE (`booked_teu + n <= capacity_teu`) whose row count says whether it fitted.
On PostgreSQL the UPDATE takes the row lock, so a concurrent booking of the same departure waits
and then re-evaluates the condition on the committed value; SQLite serialises writers. Rows are
reserved in a fixed order (service code, departure) so two bookings never deadlock.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mobility.db import insert_or_ignore
from mobility.freight.bookings.errors import FreightBookingNotFound, FreightRouteUnavailable
from mobility.freight.bookings.models import (
    BookingStatus,
    FreightBooking,
    FreightBookingReservation,
    FreightDepartureCapacity,
)
from mobility.idempotency import IdempotencyKeyReused


@dataclass(frozen=True, slots=True)
class Reservation:
    """TEU to hold on a dated departure, and the service's capacity should its row be new."""

    service_code: str
    departure_at: datetime
    teu: int
    capacity_teu: int


@dataclass(frozen=True, slots=True)
class BookingDraft:
    """A checked route to book, as the API layer priced it."""

    organisation_id: str
    created_by: str
    idempotency_key: str
    request_sha256: str
    version_id: int
    teu: int
    cargo_flags: str
    gross_weight_t: float | None
    cost_cents: int
    currency: str
    co2e_g: int
    departure: datetime
    arrival: datetime
    route: dict[str, Any]
    reservations: tuple[Reservation, ...]


def free_capacity(
    session: Session,
    start: datetime,
    end: datetime,
    service_capacity: Mapping[str, int] | None = None,
) -> dict[tuple[str, datetime], int]:
    """Free TEU of the departures between `start` and `end` that have bookings; the others
    have their service's whole capacity free. `service_capacity` (TEU by service code, from
    the data set in force) overrides what a departure's row recorded at its first booking,
    so a reload that changes a service's capacity applies to departures already booked."""
    rows = session.execute(
        select(
            FreightDepartureCapacity.service_code,
            FreightDepartureCapacity.departure_at,
            FreightDepartureCapacity.capacity_teu,
            FreightDepartureCapacity.booked_teu,
        ).where(
            FreightDepartureCapacity.departure_at >= start,
            FreightDepartureCapacity.departure_at <= end,
        )
    ).all()
    current = service_capacity or {}
    return {
        (code, at): max(0, current.get(code, capacity) - booked)
        for code, at, capacity, booked in rows
    }


def find_by_key(session: Session, organisation_id: str, key: str) -> FreightBooking | None:
    return session.scalars(
        select(FreightBooking).where(
            FreightBooking.organisation_id == organisation_id,
            FreightBooking.idempotency_key == key,
        )
    ).first()


def _replay(booking: FreightBooking, draft: BookingDraft) -> FreightBooking:
    if booking.request_sha256 != draft.request_sha256:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used for a different booking request; use a new key"
        )
    return booking


def create_booking(
    session: Session, draft: BookingDraft, now: datetime
) -> tuple[FreightBooking, bool]:
    """Book `draft`: (booking, True) when made now, (the earlier booking, False) for a retry
    of the same request. FreightRouteUnavailable when a departure lacks the TEU; the caller's
    transaction then rolls back whatever this call wrote."""
    existing = find_by_key(session, draft.organisation_id, draft.idempotency_key)
    if existing is not None:
        return _replay(existing, draft), False
    booking_id = str(uuid.uuid4())
    inserted = insert_or_ignore(
        session,
        FreightBooking,
        {
            "id": booking_id,
            "organisation_id": draft.organisation_id,
            "created_by": draft.created_by,
            "idempotency_key": draft.idempotency_key,
            "request_sha256": draft.request_sha256,
            "status": BookingStatus.CONFIRMED.value,
            "version_id": draft.version_id,
            "teu": draft.teu,
            "cargo_flags": draft.cargo_flags,
            "gross_weight_t": draft.gross_weight_t,
            "cost_cents": draft.cost_cents,
            "currency": draft.currency,
            "co2e_g": draft.co2e_g,
            "departure": draft.departure,
            "arrival": draft.arrival,
            "route": draft.route,
            "created_at": now,
        },
        ["organisation_id", "idempotency_key"],
    )
    if not inserted:  # a concurrent request with the same key committed first
        earlier = find_by_key(session, draft.organisation_id, draft.idempotency_key)
        assert earlier is not None
        return _replay(earlier, draft), False
    ordered = sorted(draft.reservations, key=lambda r: (r.service_code, r.departure_at))
    for seq, item in enumerate(ordered):
        _reserve(session, item)
        session.add(
            FreightBookingReservation(
                booking_id=booking_id,
                seq=seq,
                service_code=item.service_code,
                departure_at=item.departure_at,
                teu=item.teu,
            )
        )
    session.flush()
    booking = session.get(FreightBooking, booking_id)
    assert booking is not None
    return booking, True


def _reserve(session: Session, item: Reservation) -> None:
    insert_or_ignore(
        session,
        FreightDepartureCapacity,
        {
            "service_code": item.service_code,
            "departure_at": item.departure_at,
            "capacity_teu": item.capacity_teu,
            "booked_teu": 0,
        },
        ["service_code", "departure_at"],
    )
    table = FreightDepartureCapacity
    # Checked against the capacity of the data set in force (`item.capacity_teu`), recorded on
    # the row as it fits: a reload that raised or lowered a service's capacity applies to its
    # departures already booked (bookings above a lowered capacity stay; none is added).
    result = session.execute(
        update(table)
        .where(
            table.service_code == item.service_code,
            table.departure_at == item.departure_at,
            table.booked_teu + item.teu <= item.capacity_teu,
        )
        .values(booked_teu=table.booked_teu + item.teu, capacity_teu=item.capacity_teu)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise FreightRouteUnavailable(
            f"{item.service_code} departing {item.departure_at.isoformat()} has fewer than "
            f"{item.teu} TEU free",
            service=item.service_code,
            departure=item.departure_at.isoformat(),
        )


def get_booking(session: Session, organisation_id: str, booking_id: str) -> FreightBooking:
    """The organisation's booking; another organisation's reads as not found."""
    booking = session.get(FreightBooking, booking_id)
    if booking is None or booking.organisation_id != organisation_id:
        raise FreightBookingNotFound(f"no freight booking '{booking_id}'")
    return booking


def reservations(session: Session, booking_id: str) -> Sequence[FreightBookingReservation]:
    return session.scalars(
        select(FreightBookingReservation)
        .where(FreightBookingReservation.booking_id == booking_id)
        .order_by(FreightBookingReservation.seq)
    ).all()


def cancel_booking(
    session: Session, organisation_id: str, booking_id: str, now: datetime
) -> FreightBooking:
    """Cancel and release its capacity; cancelling a cancelled booking changes nothing."""
    booking = get_booking(session, organisation_id, booking_id)
    # One conditional UPDATE decides which cancel releases the capacity: on PostgreSQL a
    # concurrent one waits for the row and re-reads its status; on SQLite the status must not
    # be read before the write lock (a read outside the transaction may be stale by then).
    cancelled = session.execute(
        update(FreightBooking)
        .where(FreightBooking.id == booking_id, FreightBooking.status == BookingStatus.CONFIRMED)
        .values(status=BookingStatus.CANCELLED, cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(booking)
    if cancelled.rowcount != 1:  # type: ignore[attr-defined]
        return booking  # cancelled already (here or by a concurrent request)
    table = FreightDepartureCapacity
    for item in reservations(session, booking_id):
        session.execute(
            update(table)
            .where(
                table.service_code == item.service_code,
                table.departure_at == item.departure_at,
            )
            .values(booked_teu=table.booked_teu - item.teu)
            .execution_options(synchronize_session=False)
        )
    session.flush()
    return booking
