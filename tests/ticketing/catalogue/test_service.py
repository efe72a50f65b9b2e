"""What other code calls: products and prices, validity windows, categories, congestion bands."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from mobility.money import Money
from ticketing.catalogue import service
from ticketing.catalogue.config import CongestionBand
from ticketing.catalogue.errors import (
    CongestionBandsInvalid,
    NoPriceForRiderCategory,
    RiderCategoryNotFound,
    TariffsNotLoaded,
)
from ticketing.catalogue.loader import load_tariffs
from ticketing.catalogue.service import ProductView, validity_window
from ticketing.errors import ProductNotFound

from .conftest import SMALL

ROME = ZoneInfo("Europe/Rome")
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def product(kind: str, *, minutes: int | None = None, days: int | None = None) -> ProductView:
    return ProductView(
        product_id="P", name="p", kind=kind, currency="EUR",
        prices=MappingProxyType({"adult": 150}), operators=("BUS",), networks=(), zones=("Z1",),
        single_use=False, rides=None, duration_minutes=minutes, service_days=days,
        from_zone=None, to_zone=None, facility=None, active=True, vat_rate_bp=1000,
        day_start=time(4, 0), timezone="Europe/Rome",
    )  # fmt: skip


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ROME)


# -- validity windows (no database) -------------------------------------------------------


def test_time_based_counts_elapsed_minutes_across_spring_forward() -> None:
    """90 minutes from 01:30 CET on 29 March 2026 end at 04:00 CEST: 90 real minutes."""
    start = local(2026, 3, 29, 1, 30)
    begin, end = validity_window(product("time_based", minutes=90), start, ROME)
    assert end - begin == timedelta(minutes=90)
    assert end.astimezone(ROME).replace(tzinfo=None) == datetime(2026, 3, 29, 4, 0)
    assert begin.tzinfo is UTC
    assert end.tzinfo is UTC


def test_day_pass_ends_at_next_service_day_start() -> None:
    """A day pass first used at 10:00 lasts until 04:00 the next morning; one used at 02:00
    belongs to the previous service day and ends at 04:00 the same morning."""
    day = product("day", days=1)
    _, end = validity_window(day, local(2026, 6, 10, 10, 0), ROME)
    assert end == local(2026, 6, 11, 4, 0)
    _, night = validity_window(day, local(2026, 6, 11, 2, 0), ROME)
    assert night == local(2026, 6, 11, 4, 0)
    _, exact = validity_window(day, local(2026, 6, 11, 4, 0), ROME)
    assert exact == local(2026, 6, 12, 4, 0)


def test_day_pass_across_dst_changes_keeps_local_day_start() -> None:
    """Across spring forward a service day has 23 hours, across fall back 25; the pass still
    ends at 04:00 local time."""
    day = product("day", days=1)
    begin, end = validity_window(day, local(2026, 3, 28, 4, 0), ROME)
    assert end - begin == timedelta(hours=23)
    assert end.astimezone(ROME).hour == 4
    begin, end = validity_window(day, local(2026, 10, 24, 4, 0), ROME)
    assert end - begin == timedelta(hours=25)


def test_week_month_and_tourist_count_service_days() -> None:
    """7 and 30 service days, and N for a tourist pass, from the service day of the start."""
    start = local(2026, 10, 22, 18, 0)  # Thursday; the clocks go back on Sunday 25th
    _, week = validity_window(product("week", days=7), start, ROME)
    assert week == local(2026, 10, 29, 4, 0)
    assert week - start == timedelta(days=6, hours=11)  # 6 d 10 h of wall time, +1 h of DST
    _, month = validity_window(product("month", days=30), local(2026, 1, 31, 3, 59), ROME)
    assert month == local(2026, 3, 1, 4, 0)  # from the service day of 30 January (Feb: 28 d)
    _, tourist = validity_window(product("tourist", days=3), local(2026, 7, 1, 23, 0), ROME)
    assert tourist == local(2026, 7, 4, 4, 0)


def test_timezone_comes_from_product_by_default_and_needs_aware_start() -> None:
    """Without tz the product's time zone applies; a naive start is refused."""
    day = product("day", days=1)
    assert validity_window(day, local(2026, 6, 10, 10, 0)) == validity_window(
        day, local(2026, 6, 10, 10, 0), "Europe/Rome"
    )
    with pytest.raises(ValueError, match="aware"):
        validity_window(day, datetime(2026, 6, 10, 10, 0))
    with pytest.raises(ValueError, match="no validity"):
        validity_window(product("zone"), local(2026, 6, 10, 10, 0))


