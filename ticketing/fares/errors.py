"""Domain errors of the fare engine."""

from __future__ import annotations

from mobility.errors import ValidationFailed


class FareError(ValidationFailed):
    """Base of the fare engine's errors."""

    type_slug = "fare-error"
    title = "The itinerary cannot be priced"


class NoFareApplies(FareError):
    type_slug = "no-fare-applies"
    title = "No fare of the feed applies to the itinerary"


class InvalidItinerary(FareError):
    type_slug = "invalid-itinerary"
    title = "The itinerary cannot be priced as given"


class UnknownRiderCategory(InvalidItinerary):
    type_slug = "unknown-rider-category"
    title = "The feed has no such rider category"


class UnknownFareMedia(InvalidItinerary):
    type_slug = "unknown-fare-media"
    title = "The feed has no such fare medium"


class NoFaresInFeed(FareError):
    type_slug = "no-fares-in-feed"
    title = "The feed publishes no fares"


class UnknownRoute(FareError):
    type_slug = "unknown-route"
    title = "A leg names a route the feed does not have"


class UnknownStop(FareError):
    type_slug = "unknown-stop"
    title = "A leg names a stop the feed does not have"
