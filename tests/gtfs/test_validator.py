"""The validator end to end: the good feed, CSV details, value types, keys, and the real feeds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gtfs.schedule.context import Rule
from gtfs.schedule.notices import Severity
from gtfs.schedule.reader import FeedSource
from gtfs.schedule.rules import ALL_RULES
from gtfs.schedule.spec import FileSpec
from gtfs.schedule.validator import Validator, validate
from tests.conftest import shared_feed
from tests.gtfs.feeds import (
    GOOD,
    assert_notice,
    check,
    edited,
    errors,
    line_of,
    manifest_feeds,
    replace,
)

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO
UDINE = "it_udine_saf_osm_2016.zip"


def test_good_feed_has_no_errors_or_warnings(tmp_path: Path) -> None:
    """The hand-written base feed validates without errors or warnings."""
    report = check(tmp_path)
    assert errors(report) == []
    assert report.notices.count(WARNING) == 0, report.notices.summary()
    assert report.valid


def test_good_feed_rows_are_all_read(tmp_path: Path) -> None:
    """Every data row of every file of the base feed is counted."""
    report = check(tmp_path)
    for name, text in GOOD.items():
        assert report.row_counts[name] == len(text.splitlines()) - 1, name


# -- CSV details -------------------------------------------------------------------------------


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    """A UTF-8 BOM before the header does not hide the first column."""
    report = check(tmp_path, {n: "\ufeff" + t for n, t in GOOD.items()})
    assert errors(report) == []
    assert report.notices.find("unknown_column") == []


class _Capture(Rule):
    files = ("stops.txt",)
    seen: dict[str, Any] = {}  # noqa: RUF012 - one test at a time reads it

    def on_row(self, spec: FileSpec, line: int, row: list[Any]) -> None:
        self.seen[row[spec.index_of("stop_id")]] = (line, row[spec.index_of("stop_name")])


def test_quoted_fields_with_commas_and_quotes_are_one_value(tmp_path: Path) -> None:
    """A quoted value keeps its commas and doubled quotes, and the row stays aligned."""
    stops = replace("stops.txt", "S2,102,Sturla,", 'S2,102,"Sturla, ""Via dei Mille""",')
    _Capture.seen = {}
    report = Validator(
        FeedSource(edited(tmp_path, {"stops.txt": stops})), rules=[*ALL_RULES, _Capture]
    ).run()
    assert errors(report) == []
    assert _Capture.seen["S2"] == (line_of("stops.txt", "S2,"), 'Sturla, "Via dei Mille"')


def test_crlf_line_endings_are_accepted(tmp_path: Path) -> None:
    """CRLF files give the same notices as LF files."""
    report = check(tmp_path, {n: t.replace("\n", "\r\n") for n, t in GOOD.items()})
    assert errors(report) == []
    assert report.notices.codes() == check(tmp_path / "lf").notices.codes()


def test_unknown_column_is_info_not_error(tmp_path: Path) -> None:
    """An extra column is reported as info and does not make the feed invalid."""
    routes = GOOD["routes.txt"].replace("route_text_color\n", "route_text_color,x_depot\n", 1)
    routes = routes.replace("FFFFFF\n", "FFFFFF,Staglieno\n")
    report = check(tmp_path, {"routes.txt": routes})
    assert_notice(report, "unknown_column", INFO, "routes.txt", None, "x_depot")
    assert report.valid


@pytest.mark.parametrize("name", ["frequencies.txt", "transfers.txt", "fare_rules.txt"])
def test_optional_file_with_only_a_header_is_accepted(tmp_path: Path, name: str) -> None:
    """An optional file with a header and no rows is valid."""
    report = check(tmp_path, {name: GOOD[name].splitlines()[0] + "\n"})
    assert errors(report) == []
    assert report.row_counts[name] == 0


# -- values ------------------------------------------------------------------------------------


