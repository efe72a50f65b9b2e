"""Freight routes and bookings: routing's search on the network read from the database, with
the capacity already booked and road times from the traffic side; bookings hold capacity on
every dated departure of a route after checking it again. Composition of routing and mobility,
which is why it lives in services (like the journeys endpoint)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response, status
from sqlalchemy.orm import Session

from mobility.auth.deps import require_scopes
from mobility.auth.errors import Forbidden
from mobility.auth.principals import Principal, Scope
from mobility.deps import SessionDep
from mobility.freight.bookings import service as bookings
from mobility.freight.bookings.errors import (
    FreightBookingNotFound,
    FreightNetworkNotLoaded,
    FreightQueryInvalid,
    FreightRouteUnavailable,
    FreightTerminalUnknown,
)
from mobility.freight.bookings.models import FreightBooking
from mobility.freight.models import FreightDatasetVersion
from mobility.idempotency import IdempotencyKeyMissing, IdempotencyKeyReused, idempotency_key
from mobility.problems import problem_responses
from routing.algorithms import freight as algo
from routing.freight.network import NetworkCache
from routing.freight.road_times import road_time_factor
from services.freight_schemas import (
    BookingOut,
    BookingRequest,
    HandlingOut,
    LegOut,
    MoneyOut,
    ReservationOut,
    RouteOut,
    RouteRequest,
    RoutesOut,
)

router = APIRouter(tags=["freight"])
_NETWORKS = NetworkCache()  # per process; rebuilt when a new data set version is loaded
Planner = Annotated[Principal, Depends(require_scopes(Scope.FREIGHT_PLAN))]


def _network(session: Session) -> tuple[FreightDatasetVersion, algo.FreightNetwork]:
    found = _NETWORKS.get(session)
    if found is None:
        raise FreightNetworkNotLoaded("no freight data set is loaded")
    return found


def _query(network: algo.FreightNetwork, body: RouteRequest | BookingRequest) -> algo.FreightQuery:
    places = []
    for place in (body.origin, body.destination):
        if place.terminal is not None and place.terminal not in network.terminals:
            raise FreightTerminalUnknown(
                f"unknown terminal {place.terminal!r}", terminal=place.terminal
            )
        places.append(algo.Place(place.terminal, place.lat, place.lon))
    extra: dict[str, Any] = {}
    if isinstance(body, RouteRequest):
        weights = body.weights
        extra = {
            "weights": algo.Weights(weights.cost, weights.time, weights.co2e),
            "candidates": body.candidates,
            "limit": body.limit,
        }
    try:
        return algo.FreightQuery(
            origin=places[0],
            destination=places[1],
            teu=body.cargo.teu,
            gross_weight_t=body.cargo.gross_weight_t,
            cargo_flags=body.cargo.flags(),
            earliest_departure=body.earliest_departure,
            deadline=body.deadline,
            max_legs=body.max_legs,
            **extra,
        )
    except algo.FreightQueryInvalid as exc:
        raise FreightQueryInvalid(str(exc)) from exc


def _capacity(
    session: Session, network: algo.FreightNetwork, query: algo.FreightQuery
) -> dict[algo.DepartureKey, int]:
    return bookings.free_capacity(
        session,
        query.earliest_departure - timedelta(days=1),
        query.deadline,
        {code: service.capacity_teu for code, service in network.services_by_code.items()},
    )


def utc_now() -> datetime:
    """The request's clock (one name, so tests can set it)."""
    return datetime.now(UTC)


def _still_open(route: algo.FreightRoute, network: algo.FreightNetwork, now: datetime) -> None:
    """A departure whose cut-off has passed takes no more cargo: holding its TEU would sell
    space on a train or ship that can no longer be reached (or has left)."""
    for leg in route.legs:
        if leg.service is None:
            continue
        closes = leg.departure - timedelta(minutes=network.services_by_code[leg.service].cutoff_min)
        if closes <= now:
            raise FreightRouteUnavailable(
                f"{leg.service} departing {leg.departure.isoformat()} closed for cargo at "
                f"{closes.isoformat()}",
                service=leg.service,
                departure=leg.departure.isoformat(),
            )


def _money(amount: int, currency: str) -> MoneyOut:
    return MoneyOut(amount=amount, currency=currency)


