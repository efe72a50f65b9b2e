"""A detector's series after an import: run flags and findings, then the aggregates.

Both work on the stored series (the rows just written and their stored neighbours), so a run
that began in an earlier import, or a gap an earlier import filled, is seen as it is now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mobility.traffic.counts.aggregate import (
    HOUR_S,
    QUARTER_HOUR_S,
    Observation,
    aggregate,
    period_start,
)
from mobility.traffic.counts.models import FindingKind, TrafficCount15Min, TrafficCountHourly
from mobility.traffic.counts.quality import (
    CountFlag,
    QualityParams,
    VehicleClass,
    find_gaps,
    stuck_runs,
    zero_runs,
)
from mobility.traffic.counts.repository import AggregateModel, CountsRepository

SERIES_FLAGS = CountFlag.STUCK | CountFlag.ZERO_RUN
# Zeros by day are suspicious for general traffic; a road may well see no bus for hours.
ZERO_RUN_CLASSES = frozenset({VehicleClass.CAR, VehicleClass.ALL})


@dataclass(frozen=True, slots=True)
class SeriesKey:
    """One detector's observations of one class, and their interval length."""

    detector_id: int
    vehicle_class: VehicleClass
    interval_s: int


def flag_series(
    repo: CountsRepository,
    batch_id: int,
    key: SeriesKey,
    written: Sequence[datetime],
    params: QualityParams,
) -> list[dict[str, Any]]:
    """Recompute the run flags around the `written` interval starts (a run may begin before
    them) and answer the findings rows of the batch: gaps within the written span, and stuck
    and zero runs touching it. The flags are set on the session's objects, not flushed."""
    interval_s, vehicle_class = key.interval_s, key.vehicle_class
    step = timedelta(seconds=interval_s)
    span_start, span_end = min(written), max(written)
    # A run's flag can change only within a run length of a changed row.
    reach = step * max(params.stuck_run_length(interval_s), params.zero_run_length(interval_s))
    series = repo.series(
        key.detector_id, vehicle_class, span_start - reach, span_end + step + reach
    )
    starts = [r.interval_start for r in series]
    counts = [r.count for r in series]
    zeros = vehicle_class in ZERO_RUN_CLASSES
    run_flags = [0] * len(series)
    found: list[tuple[FindingKind, datetime, datetime, int]] = []
    for kind, flag, runs in (
        (FindingKind.STUCK, CountFlag.STUCK, stuck_runs(starts, counts, interval_s, params)),
        (
            FindingKind.ZERO_RUN,
            CountFlag.ZERO_RUN,
            zero_runs(starts, counts, interval_s, params) if zeros else [],
        ),
    ):
        for run in runs:
            for i in range(run.first, run.last + 1):
                run_flags[i] |= flag
            if starts[run.last] >= span_start and starts[run.first] <= span_end:
                found.append((kind, starts[run.first], starts[run.last] + step, run.length))
    for row, flags in zip(series, run_flags, strict=True):
        new = (row.flags & ~SERIES_FLAGS) | flags
        if new != row.flags:
            row.flags = new
    in_span = [s for s in starts if span_start <= s <= span_end]
    gaps = [(FindingKind.GAP, g.start, g.end, g.missing) for g in find_gaps(in_span, interval_s)]
    return [
        {
            "batch_id": batch_id,
            "detector_id": key.detector_id,
            "vehicle_class": vehicle_class,
            "kind": kind,
            "starts_at": start,
            "ends_at": end,
            "intervals": intervals,
        }
        for kind, start, end, intervals in gaps + found
    ]


def _stretches(hours: Sequence[datetime]) -> list[tuple[datetime, datetime]]:
    """[start, end) of each run of consecutive hours, so each is read and rewritten at once."""
    one = timedelta(seconds=HOUR_S)
    stretches: list[tuple[datetime, datetime]] = []
    for hour in sorted(set(hours)):
        if stretches and stretches[-1][1] == hour:
            stretches[-1] = (stretches[-1][0], hour + one)
        else:
            stretches.append((hour, hour + one))
    return stretches


def aggregate_hours(repo: CountsRepository, key: SeriesKey, written: Sequence[datetime]) -> None:
    """Recompute the 15-minute and hourly aggregates of every hour holding a written start."""
    hours = [period_start(s, HOUR_S) for s in written]
    for start, end in _stretches(hours):
        rows = repo.series(key.detector_id, key.vehicle_class, start, end)
        observations = [
            Observation(r.interval_start, r.interval_s, r.count, r.speed_kmh, r.flags) for r in rows
        ]
        model: AggregateModel
        for model, period_s in ((TrafficCount15Min, QUARTER_HOUR_S), (TrafficCountHourly, HOUR_S)):
            values = [
                {
                    "detector_id": key.detector_id,
                    "vehicle_class": key.vehicle_class,
                    "period_start": a.period_start,
                    "volume": a.volume,
                    "mean_speed_kmh": a.mean_speed_kmh,
                    "observed_intervals": a.observed_intervals,
                    "expected_intervals": a.expected_intervals,
                    "completeness": a.completeness,
                    "flags": a.flags,
                }
                for a in aggregate(observations, period_s)
            ]
            repo.replace_aggregates(model, key.detector_id, key.vehicle_class, start, end, values)
