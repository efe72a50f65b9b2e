"""GTFS Fares v2: match legs to fare_leg_rules, then the cheapest combination with transfers.

Legs joined by fare_leg_join_rules are first merged into one effective fare leg. Matching
follows the reference: a filled field must match the leg; an empty field matches any value when
the feed uses `rule_priority` (some row has one: the database cannot tell an empty column from
an absent one), and otherwise only values that no other rule lists in that field.
Of the matching rules only those of the highest `rule_priority` apply. Transfers are priced
with fare_transfer_rules: type 0 charges A + AB, type 1 A + AB + B, type 2 only AB.
A chain of consecutive transfers is timed from its first leg (`duration_limit`) and counted per
rule (`transfer_count`, -1 unlimited). A transfer is optional (the rider may buy a new fare
instead); on equal totals the transfer is cited.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from ticketing.fares.errors import FareError, NoFareApplies
from ticketing.fares.model import (
    FareLegJoinRule,
    FareLegRule,
    FareProduct,
    FareQuote,
    FareTransferRule,
    FeedFares,
    Leg,
    QuoteLine,
)


@dataclass(frozen=True)
class LegOption:
    """A rule that matched a leg, with the product row it costs for the rider."""

    rule: FareLegRule
    product: FareProduct


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _listed(values: Iterable[str | None]) -> frozenset[str]:
    return frozenset(v for v in values if v is not None)


def _field_matches(
    value: str | None, actual: frozenset[str], listed: frozenset[str], priority_mode: bool
) -> bool:
    if value is not None:
        return value in actual
    return priority_mode or not (actual & listed)


def _timeframe_groups(fares: FeedFares, groups: frozenset[str], when: datetime) -> frozenset[str]:
    """The groups among `groups` whose timeframes hold `when` (local time and date of the feed)."""
    local = when.astimezone(_zone(fares.timezone))
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    day = local.date()
    hits = set()
    for group in groups:
        for tf in fares.timeframes.get(group, ()):
            service = fares.services.get(tf.service_id)
            if (
                tf.start_time <= seconds < tf.end_time
                and service is not None
                and service.active(day)
            ):
                hits.add(group)
                break
    return frozenset(hits)


def _stop_areas(fares: FeedFares, stop_id: str) -> frozenset[str]:
    areas = fares.stop_areas.get(stop_id, frozenset())
    parent = fares.parent_station.get(stop_id)
    if parent is not None:
        areas = areas | fares.stop_areas.get(parent, frozenset())
    return areas


def matching_leg_rules(
    fares: FeedFares, leg: Leg, networks_of_leg: frozenset[str] | None = None
) -> list[FareLegRule]:
    """The fare_leg_rules of the highest rule_priority that match `leg` (an effective leg's
    networks are passed in; a plain leg's are its route's)."""
    rules = fares.leg_rules
    priority_mode = any(r.rule_priority is not None for r in rules)
    networks = _listed(r.network_id for r in rules)
    from_areas = _listed(r.from_area_id for r in rules)
    to_areas = _listed(r.to_area_id for r in rules)
    from_tfs = _listed(r.from_timeframe_group_id for r in rules)
    to_tfs = _listed(r.to_timeframe_group_id for r in rules)

    leg_networks = (
        networks_of_leg
        if networks_of_leg is not None
        else fares.route_networks.get(leg.route_id, frozenset())
    )
    leg_from = _stop_areas(fares, leg.from_stop_id)
    leg_to = _stop_areas(fares, leg.to_stop_id)
    leg_from_tf = _timeframe_groups(fares, from_tfs, leg.departure)
    leg_to_tf = _timeframe_groups(fares, to_tfs, leg.arrival)

    matched = [
        r
        for r in rules
        if _field_matches(r.network_id, leg_networks, networks, priority_mode)
        and _field_matches(r.from_area_id, leg_from, from_areas, priority_mode)
        and _field_matches(r.to_area_id, leg_to, to_areas, priority_mode)
        and _field_matches(r.from_timeframe_group_id, leg_from_tf, from_tfs, priority_mode)
        and _field_matches(r.to_timeframe_group_id, leg_to_tf, to_tfs, priority_mode)
    ]
    if not matched:
        return []
    top = max(r.rule_priority or 0 for r in matched)
    return [r for r in matched if (r.rule_priority or 0) == top]


def product_for(
    fares: FeedFares, product_id: str, rider_category: str | None, fare_media_id: str | None = None
) -> FareProduct | None:
    """The cheapest row of a product for the rider: rows of their category, else category-free.

    With `fare_media_id`, only rows on that medium (or on no stated medium) are considered.
    """
    rows = fares.products.get(product_id, ())
    if fare_media_id is not None:
        rows = tuple(p for p in rows if p.fare_media_id in (None, fare_media_id))
    exact = [
        p for p in rows if rider_category is not None and p.rider_category_id == rider_category
    ]
    eligible = exact or [p for p in rows if p.rider_category_id is None]
    return min(eligible, key=lambda p: p.amount, default=None)


def leg_options(
    fares: FeedFares,
    leg: Leg,
    index: int,
    rider_category: str | None,
    fare_media_id: str | None = None,
    networks_of_leg: frozenset[str] | None = None,
) -> list[LegOption]:
    rules = matching_leg_rules(fares, leg, networks_of_leg)
    if not rules:
        raise NoFareApplies(
            f"no fare_leg_rules row matches leg {index} (route '{leg.route_id}', "
            f"'{leg.from_stop_id}' -> '{leg.to_stop_id}', departing {leg.departure.isoformat()})"
        )
    options = []
    for rule in rules:
        product = product_for(fares, rule.fare_product_id, rider_category, fare_media_id)
        if product is not None:
            options.append(LegOption(rule, product))
    if not options:
        products = ", ".join(sorted({r.fare_product_id for r in rules}))
        raise NoFareApplies(
            f"leg {index} matches fare products ({products}) but none is sold to rider "
            f"category '{rider_category}'"
            + (f" on fare medium '{fare_media_id}'" if fare_media_id else "")
        )
    return options


@dataclass(frozen=True)
class EffectiveLeg:
    """Consecutive legs joined by fare_leg_join_rules, matched as one leg."""

    indices: tuple[int, ...]
    leg: Leg
    networks: frozenset[str] | None  # None: the route's own networks


def _at_stop(fares: FeedFares, wanted: str | None, stop_id: str) -> bool:
    return wanted is None or wanted in (stop_id, fares.parent_station.get(stop_id))


def _joins(fares: FeedFares, rule: FareLegJoinRule, before: Leg, after: Leg) -> bool:
    return (
        rule.from_network_id in fares.route_networks.get(before.route_id, frozenset())
        and rule.to_network_id in fares.route_networks.get(after.route_id, frozenset())
        and _at_stop(fares, rule.from_stop_id, before.to_stop_id)
        and _at_stop(fares, rule.to_stop_id, after.from_stop_id)
    )


def effective_legs(fares: FeedFares, legs: Sequence[Leg]) -> list[EffectiveLeg]:
    """Merge each run of legs joined by a fare_leg_join_rules row into one effective fare leg.

    It departs where and when its first leg departs and arrives where and when its last arrives;
    its networks are those the join rules name.
    """
    groups: list[EffectiveLeg] = []
    for i, leg in enumerate(legs):
        rule = None
        if groups and fares.leg_join_rules:
            rule = next(
                (r for r in fares.leg_join_rules if _joins(fares, r, legs[i - 1], leg)), None
            )
        if rule is None:
            groups.append(EffectiveLeg((i,), leg, None))
            continue
        last = groups[-1]
        first = last.leg
        networks = (last.networks or frozenset({rule.from_network_id})) | {rule.to_network_id}
        merged = replace(first, to_stop_id=leg.to_stop_id, arrival=leg.arrival)
        groups[-1] = EffectiveLeg((*last.indices, i), merged, networks)
    return groups


def transfer_window_ok(rule: FareTransferRule, first: Leg, nxt: Leg) -> bool:
    """duration_limit_type 0: dep->arr, 1: dep->dep, 2: arr->dep, 3: arr->arr (first, next)."""
    if rule.duration_limit is None:
        return True
    kind = rule.duration_limit_type or 0
    start = first.departure if kind in (0, 1) else first.arrival
    end = nxt.arrival if kind in (0, 3) else nxt.departure
    return (end - start).total_seconds() <= rule.duration_limit


def _transfer_rules_between(
    fares: FeedFares, from_group: str | None, to_group: str | None
) -> list[FareTransferRule]:
    rules = fares.transfer_rules
    listed_from = _listed(r.from_leg_group_id for r in rules)
    listed_to = _listed(r.to_leg_group_id for r in rules)

    def side(value: str | None, group: str | None, listed: frozenset[str]) -> bool:
        if value is not None:
            return value == group
        return group is None or group not in listed

    return [
        r
        for r in rules
        if side(r.from_leg_group_id, from_group, listed_from)
        and side(r.to_leg_group_id, to_group, listed_to)
    ]


def _leg_line(index: int, option: LegOption, amount: int) -> QuoteLine:
    p = option.product
    return QuoteLine(
        legs=(index,),
        amount=amount,
        rule=option.rule.ref,
        fare_product_id=p.fare_product_id,
        product_name=p.name,
        rider_category_id=p.rider_category_id,
        fare_media_id=p.fare_media_id,
        product_line=p.line,
        currency=p.currency,
    )


_Best = tuple[int, tuple[QuoteLine, ...]]


def quote_v2(
    fares: FeedFares,
    legs: Sequence[Leg],
    rider_category: str | None,
    fare_media_id: str | None = None,
) -> FareQuote:
    """The cheapest valid combination of leg products and transfer products for `legs`."""
    groups = effective_legs(fares, legs)
    legs = [g.leg for g in groups]
    options = [
        leg_options(fares, g.leg, g.indices[0], rider_category, fare_media_id, g.networks)
        for g in groups
    ]
    n = len(legs)
    # The best tail depends only on this state, so each is searched once. Where the chain
    # started matters only if some transfer rule has a duration limit, and how many transfers
    # it counts only under a finite transfer_count: otherwise both are left out of the key,
    # which keeps the states linear in the legs instead of cubic.
    timed = any(r.duration_limit is not None for r in fares.transfer_rules)
    memo: dict[tuple[int, int, bool, int, int, int], _Best | None] = {}
    between: dict[tuple[str | None, str | None], list[FareTransferRule]] = {}

    def rules_between(from_group: str | None, to_group: str | None) -> list[FareTransferRule]:
        found = between.get((from_group, to_group))
        if found is None:
            found = between[from_group, to_group] = _transfer_rules_between(
                fares, from_group, to_group
            )
        return found

    def search(
        i: int,
        prev: LegOption,
        prev_charged: bool,
        chain_start: int,
        last_rule: FareTransferRule | None,
        count: int,
    ) -> _Best | None:
        counted = last_rule is not None and last_rule.transfer_count not in (None, -1)
        key = (
            i,
            id(prev),
            prev_charged,
            chain_start if timed else 0,
            id(last_rule),
            count if counted else 0,
        )
        if key not in memo:
            memo[key] = _search(i, prev, prev_charged, chain_start, last_rule, count)
        return memo[key]

    def _search(
        i: int,
        prev: LegOption,
        prev_charged: bool,
        chain_start: int,
        last_rule: FareTransferRule | None,
        count: int,
    ) -> _Best | None:
        if i == n:
            line = _leg_line(i - 1, prev, prev.product.amount if prev_charged else 0)
            return line.amount, (line,)
        best: _Best | None = None
        for option in options[i]:
            # Leg i continues a transfer from leg i-1.
            from_group, to_group = prev.rule.leg_group_id, option.rule.leg_group_id
            for rule in rules_between(from_group, to_group):
                uses = count + 1 if rule is last_rule else 1
                limit = rule.transfer_count
                if limit is not None and limit != -1 and uses > limit:
                    continue
                if not transfer_window_ok(rule, legs[chain_start], legs[i]):
                    continue
                step = _transfer_step(
                    fares, rule, i, prev, prev_charged, rider_category, fare_media_id
                )
                if step is None:
                    continue
                cost, lines = step
                tail = search(i + 1, option, rule.fare_transfer_type == 1, chain_start, rule, uses)
                if tail is not None and (best is None or cost + tail[0] < best[0]):
                    best = cost + tail[0], (*lines, *tail[1])
            # Leg i starts a new fare: leg i-1 keeps its own charge (transfers win ties).
            prev_line = _leg_line(i - 1, prev, prev.product.amount if prev_charged else 0)
            tail = search(i + 1, option, True, i, None, 0)
            if tail is not None and (best is None or prev_line.amount + tail[0] < best[0]):
                best = prev_line.amount + tail[0], (prev_line, *tail[1])
        return best

    first_best: _Best | None = None
    for option in options[0]:
        found = search(1, option, True, 0, None, 0)
        if found is not None and (first_best is None or found[0] < first_best[0]):
            first_best = found
    if first_best is None:  # pragma: no cover - every leg has an option, so a plain sum exists
        raise NoFareApplies("no combination of fare products covers the itinerary")
    total, effective_lines = first_best
    # Back from effective legs to the itinerary's legs.
    lines = tuple(
        replace(ln, legs=tuple(i for j in ln.legs for i in groups[j].indices))
        for ln in effective_lines
    )
    currencies = {line.currency for line in lines if line.currency}
    if len(currencies) > 1:
        raise FareError(f"the itinerary's fares are in several currencies: {sorted(currencies)}")
    return FareQuote(
        total=total,
        currency=currencies.pop(),
        lines=lines,
        rider_category_id=rider_category,
        fares_version="v2",
    )


def _transfer_step(
    fares: FeedFares,
    rule: FareTransferRule,
    i: int,
    prev: LegOption,
    prev_charged: bool,
    rider_category: str | None,
    fare_media_id: str | None,
) -> tuple[int, tuple[QuoteLine, QuoteLine]] | None:
    """The lines of leg i-1 and of the transfer into leg i; None if its product isn't sold."""
    amount = 0
    product: FareProduct | None = None
    if rule.fare_product_id is not None:
        product = product_for(fares, rule.fare_product_id, rider_category, fare_media_id)
        if product is None:
            return None
        amount = product.amount
    # Type 2 (AB) replaces the fare of the leg before the transfer.
    prev_amount = prev.product.amount if prev_charged and rule.fare_transfer_type != 2 else 0
    prev_line = _leg_line(i - 1, prev, prev_amount)
    transfer_line = QuoteLine(
        legs=(i - 1, i),
        amount=amount,
        rule=rule.ref,
        fare_product_id=product.fare_product_id if product else None,
        product_name=product.name if product else "",
        rider_category_id=product.rider_category_id if product else None,
        fare_media_id=product.fare_media_id if product else None,
        product_line=product.line if product else None,
        currency=product.currency if product else "",
    )
    return prev_amount + amount, (prev_line, transfer_line)
