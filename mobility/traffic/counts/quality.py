"""Quality checks of traffic counts: pure functions of values, no database.

Two kinds of check, after count-QA practice (PeMS' detector diagnostics, the UK TRADS/DfT
checks):

* row checks decide whether one observation may be stored at all: a value that cannot be true
  (negative, above what the lanes can carry, a speed no car reaches, a time in the future or
  off the interval grid) is *rejected* with a reason code, because an aggregate built on it
  would be wrong and nobody could tell;
* series checks look at a detector's consecutive intervals and *flag* what is suspicious but
  possible (the same non-zero value again and again, zeros through the day): the value is kept,
  the flag travels to the aggregates, and the planner decides. Missing intervals are reported
  as gaps and never filled in.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from enum import IntFlag, StrEnum
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class VehicleClass(StrEnum):
    """The classes a count may be given for; `all` is every vehicle, as a loop counts them."""

    CAR = "car"
    TRUCK = "truck"
    BUS = "bus"
    MOTORCYCLE = "motorcycle"
    ALL = "all"


class CountFlag(IntFlag):
    """Flags of a stored observation (and, OR-ed, of its aggregates): suspicious, kept."""

    STUCK = 1  # the same non-zero value over a long run of consecutive intervals
    ZERO_RUN = 2  # zeros through a long daytime stretch (car or all vehicles)
    SPEED_WITHOUT_VEHICLES = 4  # a speed reported for an interval that counted nothing
    INCOMPLETE = 8  # aggregates only: fewer intervals observed than the period holds


def flag_names(flags: int) -> list[str]:
    """The names of the flags set in `flags`, lower case, in bit order."""
    return [f.name.lower() for f in CountFlag if f.name and flags & f]


class Reason(StrEnum):
    """Why a row was not stored: every code a rejection (or ignored duplicate) may carry."""

    MALFORMED_ROW = "malformed_row"
    MISSING_VALUE = "missing_value"
    UNKNOWN_DETECTOR = "unknown_detector"
    UNKNOWN_LINK = "unknown_link"
    AMBIGUOUS_LINK = "ambiguous_link"
    INACTIVE_DETECTOR = "inactive_detector"
    BAD_TIMESTAMP = "bad_timestamp"
    NAIVE_TIMESTAMP = "naive_timestamp"
    NONEXISTENT_LOCAL_TIME = "nonexistent_local_time"
    AMBIGUOUS_LOCAL_TIME = "ambiguous_local_time"
    FUTURE_TIMESTAMP = "future_timestamp"
    MISALIGNED_TIMESTAMP = "misaligned_timestamp"
    BAD_INTERVAL = "bad_interval"
    INTERVAL_MISMATCH = "interval_mismatch"
    UNKNOWN_CLASS = "unknown_class"
    BAD_COUNT = "bad_count"
    NEGATIVE_COUNT = "negative_count"
    IMPOSSIBLE_COUNT = "impossible_count"
    BAD_SPEED = "bad_speed"
    IMPOSSIBLE_SPEED = "impossible_speed"
    # The same key twice in one input with different values: which one is true is unknowable.
    CONFLICTING_DUPLICATE = "conflicting_duplicate"
    # A stored observation has another value for the key (and --replace was not given).
    CONFLICT = "conflict"
    # Identical to a stored or earlier row: ignored, noted, not an error (re-sends are normal).
    DUPLICATE = "duplicate"


class RowProblem(Exception):
    """A row that cannot be stored, with its reason code and a sentence for people."""

    def __init__(self, reason: Reason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True, slots=True)
class QualityParams:
    """Thresholds of the checks; the defaults follow common count-QA practice.

    `max_veh_per_hour_per_lane` is well above a lane's capacity (~1,900-2,200 veh/h), so only a
    counting fault exceeds it. A detector of unknown lane count is given `unknown_lanes`.
    A stuck run needs `stuck_min_intervals` intervals *and* `stuck_min_duration_s`, so short
    intervals at night (1, 1, 1) are not flagged. Daytime is local time in `timezone`.
    """

    max_veh_per_hour_per_lane: int = 3000
    unknown_lanes: int = 4
    max_speed_kmh: float = 250.0
    stuck_min_intervals: int = 4
    stuck_min_duration_s: int = 3600
    zero_run_min_duration_s: int = 2 * 3600
    daytime_start_hour: int = 7
    daytime_end_hour: int = 20
    future_tolerance_s: int = 300
    timezone: str = "Europe/Rome"

    def __post_init__(self) -> None:
        if self.max_veh_per_hour_per_lane <= 0 or self.unknown_lanes <= 0:
            raise ValueError("the capacity ceiling needs positive veh/h/lane and lanes")
        if not 0 < self.max_speed_kmh:
            raise ValueError("max_speed_kmh must be positive")
        if self.stuck_min_intervals < 2 or self.stuck_min_duration_s <= 0:
            raise ValueError("a stuck run needs at least 2 intervals and a positive duration")
        if self.zero_run_min_duration_s <= 0:
            raise ValueError("zero_run_min_duration_s must be positive")
        if not 0 <= self.daytime_start_hour < self.daytime_end_hour <= 24:
            raise ValueError("daytime must be start < end within 0-24 h")
        if self.future_tolerance_s < 0:
            raise ValueError("future_tolerance_s must not be negative")
        zone(self.timezone)

    def count_ceiling(self, interval_s: int, lanes: int | None) -> int:
        """The largest believable count in an interval of `interval_s` over `lanes` lanes."""
        lanes = lanes if lanes and lanes > 0 else self.unknown_lanes
        return math.ceil(self.max_veh_per_hour_per_lane * lanes * interval_s / 3600)

    def stuck_run_length(self, interval_s: int) -> int:
        """How many equal consecutive non-zero intervals make a stuck run."""
        return max(self.stuck_min_intervals, math.ceil(self.stuck_min_duration_s / interval_s))

    def zero_run_length(self, interval_s: int) -> int:
        """How many consecutive daytime zero intervals make a suspicious zero run."""
        return max(2, math.ceil(self.zero_run_min_duration_s / interval_s))


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; ValueError naming it if there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


# -- intervals ----------------------------------------------------------------------------

# An interval must tile the hour, so aggregates to 15 minutes and hours are exact sums.
VALID_INTERVALS: tuple[int, ...] = tuple(s for s in range(1, 3601) if 3600 % s == 0)


def check_interval(interval_s: int) -> None:
    if interval_s not in VALID_INTERVALS:
        raise RowProblem(
            Reason.BAD_INTERVAL,
            f"interval {interval_s} s does not divide the hour (use e.g. 60, 300, 900, 3600)",
        )


def parse_int(text: str, what: str) -> int:
    """An integer from text ("12", "12.0"); RowProblem (missing or bad count) otherwise."""
    value = text.strip()
    if not value:
        raise RowProblem(Reason.MISSING_VALUE, f"{what} is empty")
    try:
        number = float(value)  # "12.0" from spreadsheets; a comma is no count's separator
    except ValueError:
        raise RowProblem(Reason.BAD_COUNT, f"{what} {value!r} is not a number") from None
    if not math.isfinite(number) or number != int(number):
        raise RowProblem(Reason.BAD_COUNT, f"{what} {value!r} is not a whole number")
    return int(number)


def parse_speed(text: str) -> float | None:
    """A speed in km/h from text, None if empty; a decimal comma is accepted (`;` files)."""
    value = text.strip()
    if not value:
        return None
    try:
        number = float(value.replace(",", ".") if "." not in value else value)
    except ValueError:
        raise RowProblem(Reason.BAD_SPEED, f"speed {value!r} is not a number") from None
    if not math.isfinite(number):
        raise RowProblem(Reason.BAD_SPEED, f"speed {value!r} is not a number")
    return number


def parse_class(text: str) -> VehicleClass:
    value = text.strip().lower()
    if not value:
        raise RowProblem(Reason.MISSING_VALUE, "vehicle class is empty")
    try:
        return VehicleClass(value)
    except ValueError:
        known = ", ".join(c.value for c in VehicleClass)
        raise RowProblem(
            Reason.UNKNOWN_CLASS, f"vehicle class {value!r} is not one of {known}"
        ) from None


# -- timestamps ---------------------------------------------------------------------------

# ISO 8601 with an optional RFC 9557 zone suffix ("...+01:00[Europe/Rome]"), or a trailing
# IANA zone name after a space ("2026-11-20 08:00 Europe/Rome").
_BRACKET = re.compile(r"^(?P<time>.+?)\[(?P<zone>[A-Za-z0-9_+/-]+)\]$")
_TRAILING_ZONE = re.compile(r"^(?P<time>\S+[T ]\S+)\s+(?P<zone>[A-Za-z][A-Za-z0-9_+-]*/\S+|UTC)$")


def _resolve_local(naive: datetime, tz: ZoneInfo, text: str) -> datetime:
    """`naive` as a wall-clock time in `tz`; times skipped or repeated by a DST change are
    problems, not guesses: which 02:30 of the night the clocks go back was meant is unknowable."""
    early, late = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if early.utcoffset() != late.utcoffset():
        # fold differs only on a skipped or a repeated hour; a skipped one does not round-trip.
        round_trip = early.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if round_trip != naive:
            raise RowProblem(
                Reason.NONEXISTENT_LOCAL_TIME, f"{text!r} does not exist in {tz.key} (DST gap)"
            )
        raise RowProblem(
            Reason.AMBIGUOUS_LOCAL_TIME,
            f"{text!r} happens twice in {tz.key} (DST change): give the UTC offset",
        )
    return early


def parse_timestamp(text: str, default_zone: ZoneInfo | None) -> datetime:
    """The UTC instant of a timestamp's text (see `_parse_timestamp`); a time outside what a
    datetime can hold in UTC (year 1 or 9999 with an offset) is a bad timestamp."""
    parsed = _parse_timestamp(text, default_zone)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise RowProblem(
            Reason.BAD_TIMESTAMP, f"timestamp {text.strip()!r} is out of range"
        ) from None


def _parse_timestamp(text: str, default_zone: ZoneInfo | None) -> datetime:
    """An aware datetime from the text of a timestamp.

    An offset (or `Z`) is used as given; a zone name (bracketed or trailing) or, failing both,
    `default_zone` makes a wall-clock time. Without any of them the time is ambiguous and
    rejected (NAIVE_TIMESTAMP): guessing the zone would shift a whole file by an hour.
    """
    value = text.strip()
    if not value:
        raise RowProblem(Reason.MISSING_VALUE, "timestamp is empty")
    zone_name = None
    if match := _BRACKET.match(value) or _TRAILING_ZONE.match(value):
        value, zone_name = match["time"].strip(), match["zone"]
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise RowProblem(
            Reason.BAD_TIMESTAMP, f"timestamp {text.strip()!r} is not ISO 8601"
        ) from None
    named: ZoneInfo | None = None
    if zone_name is not None:
        try:
            named = zone(zone_name)
        except ValueError:
            raise RowProblem(Reason.BAD_TIMESTAMP, f"unknown time zone {zone_name!r}") from None
    if parsed.tzinfo is not None:
        if named is not None and parsed.astimezone(named).utcoffset() != parsed.utcoffset():
            raise RowProblem(
                Reason.BAD_TIMESTAMP, f"offset of {text.strip()!r} is not that of {zone_name}"
            )
        return parsed
    tz = named or default_zone
    if tz is None:
        raise RowProblem(
            Reason.NAIVE_TIMESTAMP,
            f"timestamp {text.strip()!r} has no UTC offset or zone (give --timezone)",
        )
    return _resolve_local(parsed, tz, text.strip())


def check_time(start: datetime, interval_s: int, now: datetime, params: QualityParams) -> None:
    """Reject a start off the interval grid (UTC-aligned) or an interval ending in the future."""
    epoch_s = int(start.timestamp())
    if start.microsecond or epoch_s % interval_s:
        raise RowProblem(
            Reason.MISALIGNED_TIMESTAMP,
            f"{start.isoformat()} is not on the {interval_s} s grid (intervals start at "
            f"multiples of {interval_s} s past the hour)",
        )
    if start + timedelta(seconds=interval_s) > now + timedelta(seconds=params.future_tolerance_s):
        raise RowProblem(
            Reason.FUTURE_TIMESTAMP, f"the interval from {start.isoformat()} has not ended yet"
        )


def check_values(
    count: int, speed: float | None, interval_s: int, lanes: int | None, params: QualityParams
) -> int:
    """Reject impossible values; answer the row's own flags (a speed over zero vehicles)."""
    if count < 0:
        raise RowProblem(Reason.NEGATIVE_COUNT, f"count {count} is negative")
    ceiling = params.count_ceiling(interval_s, lanes)
    if count > ceiling:
        lanes_text = f"{lanes} lanes" if lanes else "unknown lanes"
        raise RowProblem(
            Reason.IMPOSSIBLE_COUNT,
            f"count {count} exceeds {ceiling}, the most {lanes_text} can carry in {interval_s} s "
            f"({params.max_veh_per_hour_per_lane} veh/h/lane)",
        )
    if speed is not None and not 0 <= speed <= params.max_speed_kmh:
        raise RowProblem(
            Reason.IMPOSSIBLE_SPEED,
            f"speed {speed:g} km/h is outside 0-{params.max_speed_kmh:g} km/h",
        )
    if speed is not None and speed > 0 and count == 0:
        return CountFlag.SPEED_WITHOUT_VEHICLES
    return 0


