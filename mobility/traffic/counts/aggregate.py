"""Aggregation of raw counts to fixed periods (15 minutes, hours): pure functions.

A period's volume is the sum of the intervals observed in it, never scaled up: `completeness`
(observed intervals / intervals the period holds) says how much of the period that is, and a
period short of intervals carries the INCOMPLETE flag. Whoever uses the volume (an OD matrix
adjustment, a report) decides whether 0.75 of an hour is good enough, or expands it knowingly.
Mean speed is weighted by count, over the intervals that reported a speed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from mobility.traffic.counts.quality import CountFlag

QUARTER_HOUR_S = 900
HOUR_S = 3600


@dataclass(frozen=True, slots=True)
class Observation:
    """One stored interval of one detector and class, as aggregation needs it."""

    start: datetime
    interval_s: int
    count: int
    speed_kmh: float | None = None
    flags: int = 0


@dataclass(frozen=True, slots=True)
class PeriodAggregate:
    """The aggregate of one detector and class over one period."""

    period_start: datetime
    volume: int
    mean_speed_kmh: float | None
    observed_intervals: int
    expected_intervals: int
    flags: int

    @property
    def completeness(self) -> float:
        return self.observed_intervals / self.expected_intervals


def period_start(moment: datetime, period_s: int) -> datetime:
    """The start of the UTC-aligned period of `period_s` seconds holding `moment`."""
    epoch = int(moment.timestamp())
    return datetime.fromtimestamp(epoch - epoch % period_s, tz=UTC)


def aggregate(observations: Iterable[Observation], period_s: int) -> list[PeriodAggregate]:
    """Aggregates per period of `period_s` seconds, in time order.

    Observations longer than the period cannot be split without inventing a profile, so they
    are left out (an hourly count has no 15-minute aggregate). Observations of one series share
    one interval length (the service guarantees it); each period expects period_s / interval_s.
    """
    by_period: dict[datetime, list[Observation]] = defaultdict(list)
    for obs in observations:
        if obs.interval_s <= period_s and period_s % obs.interval_s == 0:
            by_period[period_start(obs.start, period_s)].append(obs)
    result = []
    for start in sorted(by_period):
        items = by_period[start]
        volume = sum(o.count for o in items)
        timed = [o for o in items if o.speed_kmh is not None and o.count > 0]
        timed_volume = sum(o.count for o in timed)
        mean_speed = (
            sum(o.speed_kmh * o.count for o in timed if o.speed_kmh is not None) / timed_volume
            if timed_volume
            else None
        )
        expected = period_s // min(o.interval_s for o in items)
        observed = len({o.start for o in items})
        flags = 0
        for o in items:
            flags |= o.flags
        if observed < expected:
            flags |= CountFlag.INCOMPLETE
        result.append(
            PeriodAggregate(
                period_start=start,
                volume=volume,
                mean_speed_kmh=None if mean_speed is None else round(mean_speed, 2),
                observed_intervals=observed,
                expected_intervals=expected,
                flags=int(flags),
            )
        )
    return result
