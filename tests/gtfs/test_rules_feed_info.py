"""feed_info.txt rules: one row, a forward date range; expiry is only an info."""

from __future__ import annotations

from pathlib import Path

from gtfs.schedule.notices import Severity
from tests.gtfs.feeds import GOOD, assert_notice, check, replace

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
FILE = "feed_info.txt"
DATES = ",20240101,20241231,"


def test_end_before_start(tmp_path: Path) -> None:
    """feed_end_date before feed_start_date is out of order."""
    report = check(tmp_path, {FILE: replace(FILE, DATES, ",20241231,20240101,")})
    assert_notice(report, "start_and_end_range_out_of_order", ERROR, FILE, 2, "feed_start_date")


def test_expired_feed_is_only_info(tmp_path: Path) -> None:
    """A feed that ended long ago is valid: historic feeds are imported on purpose."""
    report = check(tmp_path, {FILE: replace(FILE, DATES, ",19990101,19991231,")})
    assert_notice(report, "feed_expired", INFO, FILE, 2, "feed_end_date")
    assert report.notices.count(WARNING) == 0
    assert report.valid


def test_future_feed_is_only_info(tmp_path: Path) -> None:
    """A feed that starts in the future is valid."""
    report = check(tmp_path, {FILE: replace(FILE, DATES, ",29990101,29991231,")})
    assert_notice(report, "feed_not_yet_valid", INFO, FILE, 2, "feed_start_date")
    assert report.valid


def test_only_one_date(tmp_path: Path) -> None:
    """feed_start_date without feed_end_date is a warning."""
    report = check(tmp_path, {FILE: replace(FILE, DATES, ",20240101,,")})
    assert_notice(report, "missing_feed_info_date", WARNING, FILE, 2, "feed_end_date")


def test_two_rows(tmp_path: Path) -> None:
    """feed_info.txt has a single row: a second one is a warning."""
    report = check(tmp_path, {FILE: GOOD[FILE] + GOOD[FILE].splitlines()[1] + "\n"})
    assert_notice(report, "more_than_one_entity", WARNING, FILE, 3)
