"""frequencies.txt rules: windows run forwards and do not overlap."""

from __future__ import annotations

from pathlib import Path

from gtfs.schedule.notices import Severity
from tests.gtfs.feeds import GOOD, assert_notice, check, replace

ERROR = Severity.ERROR
FILE = "frequencies.txt"
HEADER = GOOD[FILE].splitlines()[0]


def test_window_that_ends_before_it_starts(tmp_path: Path) -> None:
    """A frequency window whose end_time precedes its start_time is out of order."""
    report = check(tmp_path, {FILE: replace(FILE, "T4,10:00:00,12:00:00", "T4,10:00:00,09:00:00")})
    notice = assert_notice(report, "start_and_end_range_out_of_order", ERROR, FILE, 2, "start_time")
    assert notice.value == "10:00:00"


def test_empty_window(tmp_path: Path) -> None:
    """A frequency window that ends when it starts is an error."""
    report = check(tmp_path, {FILE: replace(FILE, "T4,10:00:00,12:00:00", "T4,10:00:00,10:00:00")})
    assert_notice(report, "start_and_end_range_equal", ERROR, FILE, 2, "start_time")


def test_overlapping_windows(tmp_path: Path) -> None:
    """Two windows of a trip that overlap are an error on the later one."""
    report = check(tmp_path, {FILE: replace(FILE, "T4,12:00:00,14:00:00", "T4,11:00:00,14:00:00")})
    notice = assert_notice(report, "overlapping_frequency", ERROR, FILE, 3, "start_time")
    assert (notice.context or {})["prev_line"] == 2


def test_window_inside_a_long_one(tmp_path: Path) -> None:
    """Every window inside a longer one overlaps it, not only the first."""
    text = (
        f"{HEADER}\nT4,06:00:00,20:00:00,600,0\nT4,08:00:00,09:00:00,300,0\n"
        "T4,10:00:00,11:00:00,300,0\n"
    )
    report = check(tmp_path, {FILE: text})
    found = [
        (n.line, (n.context or {})["prev_line"])
        for n in report.notices.find("overlapping_frequency")
    ]
    assert found == [(3, 2), (4, 2)]


def test_windows_that_touch(tmp_path: Path) -> None:
    """A window may start exactly when the previous one ends (the good feed does)."""
    assert "T4,10:00:00,12:00:00" in GOOD[FILE]
    assert "T4,12:00:00,14:00:00" in GOOD[FILE]
    assert check(tmp_path).notices.find("overlapping_frequency") == []
