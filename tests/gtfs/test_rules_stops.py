"""stops.txt rules: per location_type fields, the parent hierarchy, coordinates, usage."""

from __future__ import annotations

from pathlib import Path

import pytest

from gtfs.schedule.notices import Severity
from tests.gtfs.feeds import GOOD, assert_notice, check, line_of, replace

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
FILE = "stops.txt"


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("S1,101,Corso Buenos Aires,", "S1,101,,", "stop_name"),
        ("ST,,Genova Brignole,,44.4065,", "ST,,Genova Brignole,,,", "stop_lat"),
        ("44.4064,8.9460,,2", "44.4064,,,2", "stop_lon"),
    ],
)
def test_stop_station_entrance_need_name_and_position(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    """Stops, stations and entrances must have stop_name, stop_lat and stop_lon."""
    report = check(tmp_path, {FILE: replace(FILE, old, new)})
    assert_notice(report, "missing_required_field", ERROR, FILE, line_of(FILE, old), field)


def test_boarding_area_needs_no_name_or_position() -> None:
    """The good feed's boarding area has neither name nor coordinates (see the good-feed test)."""
    assert "B2,,Binario 2 settore A,,,,,4" in GOOD[FILE]


@pytest.mark.parametrize("stop", ["E1", "B2"])
def test_entrance_and_boarding_area_need_a_parent(tmp_path: Path, stop: str) -> None:
    """Entrances, generic nodes and boarding areas must have a parent_station."""
    line = next(x for x in GOOD[FILE].splitlines() if x.startswith(stop + ","))
    fields = line.split(",")
    fields[8] = ""
    report = check(tmp_path, {FILE: replace(FILE, line, ",".join(fields))})
    assert_notice(
        report,
        "location_without_parent_station",
        ERROR,
        FILE,
        line_of(FILE, line),
        "parent_station",
    )


def test_station_with_parent(tmp_path: Path) -> None:
    """A station must not have a parent_station."""
    report = check(tmp_path, {FILE: replace(FILE, ",1,,,1,,\n", ",1,S1,,1,,\n")})
    notice = assert_notice(report, "station_with_parent_station", ERROR, FILE, 2, "parent_station")
    assert notice.value == "S1"


@pytest.mark.parametrize(
    ("stop", "parent"),
    [("P1", "S1"), ("E1", "P2"), ("B2", "ST")],
)
def test_parent_of_the_wrong_type(tmp_path: Path, stop: str, parent: str) -> None:
    """Platforms and entrances hang from a station, boarding areas from a platform."""
    line = next(x for x in GOOD[FILE].splitlines() if x.startswith(stop + ","))
    fields = line.split(",")
    fields[8] = parent
    report = check(tmp_path, {FILE: replace(FILE, line, ",".join(fields))})
    notice = assert_notice(
        report, "wrong_parent_location_type", ERROR, FILE, line_of(FILE, line), "parent_station"
    )
    assert notice.value == parent


def test_stop_near_origin(tmp_path: Path) -> None:
    """A stop at (0, 0) is a placeholder position."""
    report = check(tmp_path, {FILE: replace(FILE, "44.3805,9.0376", "0.0,0.0")})
    assert_notice(report, "point_near_origin", ERROR, FILE, line_of(FILE, "S3,"), "stop_lat")


def test_stop_near_pole(tmp_path: Path) -> None:
    """A stop within a degree of a pole has swapped or broken coordinates."""
    report = check(tmp_path, {FILE: replace(FILE, "44.3805,9.0376", "89.5,9.0376")})
    assert_notice(report, "point_near_pole", ERROR, FILE, line_of(FILE, "S3,"), "stop_lat")


def test_child_with_its_own_timezone(tmp_path: Path) -> None:
    """A platform's stop_timezone is ignored (the station's applies): a warning."""
    stops = replace(FILE, "Z1,0,ST,,1,L1,1", "Z1,0,ST,Europe/London,1,L1,1")
    report = check(tmp_path, {FILE: stops})
    assert_notice(
        report, "child_stop_timezone_ignored", WARNING, FILE, line_of(FILE, "P1,"), "stop_timezone"
    )


def test_child_timezone_equal_to_the_inherited_one(tmp_path: Path) -> None:
    """A platform whose stop_timezone is the one it inherits anyway is fine."""
    stops = replace(FILE, "Z1,0,ST,,1,L1,1", "Z1,0,ST,Europe/Rome,1,L1,1")
    assert check(tmp_path, {FILE: stops}).notices.find("child_stop_timezone_ignored") == []


def test_platform_without_station(tmp_path: Path) -> None:
    """A stop with a platform_code but no parent station is an info."""
    report = check(tmp_path, {FILE: replace(FILE, "Z1,0,,,1,,\n", "Z1,0,,,1,,A\n")})
    assert_notice(
        report,
        "platform_without_parent_station",
        INFO,
        FILE,
        line_of(FILE, "S1,"),
        "parent_station",
    )


def test_description_repeats_name(tmp_path: Path) -> None:
    """stop_desc equal to stop_name (any case) is a warning."""
    report = check(tmp_path, {FILE: replace(FILE, "102,Sturla,,", "102,Sturla,STURLA,")})
    assert_notice(
        report,
        "same_name_and_description_for_stop",
        WARNING,
        FILE,
        line_of(FILE, "S2,"),
        "stop_desc",
    )


def test_station_without_platforms(tmp_path: Path) -> None:
    """A station with no stop or platform is an info."""
    stops = GOOD[FILE] + "ST2,,Quarto,,44.39,9.00,,1,,,,,\n"
    report = check(tmp_path, {FILE: stops})
    assert_notice(report, "unused_station", INFO, FILE, len(stops.splitlines()), "stop_id")


def test_stop_without_stop_times(tmp_path: Path) -> None:
    """A stop no trip serves is a warning."""
    stops = GOOD[FILE] + "S4,104,Quinto,,44.38,9.02,Z2,0,,,,,\n"
    report = check(tmp_path, {FILE: stops})
    assert_notice(
        report, "stop_without_stop_time", WARNING, FILE, len(stops.splitlines()), "stop_id"
    )
    assert report.valid
