"""Fare capping on hand-built histories: periods, service days, DST, operators, the window."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from ticketing.tariffs import (
    CapPolicy,
    Caps,
    Charge,
    InvalidTariff,
    InvalidTariffInput,
    Period,
    Tap,
    apply_caps,
    charge_tap,
    period_totals,
)

ROME = ZoneInfo("Europe/Rome")


def rome(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=ROME)


def tap(i: int, when: datetime, fare: int = 200, operator: str = "ATL") -> Tap:
    return Tap(f"t{i}", when, fare, operator)


def policy(
    daily: int | None = None, weekly: int | None = None, monthly: int | None = None
) -> CapPolicy:
    return CapPolicy({"adult": Caps(daily, weekly, monthly)})


def test_daily_cap_makes_taps_free_once_reached() -> None:
    """With a 5.00 daily cap, 2.00 taps cost 2, 2, 1, 0: the third is capped, the fourth free."""
    taps = [tap(i, rome(2026, 5, 12, 8 + i)) for i in range(4)]
    charges = apply_caps(policy(daily=500), "adult", taps)
    assert [c.charged for c in charges] == [200, 200, 100, 0]
    assert [c.capped_by for c in charges] == [(), (), (Period.DAY,), (Period.DAY,)]
    assert [c.saved for c in charges] == [0, 0, 100, 200]


def test_caps_are_shared_across_operators() -> None:
    """Taps on two operators fill one daily cap; each charge keeps its own operator."""
    taps = [
        tap(1, rome(2026, 5, 12, 8), 300, "ATL"),
        tap(2, rome(2026, 5, 12, 9), 300, "CTT"),
        tap(3, rome(2026, 5, 12, 10), 300, "ATL"),
    ]
    charges = apply_caps(policy(daily=700), "adult", taps)
    assert [(c.operator_id, c.charged) for c in charges] == [
        ("ATL", 300),
        ("CTT", 300),
        ("ATL", 100),
    ]


def test_service_day_starts_at_day_start() -> None:
    """A tap at 01:30 belongs to the previous service day; at 04:00 a new day's cap begins."""
    taps = [
        tap(1, rome(2026, 5, 12, 22), 300),
        tap(2, rome(2026, 5, 13, 1, 30), 300),  # still the 12th's service day: capped at 200
        tap(3, rome(2026, 5, 13, 4), 300),  # the 13th: full fare again
    ]
    charges = apply_caps(policy(daily=500), "adult", taps)
    assert [c.service_day for c in charges] == [date(2026, 5, 12)] * 2 + [date(2026, 5, 13)]
    assert [c.charged for c in charges] == [300, 200, 300]


def test_day_start_is_configurable() -> None:
    """With midnight as the boundary, the 01:30 tap starts a new service day and pays in full."""
    p = CapPolicy({"adult": Caps(daily=500)}, day_start=time(0))
    taps = [tap(1, rome(2026, 5, 12, 22), 300), tap(2, rome(2026, 5, 13, 1, 30), 300)]
    assert [c.charged for c in apply_caps(p, "adult", taps)] == [300, 300]


def test_spring_forward_day_boundary() -> None:
    """On 2026-03-29 (CET to CEST) 04:00 local is 02:00 UTC: 01:59 UTC is still the 28th."""
    p = policy(daily=300)
    before = Tap("a", datetime(2026, 3, 29, 1, 59, tzinfo=UTC), 200, "ATL")  # 03:59 CEST
    at = Tap("b", datetime(2026, 3, 29, 2, 0, tzinfo=UTC), 200, "ATL")  # 04:00 CEST
    assert p.service_day(before.when) == date(2026, 3, 28)
    assert p.service_day(at.when) == date(2026, 3, 29)
    start = Tap("c", datetime(2026, 3, 28, 3, 0, tzinfo=UTC), 200, "ATL")  # 04:00 CET, the 28th
    assert [c.charged for c in apply_caps(p, "adult", [start, before, at])] == [200, 100, 200]


def test_fall_back_service_day_lasts_25_hours() -> None:
    """On 2026-10-25 (CEST to CET) the 24th's service day runs to 03:00 UTC: 25 hours, one cap."""
    p = policy(daily=500)
    taps = [
        Tap("a", datetime(2026, 10, 24, 2, 0, tzinfo=UTC), 200, "ATL"),  # 04:00 CEST on the 24th
        Tap(
            "b", datetime(2026, 10, 25, 1, 30, tzinfo=UTC), 200, "ATL"
        ),  # 02:30 CET (repeated hour)
        Tap("c", datetime(2026, 10, 25, 2, 30, tzinfo=UTC), 200, "ATL"),  # 03:30 CET
        Tap("d", datetime(2026, 10, 25, 3, 0, tzinfo=UTC), 200, "ATL"),  # 04:00 CET: the 25th
    ]
    charges = apply_caps(p, "adult", taps)
    assert [c.service_day.day for c in charges] == [24, 24, 24, 25]
    assert [c.charged for c in charges] == [200, 200, 100, 200]