# -- series checks ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    """A run of positions [first, last] of a series (inclusive) that a check found."""

    first: int
    last: int

    @property
    def length(self) -> int:
        return self.last - self.first + 1


def _consecutive_runs(
    starts: Sequence[datetime],
    interval_s: int,
    member: Callable[[int], bool],
    same: Callable[[int, int], bool],
) -> list[Run]:
    """Maximal runs of members over intervals with no gap between them, where `same` holds
    for neighbours. `starts` must be sorted and distinct."""
    runs: list[Run] = []
    step = timedelta(seconds=interval_s)
    first: int | None = None
    for i in range(len(starts)):
        if not member(i):
            if first is not None:
                runs.append(Run(first, i - 1))
            first = None
            continue
        if first is not None and (starts[i] - starts[i - 1] != step or not same(i - 1, i)):
            runs.append(Run(first, i - 1))
            first = None
        if first is None:
            first = i
    if first is not None:
        runs.append(Run(first, len(starts) - 1))
    return runs


def stuck_runs(
    starts: Sequence[datetime], counts: Sequence[int], interval_s: int, params: QualityParams
) -> list[Run]:
    """Runs of the same non-zero count over at least `params.stuck_run_length` consecutive
    intervals: a detector repeating its last value is the classic failure (PeMS' "constant")."""
    need = params.stuck_run_length(interval_s)
    runs = _consecutive_runs(
        starts, interval_s, lambda i: counts[i] > 0, lambda a, b: counts[a] == counts[b]
    )
    return [r for r in runs if r.length >= need]


