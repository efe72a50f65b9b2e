"""Fare capping against a brute-force optimum on thousands of random trip histories.

Why capping can never overcharge (weak LP duality): pricing the trips of a history is the
covering problem "choose single fares, day passes (price = daily cap), week passes (weekly cap)
and month passes (monthly cap) so that every trip is covered, at least cost". Its LP relaxation
has a dual: give each trip a value y_t >= 0 such that no product's trips are worth more than
its price, i.e. y_t <= base fare of t, and for each day, week and month the y of its trips sum
to at most its cap. Capping's charges are exactly such a y (each charge is in [0, base fare],
each period's sum stays under its cap), so by weak duality the total charged is at most the LP
optimum, hence at most the best integer cover. The tests check those invariants and the bound
against an exact enumeration of covers; a bug that overcharges any history fails them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from itertools import product

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ticketing.tariffs import CapPolicy, Caps, Charge, Tap, apply_caps, charge_tap

# Histories start a few days before month ends that cross ISO weeks and the DST changes.
STARTS = [date(2026, 3, 26), date(2026, 1, 27), date(2026, 10, 22), date(2025, 12, 28)]
OPERATORS = ("ATL", "CTT", "FS")


@st.composite
def histories(draw: st.DrawFn) -> tuple[CapPolicy, list[Tap]]:
    """A random policy (any caps absent) and up to 25 taps over up to 17 days."""
    caps = Caps(
        daily=draw(st.none() | st.integers(0, 1200)),
        weekly=draw(st.none() | st.integers(0, 4000)),
        monthly=draw(st.none() | st.integers(0, 9000)),
    )
    start = datetime.combine(draw(st.sampled_from(STARTS)), datetime.min.time(), UTC)
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(0, 17 * 24 * 60), st.integers(0, 700), st.sampled_from(OPERATORS)
            ),
            max_size=25,
        )
    )
    taps = [
        Tap(f"t{i}", start + timedelta(minutes=m), fare, operator)
        for i, (m, fare, operator) in enumerate(rows)
    ]
    return CapPolicy({"adult": caps}), taps


def iso_week(day: date) -> tuple[int, int]:
    year, week, _ = day.isocalendar()
    return year, week


def optimum(policy: CapPolicy, taps: list[Tap]) -> int:
    """The cheapest cover of every tap by single fares, day, week and month passes (exact).

    Every subset of the weeks and months touched is tried; the days left uncovered then choose
    independently between their single fares and a day pass.
    """
    caps = policy.caps["adult"]
    fares_of_day: dict[date, int] = defaultdict(int)
    for t in taps:
        fares_of_day[policy.service_day(t.when)] += t.base_fare
    weeks = sorted({iso_week(d) for d in fares_of_day}) if caps.weekly is not None else []
    months = sorted({(d.year, d.month) for d in fares_of_day}) if caps.monthly is not None else []
    keys = [(fares, iso_week(d), (d.year, d.month)) for d, fares in fares_of_day.items()]
    best = sum(fares_of_day.values())
    for week_mask in product((False, True), repeat=len(weeks)):
        chosen_weeks = {w for w, on in zip(weeks, week_mask, strict=True) if on}
        for month_mask in product((False, True), repeat=len(months)):
            chosen_months = {m for m, on in zip(months, month_mask, strict=True) if on}
            cost = len(chosen_weeks) * (caps.weekly or 0) + len(chosen_months) * (caps.monthly or 0)
            for fares, week, month in keys:
                if week in chosen_weeks or month in chosen_months:
                    continue
                cost += fares if caps.daily is None else min(fares, caps.daily)
            best = min(best, cost)
    return best


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_capping_never_overcharges(history: tuple[CapPolicy, list[Tap]]) -> None:
    """Total <= brute-force best cover; charges in [0, base]; no period above its cap."""
    policy, taps = history
    caps = policy.caps["adult"]
    charges = apply_caps(policy, "adult", taps)
    assert sum(c.charged for c in charges) <= optimum(policy, taps)
    # The invariants that make the charges a feasible dual (see the module docstring).
    assert sorted(c.tap_id for c in charges) == sorted(t.tap_id for t in taps)
    sums: dict[tuple[str, object], int] = defaultdict(int)
    for c in charges:
        assert 0 <= c.charged <= c.base_fare
        assert (c.capped_by == ()) == (c.charged == c.base_fare)
        day = c.service_day
        sums["day", day] += c.charged
        sums["week", iso_week(day)] += c.charged
        sums["month", (day.year, day.month)] += c.charged
    for (kind, _), spent in sums.items():
        cap = {"day": caps.daily, "week": caps.weekly, "month": caps.monthly}[kind]
        assert cap is None or spent <= cap


@settings(max_examples=300, deadline=None)
@given(histories())
def test_each_tap_costs_all_the_room_left(history: tuple[CapPolicy, list[Tap]]) -> None:
    """A tap costs min(base, room of each capped period) computed from the charges before it."""
    policy, taps = history
    caps = policy.caps["adult"]
    charges = apply_caps(policy, "adult", taps)
    for k, c in enumerate(charges):
        before = charges[:k]
        rooms = [c.base_fare]
        for cap, same in (
            (caps.daily, lambda o, d=c.service_day: o.service_day == d),
            (caps.weekly, lambda o, d=c.service_day: iso_week(o.service_day) == iso_week(d)),
            (
                caps.monthly,
                lambda o, d=c.service_day: (
                    (o.service_day.year, o.service_day.month) == (d.year, d.month)
                ),
            ),
        ):
            if cap is not None:
                rooms.append(max(0, cap - sum(o.charged for o in before if same(o))))
        assert c.charged == min(rooms)


@settings(max_examples=300, deadline=None)
@given(histories())
def test_incremental_charging_equals_batch(history: tuple[CapPolicy, list[Tap]]) -> None:
    """charge_tap over the window history, tap after tap, gives exactly apply_caps' charges."""
    policy, taps = history
    charged: list[Charge] = []
    for t in sorted(taps, key=lambda t: t.when):
        since = policy.window_start("adult", t.when)
        charged.append(charge_tap(policy, "adult", [c for c in charged if c.when >= since], t))
    assert charged == apply_caps(policy, "adult", taps)
