"""transfers.txt rules: fields each transfer_type needs, stop types, trips, routes and stops."""

from __future__ import annotations

from pathlib import Path

import pytest

from gtfs.schedule.notices import Severity
from tests.gtfs.feeds import GOOD, assert_notice, check, errors

ERROR, WARNING = Severity.ERROR, Severity.WARNING
FILE = "transfers.txt"


def _with(row: str) -> str:
    return GOOD[FILE] + row + "\n"


LINE = len(GOOD[FILE].splitlines()) + 1  # the added row


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (",P2,,,,,2,120", "from_stop_id"),
        ("S1,,,,,,1,", "to_stop_id"),
        ("S1,,,,,,3,", "to_stop_id"),
    ],
)
def test_stop_to_stop_types_need_both_stops(tmp_path: Path, row: str, field: str) -> None:
    """Transfer types 1, 2 and 3 need from_stop_id and to_stop_id."""
    report = check(tmp_path, {FILE: _with(row)})
    assert_notice(report, "missing_required_field", ERROR, FILE, LINE, field)


def test_recommended_transfer_without_stops_or_trips(tmp_path: Path) -> None:
    """A type 0 transfer naming neither stops nor trips misses both stops."""
    report = check(tmp_path, {FILE: _with(",,R1,R2,,,0,")})
    found = [(n.line, n.field) for n in report.notices.find("missing_required_field")]
    assert found == [(LINE, "from_stop_id"), (LINE, "to_stop_id")]


def test_recommended_transfer_between_trips_needs_no_stops(tmp_path: Path) -> None:
    """A type 0 transfer between two trips may leave the stops out."""
    assert errors(check(tmp_path, {FILE: _with(",,,,T3,T4,0,")})) == []


@pytest.mark.parametrize("field", ["from_trip_id", "to_trip_id"])
def test_in_seat_transfer_needs_both_trips(tmp_path: Path, field: str) -> None:
    """Transfer types 4 and 5 (in-seat) need from_trip_id and to_trip_id."""
    row = ",,,,,T2,5," if field == "from_trip_id" else ",,,,T1,,4,"
    report = check(tmp_path, {FILE: _with(row)})
    assert_notice(report, "missing_required_field", ERROR, FILE, LINE, field)


def test_transfer_at_an_entrance(tmp_path: Path) -> None:
    """A transfer between an entrance and a stop uses the wrong location type."""
    report = check(tmp_path, {FILE: _with("E1,S1,,,,,2,120")})
    notice = assert_notice(
        report, "transfer_with_invalid_stop_location_type", ERROR, FILE, LINE, "from_stop_id"
    )
    assert notice.value == "E1"


def test_in_seat_transfer_at_a_station(tmp_path: Path) -> None:
    """An in-seat transfer must name stops, not stations."""
    report = check(tmp_path, {FILE: _with("S2,ST,,,T3,T4,4,")})
    assert_notice(
        report, "transfer_with_invalid_stop_location_type", ERROR, FILE, LINE, "to_stop_id"
    )


def test_minimum_time_transfer_without_time(tmp_path: Path) -> None:
    """transfer_type 2 without min_transfer_time is a warning."""
    report = check(tmp_path, {FILE: _with("S2,S3,,,,,2,")})
    assert_notice(report, "missing_recommended_field", WARNING, FILE, LINE, "min_transfer_time")
    assert report.valid


def test_trip_of_another_route(tmp_path: Path) -> None:
    """from_trip_id must belong to from_route_id when both are given."""
    report = check(tmp_path, {FILE: _with("S3,S3,R2,,T1,T2,4,")})
    assert_notice(
        report, "transfer_with_invalid_trip_and_route", ERROR, FILE, LINE, "from_route_id"
    )


def test_trip_that_does_not_serve_the_stop(tmp_path: Path) -> None:
    """from_trip_id must serve from_stop_id (read again from stop_times)."""
    report = check(tmp_path, {FILE: _with("S3,P2,,,T3,T4,4,")})
    notice = assert_notice(
        report, "transfer_with_invalid_trip_and_stop", ERROR, FILE, LINE, "from_stop_id"
    )
    assert notice.value == "S3"


def test_in_seat_transfer_in_the_middle_of_a_trip(tmp_path: Path) -> None:
    """An in-seat transfer from a stop the trip serves, but not its last, is a warning."""
    report = check(tmp_path, {FILE: _with("S2,S3,,,T1,T2,4,")})
    assert_notice(
        report, "transfer_with_suspicious_mid_trip_in_seat", WARNING, FILE, LINE, "from_stop_id"
    )
    assert report.valid


def test_station_stands_for_its_platforms(tmp_path: Path) -> None:
    """A trip serving a platform of a station serves the station for transfers."""
    assert errors(check(tmp_path, {FILE: _with("ST,S1,,,T3,,0,")})) == []


def test_duplicate_transfer(tmp_path: Path) -> None:
    """Two transfers with the same stops, trips and routes are a duplicate key."""
    report = check(tmp_path, {FILE: _with("S1,P1,,,,,2,240")})
    notice = assert_notice(report, "duplicate_key", ERROR, FILE, LINE, "from_stop_id")
    assert (notice.context or {})["first_line"] == 2
