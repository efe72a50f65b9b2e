"""Slot operations on the database (both): the repeated hour of the night the clocks go back is
bookable and shows its bookings, and far dates are a problem, not a crash."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.freight.gate_slots import service
from mobility.freight.gate_slots.errors import SlotDateOutOfRange, SlotNotOffered
from mobility.freight.gate_slots.schemas import GateSlotBookingCreate
from mobility.freight.loader import load_freight
from tests.mobility.freight.conftest import shipped_text

OPEN_ALWAYS = "LIV-RORO"  # open around the clock in the shipped data set
GOING_BACK = date(2026, 10, 25)  # 03:00 CEST becomes 02:00 CET in Rome
DISPATCHER = Principal(
    subject="dispatcher@acme.example",
    kind=PrincipalKind.LOGISTICS,
    scopes=frozenset({Scope.FREIGHT_PLAN}),
    organisation_id="ACME-LOG",
)


def body(starts_at: str) -> GateSlotBookingCreate:
    return GateSlotBookingCreate(
        terminal=OPEN_ALWAYS, starts_at=starts_at, plate="GA123BC", teu=2, device_key="A" * 43
    )


def test_the_repeated_hour_is_bookable_and_shows_its_booking(session: Session) -> None:
    """Both 02:00 slots of the night the clocks go back are distinct slots: the second one
    (02:00+01:00, 01:00 UTC) can be booked by its start, and the day's slots show its TEU
    booked on it alone."""
    load_freight(session, shipped_text(), source="shipped.toml")
    before = datetime(2026, 10, 20, 12, tzinfo=UTC)
    booking, created = service.book(
        session, DISPATCHER, "ACME-LOG", body("2026-10-25T02:00:00+01:00"), "dst", before
    )
    assert created
    slot, _ = service.slot_of(session, booking)
    assert slot.starts_at == datetime(2026, 10, 25, 1, tzinfo=UTC)
    terminal = service.get_terminal(session, OPEN_ALWAYS)
    views = service.published_slots(session, terminal, GOING_BACK, before.date())
    assert len(views) == 25
    booked = {v.starts_at.astimezone(UTC): v.booked_teu for v in views if v.booked_teu}
    assert booked == {datetime(2026, 10, 25, 1, tzinfo=UTC): 2}
    first_two = [v for v in views if v.starts_at.hour == 2]
    assert [v.starts_at.utcoffset() for v in first_two] == [timedelta(hours=2), timedelta(hours=1)]


def test_slots_of_far_days_are_refused(session: Session) -> None:
    """A day years away (or at the calendar's end) is a 422 problem, not an overflow; a start
    between two slots is not offered."""
    load_freight(session, shipped_text(), source="shipped.toml")
    terminal = service.get_terminal(session, OPEN_ALWAYS)
    today = date(2026, 11, 22)
    for day in (date.max, date.min, date(2030, 1, 1)):
        with pytest.raises(SlotDateOutOfRange):
            service.published_slots(session, terminal, day, today)
    with pytest.raises(SlotNotOffered):
        service.book(
            session,
            DISPATCHER,
            "ACME-LOG",
            body("2026-11-23T10:30:00+01:00"),
            "off-grid",
            datetime(2026, 11, 22, 12, tzinfo=UTC),
        )
