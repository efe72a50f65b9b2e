"""Fares v2 rules: timeframes, fare products and rider categories, leg and transfer rules,
networks."""

from __future__ import annotations

from pathlib import Path

import pytest

from gtfs.schedule.notices import Severity
from tests.gtfs.feeds import GOOD, assert_notice, check, line_of, replace

ERROR, WARNING = Severity.ERROR, Severity.WARNING
TIMEFRAMES, PRODUCTS = "timeframes.txt", "fare_products.txt"
LEGS, TRANSFERS = "fare_leg_rules.txt", "fare_transfer_rules.txt"
PEAK = "PEAK,07:00:00,09:00:00,WD"


@pytest.mark.parametrize(
    ("new", "field"),
    [
        ("PEAK,07:00:00,,WD", "end_time"),
        ("PEAK,,09:00:00,WD", "start_time"),
    ],
)
def test_timeframe_with_one_bound(tmp_path: Path, new: str, field: str) -> None:
    """start_time and end_time of a timeframe come together or not at all."""
    report = check(tmp_path, {TIMEFRAMES: replace(TIMEFRAMES, PEAK, new)})
    assert_notice(report, "timeframe_only_start_or_end_time_specified", ERROR, TIMEFRAMES, 2, field)


def test_timeframe_past_midnight(tmp_path: Path) -> None:
    """Timeframe times above 24:00:00 are forbidden."""
    text = replace(TIMEFRAMES, "OFFPEAK,09:00:00,24:00:00", "OFFPEAK,09:00:00,25:00:00")
    report = check(tmp_path, {TIMEFRAMES: text})
    assert_notice(
        report,
        "timeframe_start_or_end_time_greater_than_twenty_four_hours",
        ERROR,
        TIMEFRAMES,
        line_of(TIMEFRAMES, "OFFPEAK,09"),
        "end_time",
    )


@pytest.mark.parametrize(
    ("new", "code"),
    [
        ("PEAK,09:00:00,07:00:00,WD", "start_and_end_range_out_of_order"),
        ("PEAK,07:00:00,07:00:00,WD", "start_and_end_range_equal"),
    ],
)
def test_timeframe_that_does_not_run_forwards(tmp_path: Path, new: str, code: str) -> None:
    """A timeframe's start_time must come before its end_time."""
    report = check(tmp_path, {TIMEFRAMES: replace(TIMEFRAMES, PEAK, new)})
    assert_notice(report, code, ERROR, TIMEFRAMES, 2, "start_time")


def test_overlapping_timeframes(tmp_path: Path) -> None:
    """Timeframes of one group and service must not overlap."""
    text = replace(TIMEFRAMES, "OFFPEAK,00:00:00,07:00:00", "OFFPEAK,00:00:00,09:30:00")
    report = check(tmp_path, {TIMEFRAMES: text})
    assert_notice(
        report,
        "timeframe_overlap",
        ERROR,
        TIMEFRAMES,
        line_of(TIMEFRAMES, "OFFPEAK,09"),
        "start_time",
    )


def test_transfer_within_a_leg_group_needs_a_count(tmp_path: Path) -> None:
    """transfer_count is required when from_leg_group_id equals to_leg_group_id."""
    report = check(tmp_path, {TRANSFERS: replace(TRANSFERS, "LG1,LG1,1,", "LG1,LG1,,")})
    assert_notice(
        report, "fare_transfer_rule_missing_transfer_count", ERROR, TRANSFERS, 2, "transfer_count"
    )


def test_transfer_count_of_zero(tmp_path: Path) -> None:
    """transfer_count is -1 or at least 1."""
    report = check(tmp_path, {TRANSFERS: replace(TRANSFERS, "LG1,LG1,1,", "LG1,LG1,0,")})
    assert_notice(
        report, "fare_transfer_rule_invalid_transfer_count", ERROR, TRANSFERS, 2, "transfer_count"
    )


def test_transfer_between_leg_groups_with_a_count(tmp_path: Path) -> None:
    """transfer_count is forbidden between two different leg groups."""
    legs = GOOD[LEGS] + "LG2,N1,A2,A2,,,SINGLE,0\n"
    transfers = GOOD[TRANSFERS] + "LG1,LG2,1,,,0,\n"
    report = check(tmp_path, {LEGS: legs, TRANSFERS: transfers})
    assert_notice(
        report,
        "fare_transfer_rule_with_forbidden_transfer_count",
        ERROR,
        TRANSFERS,
        3,
        "transfer_count",
    )


