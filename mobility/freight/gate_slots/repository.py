"""Queries of the slot tables and the few freight-network reads slots need."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mobility.freight.gate_slots.hours import WeeklyHours
from mobility.freight.gate_slots.models import BookingStatus, GateSlot, GateSlotBooking
from mobility.freight.models import FreightDatasetVersion, FreightTerminal, FreightTerminalHours
from mobility.settings import get_settings


def terminal_by_code(session: Session, code: str) -> FreightTerminal | None:
    return session.scalars(
        select(FreightTerminal).where(FreightTerminal.code == code, FreightTerminal.active)
    ).first()


def weekly_hours(session: Session, terminal_id: int) -> list[WeeklyHours]:
    rows = session.execute(
        select(
            FreightTerminalHours.weekday,
            FreightTerminalHours.open_min,
            FreightTerminalHours.close_min,
        ).where(FreightTerminalHours.terminal_id == terminal_id)
    ).all()
    return [(int(w), int(o), int(c)) for w, o, c in rows]


def network_zone(session: Session) -> ZoneInfo:
    """The time zone of the current freight data set (the area's when none is loaded)."""
    name = session.scalars(
        select(FreightDatasetVersion.timezone).order_by(FreightDatasetVersion.id.desc()).limit(1)
    ).first()
    return ZoneInfo(name or get_settings().timezone)


def slots_between(
    session: Session, terminal_id: int, start: datetime, end: datetime
) -> dict[datetime, GateSlot]:
    """The stored slots starting in ``[start, end)``, by their start in UTC."""
    rows = session.scalars(
        select(GateSlot).where(
            GateSlot.terminal_id == terminal_id,
            GateSlot.starts_at >= start,
            GateSlot.starts_at < end,
        )
    ).all()
    return {row.starts_at.astimezone(UTC): row for row in rows}


def slot_at(session: Session, terminal_id: int, starts_at: datetime) -> GateSlot | None:
    return session.scalars(
        select(GateSlot).where(GateSlot.terminal_id == terminal_id, GateSlot.starts_at == starts_at)
    ).first()


def booking_by_key(session: Session, organisation_id: str, key: str) -> GateSlotBooking | None:
    return session.scalars(
        select(GateSlotBooking).where(
            GateSlotBooking.organisation_id == organisation_id,
            GateSlotBooking.idempotency_key == key,
        )
    ).first()


def take_capacity(session: Session, slot_id: int, teu: int) -> bool:
    """Add `teu` to the slot's bookings if they fit; False if not. One conditional UPDATE: a
    concurrent booking waits for this row's lock and then re-checks its own condition."""
    result = session.execute(
        update(GateSlot)
        .where(GateSlot.id == slot_id, GateSlot.booked_teu + teu <= GateSlot.capacity_teu)
        .values(booked_teu=GateSlot.booked_teu + teu)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def mark_cancelled(session: Session, booking_id: str, now: datetime) -> bool:
    """Cancel a booked booking; False if it was already cancelled (so capacity is given back
    once however often the cancel is sent)."""
    result = session.execute(
        update(GateSlotBooking)
        .where(GateSlotBooking.id == booking_id, GateSlotBooking.status == BookingStatus.BOOKED)
        .values(status=BookingStatus.CANCELLED, cancelled_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def give_back(session: Session, slot_id: int, teu: int) -> None:
    session.execute(
        update(GateSlot)
        .where(GateSlot.id == slot_id)
        .values(booked_teu=GateSlot.booked_teu - teu)
        .execution_options(synchronize_session=False)
    )


def bookings_of(
    session: Session, organisation_id: str | None, offset: int, limit: int
) -> list[tuple[GateSlotBooking, GateSlot, str]]:
    """A page of the organisation's bookings (every organisation's for None), newest first,
    each with its slot and terminal code."""
    query = (
        select(GateSlotBooking, GateSlot, FreightTerminal.code)
        .join(GateSlot, GateSlot.id == GateSlotBooking.slot_id)
        .join(FreightTerminal, FreightTerminal.id == GateSlot.terminal_id)
    )
    if organisation_id is not None:
        query = query.where(GateSlotBooking.organisation_id == organisation_id)
    rows = session.execute(
        query.order_by(GateSlotBooking.created_at.desc(), GateSlotBooking.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return [(booking, slot, code) for booking, slot, code in rows]


def count_bookings(session: Session, organisation_id: str | None) -> int:
    query = select(func.count()).select_from(GateSlotBooking)
    if organisation_id is not None:
        query = query.where(GateSlotBooking.organisation_id == organisation_id)
    return session.scalar(query) or 0
