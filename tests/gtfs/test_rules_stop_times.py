"""stop_times.txt rules: times and distances along a trip, trip edges, served locations, and
files that are not sorted or grouped by trip."""

from __future__ import annotations

from pathlib import Path

from gtfs.schedule.notices import Severity
from tests.gtfs.feeds import GOOD, assert_notice, check, errors, line_of, replace

ERROR, WARNING = Severity.ERROR, Severity.WARNING
FILE = "stop_times.txt"
HEADER = GOOD[FILE].splitlines()[0]


def _rows(trip: str) -> list[str]:
    return [r for r in GOOD[FILE].splitlines()[1:] if r.startswith(trip + ",")]


def _file(rows: list[str]) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def test_arrival_before_previous_departure(tmp_path: Path) -> None:
    """Arriving at a stop before leaving the previous one is an error."""
    text = replace(FILE, "T2,09:15:00,09:15:00", "T2,08:59:00,09:15:00")
    report = check(tmp_path, {FILE: text})
    notice = assert_notice(
        report,
        "stop_time_with_arrival_before_previous_departure_time",
        ERROR,
        FILE,
        line_of(FILE, "T2,09:15"),
        "arrival_time",
    )
    assert notice.value == "08:59:00"
    assert (notice.context or {})["prev_line"] == line_of(FILE, "T2,09:00")


def test_only_arrival_time(tmp_path: Path) -> None:
    """A stop time with an arrival but no departure is an error on the missing field."""
    text = replace(FILE, "T1,,,S2", "T1,08:10:00,,S2")
    report = check(tmp_path, {FILE: text})
    assert_notice(
        report,
        "stop_time_with_only_arrival_or_departure_time",
        ERROR,
        FILE,
        line_of(FILE, "T1,,,S2"),
        "departure_time",
    )


def test_departure_before_arrival(tmp_path: Path) -> None:
    """Leaving a stop before arriving there is an error."""
    text = replace(FILE, "T1,08:30:00,08:31:00", "T1,08:30:00,08:29:00")
    report = check(tmp_path, {FILE: text})
    assert_notice(
        report,
        "stop_time_with_departure_before_arrival_time",
        ERROR,
        FILE,
        line_of(FILE, "T1,08:30"),
        "departure_time",
    )


def test_intermediate_stop_without_times_is_fine(tmp_path: Path) -> None:
    """An intermediate stop with neither time (times are interpolated) is valid."""
    assert "T1,,,S2,2,3.1,0" in GOOD[FILE]
    assert errors(check(tmp_path)) == []


def test_last_stop_without_times(tmp_path: Path) -> None:
    """The last stop of a trip must have both times: missing_trip_edge for each."""
    text = replace(FILE, "T2,09:30:00,09:30:00,S1,3,,1", "T2,,,S1,3,,0")
    report = check(tmp_path, {FILE: text})
    line = line_of(FILE, "T2,09:30")
    found = [
        (n.severity, n.file, n.line, n.field) for n in report.notices.find("missing_trip_edge")
    ]
    assert found == [(ERROR, FILE, line, "arrival_time"), (ERROR, FILE, line, "departure_time")]


def test_first_stop_without_departure(tmp_path: Path) -> None:
    """The first stop of a trip must have a departure_time."""
    text = replace(FILE, "T4,10:00:00,10:00:00", "T4,10:00:00,")
    report = check(tmp_path, {FILE: text})
    assert_notice(
        report, "missing_trip_edge", ERROR, FILE, line_of(FILE, "T4,10:00"), "departure_time"
    )


def test_timepoint_without_times(tmp_path: Path) -> None:
    """timepoint=1 promises exact times, so both must be given."""
    text = replace(FILE, "T1,,,S2,2,3.1,0", "T1,,,S2,2,3.1,1")
    report = check(tmp_path, {FILE: text})
    assert_notice(
        report,
        "stop_time_timepoint_without_times",
        ERROR,
        FILE,
        line_of(FILE, "T1,,,S2"),
        "timepoint",
    )


def test_distance_that_does_not_increase(tmp_path: Path) -> None:
    """shape_dist_traveled equal to the previous stop's is an error."""
    text = replace(FILE, "S3,3,7.5,1", "S3,3,3.1,1")
    report = check(tmp_path, {FILE: text})
    assert_notice(
        report,
        "decreasing_or_equal_stop_time_distance",
        ERROR,
        FILE,
        line_of(FILE, "S3,3,7.5"),
        "shape_dist_traveled",
    )


