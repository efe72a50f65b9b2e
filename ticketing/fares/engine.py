"""Price an itinerary with its feed's own fares: Fares v2 when present, else Fares v1."""

from __future__ import annotations

from collections.abc import Sequence

from ticketing.fares.errors import InvalidItinerary, UnknownFareMedia, UnknownRiderCategory
from ticketing.fares.model import FareQuote, FeedFares, Leg
from ticketing.fares.v1 import quote_v1
from ticketing.fares.v2 import quote_v2


def quote(
    itinerary: Sequence[Leg],
    fares: FeedFares,
    rider_category: str | None,
    *,
    fare_media_id: str | None = None,
) -> FareQuote:
    """The cheapest valid fare of `itinerary` for a rider category (the feed's default if None).

    `fare_media_id` restricts Fares v2 products to one fare medium (v1 has no media).

    Raises `NoFareApplies` when no rule of the feed prices a leg, `InvalidItinerary` when the
    itinerary is empty, out of order, of another feed, or the rider category is unknown.
    """
    if not itinerary:
        raise InvalidItinerary("an itinerary needs at least one leg")
    for i, leg in enumerate(itinerary):
        if fares.feed and leg.feed != fares.feed:
            raise InvalidItinerary(
                f"leg {i} is of feed '{leg.feed}', these fares of '{fares.feed}'"
            )
        if i and leg.departure < itinerary[i - 1].arrival:
            raise InvalidItinerary(f"leg {i} departs before leg {i - 1} arrives")
    if fares.leg_rules:
        category = rider_category if rider_category is not None else fares.default_rider_category
        if (
            category is not None
            and fares.rider_categories
            and category not in fares.rider_categories
        ):
            known = ", ".join(sorted(fares.rider_categories))
            raise UnknownRiderCategory(
                f"unknown rider category '{category}' (the feed has: {known})"
            )
        if fare_media_id is not None and fare_media_id not in fares.fare_media:
            raise UnknownFareMedia(f"unknown fare medium '{fare_media_id}'")
        return quote_v2(fares, itinerary, category, fare_media_id)
    return quote_v1(fares, itinerary)
