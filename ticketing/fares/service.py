"""Quote an itinerary with its feed's own fares: resolve the current version, price, explain."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from gtfs.errors import FeedNotFound
from gtfs.models import FeedVersion, FeedVersionStatus, table_for
from ticketing.fares.cache import FeedFaresCache, PricedFeed, fares_cache
from ticketing.fares.engine import quote
from ticketing.fares.errors import (
    InvalidItinerary,
    NoFaresInFeed,
    UnknownRoute,
    UnknownStop,
)
from ticketing.fares.load import load_feed_fares
from ticketing.fares.model import FareQuote, Leg
from ticketing.fares.schemas import (
    MoneyOut,
    QuoteLegIn,
    QuoteLineOut,
    QuoteRequest,
    QuoteResponse,
    RuleOut,
)

_stops = table_for("stops.txt")
_routes = table_for("routes.txt")


def current_version_id(session: Session, feed_id: str) -> int:
    """The id of the feed's current version: the one query a warm quote makes."""
    version_id = session.execute(
        select(FeedVersion.id).where(
            FeedVersion.feed_id == feed_id, FeedVersion.status == FeedVersionStatus.CURRENT
        )
    ).scalar()
    if version_id is None:
        raise FeedNotFound(f"no feed '{feed_id}' has been imported")
    return int(version_id)


def load_priced_feed(session: Session, feed_id: str, version_id: int) -> PricedFeed:
    """A version's fares with the ids of its stops and routes (for checking requests)."""
    stop_ids = session.execute(
        select(_stops.c.stop_id).where(_stops.c.feed_version_id == version_id)
    ).scalars()
    route_ids = session.execute(
        select(_routes.c.route_id).where(_routes.c.feed_version_id == version_id)
    ).scalars()
    return PricedFeed(
        feed_id=feed_id,
        version_id=version_id,
        fares=load_feed_fares(session, version_id),
        stop_ids=frozenset(stop_ids),
        route_ids=frozenset(route_ids),
    )


def priced_feed(session: Session, feed_id: str, cache: FeedFaresCache = fares_cache) -> PricedFeed:
    """The feed's current version, loaded once per version and process."""
    version_id = current_version_id(session, feed_id)
    return cache.get(feed_id, version_id, lambda: load_priced_feed(session, feed_id, version_id))


def _check_refs(feed: PricedFeed, index: int, leg: QuoteLegIn) -> None:
    if leg.route_id not in feed.route_ids:
        raise UnknownRoute(
            f"leg {index}: no route '{leg.route_id}' in feed '{feed.feed_id}'",
            leg=index,
            field="route_id",
        )
    for name, stop_id in (("from_stop_id", leg.from_stop_id), ("to_stop_id", leg.to_stop_id)):
        if stop_id not in feed.stop_ids:
            raise UnknownStop(
                f"leg {index}: no stop '{stop_id}' in feed '{feed.feed_id}'",
                leg=index,
                field=name,
            )
    for stop_id in leg.via_stop_ids:
        if stop_id not in feed.stop_ids:
            raise UnknownStop(
                f"leg {index}: no stop '{stop_id}' in feed '{feed.feed_id}'",
                leg=index,
                field="via_stop_ids",
            )


def _leg(feed: PricedFeed, index: int, leg: QuoteLegIn) -> Leg:
    service_date: date = (
        leg.service_date or leg.departure.astimezone(ZoneInfo(feed.fares.timezone)).date()
    )
    try:
        return Leg(
            feed.feed_id,
            leg.route_id,
            leg.from_stop_id,
            leg.to_stop_id,
            leg.departure,
            leg.arrival,
            service_date,
            tuple(leg.via_stop_ids),
        )
    except InvalidItinerary as exc:
        raise InvalidItinerary(f"leg {index}: {exc.detail}", leg=index) from exc


def quote_response(feed: PricedFeed, found: FareQuote) -> QuoteResponse:
    return QuoteResponse(
        total=MoneyOut(amount=found.total, currency=found.currency),
        lines=[
            QuoteLineOut(
                legs=list(line.legs),
                amount=line.amount,
                # A transfer without a product costs nothing, in the quote's currency.
                currency=line.currency or found.currency,
                fare_product_id=line.fare_product_id,
                product_name=line.product_name,
                rider_category_id=line.rider_category_id,
                fare_media_id=line.fare_media_id,
                rule=RuleOut(file=line.rule.file, line=line.rule.line, key=line.rule.key),
            )
            for line in found.lines
        ],
        rider_category_id=found.rider_category_id,
        fares_version="v2" if found.fares_version == "v2" else "v1",
        feed=feed.feed_id,
        feed_version_id=feed.version_id,
    )


def quote_itinerary(session: Session, request: QuoteRequest) -> QuoteResponse:
    """The cheapest valid fare of the request's legs under their feed's current fares."""
    feeds = list(dict.fromkeys(leg.feed for leg in request.legs))
    if len(feeds) > 1:
        # Each feed's fares know only its own networks and transfers.
        raise InvalidItinerary(
            f"the legs are of several feeds ({', '.join(feeds)}): quote each feed's legs apart"
        )
    feed = priced_feed(session, feeds[0])
    if not feed.has_fares:
        raise NoFaresInFeed(
            f"feed '{feed.feed_id}' (version {feed.version_id}) has neither Fares v2 "
            "(fare_leg_rules.txt) nor Fares v1 (fare_attributes.txt)"
        )
    legs = []
    for i, leg in enumerate(request.legs):
        _check_refs(feed, i, leg)
        legs.append(_leg(feed, i, leg))
    found = quote(legs, feed.fares, request.rider_category, fare_media_id=request.fare_media_id)
    return quote_response(feed, found)
