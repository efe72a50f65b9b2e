"""The tariff file's schema: what it accepts, and errors that name the bad field's path."""

from __future__ import annotations

import pytest

from mobility.config_files import format_loc
from ticketing.catalogue.config import ProductKind, TariffConfig
from ticketing.catalogue.validation import parse_tariffs
from ticketing.errors import TariffConfigInvalid

from .conftest import SAMPLE, SMALL


def problems(text: str) -> list[dict[str, str]]:
    with pytest.raises(TariffConfigInvalid) as caught:
        parse_tariffs(text, source="t.toml")
    assert caught.value.detail.startswith("t.toml: ")
    errors: list[dict[str, str]] = caught.value.extensions["errors"]
    return errors


def paths(text: str) -> set[str]:
    return {p["path"] for p in problems(text)}


def test_sample_file_is_valid_and_has_every_product_kind() -> None:
    """The bundled sample parses, and offers at least one product of every kind."""
    config = parse_tariffs(SAMPLE.read_text(encoding="utf-8"))
    assert {p.kind for p in config.products} == set(ProductKind)
    assert config.default_rider_category.id == "adult"
    proof = {c.id for c in config.rider_categories if c.requires_proof}
    assert proof == {"student", "senior", "resident", "child"}


def test_small_file_defaults() -> None:
    """Defaults fill in: EUR, Europe/Rome, 10% VAT, day start, single-use by kind."""
    config = parse_tariffs(SMALL)
    assert (config.currency, config.timezone, config.vat_rate_bp) == ("EUR", "Europe/Rome", 1000)
    assert config.day_start.hour == 4
    t90, day, week, carnet = config.products
    assert (t90.is_single_use, t90.validity_days) == (False, None)
    assert (day.validity_days, week.validity_days, carnet.validity_days) == (1, 7, 365)
    assert config.coverage(day) == (("BOAT", "BUS"), ("URBAN",), ("Z1", "Z2"))
    assert config.coverage(week)[2] == ("Z1",)


def test_sharing_rule_per_product_or_default() -> None:
    """A product with its own rule gets it (fixed shares); others get the default (taps)."""
    config = parse_tariffs(SMALL)
    day = config.sharing_rule("DAY")
    assert day.method == "fixed"
    assert day.shares == {"BUS": 7000, "BOAT": 3000}
    assert config.sharing_rule("W7").method == "taps"


def test_loc_format() -> None:
    """Pydantic locations become dotted paths with list indexes."""
    assert format_loc(("products", 3, "prices", "student")) == "products[3].prices.student"
    assert format_loc(()) == "(file)"


def test_price_for_unknown_category_names_its_path() -> None:
    """A price for a category the file does not define is reported at products[i].prices.X."""
    text = SMALL.replace("prices = { adult = 600 }", "prices = { adult = 600, studnet = 400 }")
    found = problems(text)
    assert found == [
        {"path": "products[1].prices.studnet", "message": "unknown rider category 'studnet'"}
    ]


def test_type_errors_name_their_path() -> None:
    """A price written as a decimal string, not cents, is rejected at its own path."""
    text = SMALL.replace("prices = { adult = 1600 }", 'prices = { adult = "16.00" }')
    assert paths(text) == {"products[3].prices.adult"}
    text = SMALL.replace("prices = { adult = 1600 }", "prices = { adult = -1 }")
    assert paths(text) == {"products[3].prices.adult"}


def test_unknown_fields_are_rejected() -> None:
    """A misspelt key (extra field) fails instead of being ignored."""
    text = SMALL.replace('kind = "day"', 'kind = "day"\nduration_minute = 60')
    found = problems(text)
    assert found[0]["path"] == "products[1].duration_minute"
    assert "Extra inputs" in found[0]["message"]
    assert paths(SMALL + "\n[surprise]\nx = 1\n") == {"surprise"}


def test_toml_syntax_error_reports_the_line() -> None:
    """Broken TOML is one problem, with the parser's line and column."""
    (found,) = problems(SMALL + "\n[[products]\n")
    assert found["path"] == "(file)"
    assert "line" in found["message"]


