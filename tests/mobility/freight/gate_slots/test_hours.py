"""Opening hours laid out in time: merged across midnight, and slots of elapsed time on the
days the clocks change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from mobility.freight.gate_slots.hours import opening_intervals, slot_grid

ROME = ZoneInfo("Europe/Rome")
ALWAYS = [(d, 0, 1440) for d in range(7)]


def test_round_the_clock_days_merge() -> None:
    """A terminal open 00:00-24:00 every day is one interval over a week."""
    start = datetime(2026, 11, 30, tzinfo=ROME)
    intervals = opening_intervals(ALWAYS, ROME, start, start + timedelta(days=7))
    assert intervals == [(start, start + timedelta(days=7))]


def test_hours_follow_weekdays_and_clip() -> None:
    """Weekday hours (Mon-Fri 06-22, Sat 06-13) give one interval a day, none on Sunday,
    clipped to the span asked."""
    hours = [(d, 360, 1320) for d in range(5)] + [(5, 360, 780)]
    start = datetime(2026, 11, 28, 12, tzinfo=ROME)  # Saturday noon
    intervals = opening_intervals(hours, ROME, start, start + timedelta(days=2))
    assert intervals == [
        (start, datetime(2026, 11, 28, 13, tzinfo=ROME)),
        (datetime(2026, 11, 30, 6, tzinfo=ROME), datetime(2026, 11, 30, 12, tzinfo=ROME)),
    ]


def test_slots_on_the_day_the_clocks_go_back() -> None:
    """On 25 October 2026 (25 hours long in Rome) a round-the-clock terminal has 25 hourly
    slots, each one elapsed hour."""
    slots = slot_grid(ALWAYS, ROME, date(2026, 10, 25), 60)
    assert len(slots) == 25
    assert all(b.astimezone(UTC) - a.astimezone(UTC) == timedelta(hours=1) for a, b in slots)
    assert len(slot_grid(ALWAYS, ROME, date(2026, 3, 29), 60)) == 23
    assert len(slot_grid(ALWAYS, ROME, date(2026, 11, 30), 30)) == 48
