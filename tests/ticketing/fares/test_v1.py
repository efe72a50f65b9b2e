"""Fares v1 rules (fare_attributes + fare_rules), one test per rule, on hand-made tables."""

from __future__ import annotations

import pytest

from tests.ticketing.fares import fares, leg
from ticketing.fares import NoFareApplies, RuleRef, quote
from ticketing.fares.model import FareAttribute, FareRuleV1

ZONES = {"S1": "1", "S2": "1", "S3": "2", "S4": "3"}


def test_route_rule_and_cheapest_fare() -> None:
    """A fare's route_id rows restrict it to those routes; the cheapest matching fare wins."""
    f = fares(
        attributes={"p": FareAttribute("p", 125, "USD"), "a": FareAttribute("a", 525, "USD")},
        fare_rules=(FareRuleV1("p", route_id="R1", line=2), FareRuleV1("a", route_id="R2", line=3)),
    )
    q = quote([leg("R2")], f, None)
    assert (q.total, q.currency, q.fares_version) == (525, "USD", "v1")
    assert q.lines[0].rule == RuleRef("fare_rules.txt", 3, "a")


def test_origin_and_destination_zones() -> None:
    """origin_id/destination_id match the zones of the first boarding and last alighting stop."""
    f = fares(
        attributes={
            "in1": FareAttribute("in1", 100, "USD"),
            "1to2": FareAttribute("1to2", 200, "USD"),
        },
        fare_rules=(
            FareRuleV1("in1", origin_id="1", destination_id="1", line=2),
            FareRuleV1("1to2", origin_id="1", destination_id="2", line=3),
        ),
        stop_zones=ZONES,
    )
    assert quote([leg(start="S1", end="S2")], f, None).total == 100
    assert quote([leg(start="S1", end="S3")], f, None).total == 200
    with pytest.raises(NoFareApplies, match="leg 0"):
        quote([leg(start="S3", end="S1")], f, None)


def test_contains_requires_every_listed_zone() -> None:
    """All contains_id zones of a fare must be entered (via_stop_ids count) for it to apply."""
    f = fares(
        attributes={"c": FareAttribute("c", 300, "USD")},
        fare_rules=(
            FareRuleV1("c", contains_id="1", line=2),
            FareRuleV1("c", contains_id="2", line=3),
            FareRuleV1("c", contains_id="3", line=4),
        ),
        stop_zones=ZONES,
    )
    assert quote([leg(start="S1", end="S4", via_stop_ids=("S3",))], f, None).total == 300
    with pytest.raises(NoFareApplies):
        quote([leg(start="S1", end="S4")], f, None)  # zone 2 is not entered


def test_transfers_and_transfer_duration() -> None:
    """One fare covers several legs only within its transfers count and transfer_duration."""
    trip = [
        leg(dep="08:00", arr="08:10"),
        leg(dep="08:20", arr="08:30"),
        leg(dep="09:30", arr="09:40"),
    ]
    one = fares(attributes={"t": FareAttribute("t", 200, "USD", transfers=1)})
    assert quote(trip, one, None).total == 400  # legs 0+1 on one fare, leg 2 on another
    unlimited_hour = fares(attributes={"t": FareAttribute("t", 200, "USD", transfer_duration=3600)})
    q = quote(trip, unlimited_hour, None)
    assert [ln.legs for ln in q.lines] == [(0, 1), (2,)]  # 09:30 is 90 min after 08:00
    unlimited = fares(attributes={"t": FareAttribute("t", 200, "USD")})
    q = quote(trip, unlimited, None)
    assert (q.total, q.lines[0].rule) == (200, RuleRef("fare_attributes.txt", None, "t"))
