"""shapes.txt rules: distances along a shape, placeholder points, one-point and unused shapes."""

from __future__ import annotations

from pathlib import Path

from gtfs.schedule.notices import Severity
from tests.gtfs.feeds import GOOD, assert_notice, check, errors, line_of, replace

ERROR, WARNING = Severity.ERROR, Severity.WARNING
FILE = "shapes.txt"
LAST = "SH1,44.3805,9.0376,3,7.5"


def test_distance_that_decreases(tmp_path: Path) -> None:
    """shape_dist_traveled below the previous point's is an error."""
    report = check(tmp_path, {FILE: replace(FILE, LAST, "SH1,44.3805,9.0376,3,3.0")})
    notice = assert_notice(
        report, "decreasing_shape_distance", ERROR, FILE, line_of(FILE, LAST), "shape_dist_traveled"
    )
    assert (notice.context or {})["prev_line"] == line_of(FILE, "SH1,44.3952")


def test_equal_distance_at_another_point(tmp_path: Path) -> None:
    """The same distance at a point that moved is an error."""
    report = check(tmp_path, {FILE: replace(FILE, LAST, "SH1,44.3805,9.0376,3,3.1")})
    assert_notice(
        report,
        "equal_shape_distance_diff_coordinates",
        ERROR,
        FILE,
        line_of(FILE, LAST),
        "shape_dist_traveled",
    )


def test_repeated_point(tmp_path: Path) -> None:
    """A point repeated with its distance is only a warning."""
    report = check(tmp_path, {FILE: replace(FILE, LAST, LAST + "\nSH1,44.3805,9.0376,4,7.5")})
    assert_notice(
        report,
        "equal_shape_distance_same_coordinates",
        WARNING,
        FILE,
        line_of(FILE, LAST) + 1,
        "shape_dist_traveled",
    )
    assert report.valid


def test_points_out_of_sequence_order(tmp_path: Path) -> None:
    """Points may come in any shape_pt_sequence order."""
    lines = GOOD[FILE].splitlines()
    text = "\n".join([lines[0], *reversed(lines[1:])]) + "\n"
    reversed_report = check(tmp_path, {FILE: text})
    assert reversed_report.notices.all_samples() == check(tmp_path / "good").notices.all_samples()


def test_shape_with_one_point(tmp_path: Path) -> None:
    """A shape of a single point is a warning."""
    shapes = GOOD[FILE] + "SH3,44.4066,8.9462,1,\n"
    trips = replace("trips.txt", "R2,HOL,T4,Nervi,0,,", "R2,HOL,T4,Nervi,0,,SH3")
    report = check(tmp_path, {FILE: shapes, "trips.txt": trips})
    assert_notice(report, "single_shape_point", WARNING, FILE, 8, "shape_id")
    assert report.notices.find("unused_shape") == []


def test_shape_no_trip_uses(tmp_path: Path) -> None:
    """A shape that no trip references is a warning."""
    shapes = GOOD[FILE] + "SH3,44.4066,8.9462,1,\nSH3,44.4067,8.9463,2,\n"
    report = check(tmp_path, {FILE: shapes})
    notice = assert_notice(report, "unused_shape", WARNING, FILE, 8, "shape_id")
    assert notice.value == "SH3"


def test_shape_point_near_origin(tmp_path: Path) -> None:
    """A shape point at (0, 0) is an error."""
    report = check(tmp_path, {FILE: replace(FILE, "SH2,44.4031,8.9498", "SH2,0.0,0.0")})
    assert_notice(
        report, "point_near_origin", ERROR, FILE, line_of(FILE, "SH2,44.4031"), "shape_pt_lat"
    )
    assert {n.code for n in errors(report)} == {"point_near_origin"}


def test_error_across_the_parts_of_a_split_shape(tmp_path: Path) -> None:
    """A shape whose points are in two places of the file is checked as one shape."""
    lines = GOOD[FILE].splitlines()
    sh1, sh2 = lines[1:4], lines[4:]
    late = sh1[1].replace(",2,3.1", ",2,9.0")  # beyond the third point's 7.5
    text = "\n".join([lines[0], sh1[0], sh1[2], *sh2, late]) + "\n"
    report = check(tmp_path, {FILE: text})
    notice = assert_notice(
        report, "decreasing_shape_distance", ERROR, FILE, 3, "shape_dist_traveled"
    )
    assert (notice.context or {})["prev_line"] == 7
