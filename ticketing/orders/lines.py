"""An order request priced into order lines: catalogue prices for the rider category, adjusted
for when the pass starts (off-peak, congestion), or a family or group price for a party."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from mobility.auth.errors import Forbidden
from mobility.errors import ValidationFailed
from mobility.money import Money, allocate, vat_included
from ticketing.catalogue import service as catalogue
from ticketing.orders.models import OrderLine
from ticketing.orders.schemas import OrderCreate, OrderLineIn
from ticketing.pricing import service as pricing

MAX_START_AHEAD = timedelta(days=60)
START_LEEWAY = timedelta(minutes=5)


def _eligible_categories(session: Session, account_id: str, now: datetime) -> frozenset[str]:
    from ticketing.accounts.service import eligible_categories

    return eligible_categories(session, account_id, now)


def _start(line: OrderLineIn, number: int, now: datetime) -> datetime:
    start = line.valid_from or now
    if start < now - START_LEEWAY or start > now + MAX_START_AHEAD:
        raise ValidationFailed(f"line {number}: valid_from must be between now and 60 days ahead")
    return start


def _check_eligible(
    session: Session, number: int, category_id: str, eligible: frozenset[str]
) -> None:
    category = catalogue.rider_category(session, category_id)
    if category.requires_proof and category_id not in eligible:
        raise Forbidden(
            f"line {number}: the '{category_id}' fare needs verified eligibility on the account"
        )


def price_lines(
    session: Session,
    order_id: str,
    account_id: str,
    request: OrderCreate,
    now: datetime,
    vat_rate_bp: int,
) -> list[OrderLine]:
    """The order's lines, numbered from 1; ValidationFailed or Forbidden naming the line."""
    eligible = _eligible_categories(session, account_id, now)
    default_category = catalogue.require_config(session).default_rider_category.id
    lines: list[OrderLine] = []
    for number, line in enumerate(request.lines, start=1):
        product = catalogue.get_product(session, line.product_id)
        if not product.active:
            raise ValidationFailed(f"line {number}: product '{product.product_id}' is withdrawn")
        start = _start(line, number, now)
        if line.party:
            lines.extend(
                _party_lines(
                    session,
                    order_id,
                    len(lines) + 1,
                    number,
                    line,
                    product,
                    start,
                    eligible,
                    vat_rate_bp,
                )
            )
            continue
        category_id = line.rider_category or default_category
        _check_eligible(session, number, category_id, eligible)
        # Off-peak and congestion-linked rules price the unit for when it starts.
        priced = pricing.adjusted_unit(session, product, category_id, start)
        unit = priced.amount
        note = f"{product.product_id} for {category_id}: {unit} x {line.quantity}"
        if priced.applied:
            note += f" (list {priced.base}; {priced.note()})"
        if line.car_distance_km is not None:
            unit, note = _eco_unit(session, number, product, unit, line.car_distance_km, note)
        gross = unit.times(line.quantity)
        lines.append(
            _line(
                order_id,
                len(lines) + 1,
                product,
                category_id,
                line.quantity,
                unit.amount,
                gross,
                start,
                note,
                vat_rate_bp,
            )
        )
    if len({catalogue.get_product(session, ln.product_id).currency for ln in lines}) > 1:
        raise ValidationFailed("one order, one currency")
    return lines


def _eco_unit(
    session: Session,
    number: int,
    product: catalogue.ProductView,
    unit: Money,
    car_distance_km: float,
    note: str,
) -> tuple[Money, str]:
    """The park-and-ride unit price under the eco incentive (never above the price found)."""
    if product.kind != "park_and_ride":
        raise ValidationFailed(f"line {number}: car_distance_km is for park-and-ride products")
    quote = pricing.eco_quote(session, product.product_id, round(car_distance_km * 1000))
    if quote.price >= unit.amount:
        return unit, note
    return Money(quote.price, unit.currency), f"{note}; eco: {quote.explanation}"


def _line(
    order_id: str,
    line_no: int,
    product: catalogue.ProductView,
    category_id: str,
    quantity: int,
    unit_amount: int,
    gross: Money,
    start: datetime,
    note: str,
    vat_rate_bp: int,
) -> OrderLine:
    return OrderLine(
        order_id=order_id,
        line_no=line_no,
        product_id=product.product_id,
        product_name=product.name,
        rider_category_id=category_id,
        quantity=quantity,
        unit_amount=unit_amount,
        amount=gross.amount,
        vat_amount=vat_included(gross, vat_rate_bp).vat.amount,
        valid_from=start,
        pricing_note=note,
    )


def _party_lines(
    session: Session,
    order_id: str,
    first_line_no: int,
    number: int,
    line: OrderLineIn,
    product: catalogue.ProductView,
    start: datetime,
    eligible: frozenset[str],
    vat_rate_bp: int,
) -> list[OrderLine]:
    """A party priced as a whole (singles, family or group, the cheapest), one line per rider
    category: the party's total split over its members in proportion to their list prices."""
    members: Mapping[str, int] = {c: n for c, n in (line.party or {}).items() if n > 0}
    if not members:
        raise ValidationFailed(f"line {number}: a party needs at least one traveller")
    for category_id in members:
        if category_id not in product.prices:
            raise ValidationFailed(
                f"line {number}: {product.product_id} is not sold to '{category_id}'"
            )
        if category_id != catalogue.require_config(session).default_rider_category.id:
            _check_party_member(session, number, category_id, eligible)
    _, price = pricing.group_quote(session, product.product_id, members)
    categories = sorted(members)
    shares = (
        allocate(price.total, [product.prices[c] * members[c] for c in categories])
        if price.total
        else [0] * len(categories)
    )
    return [
        _line(
            order_id,
            first_line_no + i,
            product,
            category,
            members[category],
            share // members[category],
            Money(share, product.currency),
            start,
            f"party of {sum(members.values())}: {price.explanation}",
            vat_rate_bp,
        )
        for i, (category, share) in enumerate(zip(categories, shares, strict=True))
    ]


def _check_party_member(
    session: Session, number: int, category_id: str, eligible: frozenset[str]
) -> None:
    """Children travel on the adult's word (inspectors check ages); other reduced categories
    need the account's verified eligibility, as for a single ticket."""
    if category_id == pricing.CHILD_CATEGORY:
        return
    _check_eligible(session, number, category_id, eligible)
