"""Weekly patterns made absolute, against the time zone database read directly: opening hours and
dated departures around both clock changes of 2026 (the search and the plan checker share this
expansion, so the exhaustive comparison of test_search cannot see a mistake in it)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from routing.algorithms.freight.timeline import (
    OpenWindows,
    dated_departures,
    from_minute,
    local_days,
    to_minute,
)
from tests.routing.freight.factories import ROME

SEASONS = [datetime(2026, 3, 25, tzinfo=ROME), datetime(2026, 10, 21, tzinfo=ROME)]
# Whole hours outside 02:00-03:00, the hour the spring change skips and the autumn one repeats:
# there the wall clock alone does not name an instant.
HOURS = st.sampled_from([h for h in range(25) if h not in (2, 3)])


def open_by_wall_clock(hours: list[tuple[int, int, int]], at: datetime) -> bool:
    local = at.astimezone(ROME)
    minute = local.hour * 60 + local.minute
    return any(d == local.weekday() and a <= minute < b for d, a, b in hours)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), HOURS, HOURS), min_size=1, max_size=8),
    st.sampled_from(SEASONS),
    st.lists(st.integers(0, 7 * 24 * 4), min_size=20, max_size=20),
)
def test_opening_hours_match_the_wall_clock(
    raw: list[tuple[int, int, int]], season: datetime, quarters: list[int]
) -> None:
    """At any instant of a week spanning a clock change, the terminal is open exactly when its
    local weekday and time of day fall in one of its (weekday, open, close) rows."""
    hours = [(d, a * 60, b * 60) for d, a, b in raw if a < b]
    start = to_minute(season)
    days = local_days(start, start + 8 * 24 * 60, ROME)
    windows = OpenWindows.weekly(hours, days, ROME)
    for q in quarters:
        at = season + timedelta(minutes=15 * q)
        assert windows.is_open(to_minute(at)) == open_by_wall_clock(hours, at), at


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 1439)), min_size=1, max_size=8),
    st.sampled_from(SEASONS),
)
def test_dated_departures_are_the_local_times_of_each_day(
    pattern: list[tuple[int, int]], season: datetime
) -> None:
    """Each day of the horizon has exactly its weekday's departures, each at that local wall
    time (the spring change's missing hour read as the time zone database reads it)."""
    pattern = [(d, m) for d, m in pattern if not 120 <= m < 180] or [(0, 390)]
    first: date = season.date()
    days = [first + timedelta(days=i) for i in range(8)]
    made = dated_departures(pattern, days, ROME)
    per_day = {(d, m) for d, m in pattern}
    assert len(made) == sum(1 for day in days for d, _ in per_day if d == day.weekday())
    assert made == sorted(set(made))
    seen = set()
    for minute in made:
        local = from_minute(minute, ROME)
        assert local.date() in days
        assert (local.weekday(), local.hour * 60 + local.minute) in per_day
        seen.add((local.date(), local.hour * 60 + local.minute))
    assert len(seen) == len(made)
