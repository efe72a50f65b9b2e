"""A time period as a local time band: local [start, end) on some weekdays.

The same rule as ticketing's `TimeBand`: an end at or before the start crosses midnight, so
the band starts on one of its weekdays and ends the next day (Friday 22:00-02:00 covers
Saturday 01:00); end == start is 24 hours from the start.

Bands also have a form as the minutes of a local week (`week_mask`), where overlapping bands
are trimmed against each other and turned back into bands (`bands_of_mask`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import numpy as np

from mobility.config_files import Weekday

_ORDER = [d.value for d in Weekday]  # Monday first, as datetime.weekday() counts


def parse_weekdays(text: str) -> frozenset[int]:
    """Weekday numbers (0 = Monday) of a comma-separated list such as "mon,tue"."""
    days = {part.strip().lower() for part in text.split(",") if part.strip()}
    unknown = days - set(_ORDER)
    if unknown or not days:
        raise ValueError(f"weekdays are a non-empty list of {', '.join(_ORDER)}, not {text!r}")
    return frozenset(_ORDER.index(d) for d in days)


def format_weekdays(days: frozenset[int]) -> str:
    return ",".join(_ORDER[d] for d in sorted(days))


@dataclass(frozen=True, slots=True)
class Band:
    start: time
    end: time
    weekdays: frozenset[int]

    def contains(self, local: datetime) -> bool:
        """Whether the local wall-clock time `local` falls in the band."""
        clock, weekday = local.time().replace(tzinfo=None, fold=0), local.weekday()
        if self.start < self.end:
            return weekday in self.weekdays and self.start <= clock < self.end
        yesterday = (local - timedelta(days=1)).weekday()
        return (weekday in self.weekdays and clock >= self.start) or (
            yesterday in self.weekdays and clock < self.end
        )

    def weekday_names(self) -> list[str]:
        return [_ORDER[d] for d in sorted(self.weekdays)]


def band_of(start: time | None, end: time | None, weekdays: str) -> Band | None:
    """The band of a period, or None when the period has no times (it then covers no moment)."""
    if start is None or end is None:
        return None
    return Band(start, end, parse_weekdays(weekdays))


DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES


def _minute(value: time) -> int:
    return value.hour * 60 + value.minute


def week_mask(band: Band) -> np.ndarray:
    """The minutes of a local week (Monday 00:00 = 0) that the band covers."""
    start = _minute(band.start)
    length = (_minute(band.end) - start) % DAY_MINUTES or DAY_MINUTES
    mask = np.zeros(WEEK_MINUTES, dtype=bool)
    for day in band.weekdays:
        mask[(day * DAY_MINUTES + start + np.arange(length)) % WEEK_MINUTES] = True
    return mask


def bands_of_mask(mask: np.ndarray) -> list[Band]:
    """The fewest bands of the same start and end covering exactly the minutes of `mask`, each
    run of minutes as one band from the weekday it starts on (a run over midnight crosses it).

    A run of a whole day or more is cut at each 24 hours, since a band covers less.
    """
    if mask.all():
        raise ValueError("a week with every minute covered has no band form")
    previous = np.roll(mask, 1)
    starts = np.flatnonzero(mask & ~previous)
    ends = np.flatnonzero(~mask & previous)
    if ends.size and ends[0] < starts[0]:
        ends = np.roll(ends, -1)  # the run that starts last ends after Sunday midnight
    days: dict[tuple[int, int], set[int]] = {}
    for first, stop in zip(starts.tolist(), ends.tolist(), strict=True):
        length = (stop - first) % WEEK_MINUTES
        for offset in range(0, length, DAY_MINUTES - 1):
            a = (first + offset) % WEEK_MINUTES
            b = (first + min(length, offset + DAY_MINUTES - 1)) % WEEK_MINUTES
            days.setdefault((a % DAY_MINUTES, b % DAY_MINUTES), set()).add(a // DAY_MINUTES)
    return [
        Band(time(a // 60, a % 60), time(b // 60, b % 60), frozenset(weekdays))
        for (a, b), weekdays in sorted(days.items())
    ]
