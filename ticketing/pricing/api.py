"""Innovative tariffs in the API: group and eco quotes, and a traveller's best-fare review."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from mobility.auth.deps import require_scopes
from mobility.auth.errors import Forbidden
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.deps import SessionDep
from mobility.errors import ValidationFailed
from mobility.problems import problem_responses
from ticketing.catalogue import service as catalogue
from ticketing.clearing.service import parse_period
from ticketing.errors import ProductNotFound
from ticketing.pricing import service
from ticketing.schemas import CODE_PATTERN, MoneyOut

router = APIRouter(tags=["fares"])
_CODE = CODE_PATTERN


class GroupQuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(pattern=_CODE)
    members: dict[str, Annotated[int, Field(ge=0, le=500)]] = Field(
        description='Travellers per rider category, e.g. {"adult": 2, "child": 3}'
    )
    child_category: str = Field(default="child", pattern=_CODE)


class GroupQuoteOut(BaseModel):
    product_id: str
    total: MoneyOut
    option: str = Field(description="individual, family or group")
    explanation: str
    family_tickets: int
    options: dict[str, MoneyOut] = Field(description="Each feasible option's total")


class EcoQuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(pattern=_CODE, description="A park-and-ride product")
    car_distance_km: float = Field(gt=0, le=1000, description="The trip's length by car")


class EcoQuoteOut(BaseModel):
    product_id: str
    car_cost: MoneyOut
    regular_price: MoneyOut
    price: MoneyOut
    discount: MoneyOut
    explanation: str


class CoverOut(BaseModel):
    product_id: str | None = Field(description="None: a single fare")
    price: MoneyOut
    trip_ids: list[str]


class BestFareOut(BaseModel):
    period: str
    rider_category: str
    paid: MoneyOut
    best: MoneyOut
    refund: MoneyOut
    covers: list[CoverOut]


@router.post(
    "/fares/group-quote",
    response_model=GroupQuoteOut,
    responses=problem_responses(ProductNotFound, ValidationFailed),
)
def post_group_quote(body: GroupQuoteIn, session: SessionDep) -> GroupQuoteOut:
    """The cheapest way for a family or group to travel on one product."""
    product, price = service.group_quote(
        session, body.product_id, body.members, body.child_category
    )
    currency = product.currency
    return GroupQuoteOut(
        product_id=product.product_id,
        total=MoneyOut(amount=price.total, currency=currency),
        option=price.option.value,
        explanation=price.explanation,
        family_tickets=price.family_tickets,
        options={
            str(option.value): MoneyOut(amount=amount, currency=currency)
            for option, amount in price.options.items()
        },
    )


@router.post(
    "/fares/eco-quote",
    response_model=EcoQuoteOut,
    responses=problem_responses(ProductNotFound, ValidationFailed),
)
def post_eco_quote(body: EcoQuoteIn, session: SessionDep) -> EcoQuoteOut:
    """A park-and-ride ticket priced against driving the same trip."""
    quote = service.eco_quote(session, body.product_id, round(body.car_distance_km * 1000))
    currency = catalogue.get_product(session, body.product_id).currency

    def money(amount: int) -> MoneyOut:
        return MoneyOut(amount=amount, currency=currency)

    return EcoQuoteOut(
        product_id=body.product_id,
        car_cost=money(quote.car_cost),
        regular_price=money(quote.regular_price),
        price=money(quote.price),
        discount=money(quote.discount),
        explanation=quote.explanation,
    )


@router.get(
    "/me/best-fare",
    response_model=list[BestFareOut],
    responses=problem_responses(ValidationFailed),
)
def get_best_fare(
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_scopes(Scope.ACCOUNT_READ))],
    period: Annotated[str, Query(description="A month, e.g. 2026-11")],
) -> list[BestFareOut]:
    """Your pay-as-you-go trips of a month against the cheapest products covering them."""
    if principal.kind is not PrincipalKind.TRAVELLER:
        raise Forbidden("the best-fare review is a traveller's own")
    config = catalogue.require_config(session)
    span = parse_period(period, config.timezone)
    reviews = service.best_fare_reviews(session, span.start, span.end, account_id=principal.subject)
    out = []
    for review in reviews:
        result, currency = review.result, review.currency

        def money(amount: int, currency: str = currency) -> MoneyOut:
            return MoneyOut(amount=amount, currency=currency)

        out.append(
            BestFareOut(
                period=span.label,
                rider_category=review.rider_category,
                paid=money(result.already_paid),
                best=money(result.optimum),
                refund=money(result.refund),
                covers=[
                    CoverOut(
                        product_id=c.product_id, price=money(c.price), trip_ids=list(c.trip_ids)
                    )
                    for c in result.covers
                ],
            )
        )
    return out
