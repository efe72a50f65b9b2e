"""The engine's choice between v2 and v1 and its checks of the itinerary."""

from __future__ import annotations

import pytest

from tests.ticketing.fares import fares, leg, products
from ticketing.fares import InvalidItinerary, Leg, NoFareApplies, quote
from ticketing.fares.model import FareAttribute, FareLegRule


def test_v2_is_preferred_when_the_feed_has_leg_rules() -> None:
    """A feed with fare_leg_rules is priced by v2 even if it also has fare_attributes."""
    f = fares(
        leg_rules=(FareLegRule("x", line=2),),
        products=products(("x", 120)),
        attributes={"old": FareAttribute("old", 50, "EUR")},
    )
    q = quote([leg()], f, None)
    assert (q.total, q.fares_version) == (120, "v2")


def test_bad_itineraries_are_refused() -> None:
    """Empty itineraries, overlapping legs and legs of another feed raise InvalidItinerary."""
    f = fares(leg_rules=(FareLegRule("x", line=2),), products=products(("x", 120)))
    with pytest.raises(InvalidItinerary, match="at least one leg"):
        quote([], f, None)
    with pytest.raises(InvalidItinerary, match="departs before"):
        quote([leg(dep="08:00", arr="08:30"), leg(dep="08:10", arr="08:40")], f, None)
    other = leg()
    with pytest.raises(InvalidItinerary, match="feed 'g'"):
        quote([type(other)("g", *list(vars(other).values())[1:])], f, None)


def test_feed_without_fares_raises() -> None:
    """A feed with neither fares v2 nor v1 raises NoFareApplies."""
    with pytest.raises(NoFareApplies, match="neither"):
        quote([leg()], fares(), None)


def test_naive_or_reversed_leg_times_are_refused() -> None:
    """A leg needs timezone-aware times and may not arrive before it departs."""
    good = leg()
    with pytest.raises(InvalidItinerary, match="timezone-aware"):
        Leg(
            "f",
            "R1",
            "S1",
            "S2",
            good.departure.replace(tzinfo=None),
            good.arrival,
            good.service_date,
        )
    with pytest.raises(InvalidItinerary, match="arrives before"):
        Leg("f", "R1", "S1", "S2", good.arrival, good.departure, good.service_date)
