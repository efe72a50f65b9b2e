"""HTTP routes of ticketing.fares."""

from __future__ import annotations

from fastapi import APIRouter, Response

from gtfs.errors import FeedNotFound
from mobility.deps import SessionDep
from mobility.problems import model_response, problem_responses
from ticketing.fares import service
from ticketing.fares.errors import (
    FareError,
    InvalidItinerary,
    NoFareApplies,
    NoFaresInFeed,
    UnknownFareMedia,
    UnknownRiderCategory,
    UnknownRoute,
    UnknownStop,
)
from ticketing.fares.schemas import QuoteRequest, QuoteResponse

router = APIRouter(tags=["fares"])

_QUOTE_PROBLEMS = problem_responses(FeedNotFound, FareError)
# Every fare error is a 422; the one entry of that status names each stable type.
_QUOTE_PROBLEMS[422]["description"] = "The itinerary cannot be priced: type " + ", ".join(
    e.type_uri()
    for e in (
        NoFareApplies,
        InvalidItinerary,
        UnknownRiderCategory,
        UnknownFareMedia,
        UnknownRoute,
        UnknownStop,
        NoFaresInFeed,
    )
)


@router.post(
    "/fares/quote",
    response_model=QuoteResponse,
    responses=_QUOTE_PROBLEMS,
)
def quote_fare(body: QuoteRequest, session: SessionDep) -> Response:
    """The cheapest fare of an itinerary under its feed's own GTFS fares, rule by rule."""
    return model_response(service.quote_itinerary(session, body))
