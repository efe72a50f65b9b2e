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
