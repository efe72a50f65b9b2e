"""The pure quality checks: timestamps and zones, impossible values, stuck and zero runs, gaps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mobility.traffic.counts.quality import (
    CountFlag,
    Gap,
    QualityParams,
    Reason,
    RowProblem,
    Run,
    VehicleClass,
    check_time,
    check_values,
    find_gaps,
    flag_names,
    parse_class,
    parse_int,
    parse_speed,
    parse_timestamp,
    stuck_runs,
    zero_runs,
)

ROME = ZoneInfo("Europe/Rome")
PARAMS = QualityParams()
NOW = datetime(2026, 11, 21, 12, tzinfo=UTC)


def reason_of(call: object, *args: object) -> Reason:
    with pytest.raises(RowProblem) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value.reason


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-20T08:00:00+01:00", utc(2026, 11, 20, 7)),
        ("2026-11-20T07:00:00Z", utc(2026, 11, 20, 7)),
        ("2026-11-20 08:00:00+0100", utc(2026, 11, 20, 7)),
        ("2026-11-20T08:00:00+01:00[Europe/Rome]", utc(2026, 11, 20, 7)),
        ("2026-11-20T08:00:00[Europe/Rome]", utc(2026, 11, 20, 7)),
        ("2026-07-20 08:00:00 Europe/Rome", utc(2026, 7, 20, 6)),
    ],
)
def test_timestamps_with_offset_or_zone(text: str, expected: datetime) -> None:
    """An offset, Z, or a zone name (bracketed or trailing) makes an aware instant."""
    assert parse_timestamp(text, None) == expected


def test_naive_timestamp_needs_a_default_zone() -> None:
    """A time without offset or zone is rejected, unless a default zone is given (summer
    time applies in July, standard time in November)."""
    assert reason_of(parse_timestamp, "2026-11-20 08:00", None) is Reason.NAIVE_TIMESTAMP
    assert parse_timestamp("2026-11-20 08:00", ROME) == utc(2026, 11, 20, 7)
    assert parse_timestamp("2026-07-20 08:00", ROME) == utc(2026, 7, 20, 6)


def test_dst_gaps_and_repeats_are_not_guessed() -> None:
    """02:30 on the spring-forward night does not exist; on the fall-back night it happens
    twice: both are rejected, while with an offset the repeated hour is fine."""
    assert reason_of(parse_timestamp, "2026-03-29 02:30", ROME) is Reason.NONEXISTENT_LOCAL_TIME
    assert reason_of(parse_timestamp, "2026-10-25 02:30", ROME) is Reason.AMBIGUOUS_LOCAL_TIME
    assert parse_timestamp("2026-10-25T02:30:00+01:00", ROME) == utc(2026, 10, 25, 1, 30)


def test_bad_timestamps() -> None:
    """Garbage, an unknown zone and an offset contradicting its zone are bad timestamps."""
    assert reason_of(parse_timestamp, "yesterday", None) is Reason.BAD_TIMESTAMP
    assert reason_of(parse_timestamp, "2026-11-20T08:00[Mars/Base]", None) is Reason.BAD_TIMESTAMP
    assert (
        reason_of(parse_timestamp, "2026-11-20T08:00+02:00[Europe/Rome]", None)
        is Reason.BAD_TIMESTAMP
    )
    assert reason_of(parse_timestamp, " ", None) is Reason.MISSING_VALUE
    assert reason_of(parse_timestamp, "0001-01-01T00:00:00+01:00", None) is Reason.BAD_TIMESTAMP


def test_alignment_and_future() -> None:
    """Starts must sit on the interval grid; an interval that has not ended is in the future
    (a five-minute clock skew is tolerated)."""
    check_time(utc(2026, 11, 20, 8, 15), 900, NOW, PARAMS)
    assert reason_of(check_time, utc(2026, 11, 20, 8, 5), 900, NOW, PARAMS) is (
        Reason.MISALIGNED_TIMESTAMP
    )
    check_time(NOW - timedelta(minutes=15), 900, NOW, PARAMS)
    # Ends 4 minutes after `now`: clock skew, tolerated.
    check_time(NOW - timedelta(minutes=15), 900, NOW - timedelta(minutes=4), PARAMS)
    assert reason_of(check_time, NOW, 900, NOW, PARAMS) is Reason.FUTURE_TIMESTAMP


def test_capacity_ceiling_scales_with_interval_and_lanes() -> None:
    """3,000 veh/h/lane: 750 in 15 minutes on one lane, 1,500 on two; unknown lanes count as
    four; above the ceiling is impossible, and so is a negative count or a 300 km/h speed."""
    assert PARAMS.count_ceiling(900, 1) == 750
    assert PARAMS.count_ceiling(900, 2) == 1500
    assert PARAMS.count_ceiling(300, None) == 1000
    assert check_values(750, 90.0, 900, 1, PARAMS) == 0
    assert reason_of(check_values, 751, None, 900, 1, PARAMS) is Reason.IMPOSSIBLE_COUNT
    assert reason_of(check_values, -1, None, 900, 1, PARAMS) is Reason.NEGATIVE_COUNT
    assert reason_of(check_values, 10, 300.0, 900, 1, PARAMS) is Reason.IMPOSSIBLE_SPEED
    assert reason_of(check_values, 10, -1.0, 900, 1, PARAMS) is Reason.IMPOSSIBLE_SPEED
    assert check_values(0, 40.0, 900, 1, PARAMS) == CountFlag.SPEED_WITHOUT_VEHICLES


def test_value_parsing() -> None:
    """Counts are whole numbers ("12.0" from spreadsheets is 12); speeds take a decimal comma;
    classes are the small known set, case-insensitive."""
    assert parse_int("12.0", "count") == 12
    assert reason_of(parse_int, "12.5", "count") is Reason.BAD_COUNT
    assert reason_of(parse_int, "many", "count") is Reason.BAD_COUNT
    assert reason_of(parse_int, "", "count") is Reason.MISSING_VALUE
    assert parse_speed("50,5") == 50.5
    assert parse_speed("") is None
    assert reason_of(parse_speed, "fast") is Reason.BAD_SPEED
    assert parse_class(" Truck ") is VehicleClass.TRUCK
    assert reason_of(parse_class, "tractor") is Reason.UNKNOWN_CLASS


def series(start: datetime, step_s: int, n: int) -> list[datetime]:
    return [start + timedelta(seconds=step_s * i) for i in range(n)]


def test_stuck_runs_need_length_and_duration() -> None:
    """With 15-minute data four equal non-zero values (an hour) are a stuck run; three are
    not; zeros never are; a missing interval breaks a run."""
    starts = series(utc(2026, 11, 20, 8), 900, 10)
    counts = [5, 7, 7, 7, 7, 3, 3, 3, 0, 0]
    assert stuck_runs(starts, counts, 900, PARAMS) == [Run(1, 4)]
    with_gap = starts[:3] + starts[4:]
    # Five 7s broken by a missing interval into 3 + 2: not stuck; the four 1s after are.
    assert stuck_runs(with_gap, [7, 7, 7, 7, 7, 1, 1, 1, 1], 900, PARAMS) == [Run(5, 8)]
    # 5-minute data: a run must last an hour, 12 intervals.
    five = series(utc(2026, 11, 20, 8), 300, 12)
    assert stuck_runs(five[:11], [4] * 11, 300, PARAMS) == []
    assert stuck_runs(five, [4] * 12, 300, PARAMS) == [Run(0, 11)]


def test_zero_runs_only_by_day() -> None:
    """Two hours of zeros by day (local time) are a zero run; the same at night is not."""
    day = series(datetime(2026, 11, 20, 10, tzinfo=ROME), 900, 8)
    assert zero_runs(day, [0] * 8, 900, PARAMS) == [Run(0, 7)]
    assert zero_runs(day[:7], [0] * 7, 900, PARAMS) == []
    night = series(datetime(2026, 11, 20, 1, tzinfo=ROME), 900, 12)
    assert zero_runs(night, [0] * 12, 900, PARAMS) == []


def test_gaps_are_reported_not_filled() -> None:
    """Missing intervals between observations are reported with their count."""
    starts = series(utc(2026, 11, 20, 8), 900, 6)
    kept = [starts[0], starts[1], starts[4], starts[5]]
    assert find_gaps(kept, 900) == [Gap(starts[2], starts[4], 2)]
    assert find_gaps(starts, 900) == []


def test_params_validate_themselves() -> None:
    """Nonsense thresholds fail at construction, with a message."""
    with pytest.raises(ValueError, match="daytime"):
        QualityParams(daytime_start_hour=20, daytime_end_hour=7)
    with pytest.raises(ValueError, match="time zone"):
        QualityParams(timezone="Mars/Base")
    assert flag_names(CountFlag.STUCK | CountFlag.INCOMPLETE) == ["stuck", "incomplete"]
