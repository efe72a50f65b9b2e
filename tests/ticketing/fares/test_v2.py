"""Fares v2 rules, one test per rule of the reference, on hand-made tables."""

from __future__ import annotations

import pytest

from tests.ticketing.fares import DAY, fares, leg, products
from ticketing.fares import NoFareApplies, quote
from ticketing.fares.errors import InvalidItinerary
from ticketing.fares.model import (
    FareLegJoinRule,
    FareLegRule,
    FareMedia,
    FareProduct,
    FareTransferRule,
    FeedFares,
    RiderCategory,
    RuleRef,
    ServiceCalendar,
    Timeframe,
)

NETWORKS = {"R1": frozenset({"bus"}), "R2": frozenset({"rail"}), "R3": frozenset({"ferry"})}
BUS_RAIL = (
    FareLegRule("bus_fare", leg_group_id="bus", network_id="bus", line=2),
    FareLegRule("rail_fare", leg_group_id="rail", network_id="rail", line=3),
)


def test_network_id_matches_route_networks() -> None:
    """A leg on a route of network 'rail' gets the rail rule's product, citing its line."""
    f = fares(
        leg_rules=BUS_RAIL,
        route_networks=NETWORKS,
        products=products(("bus_fare", 200), ("rail_fare", 350)),
    )
    q = quote([leg("R2")], f, None)
    assert (q.total, q.currency) == (350, "EUR")
    assert q.lines[0].fare_product_id == "rail_fare"
    assert q.lines[0].rule == RuleRef("fare_leg_rules.txt", 3, "rail")


def test_empty_network_without_priority_excludes_listed_networks() -> None:
    """Without rule_priority an empty network_id matches only networks no other rule lists."""
    rules = (*BUS_RAIL, FareLegRule("other_fare", network_id=None, line=4))
    f = fares(
        leg_rules=rules,
        route_networks=NETWORKS,
        products=products(("bus_fare", 200), ("rail_fare", 350), ("other_fare", 100)),
    )
    assert quote([leg("R1")], f, None).total == 200  # bus is listed: the empty rule does not apply
    assert quote([leg("R3")], f, None).lines[0].rule.line == 4  # ferry is not listed


def test_empty_field_with_priority_is_wildcard_and_highest_priority_wins() -> None:
    """With rule_priority an empty field matches anything, and only top-priority rules apply."""
    rules = (
        FareLegRule("cheap_any", rule_priority=0, line=2),
        FareLegRule("rail_special", network_id="rail", rule_priority=1, line=3),
    )
    f = fares(
        leg_rules=rules,
        route_networks=NETWORKS,
        products=products(("cheap_any", 100), ("rail_special", 900)),
    )
    assert quote([leg("R1")], f, None).total == 100  # only the wildcard matches a bus leg
    q = quote([leg("R2")], f, None)  # both match; priority 1 wins although dearer
    assert (q.total, q.lines[0].rule.line) == (900, 3)


def test_areas_match_stop_and_parent_station() -> None:
    """from_area_id/to_area_id match the stops' areas, and a platform inherits its station's."""
    rules = (
        FareLegRule("in_a", from_area_id="A", to_area_id="A", line=2),
        FareLegRule("a_to_b", from_area_id="A", to_area_id="B", line=3),
    )
    f = fares(
        leg_rules=rules,
        products=products(("in_a", 150), ("a_to_b", 400)),
        stop_areas={"S1": frozenset({"A"}), "S2": frozenset({"A"}), "STATION_B": frozenset({"B"})},
        parent_station={"PLATFORM_B1": "STATION_B"},
    )
    assert quote([leg(start="S1", end="S2")], f, None).total == 150
    q = quote([leg(start="S1", end="PLATFORM_B1")], f, None)
    assert (q.total, q.lines[0].rule.line) == (400, 3)


WEEKDAYS = ServiceCalendar(
    weekdays=(True,) * 5 + (False,) * 2, start=DAY, end=DAY.replace(month=12)
)
PEAK = (
    Timeframe("peak", "wk", 7 * 3600, 9 * 3600),
    Timeframe("peak", "wk", 16 * 3600, 18 * 3600),
)


def test_from_timeframe_uses_local_departure_time_and_service() -> None:
    """from_timeframe_group_id holds when the departure's local time and date are in a timeframe."""
    rules = (
        FareLegRule("peak_fare", from_timeframe_group_id="peak", line=2),
        FareLegRule("offpeak_fare", line=3),
    )
    f = fares(
        leg_rules=rules,
        products=products(("peak_fare", 300), ("offpeak_fare", 200)),
        timeframes={"peak": PEAK},
        services={"wk": WEEKDAYS},
        timezone="Europe/Paris",  # 07:00 UTC is 08:00 in Paris in March: peak
    )
    assert quote([leg(dep="07:00", arr="07:30")], f, None).total == 300
    assert quote([leg(dep="08:30", arr="08:50")], f, None).total == 200  # 09:30 local: off-peak


