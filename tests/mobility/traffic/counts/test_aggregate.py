"""Aggregation to 15 minutes and hours, checked against numbers worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mobility.traffic.counts.aggregate import Observation, aggregate
from mobility.traffic.counts.quality import CountFlag

T0 = datetime(2026, 11, 20, 7, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_five_minute_counts_to_quarters_and_hours() -> None:
    """5-minute counts: the quarter 07:00 sums 10+20+30 = 60 at (10*50+20*60+30*40)/60 =
    48.33 km/h, complete; the quarter 07:15 has two of three intervals (40+0, speed only from
    the 40), so it is 2/3 complete and flagged INCOMPLETE. The hour sums 100 over 5 of 12."""
    obs = [
        Observation(at(0), 300, 10, 50.0),
        Observation(at(5), 300, 20, 60.0),
        Observation(at(10), 300, 30, 40.0),
        Observation(at(15), 300, 40, 30.0),
        Observation(at(20), 300, 0, None),
    ]
    q = aggregate(obs, 900)
    assert [(a.period_start, a.volume) for a in q] == [(at(0), 60), (at(15), 40)]
    assert q[0].mean_speed_kmh == 48.33
    assert (q[0].observed_intervals, q[0].expected_intervals, q[0].flags) == (3, 3, 0)
    assert q[1].mean_speed_kmh == 30.0
    assert q[1].completeness == 2 / 3
    assert q[1].flags == CountFlag.INCOMPLETE
    (hour,) = aggregate(obs, 3600)
    assert (hour.volume, hour.observed_intervals, hour.expected_intervals) == (100, 5, 12)
    assert hour.mean_speed_kmh == round((500 + 1200 + 1200 + 1200) / 100, 2)


def test_flags_travel_and_long_intervals_stay_out() -> None:
    """A stuck observation flags its periods; an hourly count has an hourly aggregate but no
    15-minute one (it cannot be split without inventing a profile)."""
    quarters = [Observation(at(15 * i), 900, 7, None, CountFlag.STUCK) for i in range(4)]
    (hour,) = aggregate(quarters, 3600)
    assert hour.flags == CountFlag.STUCK
    assert hour.completeness == 1.0
    assert hour.mean_speed_kmh is None
    hourly = [Observation(at(0), 3600, 500, 80.0)]
    assert aggregate(hourly, 900) == []
    assert aggregate(hourly, 3600)[0].volume == 500


@given(
    interval_s=st.sampled_from([60, 300, 900, 3600]),
    slots=st.dictionaries(st.integers(0, 300), st.integers(0, 500), max_size=60),
)
def test_aggregates_conserve_vehicles(interval_s: int, slots: dict[int, int]) -> None:
    """Whatever is missing, hours hold every observed vehicle once, quarters too (for
    intervals that fit a quarter), and completeness never exceeds 1."""
    obs = [
        Observation(T0 + timedelta(seconds=i * interval_s), interval_s, c) for i, c in slots.items()
    ]
    hours = aggregate(obs, 3600)
    assert sum(a.volume for a in hours) == sum(slots.values())
    assert sum(a.observed_intervals for a in hours) == len(slots)
    assert all(0 < a.completeness <= 1 for a in hours)
    quarters = aggregate(obs, 900)
    assert sum(a.volume for a in quarters) == (sum(slots.values()) if interval_s <= 900 else 0)
