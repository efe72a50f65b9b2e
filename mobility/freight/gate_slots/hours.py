"""Opening hours of a terminal as instants: the weekly rows of `FreightTerminalHours` laid
out over a span of time in the data set's time zone, merged where they touch (a terminal open
00:00-24:00 on consecutive days is one interval)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WeeklyHours = tuple[int, int, int]  # weekday (0 = Monday), open_min, close_min


def _local(day: date, minute: int, zone: ZoneInfo) -> datetime:
    # Minutes after local midnight as wall-clock time; 1440 is the next midnight.
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    return (midnight + timedelta(days=minute // 1440)).replace(
        hour=(minute % 1440) // 60, minute=minute % 60
    )


def opening_intervals(
    hours: Iterable[WeeklyHours], zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The merged intervals within ``[start, end)`` when the terminal is open.

    Parameters
    ----------
    hours
        Weekly rows ``(weekday, open_min, close_min)`` in local time.
    zone
        The time zone the rows are in.
    start, end
        Timezone-aware bounds.

    Returns
    -------
    list[tuple[datetime, datetime]]
        Sorted, disjoint ``(open, close)`` pairs clipped to the bounds, in `zone`.
    """
    rows = list(hours)
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date()
    pieces: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        for weekday, open_min, close_min in rows:
            if weekday != day.weekday():
                continue
            opens, closes = _local(day, open_min, zone), _local(day, close_min, zone)
            opens, closes = max(opens, start), min(closes, end)
            if opens < closes:
                pieces.append((opens, closes))
        day += timedelta(days=1)
    pieces.sort()
    merged: list[tuple[datetime, datetime]] = []
    for opens, closes in pieces:
        if merged and opens <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], closes))
        else:
            merged.append((opens, closes))
    return [(a.astimezone(zone), b.astimezone(zone)) for a, b in merged]


def slot_grid(
    hours: Iterable[WeeklyHours], zone: ZoneInfo, day: date, minutes: int
) -> list[tuple[datetime, datetime]]:
    """The appointment slots of a local `day`: `minutes` long, counted from each opening of
    that day (or its midnight, for an opening carried over from the day before), each ending
    by the closing time. Steps are in elapsed time, so a slot is `minutes` long on the days
    the clocks change too."""
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    step = timedelta(minutes=minutes)
    slots = []
    for opens, closes in opening_intervals(hours, zone, midnight, next_midnight):
        # Aware datetimes of one zone subtract as wall-clock times: step in UTC instead.
        at, until = opens.astimezone(UTC), closes.astimezone(UTC)
        while at + step <= until:
            slots.append((at.astimezone(zone), (at + step).astimezone(zone)))
            at += step
    return slots
