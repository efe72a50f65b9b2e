"""GTFS Fares v1: fare_attributes priced through fare_rules, cheapest cover of the itinerary.

The rows of one fare_id combine as in common practice: its route_ids are the routes it may be
used on, its (origin_id, destination_id) pairs the zone pairs it may start and end in (an empty
side matches any zone), and every contains_id zone must be entered. A fare with no row applies
everywhere. Consecutive legs share one fare when its `transfers` (empty: unlimited) and
`transfer_duration` (first departure to last departure) allow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ticketing.fares.errors import FareError, NoFareApplies
from ticketing.fares.model import (
    FareAttribute,
    FareQuote,
    FareRuleV1,
    FeedFares,
    Leg,
    QuoteLine,
    RuleRef,
)


@dataclass(frozen=True)
class FareRuleSet:
    """The fare_rules rows of one fare_id, combined."""

    attribute: FareAttribute
    routes: dict[str, int | None]  # route_id -> its fare_rules line
    od_pairs: tuple[tuple[str | None, str | None, int | None], ...]
    contains: frozenset[str]
    first_line: int | None

    def ref(self, line: int | None = None) -> RuleRef:
        line = line if line is not None else self.first_line
        if line is None:
            return self.attribute.ref
        return RuleRef("fare_rules.txt", line, self.attribute.fare_id)


def rule_sets(fares: FeedFares) -> list[FareRuleSet]:
    by_fare: dict[str, list[FareRuleV1]] = {}
    for row in fares.fare_rules:
        by_fare.setdefault(row.fare_id, []).append(row)
    sets = []
    for fare_id, attribute in fares.attributes.items():
        rows = by_fare.get(fare_id, [])
        sets.append(
            FareRuleSet(
                attribute=attribute,
                routes={r.route_id: r.line for r in reversed(rows) if r.route_id is not None},
                od_pairs=tuple(
                    (r.origin_id, r.destination_id, r.line)
                    for r in rows
                    if r.origin_id is not None or r.destination_id is not None
                ),
                contains=frozenset(r.contains_id for r in rows if r.contains_id is not None),
                first_line=min((r.line for r in rows if r.line is not None), default=None),
            )
        )
    return sets


def _segment_matches(fares: FeedFares, rs: FareRuleSet, legs: Sequence[Leg]) -> RuleRef | None:
    """The rule that makes fare `rs` apply to `legs` (its route row first), or None."""
    attribute = rs.attribute
    if attribute.transfers is not None and len(legs) - 1 > attribute.transfers:
        return None
    if attribute.transfer_duration is not None and len(legs) > 1:
        elapsed = (legs[-1].departure - legs[0].departure).total_seconds()
        if elapsed > attribute.transfer_duration:
            return None
    if rs.routes and any(leg.route_id not in rs.routes for leg in legs):
        return None
    zones = fares.stop_zones
    cited = rs.routes.get(legs[0].route_id)
    if rs.od_pairs:
        origin = zones.get(legs[0].from_stop_id)
        destination = zones.get(legs[-1].to_stop_id)
        for o, d, line in rs.od_pairs:
            if (o is None or o == origin) and (d is None or d == destination):
                cited = cited if cited is not None else line
                break
        else:
            return None
    if rs.contains:
        entered = {
            zones.get(stop)
            for leg in legs
            for stop in (leg.from_stop_id, *leg.via_stop_ids, leg.to_stop_id)
        }
        if not rs.contains <= entered:
            return None
    return rs.ref(cited)


def quote_v1(fares: FeedFares, legs: Sequence[Leg]) -> FareQuote:
    """The cheapest split of `legs` into consecutive runs, each paid with one fare."""
    sets = rule_sets(fares)
    if not sets:
        raise NoFareApplies("the feed has neither fare_leg_rules.txt nor fare_attributes.txt")
    n = len(legs)
    # best[k]: cheapest cover of legs[:k] as (total, lines).
    best: list[tuple[int, tuple[QuoteLine, ...]] | None] = [None] * (n + 1)
    best[0] = (0, ())
    for k in range(1, n + 1):
        for j in range(k):
            before = best[j]
            if before is None:
                continue
            segment = legs[j:k]
            for rs in sets:
                ref = _segment_matches(fares, rs, segment)
                if ref is None:
                    continue
                total = before[0] + rs.attribute.price
                current = best[k]
                if current is None or total < current[0]:
                    line = QuoteLine(
                        legs=tuple(range(j, k)),
                        amount=rs.attribute.price,
                        rule=ref,
                        fare_product_id=rs.attribute.fare_id,
                        currency=rs.attribute.currency,
                    )
                    best[k] = (total, (*before[1], line))
    result = best[n]
    if result is None:
        unpriced = next(
            i
            for i in range(n)
            if not any(_segment_matches(fares, rs, legs[i : i + 1]) for rs in sets)
        )
        leg = legs[unpriced]
        raise NoFareApplies(
            f"no fare_attributes/fare_rules fare applies to leg {unpriced} "
            f"(route '{leg.route_id}', '{leg.from_stop_id}' -> '{leg.to_stop_id}')"
        )
    total, lines = result
    currencies = {line.currency for line in lines}
    if len(currencies) > 1:
        raise FareError(f"the itinerary's fares are in several currencies: {sorted(currencies)}")
    return FareQuote(total=total, currency=currencies.pop(), lines=lines, fares_version="v1")