def test_to_timeframe_uses_arrival_time() -> None:
    """to_timeframe_group_id is checked against the leg's arrival, not its departure."""
    rules = (FareLegRule("late", to_timeframe_group_id="peak", line=2), FareLegRule("base", line=3))
    f = fares(
        leg_rules=rules,
        products=products(("late", 500), ("base", 200)),
        timeframes={"peak": PEAK},
        services={"wk": WEEKDAYS},
    )
    assert quote([leg(dep="06:30", arr="07:10")], f, None).total == 500
    assert quote([leg(dep="06:00", arr="06:50")], f, None).total == 200


def test_timeframe_service_inactive_day_does_not_match() -> None:
    """A timeframe whose service_id does not run on the day (Sunday) does not match."""
    rules = (
        FareLegRule("peak_fare", from_timeframe_group_id="peak", line=2),
        FareLegRule("base", line=3),
    )
    f = fares(
        leg_rules=rules,
        products=products(("peak_fare", 300), ("base", 200)),
        timeframes={"peak": PEAK},
        services={"wk": WEEKDAYS},
    )
    sunday = leg(dep="08:00", arr="08:10")
    sunday = type(sunday)(
        "f", "R1", "S1", "S2", sunday.departure.replace(day=8), sunday.arrival.replace(day=8), DAY
    )
    assert quote([sunday], f, None).total == 200


CATS = {
    "adult": RiderCategory("adult", "Adult", is_default=True),
    "child": RiderCategory("child", "Child"),
    "senior": RiderCategory("senior", "Senior"),
}
SINGLE = (
    FareProduct("single", 300, "EUR", rider_category_id="adult", fare_media_id="cash", line=2),
    FareProduct("single", 250, "EUR", rider_category_id="adult", fare_media_id="card", line=3),
    FareProduct("single", 150, "EUR", rider_category_id="child", fare_media_id="cash", line=4),
)


def test_rider_category_amounts_and_default_category() -> None:
    """The product row of the rider's category applies; with none asked, the default category."""
    f = fares(
        leg_rules=(FareLegRule("single", line=2),),
        products=products(*SINGLE),
        rider_categories=CATS,
    )
    assert quote([leg()], f, "child").total == 150
    q = quote([leg()], f, None)
    assert (q.total, q.rider_category_id, q.lines[0].rider_category_id) == (250, "adult", "adult")


def test_fare_media_cheapest_row_is_reported() -> None:
    """Of a product's rows on several fare media the cheapest is chosen and its medium cited."""
    f = fares(
        leg_rules=(FareLegRule("single", line=2),),
        products=products(*SINGLE),
        rider_categories=CATS,
    )
    line = quote([leg()], f, "adult").lines[0]
    assert (line.amount, line.fare_media_id, line.product_line) == (250, "card", 3)


def test_fare_media_filter_restricts_rows() -> None:
    """Asking for a fare medium prices only that medium's rows (cash: 3.00, not card's 2.50)."""
    media = {m: FareMedia(m) for m in ("cash", "card")}
    f = fares(
        leg_rules=(FareLegRule("single", line=2),),
        products=products(*SINGLE),
        rider_categories=CATS,
        fare_media=media,
    )
    line = quote([leg()], f, None, fare_media_id="cash").lines[0]
    assert (line.amount, line.fare_media_id, line.product_line) == (300, "cash", 2)
    with pytest.raises(InvalidItinerary, match="unknown fare medium 'nfc'"):
        quote([leg()], f, None, fare_media_id="nfc")


def test_category_without_product_and_unknown_category_raise() -> None:
    """A category with no product row, or one the feed lacks, fails with a clear message."""
    f = fares(
        leg_rules=(FareLegRule("single", line=2),),
        products=products(*SINGLE),
        rider_categories=CATS,
    )
    with pytest.raises(NoFareApplies, match="rider category 'senior'"):
        quote([leg()], f, "senior")
    with pytest.raises(InvalidItinerary, match="unknown rider category 'pilot'"):
        quote([leg()], f, "pilot")


def test_no_matching_leg_rule_raises() -> None:
    """A leg no rule matches raises NoFareApplies naming the leg."""
    f = fares(
        leg_rules=BUS_RAIL,
        route_networks=NETWORKS,
        products=products(("bus_fare", 1), ("rail_fare", 1)),
    )
    with pytest.raises(NoFareApplies, match="leg 0"):
        quote([leg("R3")], f, None)


def transfer_fares(*rules: FareTransferRule) -> FeedFares:
    return fares(
        leg_rules=BUS_RAIL,
        transfer_rules=rules,
        route_networks=NETWORKS,
        products=products(("bus_fare", 200), ("rail_fare", 350), ("xfer", 50), ("combo", 400)),
    )


BUS_THEN_RAIL = [leg("R1", dep="08:00", arr="08:20"), leg("R2", dep="08:30", arr="09:00")]


