"""Request and response bodies of truck appointment slots."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator

PLATE = re.compile(r"[A-Z0-9]{2,12}")
# Instants a request may name: far outside, calendar arithmetic (a day after, a zone's
# offset) would overflow Python's datetime range instead of failing as bad input.
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


def _plausible(value: datetime) -> datetime:
    if not EARLIEST <= value < LATEST:
        raise ValueError("a time between the years 2000 and 2099")
    return value


Moment = Annotated[AwareDatetime, AfterValidator(_plausible)]


def normalise_plate(value: str) -> str:
    """A plate as gates read it: upper case, without spaces or hyphens."""
    plate = re.sub(r"[\s-]", "", value).upper()
    if not PLATE.fullmatch(plate):
        raise ValueError("a plate is 2-12 letters and digits (spaces and hyphens ignored)")
    return plate


class SlotOut(BaseModel):
    """One appointment slot and what is left of it."""

    starts_at: datetime
    ends_at: datetime
    capacity_teu: int
    booked_teu: int
    free_teu: int


class TerminalSlotsOut(BaseModel):
    """A terminal's slots on a local day."""

    terminal: str
    date: date
    timezone: str
    slot_minutes: int
    slots: list[SlotOut]


class GateSlotBookingCreate(BaseModel):
    """Book a slot for a truck; send an Idempotency-Key header too."""

    model_config = ConfigDict(extra="forbid")

    terminal: str = Field(min_length=1, max_length=32, description="terminal code")
    starts_at: Moment = Field(description="start of one of the terminal's slots")
    plate: str = Field(min_length=2, max_length=20, description="the truck's number plate")
    teu: int = Field(ge=1, le=4, description="TEU the truck brings or collects")
    device_key: str = Field(
        pattern=r"^[A-Za-z0-9_-]{43}$",
        description="the driver app's Ed25519 public key (base64url, 32 bytes) the pass binds to",
    )

    @field_validator("plate")
    @classmethod
    def _plate(cls, value: str) -> str:
        return normalise_plate(value)


class GatePassOut(BaseModel):
    """The booking's gate pass: show `token` with the app's proof (`token~proof`) at the gate."""

    pass_id: str
    token: str
    valid_from: datetime
    valid_until: datetime


class GateSlotBookingOut(BaseModel):
    """A booking; `gate_pass` while it is booked and its pass has not expired."""

    id: str
    terminal: str
    starts_at: datetime
    ends_at: datetime
    plate: str
    teu: int
    status: str
    organisation_id: str
    created_at: datetime
    cancelled_at: datetime | None
    gate_pass: GatePassOut | None


class GateSlotBookingPage(BaseModel):
    """A page of an organisation's bookings, newest first; gate passes are not listed (read
    one booking for its pass)."""

    items: list[GateSlotBookingOut]
    total: int
    offset: int
    limit: int