def route_out(route: algo.FreightRoute, rank: int) -> RouteOut:
    money = route.currency
    return RouteOut(
        rank=rank,
        score=route.score,
        cost=_money(route.cost_cents, money),
        co2e_g=route.co2e_g,
        departure=route.departure,
        arrival=route.arrival,
        duration_min=int((route.arrival - route.departure).total_seconds() // 60),
        legs=[
            LegOut(
                mode=leg.mode,
                service=leg.service,
                from_terminal=leg.from_terminal,
                to_terminal=leg.to_terminal,
                departure=leg.departure,
                arrival=leg.arrival,
                wait_min=leg.wait_min,
                gate_wait_min=leg.gate_wait_min,
                handling=None
                if leg.handling is None
                else HandlingOut(
                    terminal=leg.handling.terminal,
                    start=leg.handling.start,
                    minutes=leg.handling.minutes,
                    cost=_money(leg.handling.cost_cents, money),
                    co2e_g=leg.handling.co2e_g,
                ),
                distance_km=leg.distance_km,
                cost=_money(leg.cost_cents, money),
                co2e_g=leg.co2e_g,
                description=leg.description,
            )
            for leg in route.legs
        ],
    )


@router.post(
    "/freight/routes",
    response_model=RoutesOut,
    responses=problem_responses(
        FreightQueryInvalid, FreightTerminalUnknown, FreightNetworkNotLoaded
    ),
)
def plan_routes(body: RouteRequest, session: SessionDep, _principal: Planner) -> RoutesOut:
    """Door-to-door container routes: the Pareto set over cost, arrival and CO2e."""
    version, network = _network(session)
    query = _query(network, body)
    factor = road_time_factor(session)
    try:
        result = algo.search_routes(
            network, query, capacity=_capacity(session, network, query), road_time_factor=factor
        )
    except algo.FreightQueryInvalid as exc:
        raise FreightQueryInvalid(str(exc)) from exc
    return RoutesOut(
        dataset_version=f"{version.dataset}:{version.id}",
        road_times="congested" if factor.used else "free_flow",
        pareto_size=result.pareto_size,
        routes=[route_out(route, i) for i, route in enumerate(result.routes, 1)],
    )


def _organisation(principal: Principal) -> str:
    if principal.organisation_id is None:
        raise Forbidden("freight bookings are made for an organisation; this caller has none")
    return principal.organisation_id


def booking_out(session: Session, booking: FreightBooking) -> BookingOut:
    return BookingOut(
        id=booking.id,
        status=booking.status.value,
        organisation_id=booking.organisation_id,
        created_at=booking.created_at,
        cancelled_at=booking.cancelled_at,
        teu=booking.teu,
        cargo_flags=[f for f in booking.cargo_flags.split(",") if f],
        cost=_money(booking.cost_cents, booking.currency),
        co2e_g=booking.co2e_g,
        departure=booking.departure,
        arrival=booking.arrival,
        route=RouteOut.model_validate(booking.route["route"]),
        reservations=[
            ReservationOut(service=r.service_code, departure=r.departure_at, teu=r.teu)
            for r in bookings.reservations(session, booking.id)
        ],
    )


@router.post(
    "/freight/bookings",
    status_code=status.HTTP_201_CREATED,
    response_model=BookingOut,
    responses=problem_responses(
        IdempotencyKeyMissing,
        IdempotencyKeyReused,
        FreightRouteUnavailable,
        FreightQueryInvalid,
        FreightTerminalUnknown,
        FreightNetworkNotLoaded,
        Forbidden,
    ),
)
def book_route(
    body: BookingRequest,
    session: SessionDep,
    principal: Planner,
    response: Response,
    idempotency_key_header: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> BookingOut:
    """Book a route as offered: checked again, then capacity held on each of its departures."""
    organisation = _organisation(principal)
    key = idempotency_key(idempotency_key_header)
    digest = hashlib.sha256(body.model_dump_json().encode()).hexdigest()
    earlier = bookings.find_by_key(session, organisation, key)
    if earlier is not None:
        if earlier.request_sha256 != digest:
            raise IdempotencyKeyReused("this Idempotency-Key was used for a different booking")
        response.status_code = status.HTTP_200_OK
        return booking_out(session, earlier)
    version, network = _network(session)
    query = _query(network, body)
    plan = [
        algo.PlannedLeg(leg.mode, leg.from_terminal, leg.to_terminal, leg.service, leg.departure)
        for leg in body.legs
    ]
    try:
        route = algo.evaluate_plan(
            network,
            query,
            plan,
            capacity=_capacity(session, network, query),
            road_time_factor=road_time_factor(session),
        )
    except algo.RouteInfeasible as exc:
        raise FreightRouteUnavailable(str(exc)) from exc
    except algo.FreightQueryInvalid as exc:
        raise FreightQueryInvalid(str(exc)) from exc
    now = utc_now()
    _still_open(route, network, now)
    offered = route_out(route, 1)
    draft = bookings.BookingDraft(
        organisation_id=organisation,
        created_by=principal.subject,
        idempotency_key=key,
        request_sha256=digest,
        version_id=version.id,
        teu=query.teu,
        cargo_flags=",".join(sorted(query.cargo_flags)),
        gross_weight_t=query.gross_weight_t,
        cost_cents=route.cost_cents,
        currency=route.currency,
        co2e_g=route.co2e_g,
        departure=route.departure,
        arrival=route.arrival,
        route={
            "origin": body.origin.model_dump(mode="json"),
            "destination": body.destination.model_dump(mode="json"),
            "route": offered.model_dump(mode="json"),
        },
        reservations=tuple(
            bookings.Reservation(
                service_code=leg.service,
                departure_at=leg.departure.astimezone(UTC),
                teu=query.teu,
                capacity_teu=network.services_by_code[leg.service].capacity_teu,
            )
            for leg in route.legs
            if leg.service is not None
        ),
    )
    booking, created = bookings.create_booking(session, draft, now)
    if not created:
        response.status_code = status.HTTP_200_OK
    else:
        response.headers["Location"] = f"/v1/freight/bookings/{booking.id}"
    return booking_out(session, booking)


@router.get(
    "/freight/bookings/{booking_id}",
    response_model=BookingOut,
    responses=problem_responses(FreightBookingNotFound),
)
def read_booking(booking_id: str, session: SessionDep, principal: Planner) -> BookingOut:
    """One of your organisation's bookings."""
    booking = bookings.get_booking(session, _organisation(principal), booking_id)
    return booking_out(session, booking)


@router.delete(
    "/freight/bookings/{booking_id}",
    response_model=BookingOut,
    responses=problem_responses(FreightBookingNotFound),
)
def cancel_booking(booking_id: str, session: SessionDep, principal: Planner) -> BookingOut:
    """Cancel a booking and release its capacity (cancelling twice changes nothing)."""
    booking = bookings.cancel_booking(session, _organisation(principal), booking_id, utc_now())
    return booking_out(session, booking)
