"""A GTFS fare engine: a feed's own Fares v2 (or v1) price an itinerary of legs."""

from ticketing.fares.engine import quote
from ticketing.fares.errors import FareError, InvalidItinerary, NoFareApplies
from ticketing.fares.model import FareQuote, FeedFares, Leg, QuoteLine, RuleRef

__all__ = [
    "FareError",
    "FareQuote",
    "FeedFares",
    "InvalidItinerary",
    "Leg",
    "NoFareApplies",
    "QuoteLine",
    "RuleRef",
    "quote",
]
