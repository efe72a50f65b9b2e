"""Terminal hours as closures of a plan's nodes: service must start and end while open."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from mobility.freight.models import FreightTerminal
from routing.fleet.plan import NetworkData, _closures

ROME = ZoneInfo("Europe/Rome")


def data(hours: list[tuple[int, int, int]]) -> NetworkData:
    return NetworkData(
        terminals={},
        links=[],
        hours={1: hours},
        zone=ROME,
        factor_code="road",
        g_co2e_per_tkm=70.0,
        factor_citation="test",
    )


def test_service_must_fit_in_the_opening() -> None:
    """Open Mon-Fri 06:00-22:00, a 90-minute service may start from 06:00 to 20:30: from a
    Monday 05:00 epoch over 30 hours, closed before 06:00, after 20:30 until Tuesday 06:00,
    and again after Tuesday 20:30 (beyond the horizon: not listed)."""
    epoch = datetime(2026, 11, 30, 5, tzinfo=ROME)
    hours = [(d, 360, 1320) for d in range(5)]
    closed = _closures(FreightTerminal(id=1), data(hours), epoch, 30 * 3600, 90 * 60)
    hour = 3600
    assert closed == ((0, hour), (15 * hour + 30 * 60 + 1, 25 * hour))


def test_round_the_clock_terminal_has_no_closure() -> None:
    """A terminal open all week is never closed within the horizon, even near its end."""
    epoch = datetime(2026, 11, 30, 5, tzinfo=ROME)
    hours = [(d, 0, 1440) for d in range(7)]
    assert _closures(FreightTerminal(id=1), data(hours), epoch, 48 * 3600, 3600) == ()
