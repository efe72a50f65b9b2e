"""HTTP routes of truck appointment slots: a terminal's slots, book (with its gate pass),
read and cancel a booking."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response

from access_control.errors import SigningKeyUnavailable
from access_control.keyring_provider import configured_keyring
from access_control.truck_slots import (
    book_slot,
    booking_out,
    bookings_page,
    cancel_slot,
    issue_slot_pass,
)
from mobility.auth.deps import require_scopes
from mobility.auth.errors import Forbidden
from mobility.auth.principals import Principal, Scope
from mobility.deps import RedisDep, SessionDep
from mobility.freight.gate_slots import service
from mobility.freight.gate_slots.errors import (
    BookingNotFound,
    SlotDateOutOfRange,
    SlotFull,
    SlotNotOffered,
    TerminalNotFound,
)
from mobility.freight.gate_slots.repository import network_zone
from mobility.freight.gate_slots.schemas import (
    GateSlotBookingCreate,
    GateSlotBookingOut,
    GateSlotBookingPage,
    SlotOut,
    TerminalSlotsOut,
)
from mobility.idempotency import IdempotencyKeyMissing, IdempotencyKeyReused
from mobility.idempotency import idempotency_key as idempotency_key_of
from mobility.problems import model_response, problem_responses
from mobility.settings import get_settings

router = APIRouter(prefix="/freight", tags=["freight gate slots"])
Planner = Annotated[Principal, Depends(require_scopes(Scope.FREIGHT_PLAN))]
# The body holds a bearer credential (the gate pass) until its proof expires: never cached.
NO_STORE = {"Cache-Control": "no-store"}


def _json(body: GateSlotBookingOut, status: int = 200) -> Response:
    return Response(
        body.model_dump_json(), status_code=status, media_type="application/json", headers=NO_STORE
    )


@router.get(
    "/terminals/{code}/slots",
    response_model=TerminalSlotsOut,
    responses=problem_responses(TerminalNotFound, SlotDateOutOfRange),
)
def terminal_slots(
    code: str,
    session: SessionDep,
    _principal: Planner,
    day: Annotated[date, Query(alias="date", description="local date, YYYY-MM-DD")],
) -> TerminalSlotsOut:
    """The terminal's appointment slots on a day, with the TEU still free in each."""
    terminal = service.get_terminal(session, code)
    zone = network_zone(session)
    views = service.published_slots(session, terminal, day, datetime.now(zone).date())
    return TerminalSlotsOut(
        terminal=terminal.code,
        date=day,
        timezone=zone.key,
        slot_minutes=get_settings().gate_slot_minutes,
        slots=[
            SlotOut(
                starts_at=v.starts_at,
                ends_at=v.ends_at,
                capacity_teu=v.capacity_teu,
                booked_teu=v.booked_teu,
                free_teu=v.free_teu,
            )
            for v in views
        ],
    )


@router.post(
    "/gate-slots",
    status_code=201,
    response_model=GateSlotBookingOut,
    responses=problem_responses(
        TerminalNotFound,
        SlotNotOffered,
        SlotFull,
        IdempotencyKeyMissing,
        IdempotencyKeyReused,
        SigningKeyUnavailable,
    ),
)
def book_gate_slot(
    body: GateSlotBookingCreate,
    session: SessionDep,
    principal: Planner,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    """Book a slot for a truck and get its gate pass; a retry with the same key returns it."""
    key = idempotency_key_of(idempotency_key)
    booking, slot_pass, created = book_slot(
        session, principal, body, key, configured_keyring(), get_settings(), datetime.now(UTC)
    )
    response = _json(booking_out(session, booking, slot_pass), 201 if created else 200)
    response.headers["Location"] = f"/v1/freight/gate-slots/{booking.id}"
    return response


@router.get(
    "/gate-slots", response_model=GateSlotBookingPage, responses=problem_responses(Forbidden)
)
def list_gate_slots(
    session: SessionDep,
    principal: Planner,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """Your organisation's bookings, newest first (read one for its gate pass)."""
    return model_response(bookings_page(session, principal, offset, limit))


@router.get(
    "/gate-slots/{booking_id}",
    response_model=GateSlotBookingOut,
    responses=problem_responses(BookingNotFound, SigningKeyUnavailable),
)
def get_gate_slot(booking_id: str, session: SessionDep, principal: Planner) -> Response:
    """A booking of your organisation, with its gate pass while it is valid."""
    booking = service.get_booking(session, booking_id, principal)
    slot_pass = issue_slot_pass(
        session, booking, configured_keyring(), get_settings(), datetime.now(UTC)
    )
    return _json(booking_out(session, booking, slot_pass))


@router.delete(
    "/gate-slots/{booking_id}",
    response_model=GateSlotBookingOut,
    responses=problem_responses(BookingNotFound),
)
def cancel_gate_slot(
    booking_id: str, session: SessionDep, principal: Planner, client: RedisDep
) -> Response:
    """Cancel a booking: its TEU are free again and its gate pass is revoked."""
    booking = service.get_booking(session, booking_id, principal)
    booking = cancel_slot(session, client, booking, datetime.now(UTC))
    return _json(booking_out(session, booking, None))
