"""pathways.txt rules: endpoints, exit gates, stairs, elevators and levels, reachability."""

from __future__ import annotations

from pathlib import Path

from gtfs.schedule.notices import Severity
from tests.gtfs.feeds import GOOD, assert_notice, check, line_of, replace

ERROR, WARNING = Severity.ERROR, Severity.WARNING
FILE = "pathways.txt"


def test_pathway_to_a_station(tmp_path: Path) -> None:
    """A pathway must not end at a station."""
    report = check(tmp_path, {FILE: replace(FILE, "PW1,E1,P1,", "PW1,E1,ST,")})
    notice = assert_notice(report, "pathway_to_wrong_location_type", ERROR, FILE, 2, "to_stop_id")
    assert notice.value == "ST"


def test_pathway_to_a_platform_with_boarding_areas(tmp_path: Path) -> None:
    """A platform with boarding areas is reached through them, not directly."""
    report = check(tmp_path, {FILE: replace(FILE, "PW2,E1,B2,", "PW2,E1,P2,")})
    assert_notice(
        report,
        "pathway_to_platform_with_boarding_areas",
        ERROR,
        FILE,
        line_of(FILE, "PW2"),
        "to_stop_id",
    )


def test_two_way_exit_gate(tmp_path: Path) -> None:
    """An exit gate (pathway_mode 7) must be one-way."""
    report = check(tmp_path, {FILE: replace(FILE, "PW3,P1,E1,7,0", "PW3,P1,E1,7,1")})
    assert_notice(
        report, "bidirectional_exit_gates", ERROR, FILE, line_of(FILE, "PW3"), "is_bidirectional"
    )


def test_stairs_without_stair_count(tmp_path: Path) -> None:
    """Stairs should say how many steps they have."""
    report = check(tmp_path, {FILE: replace(FILE, ",90,-24", ",90,")})
    assert_notice(
        report, "missing_recommended_field", WARNING, FILE, line_of(FILE, "PW2"), "stair_count"
    )
    assert report.valid


def test_elevator_without_levels(tmp_path: Path) -> None:
    """Elevators need levels.txt: a warning without it."""
    stops = GOOD["stops.txt"].replace(",L1,", ",,").replace(",L0,", ",,")
    report = check(tmp_path, {"stops.txt": stops}, drop=("levels.txt",))
    assert_notice(report, "missing_level_file", WARNING, FILE, line_of(FILE, "PW4"), "pathway_mode")
    assert report.valid


def test_pathway_loop(tmp_path: Path) -> None:
    """A pathway from a location to itself is a warning."""
    report = check(tmp_path, {FILE: GOOD[FILE] + "PW5,E1,E1,1,1,,,\n"})
    assert_notice(report, "pathway_loop", WARNING, FILE, 6, "to_stop_id")


def test_platform_that_no_entrance_reaches(tmp_path: Path) -> None:
    """With pathways in a station, a platform one can walk to but not leave is an error."""
    pathways = replace(FILE, "PW1,E1,P1,1,1", "PW1,E1,P1,1,0").replace("PW3,P1,E1,7,0,,10,\n", "")
    report = check(tmp_path, {FILE: pathways})
    notice = assert_notice(
        report,
        "pathway_unreachable_location",
        ERROR,
        "stops.txt",
        line_of("stops.txt", "P1,"),
        "stop_id",
    )
    assert notice.value == "P1"
