"""routes.txt rules: names, route_type codes, colours, continuous stopping."""

from __future__ import annotations

from pathlib import Path

import pytest

from gtfs.schedule.notices import Severity
from tests.gtfs.feeds import assert_notice, check, errors, line_of, replace

ERROR, WARNING = Severity.ERROR, Severity.WARNING
FILE = "routes.txt"


def test_route_without_any_name(tmp_path: Path) -> None:
    """A route needs route_short_name or route_long_name."""
    report = check(tmp_path, {FILE: replace(FILE, ",,Treno del levante,", ",,,")})
    assert_notice(
        report,
        "route_both_short_and_long_name_missing",
        ERROR,
        FILE,
        line_of(FILE, "R2,"),
        "route_short_name",
    )


def test_long_name_repeats_short_name(tmp_path: Path) -> None:
    """A long name that starts with the short name is a warning."""
    report = check(tmp_path, {FILE: replace(FILE, ",15,Brignole - Nervi,", ",15,15 - Nervi,")})
    assert_notice(
        report,
        "route_long_name_contains_short_name",
        WARNING,
        FILE,
        line_of(FILE, "R1,"),
        "route_long_name",
    )


def test_same_short_and_long_name(tmp_path: Path) -> None:
    """Identical short and long names are a warning."""
    report = check(tmp_path, {FILE: replace(FILE, ",15,Brignole - Nervi,", ",15,15,")})
    assert_notice(
        report,
        "route_long_name_contains_short_name",
        WARNING,
        FILE,
        line_of(FILE, "R1,"),
        "route_long_name",
    )


def test_description_repeats_a_name(tmp_path: Path) -> None:
    """route_desc equal to a route name is a warning."""
    report = check(tmp_path, {FILE: replace(FILE, ",Via Corso Italia,", ",brignole - nervi,")})
    assert_notice(
        report,
        "same_name_and_description_for_route",
        WARNING,
        FILE,
        line_of(FILE, "R1,"),
        "route_desc",
    )


def test_short_name_too_long(tmp_path: Path) -> None:
    """A route_short_name over 12 characters is a warning."""
    report = check(tmp_path, {FILE: replace(FILE, ",15,", ",Linea quindici,")})
    assert_notice(
        report, "route_short_name_too_long", WARNING, FILE, line_of(FILE, "R1,"), "route_short_name"
    )


def test_colours_without_contrast(tmp_path: Path) -> None:
    """Text in nearly the route's colour is hard to read: a warning."""
    report = check(tmp_path, {FILE: replace(FILE, ",0055A4,FFFFFF", ",0055A4,0044B4")})
    assert_notice(
        report, "route_color_contrast", WARNING, FILE, line_of(FILE, "R1,"), "route_text_color"
    )


@pytest.mark.parametrize(
    "code",
    [
        0,
        5,
        7,
        11,
        12,
        100,
        109,
        200,
        400,
        700,
        715,
        800,
        900,
        1000,
        1200,
        1300,
        1400,
        1500,
        1700,
        1702,
    ],
)
def test_basic_and_extended_route_types(tmp_path: Path, code: int) -> None:
    """Basic route types and extended (HVT) ones are accepted."""
    report = check(tmp_path, {FILE: replace(FILE, "Italia,3,", f"Italia,{code},")})
    assert errors(report) == []


@pytest.mark.parametrize("code", [8, 10, 13, 99, 118, 301, 717, 1699])
def test_unknown_route_type(tmp_path: Path, code: int) -> None:
    """A route_type that is neither basic nor extended is an unexpected_enum_value."""
    report = check(tmp_path, {FILE: replace(FILE, "Italia,3,", f"Italia,{code},")})
    notice = assert_notice(
        report, "unexpected_enum_value", ERROR, FILE, line_of(FILE, "R1,"), "route_type"
    )
    assert notice.value == str(code)


def test_continuous_stopping_needs_shapes(tmp_path: Path) -> None:
    """A trip of a route with continuous pickup must have a shape_id."""
    routes = replace(FILE, "route_text_color\n", "route_text_color,continuous_pickup\n")
    routes = routes.replace("FFFFFF\n", "FFFFFF,1\n").replace("C8102E,FFFFFF,1", "C8102E,FFFFFF,0")
    report = check(tmp_path, {FILE: routes})
    assert_notice(
        report, "missing_required_field", ERROR, "trips.txt", line_of("trips.txt", "T4"), "shape_id"
    )