def test_impossible_date_is_invalid_date(tmp_path: Path) -> None:
    """20160931 (September has 30 days) is an invalid_date at its file, line and field."""
    calendar = replace("calendar.txt", "20240101,20241231\nWE", "20240101,20160931\nWE")
    report = check(tmp_path, {"calendar.txt": calendar})
    notice = assert_notice(report, "invalid_date", ERROR, "calendar.txt", 2, "end_date")
    assert notice.value == "20160931"


def test_time_past_midnight_is_accepted(tmp_path: Path) -> None:
    """25:10:00 is a valid GTFS time (a trip running past midnight)."""
    stop_times = replace("stop_times.txt", "T3,24:20:00,24:20:00", "T3,25:10:00,25:10:00")
    assert errors(check(tmp_path, {"stop_times.txt": stop_times})) == []


@pytest.mark.parametrize("bad", ["7:5:00", "ab:cd:ef", "24:60:00", "08:00", "08:00:60"])
def test_malformed_time_is_invalid_time(tmp_path: Path, bad: str) -> None:
    """A time that is not H:MM:SS with minutes and seconds below 60 is an invalid_time."""
    stop_times = replace("stop_times.txt", "T1,,,S2", f"T1,{bad},{bad},S2")
    report = check(tmp_path, {"stop_times.txt": stop_times})
    notices = report.notices.find("invalid_time")
    line = line_of("stop_times.txt", "T1,,,S2")
    assert [(n.file, n.line, n.field, n.value) for n in notices] == [
        ("stop_times.txt", line, "arrival_time", bad),
        ("stop_times.txt", line, "departure_time", bad),
    ]
    assert {n.code for n in errors(report)} == {"invalid_time"}


def test_unknown_enum_value_is_an_error(tmp_path: Path) -> None:
    """location_type=9 is not one of the enum's values."""
    stops = replace("stops.txt", "Z1,0,,,1,,\n", "Z1,9,,,1,,\n")
    report = check(tmp_path, {"stops.txt": stops})
    line = line_of("stops.txt", "S1,")
    notice = assert_notice(
        report, "unexpected_enum_value", ERROR, "stops.txt", line, "location_type"
    )
    assert notice.value == "9"


def test_duplicate_primary_key(tmp_path: Path) -> None:
    """A second row with the same stop_id is a duplicate_key at the second row."""
    stops = GOOD["stops.txt"] + "S3,104,Nervi bis,,44.3806,9.0377,Z2,0,,,1,,\n"
    report = check(tmp_path, {"stops.txt": stops})
    assert_notice(report, "duplicate_key", ERROR, "stops.txt", len(stops.splitlines()), "stop_id")


def test_foreign_key_violation(tmp_path: Path) -> None:
    """A trip on a route that routes.txt does not define is a foreign_key_violation."""
    trips = replace("trips.txt", "R2,HOL,T4", "R9,HOL,T4")
    report = check(tmp_path, {"trips.txt": trips})
    notice = assert_notice(
        report, "foreign_key_violation", ERROR, "trips.txt", line_of("trips.txt", "T4"), "route_id"
    )
    assert notice.value == "R9"


def test_missing_required_file(tmp_path: Path) -> None:
    """A feed without routes.txt lacks a required file."""
    report = check(tmp_path, drop=("routes.txt",))
    assert_notice(report, "missing_required_file", ERROR, "routes.txt", None)


def test_missing_required_column(tmp_path: Path) -> None:
    """routes.txt without a route_type column lacks a required column."""
    routes = (
        "\n".join(
            ",".join(v for i, v in enumerate(line.split(",")) if i != 5)
            for line in GOOD["routes.txt"].splitlines()
        )
        + "\n"
    )
    report = check(tmp_path, {"routes.txt": routes})
    assert_notice(report, "missing_required_column", ERROR, "routes.txt", None, "route_type")


