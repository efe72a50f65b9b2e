"""calendar.txt and calendar_dates.txt rules: ranges, services that never run, coverage."""

from __future__ import annotations

from pathlib import Path

from gtfs.schedule.notices import Severity
from tests.gtfs.feeds import GOOD, assert_notice, check, errors, replace

ERROR, WARNING = Severity.ERROR, Severity.WARNING
CAL, DATES = "calendar.txt", "calendar_dates.txt"


def test_start_after_end(tmp_path: Path) -> None:
    """A calendar that ends before it starts is out of order."""
    calendar = replace(CAL, "0,0,20240101,20241231\nWE", "0,0,20241231,20240101\nWE")
    report = check(tmp_path, {CAL: calendar})
    notice = assert_notice(report, "start_and_end_range_out_of_order", ERROR, CAL, 2, "start_date")
    assert notice.value == "20241231"


def test_single_day_calendar_is_fine(tmp_path: Path) -> None:
    """start_date equal to end_date is one day of service, not an error."""
    calendar = replace(CAL, "0,0,20240101,20241231\nWE", "0,0,20240103,20240103\nWE")
    assert errors(check(tmp_path, {CAL: calendar})) == []


def test_service_that_never_runs(tmp_path: Path) -> None:
    """A service with no day of the week and no added date is a warning."""
    calendar = GOOD[CAL] + "NEVER,0,0,0,0,0,0,0,20240101,20241231\n"
    report = check(tmp_path, {CAL: calendar})
    notice = assert_notice(report, "service_never_active", WARNING, CAL, 4, "service_id")
    assert notice.value == "NEVER"


def test_service_removed_on_its_only_day(tmp_path: Path) -> None:
    """A calendar_dates-only service whose only date is removed never runs."""
    dates = replace(DATES, "HOL,20240815,1", "HOL,20240815,2")
    report = check(tmp_path, {DATES: dates})
    assert_notice(report, "service_never_active", WARNING, DATES, 4, "service_id")


def test_calendar_dates_only_feed(tmp_path: Path) -> None:
    """A feed whose services are all in calendar_dates.txt is valid."""
    dates = GOOD[DATES] + "WD,20240102,1\nWE,20240106,1\n"
    report = check(tmp_path, {DATES: dates}, drop=(CAL,))
    assert errors(report) == []
    assert report.notices.find("service_never_active") == []


def test_no_service_at_all(tmp_path: Path) -> None:
    """A feed in which no trip runs on any date is an error."""
    calendar = (
        GOOD[CAL]
        .replace("1,1,1,1,1,0,0", "0,0,0,0,0,0,0")
        .replace("0,0,0,0,0,1,1", "0,0,0,0,0,0,0")
    )
    dates = "service_id,date,exception_type\nWD,20240101,2\nHOL,20240815,2\n"
    report = check(tmp_path, {CAL: calendar, DATES: dates})
    assert_notice(report, "no_active_service", ERROR, None, None)


def test_months_without_any_service(tmp_path: Path) -> None:
    """A pause of more than 13 days with no trip at all, inside the feed's range, is a warning."""
    calendar = GOOD[CAL].replace("20241231", "20240131")
    report = check(tmp_path, {CAL: calendar})
    notice = assert_notice(report, "feed_service_gap", WARNING, CAL, None)
    assert (notice.context or {})["start_date"] == "20240201"
    assert (notice.context or {})["end_date"] == "20240814"
    assert report.valid


def test_unreadable_date_does_not_make_services_empty(tmp_path: Path) -> None:
    """A service whose end_date is invalid is not also reported as never active."""
    calendar = GOOD[CAL].replace("20241231", "20240931")
    report = check(tmp_path, {CAL: calendar})
    assert {n.code for n in errors(report)} == {"invalid_date"}
    assert report.notices.find("service_never_active") == []