def test_distance_that_decreases(tmp_path: Path) -> None:
    """shape_dist_traveled below the previous stop's is an error."""
    text = replace(FILE, "S3,3,7.5,1", "S3,3,2.0,1")
    report = check(tmp_path, {FILE: text})
    assert_notice(
        report,
        "decreasing_or_equal_stop_time_distance",
        ERROR,
        FILE,
        line_of(FILE, "S3,3,7.5"),
        "shape_dist_traveled",
    )


def test_station_in_stop_times(tmp_path: Path) -> None:
    """stop_times must serve stops or platforms, not a station."""
    text = replace(FILE, "T4,10:00:00,10:00:00,P2", "T4,10:00:00,10:00:00,ST")
    report = check(tmp_path, {FILE: text})
    notice = assert_notice(
        report,
        "location_with_unexpected_stop_time",
        ERROR,
        FILE,
        line_of(FILE, "T4,10:00"),
        "stop_id",
    )
    assert notice.value == "ST"


def test_stop_time_without_any_location(tmp_path: Path) -> None:
    """A stop time needs stop_id when it has no GTFS-Flex location either."""
    text = replace(FILE, "T1,,,S2,", "T1,,,,")
    report = check(tmp_path, {FILE: text})
    assert_notice(
        report, "missing_required_field", ERROR, FILE, line_of(FILE, "T1,,,S2"), "stop_id"
    )


def test_rows_out_of_sequence_order(tmp_path: Path) -> None:
    """The rows of a trip may come in any stop_sequence order."""
    rows = [r for t in ("T1", "T2", "T3", "T4") for r in reversed(_rows(t))]
    assert (
        check(tmp_path, {FILE: _file(rows)}).notices.all_samples()
        == check(tmp_path / "sorted").notices.all_samples()
    )


def test_trips_interleaved_row_by_row(tmp_path: Path) -> None:
    """A file not grouped by trip gives the same notices as a grouped one."""
    groups = [_rows(t) for t in ("T1", "T2", "T3", "T4")]
    rows = [r for i in range(3) for g in groups for r in g[i : i + 1]]
    report = check(tmp_path, {FILE: _file(rows)})
    assert errors(report) == []
    assert report.notices.codes() == check(tmp_path / "grouped").notices.codes()


def test_error_across_the_parts_of_a_split_trip(tmp_path: Path) -> None:
    """A trip whose rows are in two places is checked as one trip (second pass)."""
    t1 = _rows("T1")
    late = t1[1].replace("T1,,,S2", "T1,09:00:00,09:00:00,S2")  # after S3's 08:31 departure
    rows = [t1[0], t1[2], *_rows("T2"), late, *_rows("T3"), *_rows("T4")]
    text = _file(rows)
    report = check(tmp_path, {FILE: text})
    notice = assert_notice(
        report,
        "stop_time_with_arrival_before_previous_departure_time",
        ERROR,
        FILE,
        line_of(FILE, "T1,08:30", text),
        "arrival_time",
    )
    assert (notice.context or {})["prev_line"] == line_of(FILE, "T1,09:00", text)


def test_split_trip_in_order_is_fine(tmp_path: Path) -> None:
    """A trip whose rows continue later in the file, in order, is valid."""
    t1 = _rows("T1")
    rows = [t1[0], *_rows("T2"), t1[1], *_rows("T3"), t1[2], *_rows("T4")]
    assert errors(check(tmp_path, {FILE: _file(rows)})) == []


def test_edge_of_a_split_trip(tmp_path: Path) -> None:
    """The last stop of a trip split across the file is the one with the highest sequence."""
    t1 = _rows("T1")
    last = t1[2].replace("T1,08:30:00,08:31:00", "T1,,")
    rows = [last, *_rows("T2"), t1[0], t1[1], *_rows("T3"), *_rows("T4")]
    text = _file(rows)
    report = check(tmp_path, {FILE: text})
    assert [(n.line, n.field) for n in report.notices.find("missing_trip_edge")] == [
        (2, "arrival_time"),
        (2, "departure_time"),
    ]


def test_invalid_stop_sequence_is_left_out(tmp_path: Path) -> None:
    """A row whose stop_sequence is not a number is reported once and left out of the checks."""
    text = replace(FILE, "T1,,,S2,2,", "T1,,,S2,two,")
    report = check(tmp_path, {FILE: text})
    assert {n.code for n in errors(report)} == {"invalid_integer"}


def test_single_row_with_invalid_stop_sequence(tmp_path: Path) -> None:
    """A trip whose only row has an invalid stop_sequence does not break the checks."""
    text = replace(FILE, "T4,10:15:00,10:15:00,S3,2,,1\n", "").replace("P2,1,,1", "P2,x,,1")
    report = check(tmp_path, {FILE: text})
    assert {n.code for n in errors(report)} == {"invalid_integer"}
