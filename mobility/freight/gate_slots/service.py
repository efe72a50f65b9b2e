"""Slot operations: publish a terminal's slots for a day, book one, cancel, read. Never
commits; the gate pass a booking carries is issued by `access_control.truck_slots`."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from mobility.auth.principals import Principal
from mobility.db import insert_or_ignore
from mobility.freight.gate_slots import repository
from mobility.freight.gate_slots.errors import (
    BookingNotFound,
    SlotDateOutOfRange,
    SlotFull,
    SlotNotOffered,
    TerminalNotFound,
)
from mobility.freight.gate_slots.hours import slot_grid
from mobility.freight.gate_slots.models import BookingStatus, GateSlot, GateSlotBooking
from mobility.freight.gate_slots.schemas import GateSlotBookingCreate
from mobility.freight.models import FreightTerminal
from mobility.idempotency import IdempotencyKeyReused
from mobility.settings import Settings, get_settings

# How far from today a day's slots may be asked for: beyond it there is nothing to book (the
# horizon is at most 30 days) and far dates would overflow the calendar arithmetic.
SLOT_DAYS_SHOWN = 366


@dataclass(frozen=True)
class SlotView:
    """A published slot with its capacity and bookings (zero when nobody booked it yet)."""

    starts_at: datetime
    ends_at: datetime
    capacity_teu: int
    booked_teu: int

    @property
    def free_teu(self) -> int:
        return max(0, self.capacity_teu - self.booked_teu)


def slot_capacity(terminal: FreightTerminal, settings: Settings) -> int:
    """TEU a slot takes: the gate's hourly capacity over the slot's length, the share offered
    to appointments (the rest stays for trucks without one); at least one."""
    teu = (
        terminal.gate_capacity_teu_per_hour
        * settings.gate_slot_minutes
        * settings.gate_slot_share_pct
        // (60 * 100)
    )
    return max(1, teu)


def get_terminal(session: Session, code: str) -> FreightTerminal:
    terminal = repository.terminal_by_code(session, code)
    if terminal is None:
        raise TerminalNotFound(f"no active terminal {code!r}", terminal=code)
    return terminal


def published_slots(
    session: Session, terminal: FreightTerminal, day: date, today: date
) -> list[SlotView]:
    """The terminal's slots on local `day`, with what is booked of each."""
    if abs((day - today).days) > SLOT_DAYS_SHOWN:
        raise SlotDateOutOfRange(f"ask for a day within {SLOT_DAYS_SHOWN} days of today")
    settings = get_settings()
    zone = repository.network_zone(session)
    grid = slot_grid(
        repository.weekly_hours(session, terminal.id), zone, day, settings.gate_slot_minutes
    )
    if not grid:
        return []
    stored = repository.slots_between(
        session, terminal.id, grid[0][0], grid[-1][0] + timedelta(seconds=1)
    )
    capacity = slot_capacity(terminal, settings)
    views = []
    for starts, ends in grid:
        # By UTC instant: a local time in the hour the clocks go back never equals (nor hashes
        # like) the same instant in another zone (PEP 495).
        row = stored.get(starts.astimezone(UTC))
        views.append(
            SlotView(starts, ends, capacity, 0)
            if row is None
            else SlotView(starts, ends, row.capacity_teu, row.booked_teu)
        )
    return views


def _offered_slot(
    session: Session, terminal: FreightTerminal, starts_at: datetime, now: datetime
) -> tuple[datetime, datetime]:
    settings = get_settings()
    zone = repository.network_zone(session)
    local_day = starts_at.astimezone(zone).date()
    grid = slot_grid(
        repository.weekly_hours(session, terminal.id), zone, local_day, settings.gate_slot_minutes
    )
    wanted = starts_at.astimezone(UTC)  # see published_slots: compare instants in UTC
    match = next(((s, e) for s, e in grid if s.astimezone(UTC) == wanted), None)
    if match is None:
        raise SlotNotOffered(
            f"{terminal.code} has no {settings.gate_slot_minutes}-minute slot starting at "
            f"{starts_at.isoformat()} (see GET /v1/freight/terminals/{terminal.code}/slots)"
        )
    if match[1] <= now:
        raise SlotNotOffered(f"the slot at {starts_at.isoformat()} is over")
    if match[0] > now + timedelta(days=settings.gate_slot_horizon_days):
        raise SlotNotOffered(
            f"slots can be booked up to {settings.gate_slot_horizon_days} days ahead"
        )
    return match


