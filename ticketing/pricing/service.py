"""Prices under the authority's innovative tariffs: time and zone adjustments, family and group
tickets, the eco incentive of park-and-ride, and the best-fare review at period end."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from mobility.errors import MobilityError, ValidationFailed
from mobility.money import Money
from ticketing.catalogue import service as catalogue
from ticketing.ledger import service as ledger
from ticketing.ledger.models import LedgerTransaction, TransactionKind
from ticketing.pricing import policies
from ticketing.tariffs import (
    Applied,
    BestFareResult,
    CarAlternative,
    EcoQuote,
    GroupPrice,
    Trip,
    adjust,
    best_fare,
    eco_price,
    price_group,
)
from ticketing.usage.models import TravelRecord

WILDCARD = "*"
CHILD_CATEGORY = "child"


@dataclass(frozen=True)
class PricedUnit:
    """One unit of a product at a moment: list price, adjusted price, the rules that moved it."""

    base: Money
    amount: Money
    applied: tuple[Applied, ...] = ()

    def note(self) -> str:
        if not self.applied:
            return ""
        return "; ".join(f"{a.rule_id} {a.delta:+d}" for a in self.applied)


def adjusted_unit(
    session: Session,
    product: catalogue.ProductView,
    category: str,
    at: datetime,
    zones: Collection[str] | None = None,
) -> PricedUnit:
    """The price of one unit for `category` travelling at `at` in `zones` (default: the zones
    the product covers), after off-peak discounts and congestion-linked adjustments."""
    base = catalogue.price_of(product, category)
    config = catalogue.current_config(session)
    if config is None:
        return PricedUnit(base, base)
    touched = [z for z in (zones if zones is not None else product.zones) if z != WILDCARD]
    if product.kind not in policies.congestion_kinds(config):
        touched = []
    rules = policies.adjustment_rules(config, catalogue.congestion_bands(session, at))
    result = adjust(base.amount, at, touched, rules, product_kind=product.kind)
    return PricedUnit(base, Money(result.amount, base.currency), result.applied)


def group_quote(
    session: Session,
    product_id: str,
    members: Mapping[str, int],
    child_category: str = CHILD_CATEGORY,
) -> tuple[catalogue.ProductView, GroupPrice]:
    """The cheapest way for a party to travel on one product: singles, family or group."""
    product = catalogue.get_product(session, product_id)
    if not product.active:
        raise ValidationFailed(f"product {product_id!r} is no longer sold")
    unknown = sorted(set(members) - set(product.prices))
    if unknown:
        raise ValidationFailed(f"product {product_id!r} has no price for {unknown}")
    config = catalogue.require_config(session)
    tariff = policies.group_tariff(config, product, child_category)
    return product, price_group(dict(members), tariff)


def eco_quote(session: Session, product_id: str, car_distance_m: int) -> EcoQuote:
    """A park-and-ride ticket priced against driving the same trip (the eco incentive)."""
    product = catalogue.get_product(session, product_id)
    if product.kind != "park_and_ride":
        raise ValidationFailed(f"{product_id!r} is not a park-and-ride product")
    config = catalogue.require_config(session)
    incentive = policies.eco_incentive(config)
    fee = catalogue.price_of(product, config.default_rider_category.id).amount
    if incentive is None or config.eco is None:
        raise ValidationFailed("this authority has no eco incentive configured")
    if car_distance_m < config.eco.min_trip_km * 1000:
        raise ValidationFailed(f"eco incentives start at {config.eco.min_trip_km} km")
    car = CarAlternative(
        distance_m=car_distance_m,
        cost_per_km=config.eco.car_cost_cents_per_km,
        parking=config.eco.parking_cents,
    )
    return eco_price(fee, 0, car, incentive)


# -- best fare ----------------------------------------------------------------------------


@dataclass(frozen=True)
class BestFareReview:
    account_id: str
    rider_category: str
    currency: str
    result: BestFareResult


def _payg_trips(
    session: Session, account_id: str | None, start: datetime, end: datetime
) -> dict[tuple[str, str], list[TravelRecord]]:
    query = select(TravelRecord).where(
        TravelRecord.charged.is_not(None),
        TravelRecord.tapped_at >= start,
        TravelRecord.tapped_at < end,
    )
    if account_id is not None:
        query = query.where(TravelRecord.account_id == account_id)
    grouped: dict[tuple[str, str], list[TravelRecord]] = defaultdict(list)
    for row in session.scalars(query.order_by(TravelRecord.tapped_at, TravelRecord.id)):
        if row.account_id is not None:
            grouped[(row.account_id, row.rider_category_id or "")].append(row)
    return grouped


def best_fare_reviews(
    session: Session, start: datetime, end: datetime, *, account_id: str | None = None
) -> list[BestFareReview]:
    """For each pay-as-you-go rider of [start, end): what they paid against the cheapest set
    of the catalogue's products covering the same trips."""
    config = catalogue.require_config(session)
    products = catalogue.list_products(session)
    reviews = []
    for (account, category), rows in sorted(_payg_trips(session, account_id, start, end).items()):
        trips = [Trip(r.tap_id, r.tapped_at, r.base_fare or 0) for r in rows]
        paid = sum(r.charged or 0 for r in rows)
        used = {(r.operator_id, r.zone_id) for r in rows}
        result = best_fare(
            trips,
            policies.best_fare_products(products, category, used),
            paid,
            timezone=config.timezone,
            day_start=config.day_start,
        )
        reviews.append(
            BestFareReview(account, category, rows[0].currency or config.currency, result)
        )
    return reviews


@dataclass
class BestFareSettlement:
    reviews: list[BestFareReview]
    posted: dict[str, int]  # account id -> amount posted by this run
    errors: list[str]


def _already_refunded(session: Session, base: str, account_id: str) -> tuple[int, int]:
    """(amount refunded so far, number of postings) under references starting with `base`."""
    done = session.scalars(
        select(LedgerTransaction).where(
            LedgerTransaction.kind == TransactionKind.BEST_FARE_REFUND,
            LedgerTransaction.reference.startswith(base, autoescape=True),
        )
    ).all()
    owed = (ledger.receivable_account(account_id), ledger.refunds_due_account(account_id))
    total = sum(
        -posting.amount.amount
        for transaction in done
        for posting in ledger.postings_of(session, transaction)
        if posting.account in owed
    )
    return total, len(done)


def settle_best_fare(
    session: Session, period: str, start: datetime, end: datetime, now: datetime
) -> BestFareSettlement:
    """Post what each rider is owed for the period beyond what earlier runs refunded (taps
    uploaded late can raise it), each account on its own, so one failure stops no other."""
    reviews = best_fare_reviews(session, start, end)
    result = BestFareSettlement(reviews, {}, [])
    for review in reviews:
        base = f"best-fare:{period}:{review.account_id}:{review.rider_category}"
        try:
            with session.begin_nested():
                done, runs = _already_refunded(session, base, review.account_id)
                due = review.result.refund - done
                if due <= 0:
                    continue
                ledger.post_best_fare_refund(
                    session,
                    reference=base if runs == 0 else f"{base}#{runs + 1}",
                    account_id=review.account_id,
                    occurred_at=now,
                    amount=Money(due, review.currency),
                    product_id="payg",
                    against_receivable=True,
                )
                result.posted[review.account_id] = due
        except (MobilityError, SQLAlchemyError) as exc:
            result.errors.append(f"{review.account_id}: {exc.__class__.__name__}: {exc}"[:300])
    return result