def is_daytime(start: datetime, interval_s: int, tz: tzinfo, params: QualityParams) -> bool:
    """True if the whole interval lies in the local daytime window."""
    local_start = start.astimezone(tz)
    local_end = (start + timedelta(seconds=interval_s - 1)).astimezone(tz)
    return (
        local_start.date() == local_end.date()
        and params.daytime_start_hour <= local_start.hour
        and local_end.hour < params.daytime_end_hour
    )


def zero_runs(
    starts: Sequence[datetime], counts: Sequence[int], interval_s: int, params: QualityParams
) -> list[Run]:
    """Runs of zero counts over consecutive daytime intervals lasting at least
    `params.zero_run_min_duration_s`: a road counting nothing for hours by day is a dead
    detector far more often than an empty road. Callers apply it to car and all-vehicle series."""
    tz = zone(params.timezone)
    need = params.zero_run_length(interval_s)
    runs = _consecutive_runs(
        starts,
        interval_s,
        lambda i: counts[i] == 0 and is_daytime(starts[i], interval_s, tz, params),
        lambda _a, _b: True,
    )
    return [r for r in runs if r.length >= need]


@dataclass(frozen=True, slots=True)
class Gap:
    """Intervals missing from a series: from `start` (inclusive) to `end` (exclusive)."""

    start: datetime
    end: datetime
    missing: int


def find_gaps(starts: Sequence[datetime], interval_s: int) -> list[Gap]:
    """The missing intervals between the first and last of `starts` (sorted, distinct)."""
    step = timedelta(seconds=interval_s)
    gaps: list[Gap] = []
    for previous, current in pairwise(starts):
        if current - previous > step:
            missing = int((current - previous) / step) - 1
            gaps.append(Gap(previous + step, current, missing))
    return gaps
