"""agency.txt rules, and the agency_id that routes need when there are several agencies."""

from __future__ import annotations

from pathlib import Path

from gtfs.schedule.notices import Severity
from tests.gtfs.feeds import GOOD, assert_notice, check, line_of, replace

ERROR, WARNING = Severity.ERROR, Severity.WARNING
AMT = "AMT,AMT Genova,https://amt.example.org,Europe/Rome,it,\n"


def test_second_agency_without_id(tmp_path: Path) -> None:
    """With two agencies, an agency without agency_id is missing a required field."""
    report = check(tmp_path, {"agency.txt": GOOD["agency.txt"] + "," + AMT.split(",", 1)[1]})
    assert_notice(report, "missing_required_field", ERROR, "agency.txt", 3, "agency_id")


def test_single_agency_may_omit_its_id(tmp_path: Path) -> None:
    """One agency needs no agency_id (routes then carry none either)."""
    agency = replace("agency.txt", "CTL,Coastal", ",Coastal")
    routes = GOOD["routes.txt"].replace(",CTL,", ",,")
    fares = GOOD["fare_attributes.txt"].replace(",CTL,", ",,")
    report = check(
        tmp_path, {"agency.txt": agency, "routes.txt": routes, "fare_attributes.txt": fares}
    )
    assert report.valid, report.notices.summary()
    assert len(report.notices.find("missing_recommended_field")) == 2


def test_agencies_with_different_timezones(tmp_path: Path) -> None:
    """All agencies must share one agency_timezone."""
    other = AMT.replace("Europe/Rome", "Europe/Paris")
    report = check(tmp_path, {"agency.txt": GOOD["agency.txt"] + other})
    notice = assert_notice(
        report, "inconsistent_agency_timezone", ERROR, "agency.txt", 3, "agency_timezone"
    )
    assert notice.value == "Europe/Paris"


def test_agencies_with_different_languages(tmp_path: Path) -> None:
    """Agencies speaking different languages is a warning."""
    other = AMT.replace(",it,", ",fr,")
    report = check(tmp_path, {"agency.txt": GOOD["agency.txt"] + other})
    assert_notice(report, "inconsistent_agency_lang", WARNING, "agency.txt", 3, "agency_lang")
    assert report.valid


def test_route_without_agency_when_several_agencies(tmp_path: Path) -> None:
    """With two agencies, a route must name its agency."""
    routes = replace("routes.txt", "R2,CTL,", "R2,,")
    report = check(tmp_path, {"agency.txt": GOOD["agency.txt"] + AMT, "routes.txt": routes})
    assert_notice(
        report,
        "missing_required_field",
        ERROR,
        "routes.txt",
        line_of("routes.txt", "R2,"),
        "agency_id",
    )


def test_route_without_agency_when_one_agency(tmp_path: Path) -> None:
    """With one agency, a route without agency_id is only a recommendation."""
    routes = replace("routes.txt", "R2,CTL,", "R2,,")
    report = check(tmp_path, {"routes.txt": routes})
    assert_notice(
        report,
        "missing_recommended_field",
        WARNING,
        "routes.txt",
        line_of("routes.txt", "R2,"),
        "agency_id",
    )
    assert report.valid
