"""Apportionment rules: exact to the cent, hand-computed cases of each method, fallbacks."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ticketing.clearing.apportion import (
    Method,
    OperatorUsage,
    RuleBook,
    SharingRule,
    apportion,
    split,
)

TAPS = SharingRule(Method.TAPS)
PKM = SharingRule(Method.PASSENGER_KM)


def test_fixed_shares_hand_computed() -> None:
    """1001 cents at 60/25/15%: 600.6, 250.25, 150.15 -> the spare cent to the largest rest."""
    rule = SharingRule(Method.FIXED, {"ATL": 6000, "CTT": 2500, "NAV": 1500})
    result = apportion(1001, rule, [])
    assert result.method is Method.FIXED
    assert result.shares == {"ATL": 601, "CTT": 250, "NAV": 150}
    assert result.unallocated == 0


def test_taps_hand_computed() -> None:
    """1000 cents over 1, 1, 1 entry taps: 334, 333, 333 (ties to the first operator id)."""
    usage = [
        OperatorUsage("CTT", 1),
        OperatorUsage("ATL", 1),
        OperatorUsage("NAV", 1),
        OperatorUsage("ZZZ", 0),
    ]
    result = apportion(1000, TAPS, usage)
    assert result.shares == {"ATL": 334, "CTT": 333, "NAV": 333}
    assert result.weights == {"ATL": 1, "CTT": 1, "NAV": 1}


def test_passenger_km_hand_computed() -> None:
    """Distances 3 km and 1 km: 3/4 and 1/4 of 999 cents -> 749.25, 249.75 -> 749, 250."""
    usage = [
        OperatorUsage("ATL", entry_taps=1, trips_measured=1, distance_m=3000),
        OperatorUsage("CTT", entry_taps=1, trips_measured=1, distance_m=1000),
    ]
    result = apportion(999, PKM, usage)
    assert result.method is Method.PASSENGER_KM
    assert result.shares == {"ATL": 749, "CTT": 250}
    assert result.note == ""


def test_passenger_km_counts_unmeasured_trips_at_the_mean() -> None:
    """An entry without a distance counts at the mean measured trip (2 km here), with a note."""
    usage = [
        OperatorUsage("ATL", entry_taps=2, trips_measured=2, distance_m=4000),
        OperatorUsage("CTT", entry_taps=2, trips_measured=0, distance_m=0),
    ]
    result = apportion(1000, PKM, usage)
    assert result.shares == {"ATL": 500, "CTT": 500}  # 4 km measured vs 2 x 2 km imputed
    assert "2 trips without a distance" in result.note
    assert "2.000 km" in result.note


def test_passenger_km_without_any_distance_falls_back_to_taps() -> None:
    """With no measured trip at all, passenger-km falls back to taps and says so."""
    usage = [OperatorUsage("ATL", entry_taps=3), OperatorUsage("CTT", entry_taps=1)]
    result = apportion(100, PKM, usage)
    assert result.method is Method.TAPS
    assert result.shares == {"ATL": 75, "CTT": 25}
    assert "fell back to taps" in result.note


def test_no_usage_leaves_revenue_unallocated() -> None:
    """Without any tap the amount is not split arbitrarily: it stays unallocated."""
    result = apportion(500, TAPS, [OperatorUsage("ATL", 0)])
    assert result.method is Method.NONE
    assert result.shares == {}
    assert result.unallocated == 500
    assert "left unallocated" in result.note


def test_operators_not_covered_are_ignored() -> None:
    """Taps on an operator the product does not cover earn nothing, with a note."""
    rule = SharingRule(Method.TAPS, operators=("ATL",))
    result = apportion(100, rule, [OperatorUsage("ATL", 1), OperatorUsage("CTT", 5)])
    assert result.shares == {"ATL": 100}
    assert "5 taps" in result.note


def test_negative_revenue_splits_symmetrically() -> None:
    """A period whose refunds exceed its sales gives each operator a negative share."""
    assert apportion(-1001, SharingRule(Method.FIXED, {"A": 5000, "B": 5000}), []).shares == {
        "A": -501,
        "B": -500,
    }


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": Method.FIXED}, "shares per operator"),
        ({"method": Method.FIXED, "shares_bp": {"A": 5000, "B": 4999}}, "not 9999"),
        ({"method": Method.FIXED, "shares_bp": {"A": 10_001, "B": -1}}, "between 0 and"),
        ({"method": Method.TAPS, "shares_bp": {"A": 10_000}}, "only for the fixed"),
        ({"method": Method.DIRECT}, "fixed, taps or passenger_km"),
        ({"method": Method.TAPS, "operators": ()}, "at least one"),
    ],
)
def test_invalid_rules_fail_at_construction(kwargs: dict[str, object], message: str) -> None:
    """A rule validates itself: bad shares or methods fail with a clear message."""
    with pytest.raises(ValueError, match=message):
        SharingRule(**kwargs)  # type: ignore[arg-type]


def test_rule_book_default() -> None:
    """A product without its own rule gets the default."""
    fixed = SharingRule(Method.FIXED, {"A": 10_000})
    book = RuleBook(default=TAPS, by_product={"P": fixed})
    assert book.rule_for("P") is fixed
    assert book.rule_for("Q") is TAPS


operators = st.sampled_from(["ATL", "CTT", "NAV", "BUS", "FER"])
usages = st.lists(
    st.builds(
        lambda op, taps, measured, dist: OperatorUsage(op, taps, min(measured, taps), dist),
        operators,
        st.integers(0, 10_000),
        st.integers(0, 10_000),
        st.integers(0, 50_000_000),
    ),
    max_size=5,
    unique_by=lambda u: u.operator_id,
)


@given(
    amount=st.integers(0, 10**10),
    usage=usages,
    method=st.sampled_from([Method.TAPS, Method.PASSENGER_KM]),
)
def test_usage_allocations_sum_exactly_and_are_not_negative(
    amount: int, usage: list[OperatorUsage], method: Method
) -> None:
    """Whatever the usage, shares + unallocated equal the revenue, and no share is negative."""
    result = apportion(amount, SharingRule(method), usage)
    assert sum(result.shares.values()) + result.unallocated == amount
    assert all(v >= 0 for v in result.shares.values())
    assert set(result.shares) <= {u.operator_id for u in usage}


@given(
    amount=st.integers(-(10**10), 10**10),
    cuts=st.lists(st.integers(0, 10_000), min_size=1, max_size=6),
)
def test_fixed_allocations_sum_exactly(amount: int, cuts: list[int]) -> None:
    """Fixed shares of any amount sum to it exactly, each within a cent of its exact share."""
    points = sorted(cuts)
    shares = [b - a for a, b in zip([0, *points], [*points, 10_000], strict=True)]
    if not any(shares):
        shares[-1] = 10_000
    rule = SharingRule(Method.FIXED, {f"OP{i}": s for i, s in enumerate(shares)})
    result = apportion(amount, rule, [])
    assert sum(result.shares.values()) == amount
    for op, part in result.shares.items():
        assert abs(part * 10_000 - amount * rule.shares_bp[op]) < 10_000
        if amount >= 0:
            assert part >= 0


@given(
    amount=st.integers(-(10**9), 10**9),
    weights=st.dictionaries(operators, st.integers(0, 10**6), min_size=1),
)
def test_split_is_exact(amount: int, weights: dict[str, int]) -> None:
    """split() of VAT or refunds by the same weights also sums exactly."""
    if not any(weights.values()):
        weights = {**weights, "ATL": 1}
    assert sum(split(amount, weights).values()) == amount
