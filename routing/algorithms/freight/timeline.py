"""Weekly patterns made absolute over a search horizon: a terminal's opening hours and a
service's dated departures, as UTC minutes since the epoch.

Patterns are local wall-clock times, so each date is converted on its own: a 06:30 departure
is 05:30 UTC in summer and 04:30 UTC in winter, and on the days the clocks change the gap
between two departures is 23 or 25 hours. A wall time that does not exist (02:30 on the spring
change) is read with the offset before the change (PEP 495 fold=0), i.e. an hour later on the
new clock; an ambiguous one (02:30 on the autumn change) is its first occurrence.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_minute(at: datetime) -> int:
    """An aware datetime as whole minutes since the epoch (seconds rounded up: a container
    ready at 08:00:30 is not ready at 08:00)."""
    delta = at - EPOCH
    whole, rest = divmod(delta, timedelta(minutes=1))
    return whole + (1 if rest else 0)


def from_minute(minute: int, zone: ZoneInfo) -> datetime:
    return (EPOCH + timedelta(minutes=minute)).astimezone(zone)


def wall_minute(day: date, minute_of_day: int, zone: ZoneInfo) -> int:
    """The instant of local wall time `minute_of_day` (0..1440) on `day`."""
    if minute_of_day >= 1440:
        day, minute_of_day = day + timedelta(days=minute_of_day // 1440), minute_of_day % 1440
    local = datetime(day.year, day.month, day.day, minute_of_day // 60, minute_of_day % 60)
    return to_minute(local.replace(tzinfo=zone).astimezone(UTC))


def local_days(start: int, end: int, zone: ZoneInfo) -> list[date]:
    """Local dates from the day before `start` to the day after `end` (minutes since epoch)."""
    first = from_minute(start, zone).date() - timedelta(days=1)
    last = from_minute(end, zone).date() + timedelta(days=1)
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


class OpenWindows:
    """A terminal's open intervals over a horizon; overlapping or touching ones merged."""

    __slots__ = ("_ends", "_starts")

    def __init__(self, intervals: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(intervals):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [s for s, _ in merged]
        self._ends = [e for _, e in merged]

    @classmethod
    def weekly(
        cls, hours: Iterable[tuple[int, int, int]], days: list[date], zone: ZoneInfo
    ) -> OpenWindows:
        by_weekday: dict[int, list[tuple[int, int]]] = {}
        for weekday, open_min, close_min in hours:
            by_weekday.setdefault(weekday, []).append((open_min, close_min))
        return cls(
            (wall_minute(day, a, zone), wall_minute(day, b, zone))
            for day in days
            for a, b in by_weekday.get(day.weekday(), ())
        )

    def next_open(self, minute: int) -> int | None:
        """The first instant >= `minute` the terminal is open; None past the horizon."""
        i = bisect_right(self._starts, minute) - 1
        if i >= 0 and minute < self._ends[i]:
            return minute
        i += 1
        return self._starts[i] if i < len(self._starts) else None

    def is_open(self, minute: int) -> bool:
        return self.next_open(minute) == minute


def dated_departures(
    pattern: Iterable[tuple[int, int]], days: list[date], zone: ZoneInfo
) -> list[int]:
    """Every departure of a weekly (weekday, local minute) pattern on `days`, sorted."""
    by_weekday: dict[int, list[int]] = {}
    for weekday, minute in pattern:
        by_weekday.setdefault(weekday, []).append(minute)
    return sorted(
        {wall_minute(day, m, zone) for day in days for m in by_weekday.get(day.weekday(), ())}
    )


def first_at_or_after(sorted_minutes: list[int], minute: int) -> int:
    """Index of the first value >= `minute` (len if none)."""
    return bisect_left(sorted_minutes, minute)