def test_week_across_months() -> None:
    """Week Mon 30 Mar - Sun 5 Apr 2026: the weekly cap spans both months, the monthly resets."""
    p = policy(weekly=1100, monthly=500)
    taps = [tap(i, rome(2026, 3, 30, 8 + i), 200) for i in range(3)]  # March: 200, 200, 100
    taps += [tap(10 + i, rome(2026, 4, 1, 8 + i), 200) for i in range(4)]  # April: new month
    charges = apply_caps(p, "adult", taps)
    assert [c.charged for c in charges] == [200, 200, 100, 200, 200, 100, 0]
    assert charges[2].capped_by == (Period.MONTH,)
    assert charges[5].capped_by == (Period.MONTH,)
    assert period_totals(charges, Period.WEEK) == {date(2026, 3, 30): 1000}
    assert period_totals(charges, Period.MONTH) == {date(2026, 3, 1): 500, date(2026, 4, 1): 500}
    # With a lower weekly cap, April's taps are bound by the week that began in March.
    charges = apply_caps(policy(weekly=700, monthly=500), "adult", taps)
    assert [c.charged for c in charges] == [200, 200, 100, 200, 0, 0, 0]
    assert charges[4].capped_by == (Period.WEEK,)


def test_every_binding_period_is_reported() -> None:
    """When the day and the week leave the same room, capped_by names both."""
    p = policy(daily=300, weekly=300)
    charges = apply_caps(p, "adult", [tap(1, rome(2026, 5, 12, 8)), tap(2, rome(2026, 5, 12, 9))])
    assert charges[1].charged == 100
    assert charges[1].capped_by == (Period.DAY, Period.WEEK)


def test_uncapped_category_pays_base_fares() -> None:
    """A category without caps in the policy pays every base fare."""
    taps = [tap(i, rome(2026, 5, 12, 8 + i)) for i in range(5)]
    assert sum(c.charged for c in apply_caps(policy(daily=300), "student", taps)) == 1000


def test_charge_tap_matches_apply_caps_with_window_history() -> None:
    """Charging tap by tap, with only the history since window_start, equals apply_caps."""
    p = policy(daily=450, weekly=1500, monthly=4000)
    start = rome(2026, 3, 20, 7)
    taps = [tap(i, start + timedelta(hours=7 * i), 150 + 10 * (i % 7)) for i in range(60)]
    expected = apply_caps(p, "adult", taps)
    history: list[Charge] = []
    for t in taps:
        since = p.window_start("adult", t.when)
        window = [c for c in history if c.when >= since]
        history.append(charge_tap(p, "adult", window, t))
    assert history == expected
    # The window is the month's start, or the week's when that began in the previous month.
    assert p.window_start("adult", rome(2026, 4, 2, 9)) == rome(2026, 3, 30, 4)
    assert p.window_start("adult", rome(2026, 4, 20, 9)) == rome(2026, 4, 1, 4)
    assert policy(daily=1).window_start("adult", rome(2026, 4, 2, 2)) == rome(2026, 4, 1, 4)


def test_whole_history_costs_the_same_as_its_window() -> None:
    """Given a year of history, charge_tap reads back only to the window and agrees with it."""
    p = policy(daily=500, weekly=2000, monthly=6000)
    start = rome(2025, 6, 1, 8)
    taps = [tap(i, start + timedelta(hours=11 * i), 250) for i in range(800)]
    history = apply_caps(p, "adult", taps[:-1])
    since = p.window_start("adult", taps[-1].when)
    window = [c for c in history if c.when >= since]
    assert len(window) < len(history) // 10
    assert charge_tap(p, "adult", history, taps[-1]) == charge_tap(p, "adult", window, taps[-1])
    assert charge_tap(p, "adult", history, taps[-1]) == apply_caps(p, "adult", taps)[-1]


def test_late_tap_is_charged_against_its_own_period() -> None:
    """A tap synchronised late is capped by charges of its day, not by later days' charges."""
    p = policy(daily=500)
    history = apply_caps(
        p, "adult", [tap(1, rome(2026, 5, 12, 8), 400), tap(2, rome(2026, 5, 13, 8), 500)]
    )
    late = charge_tap(p, "adult", history, tap(3, rome(2026, 5, 12, 18), 300))
    assert (late.charged, late.capped_by) == (100, (Period.DAY,))


def test_unsorted_history_is_refused() -> None:
    """charge_tap refuses a history that is not chronological."""
    p = policy(daily=500)
    history = apply_caps(p, "adult", [tap(1, rome(2026, 5, 12, 8)), tap(2, rome(2026, 5, 12, 9))])
    with pytest.raises(InvalidTariffInput, match="not chronological"):
        charge_tap(p, "adult", history[::-1], tap(3, rome(2026, 5, 12, 10)))


def test_invalid_inputs_are_refused() -> None:
    """Naive times, negative fares, duplicate taps, bad caps, zones and currencies are refused."""
    with pytest.raises(InvalidTariffInput, match="timezone-aware"):
        Tap("x", datetime(2026, 5, 12, 8), 200, "ATL")
    with pytest.raises(InvalidTariffInput, match="non-negative"):
        Tap("x", rome(2026, 5, 12, 8), -1, "ATL")
    with pytest.raises(InvalidTariffInput, match="twice"):
        apply_caps(policy(daily=1), "adult", [tap(1, rome(2026, 5, 12, 8))] * 2)
    with pytest.raises(InvalidTariff, match="daily cap"):
        Caps(daily=-5)
    with pytest.raises(InvalidTariff, match="timezone"):
        CapPolicy({}, timezone="Mars/Olympus")
    with pytest.raises(InvalidTariff, match="ISO 4217"):
        CapPolicy({}, currency="euro")
    with pytest.raises(InvalidTariff, match="naive local time"):
        CapPolicy({}, day_start=time(4, tzinfo=UTC))