def _same_request(session: Session, booking: GateSlotBooking, body: GateSlotBookingCreate) -> bool:
    slot = session.get_one(GateSlot, booking.slot_id)
    terminal = session.get_one(FreightTerminal, slot.terminal_id)
    return (terminal.code, slot.starts_at, booking.plate, booking.teu, booking.device_key) == (
        body.terminal,
        body.starts_at,
        body.plate,
        body.teu,
        body.device_key,
    )


def book(
    session: Session,
    principal: Principal,
    organisation_id: str,
    body: GateSlotBookingCreate,
    idempotency_key: str,
    now: datetime,
) -> tuple[GateSlotBooking, bool]:
    """Book the slot for the truck; the booking and True, or the earlier booking of the same
    idempotency key and False. SlotFull when the slot has no room for `body.teu`."""
    earlier = repository.booking_by_key(session, organisation_id, idempotency_key)
    if earlier is not None:
        if not _same_request(session, earlier, body):
            raise IdempotencyKeyReused("this Idempotency-Key was used for another booking")
        return earlier, False
    terminal = get_terminal(session, body.terminal)
    starts, ends = _offered_slot(session, terminal, body.starts_at, now)
    insert_or_ignore(
        session,
        GateSlot,
        {
            "terminal_id": terminal.id,
            "starts_at": starts,
            "ends_at": ends,
            "capacity_teu": slot_capacity(terminal, get_settings()),
            "booked_teu": 0,
        },
        ["terminal_id", "starts_at"],
    )
    slot = repository.slot_at(session, terminal.id, starts)
    assert slot is not None  # inserted above, or by a concurrent booking that committed
    booking_id = uuid.uuid4().hex
    inserted = insert_or_ignore(
        session,
        GateSlotBooking,
        {
            "id": booking_id,
            "slot_id": slot.id,
            "organisation_id": organisation_id,
            "idempotency_key": idempotency_key,
            "plate": body.plate,
            "teu": body.teu,
            "device_key": body.device_key,
            "status": BookingStatus.BOOKED.value,
            "created_by": principal.subject,
            "created_at": now,
        },
        ["organisation_id", "idempotency_key"],
    )
    if not inserted:  # the same key, sent concurrently, won: answer with its booking
        winner = repository.booking_by_key(session, organisation_id, idempotency_key)
        assert winner is not None
        if not _same_request(session, winner, body):
            raise IdempotencyKeyReused("this Idempotency-Key was used for another booking")
        return winner, False
    if not repository.take_capacity(session, slot.id, body.teu):
        # The request's rollback removes the booking row written above.
        raise SlotFull(
            f"the slot at {starts.isoformat()} of {terminal.code} has no room for {body.teu} TEU"
        )
    return session.get_one(GateSlotBooking, booking_id), True


def get_booking(session: Session, booking_id: str, principal: Principal) -> GateSlotBooking:
    """The booking; another organisation's is not found (404), like one that does not exist."""
    booking = session.get(GateSlotBooking, booking_id)
    if booking is None or not (
        principal.is_admin or booking.organisation_id == principal.organisation_id
    ):
        raise BookingNotFound(f"no gate slot booking {booking_id!r}")
    return booking


def cancel(
    session: Session, booking: GateSlotBooking, now: datetime
) -> tuple[GateSlotBooking, bool]:
    """Cancel the booking and give its TEU back to the slot; True if this call cancelled it."""
    changed = repository.mark_cancelled(session, booking.id, now)
    if changed:
        repository.give_back(session, booking.slot_id, booking.teu)
    session.refresh(booking)
    return booking, changed


def slot_of(session: Session, booking: GateSlotBooking) -> tuple[GateSlot, FreightTerminal]:
    slot = session.get_one(GateSlot, booking.slot_id)
    return slot, session.get_one(FreightTerminal, slot.terminal_id)
