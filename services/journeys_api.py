"""`GET /v1/journeys`: itineraries from routing, each priced by ticketing's fare engine, and the
traveller's passes that already cover it. Composition only: routing and ticketing do not know
each other; this module asks one for journeys and the other for their price."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import date as date_type
from datetime import datetime, time
from itertools import groupby
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from gtfs.errors import StopNotFound
from gtfs.refs import parse_ref
from gtfs.repository import GtfsRepository
from mobility.auth.deps import OptionalPrincipal
from mobility.auth.principals import PrincipalKind
from mobility.deps import SessionDep
from mobility.errors import MobilityError, ValidationFailed
from mobility.problems import problem_responses
from mobility.redis_client import get_redis
from mobility.settings import get_settings
from routing.planner import (
    Coordinates,
    LiveTimetables,
    PlannedJourney,
    PlannedLeg,
    PlanRequest,
    StopCall,
    StopPlace,
    plan_live,
)
from routing.planner.pareto import pareto_front
from routing.timetable_cache import TimetableCache
from ticketing.fares.schemas import QuoteLegIn, QuoteRequest
from ticketing.fares.service import quote_itinerary
from ticketing.passes.coverage import Ride, covering_passes
from ticketing.schemas import MoneyOut

router = APIRouter(tags=["journeys"])
_CACHE = TimetableCache()  # one per process: timetables are rebuilt when a feed version changes
_LIVE = LiveTimetables(get_redis)  # re-derived from the cached timetable when live data changes
MAX_PRICE_ALTERNATIVE_FEEDS = 8  # each costs one more RAPTOR query
_COORDINATES = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


class StopCallOut(BaseModel):
    ref: str
    name: str
    arrival: datetime | None = Field(description="Scheduled")
    departure: datetime | None = Field(description="Scheduled")
    realtime_arrival: datetime | None = Field(
        default=None, description="Expected, when the trip has live data"
    )
    realtime_departure: datetime | None = Field(
        default=None, description="Expected, when the trip has live data"
    )
    skipped: bool = Field(default=False, description="The trip no longer stops here today")


class LegOut(BaseModel):
    mode: str = Field(description="walk, or the GTFS route type: bus, tram, rail, ferry, ...")
    from_stop: StopCallOut | None = Field(description="None: the requested origin point")
    to_stop: StopCallOut | None = Field(description="None: the requested destination point")
    departure: datetime = Field(description="Expected: real-time when `realtime`, else scheduled")
    arrival: datetime = Field(description="Expected: real-time when `realtime`, else scheduled")
    scheduled_departure: datetime | None = Field(description="Rides only")
    scheduled_arrival: datetime | None = Field(description="Rides only")
    realtime: bool = Field(description="The ride's times come from live data (GTFS-Realtime)")
    route: str | None = Field(description="FEED:ROUTE_ID")
    route_short_name: str | None
    trip: str | None = Field(description="FEED:TRIP_ID")
    headsign: str | None
    intermediate_stops: list[StopCallOut]
    geometry: list[tuple[float, float]] = Field(description="(lat, lon) points")


class PriceOut(BaseModel):
    total: MoneyOut | None = Field(description="None when a feed's fares cannot price a leg")
    lines: list[str] = Field(description="Each amount with the fare rule that produced it")
    unpriced_reason: str | None = None


class JourneyOut(BaseModel):
    departure: datetime
    arrival: datetime
    duration_s: int
    transfers: int
    legs: list[LegOut]
    price: PriceOut
    covered_by_passes: list[str] = Field(
        description="The caller's active passes that already cover every ride of the journey"
    )


class JourneysOut(BaseModel):
    journeys: list[JourneyOut]
    realtime: str = Field(
        description="live: planned on the live state (delays, cancellations, skipped stops); "
        "unavailable: the live state could not be read, so on the schedule alone"
    )


def _place(text: str, name: str) -> Coordinates | StopPlace:
    match = _COORDINATES.match(text)
    if match:
        lat, lon = float(match.group(1)), float(match.group(2))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValidationFailed(f"{name}: latitude or longitude out of range")
        return Coordinates(lat, lon)
    if ":" in text:
        return StopPlace(text.strip())
    raise ValidationFailed(f"{name} must be LAT,LON or a stop reference FEED:STOP_ID")


def _stop_call(call: StopCall) -> StopCallOut:
    return StopCallOut(
        ref=call.ref,
        name=call.name,
        arrival=call.arrival,
        departure=call.departure,
        realtime_arrival=call.realtime_arrival,
        realtime_departure=call.realtime_departure,
        skipped=call.skipped,
    )


def _leg_out(leg: PlannedLeg) -> LegOut:
    return LegOut(
        mode=leg.mode,
        from_stop=None if leg.from_stop is None else _stop_call(leg.from_stop),
        to_stop=None if leg.to_stop is None else _stop_call(leg.to_stop),
        departure=leg.departure,
        arrival=leg.arrival,
        scheduled_departure=leg.scheduled_departure,
        scheduled_arrival=leg.scheduled_arrival,
        realtime=leg.realtime,
        route=None if leg.route_id is None else f"{leg.feed}:{leg.route_id}",
        route_short_name=leg.route_short_name,
        trip=None if leg.trip_id is None else f"{leg.feed}:{leg.trip_id}",
        headsign=leg.headsign,
        intermediate_stops=[_stop_call(c) for c in leg.intermediate],
        geometry=list(leg.geometry),
    )


def _rides(journey: PlannedJourney) -> list[PlannedLeg]:
    return [leg for leg in journey.legs if leg.mode != "walk" and leg.feed is not None]


def _stop_id(call: StopCall | None) -> str:
    assert call is not None
    return parse_ref(call.ref).id


def _price(session: Session, journey: PlannedJourney, rider_category: str | None) -> PriceOut:
    """Each feed's own fares price its rides; the journey's total is their sum."""
    rides = _rides(journey)
    if not rides:
        return PriceOut(total=MoneyOut(amount=0, currency="EUR"), lines=["walk only"])
    amounts: list[tuple[int, str]] = []
    lines: list[str] = []
    for feed, legs in groupby(rides, key=lambda leg: leg.feed):
        request = QuoteRequest(
            rider_category=rider_category,
            legs=[
                QuoteLegIn(
                    feed=str(feed),
                    route_id=str(leg.route_id),
                    from_stop_id=_stop_id(leg.from_stop),
                    to_stop_id=_stop_id(leg.to_stop),
                    departure=leg.departure,
                    arrival=leg.arrival,
                    service_date=leg.service_date,
                )
                for leg in legs
            ],
        )
        try:
            quote = quote_itinerary(session, request)
        except MobilityError as exc:
            return PriceOut(total=None, lines=lines, unpriced_reason=f"{feed}: {exc.detail}")
        amounts.append((quote.total.amount, quote.total.currency))
        lines.extend(
            f"{feed}: {line.amount} {line.currency} {line.product_name or line.fare_product_id}"
            f" ({line.rule.file}:{line.rule.line})"
            for line in quote.lines
        )
    currencies = {currency for _, currency in amounts}
    if len(currencies) != 1:
        return PriceOut(total=None, lines=lines, unpriced_reason="fares in several currencies")
    return PriceOut(
        total=MoneyOut(amount=sum(a for a, _ in amounts), currency=currencies.pop()),
        lines=lines,
    )


def _covering(session: Session, account_id: str, journey: PlannedJourney) -> list[str]:
    rides = [
        Ride(
            feed=str(leg.feed),
            agency_id=leg.agency_id,
            from_stop_id=_stop_id(leg.from_stop),
            to_stop_id=_stop_id(leg.to_stop),
            departure=leg.departure,
            arrival=leg.arrival,
        )
        for leg in _rides(journey)
    ]
    return covering_passes(session, account_id, rides)


def _with_single_operator_alternatives(
    session: Session, request: PlanRequest, journeys: list[PlannedJourney]
) -> list[PlannedJourney]:
    """The journeys and, per feed, those riding that feed alone: fares are per feed, so a
    journey that changes operator pays twice where a slower one with one operator may not."""
    feeds = sorted(GtfsRepository(session).current_versions())[:MAX_PRICE_ALTERNATIVE_FEEDS]
    out = list(journeys)
    seen = {_signature(j) for j in journeys}
    if len(feeds) < 2:
        return out
    for feed in feeds:
        alternative = plan_live(
            session, replace(request, feeds=frozenset({feed})), cache=_CACHE, live=_LIVE
        )
        for j in alternative.journeys:
            if _signature(j) not in seen:
                seen.add(_signature(j))
                out.append(j)
    return sorted(out, key=lambda j: (j.departure, j.arrival, j.transfers))


def _signature(journey: PlannedJourney) -> tuple[object, ...]:
    return tuple((leg.mode, leg.trip_id, leg.departure, leg.arrival) for leg in journey.legs)


def _time_transfers_price(item: tuple[PlannedJourney, PriceOut]) -> tuple[float, ...]:
    """Criteria to minimise: leaving later is better, then arrival, transfers and price (an
    unpriced journey counts as the dearest)."""
    journey, price = item
    amount = price.total.amount if price.total is not None else math.inf
    return (-journey.departure.timestamp(), journey.arrival.timestamp(), journey.transfers, amount)


@router.get(
    "/journeys",
    response_model=JourneysOut,
    responses=problem_responses(ValidationFailed, StopNotFound),
)
def get_journeys(
    session: SessionDep,
    principal: OptionalPrincipal,
    origin: Annotated[str, Query(alias="from", description="LAT,LON or FEED:STOP_ID")],
    destination: Annotated[str, Query(alias="to", description="LAT,LON or FEED:STOP_ID")],
    date: Annotated[date_type | None, Query(description="Local date; default today")] = None,
    at: Annotated[time | None, Query(alias="time", description="Local time; default now")] = None,
    arrive_by: bool = False,
    window_min: Annotated[int, Query(ge=0, le=180)] = 0,
    max_walk_m: Annotated[float, Query(ge=0, le=3000)] = 800,
    max_transfer_walk_m: Annotated[float, Query(ge=0, le=2000)] = 400,
    walk_speed_mps: Annotated[float, Query(gt=0.3, le=3)] = 1.3,
    min_transfer_s: Annotated[int, Query(ge=0, le=1800)] = 60,
    max_transfers: Annotated[int, Query(ge=0, le=10)] = 5,
    wheelchair: bool = False,
    modes: Annotated[str | None, Query(description="Comma list: bus,tram,rail,ferry,...")] = None,
    rider_category: Annotated[str | None, Query(max_length=64)] = None,
    criteria: Annotated[
        Literal["time", "price"],
        Query(
            description="time: Pareto set over arrival and transfers; price: price too, "
            "adding each operator's own itineraries (one fare, not two) where cheaper"
        ),
    ] = "time",
) -> JourneysOut:
    """Journeys by bus, rail and ferry across feeds: the Pareto set over arrival and transfers,
    each with its price and the caller's passes that already cover it."""
    zone = ZoneInfo(get_settings().timezone)
    now = datetime.now(zone)
    when = datetime.combine(date or now.date(), at or now.time().replace(microsecond=0), zone)
    try:
        request = PlanRequest(
            origin=_place(origin, "from"),
            destination=_place(destination, "to"),
            when=when,
            arrive_by=arrive_by,
            window_min=window_min,
            max_walk_m=max_walk_m,
            max_transfer_walk_m=max_transfer_walk_m,
            walk_speed_mps=walk_speed_mps,
            min_transfer_s=min_transfer_s,
            max_transfers=max_transfers,
            wheelchair=wheelchair,
            modes=None if not modes else frozenset(m.strip() for m in modes.split(",") if m),
        )
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from exc
    result = plan_live(session, request, cache=_CACHE, live=_LIVE)
    journeys = result.journeys
    if criteria == "price":
        journeys = _with_single_operator_alternatives(session, request, journeys)
    priced = [(j, _price(session, j, rider_category)) for j in journeys]
    if criteria == "price":
        priced = pareto_front(priced, _time_transfers_price)
    account = (
        principal.subject
        if principal is not None and principal.kind is PrincipalKind.TRAVELLER
        else None
    )
    return JourneysOut(
        journeys=[
            JourneyOut(
                departure=j.departure,
                arrival=j.arrival,
                duration_s=j.duration_s,
                transfers=j.transfers,
                legs=[_leg_out(leg) for leg in j.legs],
                price=price,
                covered_by_passes=[] if account is None else _covering(session, account, j),
            )
            for j, price in priced
        ],
        realtime=result.realtime,
    )
