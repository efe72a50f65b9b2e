"""Gate passes of truck appointment slots: booking a slot issues a pass token that opens only
the gates of that terminal and only in the slot window; cancelling revokes it.

The token is an ordinary pass token (so every gate, online or offline, checks it with the code
it already runs) with these claims:

- pass id ``GS-<booking id>``: the tap a gate records names the booking, whose plate and
  organisation are on record (gates refuse unknown claims, so plate and organisation are not
  added to the token: an older gate would refuse every truck);
- product ``GATE-SLOT``, category ``TRUCK``; operators and networks ``*``;
- zones ``T:<terminal code>``: a terminal's truck gates are registered with that one zone
  (``location_kind`` ``terminal``, ``location_ref`` the code), and no other gate has it, so the
  coverage check opens that terminal's gates alone;
- valid from the slot's start minus the grace to its end plus the grace
  (`GATE_SLOT_GRACE_MIN`, 15 minutes by default: traffic on the A12 is not punctual);
- single use: one entry per booking;
- bound to the driver app's device key, like every pass (a screenshot does not open).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import redis
from sqlalchemy.orm import Session

from access_control import revocations
from access_control.keys import KeyRing
from access_control.tokens import PassClaims, issue_pass_token, new_token_id
from mobility.auth.errors import Forbidden
from mobility.auth.principals import Principal
from mobility.freight.gate_slots import repository, service
from mobility.freight.gate_slots.models import BookingStatus, GateSlot, GateSlotBooking
from mobility.freight.gate_slots.schemas import (
    GatePassOut,
    GateSlotBookingCreate,
    GateSlotBookingOut,
    GateSlotBookingPage,
)
from mobility.settings import Settings, get_settings

PRODUCT = "GATE-SLOT"
CATEGORY = "TRUCK"
# Past its end a token is refused by `exp` anyway; the revocation only has to cover until then.
REVOCATION_MARGIN = timedelta(minutes=5)


def terminal_zone(code: str) -> str:
    """The zone a terminal's truck gates are registered with, and slot passes carry."""
    return f"T:{code}"


@dataclass(frozen=True)
class SlotPass:
    token: str
    claims: PassClaims


def _device_key(encoded: str) -> bytes:
    return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))


def slot_claims(session: Session, booking: GateSlotBooking) -> PassClaims:
    """The claims of the booking's gate pass (see the module docstring)."""
    slot, terminal = service.slot_of(session, booking)
    grace = timedelta(minutes=get_settings().gate_slot_grace_min)
    return PassClaims(
        pass_id=booking.pass_id,
        product=PRODUCT,
        rider_category=CATEGORY,
        operators=("*",),
        networks=("*",),
        zones=(terminal_zone(terminal.code),),
        valid_from=slot.starts_at - grace,
        valid_until=slot.ends_at + grace,
        single_use=True,
        device_key=_device_key(booking.device_key),
    )


def issue_slot_pass(
    session: Session, booking: GateSlotBooking, keyring: KeyRing, settings: Settings, now: datetime
) -> SlotPass | None:
    """Sign the booking's gate pass (None once cancelled or over). The first call records its
    jti; later calls re-sign the same jti, so a retry or a re-read shows the same pass."""
    if booking.status is not BookingStatus.BOOKED:
        return None
    claims = slot_claims(session, booking)
    if claims.valid_until <= now:
        return None
    if booking.token_jti is None:
        booking.token_jti = new_token_id()
        booking.token_expires_at = claims.valid_until
        session.flush()
    token = issue_pass_token(
        claims,
        keyring,
        issuer=settings.pass_token_issuer,
        audience=settings.pass_token_audience,
        now=now,
        token_id=booking.token_jti,
    )
    return SlotPass(token, claims)


def booking_out(
    session: Session, booking: GateSlotBooking, slot_pass: SlotPass | None
) -> GateSlotBookingOut:
    slot, terminal = service.slot_of(session, booking)
    return _out(booking, slot, terminal.code, slot_pass, repository.network_zone(session))


def _out(
    booking: GateSlotBooking,
    slot: GateSlot,
    terminal: str,
    slot_pass: SlotPass | None,
    zone: ZoneInfo,
) -> GateSlotBookingOut:
    # Stored in UTC; shown in the data set's zone, like the terminal's published slots.
    gate_pass = None
    if slot_pass is not None:
        gate_pass = GatePassOut(
            pass_id=booking.pass_id,
            token=slot_pass.token,
            valid_from=slot_pass.claims.valid_from.astimezone(zone),
            valid_until=slot_pass.claims.valid_until.astimezone(zone),
        )
    return GateSlotBookingOut(
        id=booking.id,
        terminal=terminal,
        starts_at=slot.starts_at.astimezone(zone),
        ends_at=slot.ends_at.astimezone(zone),
        plate=booking.plate,
        teu=booking.teu,
        status=booking.status.value,
        organisation_id=booking.organisation_id,
        created_at=booking.created_at.astimezone(zone),
        cancelled_at=booking.cancelled_at.astimezone(zone) if booking.cancelled_at else None,
        gate_pass=gate_pass,
    )


def bookings_page(
    session: Session, principal: Principal, offset: int, limit: int
) -> GateSlotBookingPage:
    """A page of the caller's organisation's bookings, newest first, without gate passes (a
    list is no place to hand out bearer credentials; read one booking for its pass). An
    administrator acting for no organisation sees every organisation's."""
    organisation = (
        None
        if principal.is_admin and principal.organisation_id is None
        else (organisation_of(principal))
    )
    rows = repository.bookings_of(session, organisation, offset, limit)
    zone = repository.network_zone(session)
    return GateSlotBookingPage(
        items=[_out(booking, slot, code, None, zone) for booking, slot, code in rows],
        total=repository.count_bookings(session, organisation),
        offset=offset,
        limit=limit,
    )


def organisation_of(principal: Principal) -> str:
    """The organisation a booking is made for: the caller's own."""
    if principal.organisation_id is None:
        raise Forbidden("gate slots are booked by a member of a logistics organisation")
    return principal.organisation_id


def book_slot(
    session: Session,
    principal: Principal,
    body: GateSlotBookingCreate,
    idempotency_key: str,
    keyring: KeyRing,
    settings: Settings,
    now: datetime,
) -> tuple[GateSlotBooking, SlotPass | None, bool]:
    """Book the slot and issue its gate pass; the booking, the pass and whether it is new."""
    booking, created = service.book(
        session, principal, organisation_of(principal), body, idempotency_key, now
    )
    return booking, issue_slot_pass(session, booking, keyring, settings, now), created


def cancel_slot(
    session: Session, client: redis.Redis, booking: GateSlotBooking, now: datetime
) -> GateSlotBooking:
    """Cancel the booking, give its TEU back and revoke its gate pass (gates online see it at
    once, offline ones at their next revocation sync). Cancelling again changes nothing."""
    booking, changed = service.cancel(session, booking, now)
    if changed:
        slot, _ = service.slot_of(session, booking)
        grace = timedelta(minutes=get_settings().gate_slot_grace_min)
        until = max(booking.token_expires_at or now, slot.ends_at + grace) + REVOCATION_MARGIN
        if until > now:
            revocations.revoke(
                session, client, "pass", booking.pass_id, until, "gate slot cancelled", now=now
            )
    return booking