def test_price_of() -> None:
    """Prices come as Money; an unpriced category and a retired product are clear errors."""
    p = product("single_ride", days=1)
    assert service.price_of(p, "adult") == Money(150, "EUR")
    with pytest.raises(NoPriceForRiderCategory, match="student"):
        service.price_of(p, "student")
    with pytest.raises(ProductNotFound, match="no longer sold"):
        service.price_of(replace(p, active=False), "adult")


# -- with the database --------------------------------------------------------------------


def test_products_from_the_catalogue(session: Session) -> None:
    """get_product resolves coverage, validity and VAT; list_products filters."""
    assert service.current_config(session) is None
    with pytest.raises(ProductNotFound):
        service.get_product(session, "T90")
    load_tariffs(session, SMALL, source="t", now=NOW)
    t90 = service.get_product(session, "T90")
    assert (t90.kind, t90.duration_minutes, t90.service_days) == ("time_based", 90, None)
    assert t90.operators == ("BUS",)
    assert t90.networks == ("URBAN",)
    assert t90.zones == ("Z1", "Z2")
    assert t90.vat_rate_bp == 1000
    assert service.price_of(t90, "student") == Money(140)
    carnet = service.get_product(session, "C10")
    assert (carnet.rides, carnet.duration_minutes, carnet.service_days) == (10, 90, 365)
    assert [p.product_id for p in service.list_products(session, kind="week")] == ["W7"]
    assert [p.product_id for p in service.list_products(session, operator="BOAT")] == ["C10", "DAY"]


def test_current_config_is_cached_per_version(session: Session) -> None:
    """The same version gives the same parsed object; a new version a new one."""
    load_tariffs(session, SMALL, source="t", now=NOW)
    first = service.current_config(session)
    assert first is not None
    assert first is service.current_config(session)
    load_tariffs(session, SMALL.replace("= 600 }", "= 650 }"), source="t2", now=NOW)
    second = service.current_config(session)
    assert second is not None
    assert second is not first
    assert second.product("DAY").prices["adult"] == 650  # type: ignore[union-attr]


def test_rider_category(session: Session) -> None:
    """Categories say whether proof is needed; an unknown one is RiderCategoryNotFound."""
    load_tariffs(session, SMALL, source="t", now=NOW)
    assert service.rider_category(session, "student").requires_proof
    adult = service.rider_category(session, "adult")
    assert adult.is_default
    assert not adult.requires_proof
    with pytest.raises(RiderCategoryNotFound):
        service.rider_category(session, "pirate")
    assert [c.id for c in service.list_rider_categories(session)] == ["adult", "student"]


def test_congestion_sets_are_appended_and_scheduled(session: Session) -> None:
    """A planner's set is appended; the file's set stays in history; a future set takes
    effect only from its time."""
    with pytest.raises(TariffsNotLoaded):
        service.set_congestion_bands(session, [], "p", now=NOW)
    load_tariffs(session, SMALL, source="t", now=NOW)
    band = CongestionBand(
        zone="Z1", weekdays=["mon"], start="08:00", end="10:00", adjustment_bp=2500
    )
    mine = service.set_congestion_bands(
        session, [band], "planner", now=NOW + timedelta(hours=1), reason="match day"
    )
    later = NOW + timedelta(days=1)
    future = service.set_congestion_bands(
        session, [], "planner", effective_from=later, now=NOW + timedelta(hours=1)
    )
    assert service.congestion_bands(session, NOW).author == "tariff file t"
    in_force = service.congestion_bands(session, NOW + timedelta(hours=2))
    assert in_force.set_id == mine.set_id
    assert in_force.reason == "match day"
    assert in_force.bands[0].start == time(8, 0)
    assert in_force.max_surcharge_bp == 3000
    assert service.congestion_bands(session, later).set_id == future.set_id
    assert service.congestion_bands(session, NOW - timedelta(days=1)).set_id is None
    history = service.congestion_history(session)
    assert [s.set_id for s in history] == [future.set_id, mine.set_id, history[2].set_id]


def test_congestion_set_validation(session: Session) -> None:
    """Unknown zones, surcharges above the maximum and past start times are all reported."""
    load_tariffs(session, SMALL, source="t", now=NOW)
    bad = [
        CongestionBand(zone="Z1", weekdays=["mon"], start="08:00", end="10:00", adjustment_bp=3500),
        CongestionBand(
            zone="NOPE", weekdays=["mon"], start="08:00", end="10:00", adjustment_bp=100
        ),
    ]
    with pytest.raises(CongestionBandsInvalid) as caught:
        service.set_congestion_bands(
            session, bad, "p", effective_from=NOW - timedelta(hours=1), now=NOW
        )
    assert {p["path"] for p in caught.value.extensions["errors"]} == {
        "effective_from",
        "bands[0].adjustment_bp",
        "bands[1].zone",
    }