@pytest.mark.parametrize(
    ("new", "code"),
    [
        ("LG1,LG1,1,5400,,0,XFER", "fare_transfer_rule_duration_limit_without_type"),
        ("LG1,LG1,1,,1,0,XFER", "fare_transfer_rule_duration_limit_type_without_duration_limit"),
    ],
)
def test_duration_limit_and_its_type_go_together(tmp_path: Path, new: str, code: str) -> None:
    """duration_limit_type is required with duration_limit and forbidden without it."""
    report = check(tmp_path, {TRANSFERS: replace(TRANSFERS, "LG1,LG1,1,5400,1,0,XFER", new)})
    assert_notice(report, code, ERROR, TRANSFERS, 2, "duration_limit_type")


def test_duplicate_fare_product(tmp_path: Path) -> None:
    """A fare product twice for the same rider category and fare media is a duplicate key."""
    report = check(tmp_path, {PRODUCTS: GOOD[PRODUCTS] + "SINGLE,Corsa,YOUTH,CARD,0.90,EUR\n"})
    notice = assert_notice(report, "duplicate_key", ERROR, PRODUCTS, 6, "fare_product_id")
    assert (notice.context or {})["first_line"] == line_of(PRODUCTS, "YOUTH")


def test_product_with_two_default_rider_categories(tmp_path: Path) -> None:
    """A fare product must not be open to two default rider categories."""
    categories = GOOD["rider_categories.txt"] + "SENIOR,Anziani,1,\n"
    products = GOOD[PRODUCTS] + "SINGLE,Corsa singola,SENIOR,CARD,0.80,EUR\n"
    report = check(tmp_path, {"rider_categories.txt": categories, PRODUCTS: products})
    notice = assert_notice(
        report,
        "fare_product_with_multiple_default_rider_categories",
        ERROR,
        PRODUCTS,
        6,
        "rider_category_id",
    )
    assert notice.value == "SENIOR"


def test_product_without_default_rider_category(tmp_path: Path) -> None:
    """A product open to several rider categories, none the default, is a warning."""
    categories = GOOD["rider_categories.txt"] + "SENIOR,Anziani,0,\n"
    products = GOOD[PRODUCTS] + "DAY,Day,YOUTH,,4.00,EUR\nDAY,Day,SENIOR,,4.00,EUR\n"
    report = check(tmp_path, {"rider_categories.txt": categories, PRODUCTS: products})
    assert_notice(
        report,
        "fare_product_without_default_rider_category",
        WARNING,
        PRODUCTS,
        6,
        "rider_category_id",
    )
    assert report.valid


def test_same_leg_rule_in_two_leg_groups(tmp_path: Path) -> None:
    """The same leg rule (leg_group_id aside) must not be in two leg groups."""
    report = check(tmp_path, {LEGS: GOOD[LEGS] + "LG2,N1,A1,A2,PEAK,,SINGLE,1\n"})
    assert_notice(report, "duplicate_key", ERROR, LEGS, 4, "network_id")


def test_network_in_routes_and_in_route_networks(tmp_path: Path) -> None:
    """routes.network_id forbids route_networks.txt and networks.txt."""
    routes = GOOD["routes.txt"].replace("route_text_color\n", "route_text_color,network_id\n")
    routes = routes.replace("FFFFFF\n", "FFFFFF,N1\n")
    report = check(tmp_path, {"routes.txt": routes})
    found = report.notices.find("route_networks_specified_in_more_than_one_file")
    assert [(n.severity, n.file, n.field, (n.context or {})["other_file"]) for n in found] == [
        (ERROR, "routes.txt", "network_id", "route_networks.txt"),
        (ERROR, "routes.txt", "network_id", "networks.txt"),
    ]


def test_join_rule_with_one_stop(tmp_path: Path) -> None:
    """fare_leg_join_rules needs to_stop_id when from_stop_id is given, and back."""
    joins = "from_network_id,to_network_id,from_stop_id,to_stop_id\nN1,N1,S1,\n"
    report = check(tmp_path, {"fare_leg_join_rules.txt": joins})
    assert_notice(
        report, "missing_required_field", ERROR, "fare_leg_join_rules.txt", 2, "to_stop_id"
    )