def test_missing_required_field(tmp_path: Path) -> None:
    """An agency without agency_name lacks a required field."""
    agency = replace("agency.txt", "CTL,Coastal Transit Liguria,", "CTL,,")
    report = check(tmp_path, {"agency.txt": agency})
    assert_notice(report, "missing_required_field", ERROR, "agency.txt", 2, "agency_name")


# -- real feeds --------------------------------------------------------------------------------

REAL_FEEDS = [n for n in manifest_feeds() if n != UDINE] or ["(shared feeds absent)"]


@pytest.mark.slow
@pytest.mark.parametrize("name", REAL_FEEDS)
def test_real_feed_has_no_errors(name: str) -> None:
    """Each feed of the shared MANIFEST (but Udine, dirty on purpose) has no error."""
    report = validate(FeedSource(shared_feed(name)))
    assert errors(report) == [], "\n".join(n.as_text() for n in errors(report)[:20])


@pytest.mark.slow
def test_udine_reports_its_impossible_end_date() -> None:
    """Udine's calendar ends on 20160931: invalid_date on both rows, and validation completes."""
    report = validate(FeedSource(shared_feed(UDINE)))
    found = [(n.file, n.line, n.field, n.value) for n in report.notices.find("invalid_date")]
    assert found == [
        ("calendar.txt", 2, "end_date", "20160931"),
        ("calendar.txt", 3, "end_date", "20160931"),
    ]
    assert report.row_counts["stop_times.txt"] == 1776
    assert not report.valid


def test_duplicate_key_across_batches_is_found(tmp_path: Path) -> None:
    """A stop id repeated thousands of rows later (another batch) is still a duplicate_key."""
    from gtfs.schedule.validator import BATCH_ROWS

    rows = "".join(f"S{i},Stop {i},43.7,10.4\n" for i in range(BATCH_ROWS + 10))
    stops = "stop_id,stop_name,stop_lat,stop_lon\n" + rows + "S3,Again,43.7,10.4\n"
    folder = tmp_path / "feed"
    folder.mkdir()
    (folder / "stops.txt").write_text(stops)
    with FeedSource(folder) as source:
        report = Validator(source, rules=[]).run()
    dups = report.notices.find("duplicate_key")
    assert [(n.file, n.line) for n in dups] == [("stops.txt", BATCH_ROWS + 12)]


def test_two_agencies_without_id_are_not_duplicates(tmp_path: Path) -> None:
    """Empty single-field keys are missing values, not a duplicate_key."""
    folder = tmp_path / "feed"
    folder.mkdir()
    (folder / "agency.txt").write_text(
        "agency_id,agency_name,agency_url,agency_timezone\n"
        ",A,https://a.example,Europe/Rome\n,B,https://b.example,Europe/Rome\n"
    )
    with FeedSource(folder) as source:
        report = Validator(source, rules=[]).run()
    assert "duplicate_key" not in report.notices.codes()


def test_required_file_with_header_only_is_empty_file(tmp_path: Path) -> None:
    """A required file with a header and no rows is an empty_file error (MobilityData's rule)."""
    folder = tmp_path / "feed"
    folder.mkdir()
    (folder / "routes.txt").write_text("route_id,route_short_name,route_type\n")
    with FeedSource(folder) as source:
        report = Validator(source, rules=[]).run()
    [notice] = report.notices.find("empty_file")
    assert (notice.file, notice.severity) == ("routes.txt", Severity.ERROR)


def test_huge_sequence_number_is_out_of_range_not_a_crash(tmp_path: Path) -> None:
    """A stop_sequence beyond a 32-bit integer is number_out_of_range (found in review)."""
    stop_times = replace("stop_times.txt", "T1,,,S2,2,3.1,0", "T1,,,S2,99999999999999999999,3.1,0")
    report = check(tmp_path, {"stop_times.txt": stop_times})
    line = line_of("stop_times.txt", "T1,,,S2,", stop_times)
    assert_notice(report, "number_out_of_range", ERROR, "stop_times.txt", line, "stop_sequence")
