"""trips.txt rules: trips without stop times, blocks whose trips overlap, shapes."""

from __future__ import annotations

from pathlib import Path

from gtfs.schedule.notices import Severity
from tests.gtfs.feeds import GOOD, assert_notice, check, line_of, replace

ERROR, WARNING = Severity.ERROR, Severity.WARNING
TRIPS, STOP_TIMES = "trips.txt", "stop_times.txt"


def test_trip_with_one_stop_time(tmp_path: Path) -> None:
    """A trip with a single stop time is unusable: a warning on its trips.txt row."""
    stop_times = replace(STOP_TIMES, "T4,10:15:00,10:15:00,S3,2,,1\n", "")
    report = check(tmp_path, {STOP_TIMES: stop_times})
    notice = assert_notice(report, "unusable_trip", WARNING, TRIPS, line_of(TRIPS, "T4"), "trip_id")
    assert notice.value == "T4"


def test_trip_without_stop_times(tmp_path: Path) -> None:
    """A trip that stop_times.txt never mentions is a warning."""
    trips = GOOD[TRIPS] + "R1,WD,T5,Nervi,0,,SH1\n"
    report = check(tmp_path, {TRIPS: trips})
    assert_notice(report, "unused_trip", WARNING, TRIPS, 6, "trip_id")
    assert report.valid


def test_block_trips_that_overlap(tmp_path: Path) -> None:
    """Two trips of one block running at the same time on a same day is an error."""
    stop_times = (
        GOOD[STOP_TIMES]
        .replace("T2,09:00:00,09:00:00", "T2,08:20:00,08:20:00")
        .replace("T2,09:15:00,09:15:00", "T2,08:35:00,08:35:00")
        .replace("T2,09:30:00,09:30:00", "T2,08:50:00,08:50:00")
    )
    report = check(tmp_path, {STOP_TIMES: stop_times})
    notice = assert_notice(
        report,
        "block_trips_with_overlapping_stop_times",
        ERROR,
        TRIPS,
        line_of(TRIPS, "T2"),
        "block_id",
    )
    assert (notice.context or {})["other_trip_id"] == "T1"
    assert (notice.context or {})["date"] == "20240102"


def test_block_trips_on_different_days_may_overlap_in_time(tmp_path: Path) -> None:
    """Trips of a block on services that never share a day do not overlap."""
    stop_times = GOOD[STOP_TIMES].replace("T2,09:", "T2,08:")
    trips = replace(TRIPS, "R1,WD,T2", "R1,WE,T2")
    report = check(tmp_path, {STOP_TIMES: stop_times, TRIPS: trips})
    assert report.notices.find("block_trips_with_overlapping_stop_times") == []


def test_distances_without_a_shape(tmp_path: Path) -> None:
    """shape_dist_traveled on a trip without shape_id is a warning."""
    stop_times = replace(STOP_TIMES, "P2,1,,1", "P2,1,0,1")
    report = check(tmp_path, {STOP_TIMES: stop_times})
    assert_notice(
        report,
        "shape_dist_traveled_without_shape",
        WARNING,
        STOP_TIMES,
        line_of(STOP_TIMES, "T4,10:00"),
        "shape_dist_traveled",
    )
