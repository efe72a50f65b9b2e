"""Fares v1 rules: fare_attributes.txt and fare_rules.txt."""

from __future__ import annotations

from pathlib import Path

from gtfs.schedule.notices import Severity
from tests.gtfs.feeds import GOOD, assert_notice, check, errors, line_of, replace

ERROR, INFO = Severity.ERROR, Severity.INFO
ATTRIBUTES, RULES = "fare_attributes.txt", "fare_rules.txt"


def test_transfers_column_is_required(tmp_path: Path) -> None:
    """fare_attributes.txt must have a transfers column, even if every value is empty."""
    text = (
        "\n".join(
            ",".join(v for i, v in enumerate(line.split(",")) if i != 4)
            for line in GOOD[ATTRIBUTES].splitlines()
        )
        + "\n"
    )
    report = check(tmp_path, {ATTRIBUTES: text})
    assert_notice(report, "missing_required_column", ERROR, ATTRIBUTES, None, "transfers")


def test_fare_without_agency_when_several_agencies(tmp_path: Path) -> None:
    """With two agencies, a fare must name its agency."""
    agency = GOOD["agency.txt"] + "AMT,AMT Genova,https://amt.example.org,Europe/Rome,it,\n"
    fares = replace(ATTRIBUTES, "F2,3.50,EUR,1,0,CTL,", "F2,3.50,EUR,1,0,,")
    report = check(tmp_path, {"agency.txt": agency, ATTRIBUTES: fares})
    assert_notice(
        report, "missing_required_field", ERROR, ATTRIBUTES, line_of(ATTRIBUTES, "F2"), "agency_id"
    )


def test_two_fares_for_the_same_route_and_zones(tmp_path: Path) -> None:
    """Two fare_rules rows with the same route and zones are ambiguous."""
    report = check(tmp_path, {RULES: GOOD[RULES] + "F1,R1,Z1,Z2,\n"})
    notice = assert_notice(report, "duplicate_fare_rule_zone_id_fields", ERROR, RULES, 5, "fare_id")
    assert (notice.context or {})["first_line"] == line_of(RULES, "F2,R1")


def test_fares_without_rules_are_fine(tmp_path: Path) -> None:
    """fare_attributes.txt without fare_rules.txt is valid."""
    assert errors(check(tmp_path, drop=(RULES,))) == []


def test_rule_on_a_zone_no_stop_has(tmp_path: Path) -> None:
    """A fare rule's zone must be some stop's zone_id."""
    report = check(tmp_path, {RULES: replace(RULES, "F1,R1,Z1,Z1,", "F1,R1,Z1,Z9,")})
    notice = assert_notice(
        report, "foreign_key_violation", ERROR, RULES, line_of(RULES, "F1,R1"), "destination_id"
    )
    assert notice.value == "Z9"


def test_stop_without_zone_when_fares_use_zones(tmp_path: Path) -> None:
    """A stop without zone_id, when fare rules price zones, is an info."""
    stops = replace("stops.txt", "44.4031,8.9498,Z1,", "44.4031,8.9498,,")
    report = check(tmp_path, {"stops.txt": stops})
    assert_notice(
        report, "stop_without_zone_id", INFO, "stops.txt", line_of("stops.txt", "S1,"), "zone_id"
    )
