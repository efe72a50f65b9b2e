"""The tariff file and the planners' bands mapped onto the pure tariff rules (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from ticketing.catalogue.service import CongestionBandSetView, CongestionBandView
from ticketing.catalogue.validation import parse_tariffs
from ticketing.pricing.policies import adjustment_rules, best_fare_products
from ticketing.tariffs import adjust

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample" / "tariffs.toml"
ROME = ZoneInfo("Europe/Rome")
CONFIG = parse_tariffs(SAMPLE.read_text(encoding="utf-8"))
NONE_SET = CongestionBandSetView(None, None, "", "", (), CONFIG.congestion.max_surcharge_bp)


def test_planners_bands_cross_midnight_and_are_clamped() -> None:
    """Two +20% Friday 22:00-02:00 bands of a zone: Friday 23:00 and Saturday 01:00 carry the
    file's 30% maximum surcharge (on top of the night off-peak 15%), Friday 01:00 does not."""
    band = CongestionBandView("LI-PORT", ("fri",), time(22, 0), time(2, 0), 2000)
    planned = CongestionBandSetView(
        7,
        datetime(2026, 6, 1, tzinfo=UTC),
        "p",
        "",
        (band, band),
        CONFIG.congestion.max_surcharge_bp,
    )
    rules = adjustment_rules(CONFIG, planned)

    def price(*at: int) -> int:
        moment = datetime(*at, tzinfo=ROME)  # type: ignore[misc]
        return adjust(1000, moment, ["LI-PORT"], rules, product_kind="single_ride").amount

    assert price(2026, 6, 12, 23, 0) == 1000 - 150 + 300
    assert price(2026, 6, 13, 1, 0) == 1000 - 150 + 300
    assert price(2026, 6, 12, 1, 0) == 1000 - 150  # the night before: off-peak only
    assert price(2026, 6, 12, 13, 0) == 1000  # Friday lunchtime: nothing applies


def test_the_files_bands_apply_until_a_planner_sets_some() -> None:
    """Without a planners' set, the file's SP-PORT morning band (+20%) holds at 09:00."""
    rules = adjustment_rules(CONFIG, NONE_SET)
    at = datetime(2026, 6, 14, 9, 0, tzinfo=ROME)  # a Sunday
    assert adjust(150, at, ["SP-PORT"], rules, product_kind="single_ride").amount == 180
    assert adjust(150, at, ["SP-URB"], rules, product_kind="single_ride").amount == 150


def test_best_fare_only_offers_products_valid_for_every_trip() -> None:
    """A rider who used ATC buses in La Spezia and a Toremar ferry may only be offered products
    covering both: none of the city tickets; never the pay-as-you-go product itself."""
    from ticketing.catalogue.service import ProductView

    def view(
        pid: str, kind: str, operators: tuple[str, ...], minutes: int | None, days: int | None
    ) -> ProductView:
        return ProductView(
            pid,
            pid,
            kind,
            "EUR",
            {"adult": 100},
            operators,
            (),
            ("*",),
            False,
            None,
            minutes,
            days,
            None,
            None,
            None,
            True,
            1000,
            time(4),
            "Europe/Rome",
        )

    products = [
        view("SP-90", "time_based", ("ATC",), 90, None),
        view("COSTA-7", "week", ("ATC", "TOREMAR"), None, 7),
        view("PAYG", "payg", ("*",), None, 365),
    ]
    city = best_fare_products(products, "adult", {("ATC", "SP-URB")})
    assert [p.product_id for p in city] == ["SP-90", "COSTA-7"]
    mixed = best_fare_products(products, "adult", {("ATC", "SP-URB"), ("TOREMAR", None)})
    assert [p.product_id for p in mixed] == ["COSTA-7"]
