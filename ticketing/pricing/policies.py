"""The authority's tariff file turned into the pure tariff objects of `ticketing.tariffs`.

The catalogue validates and stores the file; the algorithms take frozen parameter objects.
This is the one place that maps one onto the other, so a rule means the same thing whether a
tap, an order or a quote is priced.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import timedelta

from ticketing.catalogue import service as catalogue
from ticketing.catalogue.config import TariffConfig, parse_hhmm
from ticketing.tariffs import (
    AdjustmentRules,
    Carnet,
    CongestionAdjustment,
    DayPass,
    EcoIncentive,
    FamilyTicket,
    GroupDiscount,
    GroupTariff,
    OffPeakDiscount,
    TimeBand,
    TimeTicket,
)
from ticketing.tariffs.best_fare import Product as BestFareProduct

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _weekdays(names: Sequence[object]) -> frozenset[int]:
    return frozenset(WEEKDAYS.index(str(getattr(n, "value", n)).lower()[:3]) for n in names)


def _kinds(kinds: Sequence[object]) -> frozenset[str]:
    return frozenset(str(getattr(k, "value", k)) for k in kinds)


def adjustment_rules(
    config: TariffConfig, planned: catalogue.CongestionBandSetView
) -> AdjustmentRules:
    """Off-peak discounts from the file; congestion bands as planners last set them (the
    file's own bands until a planner sets any)."""
    off_peak = tuple(
        OffPeakDiscount(
            rule_id=f"off_peak[{i}]",
            band=TimeBand(parse_hhmm(b.start), parse_hhmm(b.end), _weekdays(b.weekdays)),
            discount_bp=b.discount_bp,
            product_kinds=_kinds(b.products),
        )
        for i, b in enumerate(config.off_peak.bands)
    )
    if planned.set_id is not None:
        congestion = tuple(
            CongestionAdjustment(
                rule_id=f"congestion-set-{planned.set_id}[{i}]",
                zone_id=b.zone,
                band=TimeBand(b.start, b.end, _weekdays(b.weekdays)),
                adjustment_bp=b.adjustment_bp,
            )
            for i, b in enumerate(planned.bands)
        )
    else:
        congestion = tuple(
            CongestionAdjustment(
                rule_id=f"congestion[{i}]",
                zone_id=b.zone,
                band=TimeBand(parse_hhmm(b.start), parse_hhmm(b.end), _weekdays(b.weekdays)),
                adjustment_bp=b.adjustment_bp,
            )
            for i, b in enumerate(config.congestion.bands)
        )
    return AdjustmentRules(
        off_peak=off_peak,
        congestion=congestion,
        max_surcharge_bp=config.congestion.max_surcharge_bp,
        timezone=config.timezone,
    )


def congestion_kinds(config: TariffConfig) -> frozenset[str]:
    """The product kinds congestion-linked pricing applies to."""
    return _kinds(config.congestion.products)


def eco_incentive(config: TariffConfig) -> EcoIncentive | None:
    if config.eco is None:
        return None
    return EcoIncentive(max_share_bp=config.eco.max_share_of_car_bp)


def group_tariff(
    config: TariffConfig, product: catalogue.ProductView, child_category: str
) -> GroupTariff:
    """Unit prices of `product` per rider category, with the family and group rules that
    name it."""
    rules = config.group
    family = group = None
    if rules.family is not None and product.product_id in rules.family.products:
        family = FamilyTicket(
            price=rules.family.price_cents,
            max_adults=rules.family.max_adults,
            max_children=rules.family.max_children,
            adult_category=config.default_rider_category.id,
            child_category=child_category,
        )
    if rules.group is not None and product.product_id in rules.group.products:
        group = GroupDiscount(min_size=rules.group.min_size, discount_bp=rules.group.discount_bp)
    return GroupTariff(unit_prices=dict(product.prices), family=family, group=group)


def _covers(product: catalogue.ProductView, operator: str, zone: str | None) -> bool:
    operators_ok = "*" in product.operators or operator in product.operators
    zones_ok = zone is None or "*" in product.zones or zone in product.zones
    return operators_ok and zones_ok


def best_fare_products(
    products: Sequence[catalogue.ProductView],
    category: str,
    used: Collection[tuple[str, str | None]],
) -> list[BestFareProduct]:
    """The products a best-fare review may choose from, at the rider category's prices: those
    valid for every (operator, zone) the rider used in the period, so any cover is valid."""
    chosen: list[BestFareProduct] = []
    for p in products:
        price = p.prices.get(category)
        if price is None or not p.active or p.kind == "payg":
            continue
        if not all(_covers(p, operator, zone) for operator, zone in used):
            continue
        if p.kind == "carnet" and p.rides:
            ride = timedelta(minutes=p.duration_minutes) if p.duration_minutes else None
            chosen.append(Carnet(p.product_id, price, p.rides, ride_duration=ride))
        elif p.service_days and p.kind in ("day", "week", "month", "tourist"):
            chosen.append(DayPass(p.product_id, price, p.service_days))
        elif p.duration_minutes and p.kind in ("single_ride", "time_based"):
            chosen.append(TimeTicket(p.product_id, price, timedelta(minutes=p.duration_minutes)))
    return chosen
