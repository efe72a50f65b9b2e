"""Errors of truck appointment slots."""

from __future__ import annotations

from mobility.errors import Conflict, NotFound, ValidationFailed


class TerminalNotFound(NotFound):
    type_slug = "terminal-not-found"
    title = "No such terminal"


class SlotNotOffered(ValidationFailed):
    """The start given is not one of the terminal's published slots (closed, off the grid,
    past, or beyond the booking horizon)."""

    type_slug = "gate-slot-not-offered"
    title = "The terminal offers no such slot"


class SlotDateOutOfRange(ValidationFailed):
    type_slug = "gate-slot-date-out-of-range"
    title = "No slots are published for that day"


class SlotFull(Conflict):
    type_slug = "gate-slot-full"
    title = "The slot has no room left for this many TEU"


class BookingNotFound(NotFound):
    type_slug = "gate-slot-booking-not-found"
    title = "No such gate slot booking"
