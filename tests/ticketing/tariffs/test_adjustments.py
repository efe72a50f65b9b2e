"""Off-peak discounts and congestion-linked adjustments: bands, stacking, caps, rounding."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticketing.tariffs import (
    AdjustmentKind,
    AdjustmentRules,
    CongestionAdjustment,
    InvalidTariff,
    InvalidTariffInput,
    OffPeakDiscount,
    TimeBand,
    adjust,
)

ROME = ZoneInfo("Europe/Rome")
WEEKDAYS = frozenset(range(5))
MIDDAY = TimeBand(time(9, 30), time(16), WEEKDAYS)
NIGHT = TimeBand(time(20), time(6))  # every day, crossing midnight
PEAK = TimeBand(time(7), time(9, 30), WEEKDAYS)


def at(day: int, h: int, mi: int = 0) -> datetime:
    """A time in June 2026 in Rome (1 June 2026 is a Monday)."""
    return datetime(2026, 6, day, h, mi, tzinfo=ROME)


def test_off_peak_discount_in_its_band_only() -> None:
    """30% off on weekdays 09:30-16:00: 2.00 costs 1.40 at 10:00 Monday, 2.00 at 09:29 or Sunday."""
    rules = AdjustmentRules(off_peak=(OffPeakDiscount("midday", MIDDAY, 3000),))
    result = adjust(200, at(1, 10), {"Z1"}, rules)
    assert result.amount == 140
    assert [(a.rule_id, a.kind, a.delta) for a in result.applied] == [
        ("midday", AdjustmentKind.OFF_PEAK, -60)
    ]
    assert adjust(200, at(1, 9, 29), {"Z1"}, rules).amount == 200
    assert adjust(200, at(1, 16), {"Z1"}, rules).amount == 200  # end is exclusive
    assert adjust(200, at(7, 10), {"Z1"}, rules).amount == 200  # a Sunday


def test_band_crossing_midnight_belongs_to_its_start_day() -> None:
    """A Friday 22:00-02:00 band covers Saturday 01:00 but not Friday 01:00."""
    band = TimeBand(time(22), time(2), frozenset({4}))
    assert band.contains(at(5, 23))  # Friday 23:00
    assert band.contains(at(6, 1))  # Saturday 01:00
    assert not band.contains(at(5, 1))  # Friday 01:00: Thursday's night, not in the set
    assert not band.contains(at(6, 2))
    assert NIGHT.contains(at(3, 5, 59))
    assert not NIGHT.contains(at(3, 6))
    full = TimeBand(time(4), time(4), frozenset({0}))  # 24 hours from Monday 04:00
    assert full.contains(at(1, 4))
    assert full.contains(at(2, 3, 59))
    assert not full.contains(at(2, 4))


def test_bands_read_local_time_across_dst() -> None:
    """Band times are Rome wall-clock: 09:30 local is 08:30 UTC in March, 07:30 UTC in April."""
    rules = AdjustmentRules(off_peak=(OffPeakDiscount("midday", MIDDAY, 5000),))
    assert adjust(100, datetime(2026, 3, 27, 8, 30, tzinfo=UTC), (), rules).amount == 50
    assert adjust(100, datetime(2026, 3, 27, 8, 29, tzinfo=UTC), (), rules).amount == 100
    assert adjust(100, datetime(2026, 3, 30, 7, 30, tzinfo=UTC), (), rules).amount == 50
    assert adjust(100, datetime(2026, 3, 30, 7, 29, tzinfo=UTC), (), rules).amount == 100


def test_off_peak_discounts_do_not_stack() -> None:
    """Two matching off-peak rules: only the larger discount applies."""
    rules = AdjustmentRules(
        off_peak=(
            OffPeakDiscount("midday", MIDDAY, 2000),
            OffPeakDiscount("all-weekday", TimeBand(time(0), time(0), WEEKDAYS), 1000),
        )
    )
    result = adjust(300, at(2, 11), (), rules)
    assert (result.amount, [a.rule_id for a in result.applied]) == (240, ["midday"])


def test_off_peak_product_kind_filter() -> None:
    """A rule for single tickets does not discount a day pass; a rule without kinds does."""
    rules = AdjustmentRules(
        off_peak=(OffPeakDiscount("single-only", MIDDAY, 2000, frozenset({"single"})),)
    )
    assert adjust(500, at(1, 10), (), rules, product_kind="single").amount == 400
    assert adjust(500, at(1, 10), (), rules, product_kind="day_pass").amount == 500
    assert adjust(500, at(1, 10), (), rules).amount == 500


def test_congestion_surcharge_and_discount_by_zone() -> None:
    """Peak surcharge in the centre, discount in the periphery; each zone touched counts."""
    rules = AdjustmentRules(
        congestion=(
            CongestionAdjustment("centre-peak", "CENTRE", PEAK, 1500, scenario_id="S-2026-04"),
            CongestionAdjustment("outer-peak", "OUTER", PEAK, -1000, scenario_id="S-2026-04"),
        ),
        max_surcharge_bp=2000,
    )
    assert adjust(200, at(1, 8), {"CENTRE"}, rules).amount == 230
    assert adjust(200, at(1, 8), {"OUTER"}, rules).amount == 180
    both = adjust(200, at(1, 8), {"CENTRE", "OUTER"}, rules)
    assert both.amount == 210
    assert {a.rule_id: a.delta for a in both.applied} == {"centre-peak": 30, "outer-peak": -20}
    assert adjust(200, at(1, 10), {"CENTRE"}, rules).applied == ()


def test_total_surcharge_is_capped() -> None:
    """Two zone surcharges of 15% with a 20% maximum: the excess shows as a cap entry."""
    rules = AdjustmentRules(
        congestion=(
            CongestionAdjustment("a", "A", PEAK, 1500),
            CongestionAdjustment("b", "B", PEAK, 1500),
        ),
        max_surcharge_bp=2000,
    )
    result = adjust(1000, at(1, 8), {"A", "B"}, rules)
    assert result.amount == 1200
    assert [(a.kind, a.delta) for a in result.applied] == [
        (AdjustmentKind.CONGESTION, 150),
        (AdjustmentKind.CONGESTION, 150),
        (AdjustmentKind.SURCHARGE_CAP, -100),
    ]


def test_price_never_below_zero() -> None:
    """A full off-peak discount plus a congestion discount floors at zero, explained."""
    rules = AdjustmentRules(
        off_peak=(OffPeakDiscount("free-night", NIGHT, 10_000),),
        congestion=(CongestionAdjustment("quiet", "A", NIGHT, -5000),),
    )
    result = adjust(200, at(1, 23), {"A"}, rules)
    assert result.amount == 0
    assert [a.kind for a in result.applied] == [
        AdjustmentKind.OFF_PEAK,
        AdjustmentKind.CONGESTION,
        AdjustmentKind.FLOOR,
    ]
    assert sum(a.delta for a in result.applied) == -200


def test_rounding_half_away_from_zero() -> None:
    """15% of 1.50 is 22.5 cents: the discount rounds to 23, a surcharge to 23 as well."""
    off = AdjustmentRules(off_peak=(OffPeakDiscount("o", MIDDAY, 1500),))
    assert adjust(150, at(1, 10), (), off).amount == 127
    up = AdjustmentRules(
        congestion=(CongestionAdjustment("c", "A", MIDDAY, 1500),), max_surcharge_bp=1500
    )
    assert adjust(150, at(1, 10), {"A"}, up).amount == 173


def test_invalid_rules_are_refused() -> None:
    """Out-of-range basis points, surcharges above the maximum, duplicate ids and bad bands fail."""
    with pytest.raises(InvalidTariff, match=r"1\.\.10000"):
        OffPeakDiscount("o", MIDDAY, 0)
    with pytest.raises(InvalidTariff, match="non-zero"):
        CongestionAdjustment("c", "A", PEAK, 0)
    with pytest.raises(InvalidTariff, match="above the maximum"):
        AdjustmentRules(congestion=(CongestionAdjustment("c", "A", PEAK, 500),))
    with pytest.raises(InvalidTariff, match="unique"):
        AdjustmentRules(
            off_peak=(OffPeakDiscount("x", MIDDAY, 100),),
            congestion=(CongestionAdjustment("x", "A", PEAK, -100),),
        )
    with pytest.raises(InvalidTariff, match="weekdays"):
        TimeBand(time(1), time(2), frozenset({7}))
    with pytest.raises(InvalidTariffInput, match="timezone-aware"):
        adjust(100, datetime(2026, 6, 1, 8), (), AdjustmentRules())
    with pytest.raises(InvalidTariffInput, match="non-negative"):
        adjust(-1, at(1, 8), (), AdjustmentRules())
    with pytest.raises(InvalidTariffInput, match="collection of zone ids"):
        adjust(100, at(1, 8), "CENTRE", AdjustmentRules())


@st.composite
def rule_sets(draw: st.DrawFn) -> AdjustmentRules:
    """Random off-peak and congestion rules over three zones, bands of any length."""

    def band() -> TimeBand:
        days = draw(st.frozensets(st.integers(0, 6), min_size=1))
        start, end = draw(st.integers(0, 24 * 60 - 1)), draw(st.integers(0, 24 * 60 - 1))
        return TimeBand(time(*divmod(start, 60)), time(*divmod(end, 60)), days)

    cap = draw(st.integers(0, 5000))
    off_peak = tuple(
        OffPeakDiscount(f"o{i}", band(), draw(st.integers(1, 10_000)))
        for i in range(draw(st.integers(0, 3)))
    )
    congestion = tuple(
        CongestionAdjustment(
            f"c{i}",
            draw(st.sampled_from("ABC")),
            band(),
            draw(st.integers(-10_000, cap)) or -1,
        )
        for i in range(draw(st.integers(0, 4)))
    )
    return AdjustmentRules(off_peak, congestion, cap)


@settings(max_examples=300, deadline=None)
@given(
    rule_sets(),
    st.integers(0, 100_000),
    st.integers(0, 60 * 24 * 14),
    st.frozensets(st.sampled_from("ABC")),
)
def test_adjustments_are_explained_and_bounded(
    rules: AdjustmentRules, amount: int, minute: int, zones: frozenset[str]
) -> None:
    """amount = base + deltas; never negative; surcharge within the max; off-peak at most one."""
    when = datetime(2026, 3, 23, tzinfo=UTC) + timedelta(minutes=minute)
    result = adjust(amount, when, zones, rules)
    assert result.amount == amount + sum(a.delta for a in result.applied) >= 0
    assert all(a.delta for a in result.applied)
    assert sum(a.kind is AdjustmentKind.OFF_PEAK for a in result.applied) <= 1
    congestion = sum(
        a.delta
        for a in result.applied
        if a.kind in (AdjustmentKind.CONGESTION, AdjustmentKind.SURCHARGE_CAP)
    )
    assert congestion * 10_000 <= amount * rules.max_surcharge_bp + 5_000
    local = when.astimezone(ROME)
    for a in result.applied:
        if a.kind is AdjustmentKind.CONGESTION:
            rule = next(r for r in rules.congestion if r.rule_id == a.rule_id)
            assert rule.zone_id in zones
            assert rule.band.contains(local)