@pytest.mark.parametrize(
    ("replace", "by", "path", "message"),
    [
        (
            "duration_minutes = 90\nprices = { adult = 180",
            "prices = { adult = 180",
            "products[0]",
            "needs duration_minutes",
        ),
        ('kind = "week"', 'kind = "week"\nservice_days = 6', "products[2]", "lasts 7"),
        ("rides = 10\n", "", "products[3]", "rides is required"),
        (
            'kind = "day"',
            'kind = "day"\nfrom_zone = "Z1"\nto_zone = "Z2"',
            "products[1]",
            "only for it",
        ),
        (
            'operators = ["BUS"]\nzones',
            'operators = ["TRAM"]\nzones',
            "products[2].operators[0]",
            "unknown operator 'TRAM'",
        ),
        ('zones = ["Z1"]', 'zones = ["Z9"]', "products[2].zones[0]", "unknown zone 'Z9'"),
        (
            "duration_minutes = 90\nprices = { adult = 180",
            "duration_minutes = 90\nservice_days = 1\nprices = { adult = 180",
            "products[0]",
            "not both",
        ),
        (
            "shares = { BUS = 7000, BOAT = 3000 }",
            "shares = { BUS = 7000, BOAT = 2000 }",
            "revenue_sharing.rules[0]",
            "sum to 10000",
        ),
        (
            'operators = ["BUS"]\n\n[[zones]]',
            'operators = ["BOAT", "BUS", "TAXI"]\n\n[[zones]]',
            "networks[0].operators[2]",
            "unknown operator 'TAXI'",
        ),
        (
            "adjustment_bp = 1000",
            "adjustment_bp = 4000",
            "congestion.bands[0].adjustment_bp",
            "exceeds max_surcharge_bp",
        ),
        ('zone = "Z2"', 'zone = "Z7"', "congestion.bands[0].zone", "unknown zone"),
        ('start = "07:00"', 'start = "7am"', "congestion.bands[0].start", "HH:MM"),
        (
            "caps.adult = { daily = 600, weekly = 2000 }",
            "caps.adult = { daily = 600, weekly = 500 }",
            "capping.caps.adult",
            "must not decrease",
        ),
    ],
)
def test_invalid_fields_are_reported_at_their_path(
    replace: str, by: str, path: str, message: str
) -> None:
    """Each kind of mistake is reported with the path an analyst must fix."""
    assert replace in SMALL
    found = problems(SMALL.replace(replace, by, 1))
    assert any(p["path"] == path and message in p["message"] for p in found), found


def test_default_rider_category_exactly_one() -> None:
    """No default category, or two, is an error; so is a product without the default price."""
    none = SMALL.replace("is_default = true", "")
    assert "rider_categories" in paths(none)
    two = SMALL.replace("requires_proof = true", "requires_proof = true\nis_default = true")
    assert any("not 2" in p["message"] for p in problems(two))
    missing = SMALL.replace("prices = { adult = 2000, student = 1500 }", "prices = { student = 1 }")
    assert paths(missing) == {"products[2].prices"}


def test_origin_destination_zones_are_covered() -> None:
    """An origin-destination product's ends must be among its zones, and differ."""
    od = (
        '\n[[products]]\nid = "OD"\nname = "A to B"\nkind = "origin_destination"\n'
        'from_zone = "Z1"\nto_zone = "Z2"\nzones = ["Z1"]\nprices = { adult = 300 }\n'
    )
    text = SMALL.replace("[capping]", od + "\n[capping]")
    assert problems(text) == [
        {"path": "products[4].to_zone", "message": "zone 'Z2' is not in the product's zones"}
    ]
    assert parse_tariffs(text.replace('zones = ["Z1"]\nprices', 'zones = ["Z1", "Z2"]\nprices'))
    same = text.replace('to_zone = "Z2"', 'to_zone = "Z1"')
    assert "differ" in problems(same)[0]["message"]


def test_duplicate_ids_and_sharing_outside_coverage() -> None:
    """Duplicate product ids, and a fixed share for an operator the product does not cover."""
    dup = SMALL.replace('id = "C10"', 'id = "DAY"')
    assert "products[3].id" in paths(dup)
    text = (
        SMALL + '\n[[revenue_sharing.rules]]\nproduct = "W7"\nmethod = "fixed"\n'
        "shares = { BUS = 5000, BOAT = 5000 }\n"
    )
    found = problems(text)
    assert found == [
        {
            "path": "revenue_sharing.rules[1].shares.BOAT",
            "message": "operator 'BOAT' is not covered by product 'W7'",
        }
    ]


def test_many_problems_are_all_listed() -> None:
    """Several independent mistakes are reported together, not one per attempt."""
    text = SMALL.replace("prices = { adult = 600 }", "prices = { adult = 600, x = 1 }").replace(
        'zone = "Z2"', 'zone = "Z7"'
    )
    assert paths(text) == {"products[1].prices.x", "congestion.bands[0].zone"}


def test_document_round_trip() -> None:
    """The canonical document validates back to an equal configuration."""
    config = parse_tariffs(SAMPLE.read_text(encoding="utf-8"))
    assert TariffConfig.model_validate(config.document()) == config