def test_transfer_type_0_charges_a_plus_ab() -> None:
    """fare_transfer_type 0: the first leg's fare plus the transfer product, not the second's."""
    f = transfer_fares(FareTransferRule(0, "bus", "rail", fare_product_id="xfer", line=2))
    q = quote(BUS_THEN_RAIL, f, None)
    assert q.total == 200 + 50
    assert [(ln.legs, ln.amount, ln.rule.file) for ln in q.lines] == [
        ((0,), 200, "fare_leg_rules.txt"),
        ((0, 1), 50, "fare_transfer_rules.txt"),
        ((1,), 0, "fare_leg_rules.txt"),
    ]


def test_transfer_type_1_charges_a_plus_ab_plus_b() -> None:
    """fare_transfer_type 1: both legs' fares plus the transfer product (here free)."""
    f = transfer_fares(FareTransferRule(1, "bus", "rail", line=2))  # no product: a free transfer
    q = quote(BUS_THEN_RAIL, f, None)
    assert q.total == 200 + 0 + 350
    assert q.lines[1].rule == RuleRef("fare_transfer_rules.txt", 2, "bus->rail")


def test_transfer_type_2_charges_ab_only() -> None:
    """fare_transfer_type 2: the transfer product replaces both legs' fares."""
    f = transfer_fares(FareTransferRule(2, "bus", "rail", fare_product_id="combo", line=2))
    q = quote(BUS_THEN_RAIL, f, None)
    assert q.total == 400
    assert [ln.amount for ln in q.lines] == [0, 400, 0]


def test_transfer_not_taken_when_dearer() -> None:
    """The cheapest valid combination wins: a transfer dearer than two fares is ignored."""
    f = transfer_fares(FareTransferRule(1, "bus", "rail", fare_product_id="combo", line=2))
    assert quote(BUS_THEN_RAIL, f, None).total == 550


def test_transfer_count_limits_consecutive_transfers() -> None:
    """transfer_count 1 allows one bus-bus transfer; -1 allows any number."""
    trip = [leg("R1", dep=f"08:{m:02d}", arr=f"08:{m + 5:02d}") for m in (0, 10, 20)]
    one = transfer_fares(FareTransferRule(0, "bus", "bus", transfer_count=1, line=2))
    assert quote(trip, one, None).total == 400
    unlimited = transfer_fares(FareTransferRule(0, "bus", "bus", transfer_count=-1, line=2))
    assert quote(trip, unlimited, None).total == 200


@pytest.mark.parametrize(
    ("limit_type", "limit_min", "free"),
    [
        (0, 60, True),  # 08:00 dep -> 09:00 arr = 60 min
        (0, 59, False),
        (1, 30, True),  # 08:00 dep -> 08:30 dep
        (1, 29, False),
        (2, 10, True),  # 08:20 arr -> 08:30 dep
        (2, 9, False),
        (3, 40, True),  # 08:20 arr -> 09:00 arr
        (3, 39, False),
    ],
)
def test_duration_limit_types(limit_type: int, limit_min: int, free: bool) -> None:
    """duration_limit is measured from departure or arrival to departure or arrival, per type."""
    rule = FareTransferRule(
        0, "bus", "rail", duration_limit=limit_min * 60, duration_limit_type=limit_type, line=2
    )
    assert quote(BUS_THEN_RAIL, transfer_fares(rule), None).total == (200 if free else 550)


def test_empty_leg_group_in_transfer_rule_matches_unlisted_groups() -> None:
    """An empty from_leg_group_id matches legs whose group no transfer rule names as from."""
    rules = (
        FareTransferRule(0, None, "rail", line=2),  # from anything but bus
        FareTransferRule(1, "bus", "rail", line=3),
    )
    f = transfer_fares(*rules)
    q = quote(BUS_THEN_RAIL, f, None)
    assert (q.total, q.lines[1].rule.line) == (550, 3)


def test_leg_join_rule_makes_one_effective_leg() -> None:
    """fare_leg_join_rules merge rail->rail legs into one fare leg from A to C, priced once."""
    rules = (
        FareLegRule("rail_ab", network_id="rail", from_area_id="A", to_area_id="B", line=2),
        FareLegRule("rail_ac", network_id="rail", from_area_id="A", to_area_id="C", line=3),
        FareLegRule("rail_bc", network_id="rail", from_area_id="B", to_area_id="C", line=4),
    )
    base = {
        "leg_rules": rules,
        "route_networks": {"R2": frozenset({"rail"}), "R4": frozenset({"rail"})},
        "products": products(("rail_ab", 300), ("rail_ac", 450), ("rail_bc", 300)),
        "stop_areas": {"SA": frozenset({"A"}), "SB": frozenset({"B"}), "SC": frozenset({"C"})},
        "parent_station": {"SB2": "SB"},
    }
    trip = [
        leg("R2", "SA", "SB", dep="08:00", arr="08:20"),
        leg("R4", "SB2", "SC", dep="08:30", arr="08:50"),
    ]
    assert quote(trip, fares(**base), None).total == 600  # two separate fare legs
    join = FareLegJoinRule("rail", "rail", from_stop_id="SB", to_stop_id="SB", line=2)
    q = quote(trip, fares(**base, leg_join_rules=(join,)), None)
    assert (q.total, q.lines[0].legs, q.lines[0].rule.line) == (450, (0, 1), 3)
