"""The memoised transfer search of Fares v2 against plain enumeration of every choice."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

from tests.ticketing.fares import DAY, at, fares, products
from ticketing.fares import Leg, quote
from ticketing.fares.model import FareLegRule, FareTransferRule, FeedFares
from ticketing.fares.v2 import _transfer_rules_between, transfer_window_ok

NETWORKS = {"R1": frozenset({"bus"}), "R2": frozenset({"rail"})}
PRICES = {"bus_fare": 200, "rail_fare": 350, "xfer": 50, "combo": 400}
GROUP = {"R1": "bus", "R2": "rail"}


def _random_case(rng: random.Random) -> tuple[FeedFares, list[Leg]]:
    rules = []
    # Mostly bus legs and several bus->bus rules, so that different paths reach the same leg
    # with the same last rule but another chain start or count: what the memo must tell apart.
    for line in range(2, 2 + rng.randint(2, 5)):
        timed = rng.random() < 0.6
        rules.append(
            FareTransferRule(
                rng.choice((0, 1, 2)),
                rng.choice(("bus", "bus", "rail", None)),
                rng.choice(("bus", "bus", "rail", None)),
                transfer_count=rng.choice((None, -1, 1, 2, 2)),
                duration_limit=rng.choice((20, 45, 90)) * 60 if timed else None,
                duration_limit_type=rng.choice((0, 1, 2, 3)) if timed else None,
                fare_product_id=rng.choice((None, "xfer", "combo")),
                line=line,
            )
        )
    f = fares(
        leg_rules=(
            FareLegRule("bus_fare", leg_group_id="bus", network_id="bus", line=2),
            FareLegRule("rail_fare", leg_group_id="rail", network_id="rail", line=3),
        ),
        transfer_rules=tuple(rules),
        route_networks=NETWORKS,
        products=products(*PRICES.items()),
    )
    legs, t = [], at("07:00")
    for _ in range(rng.randint(2, 7)):
        dep = t + timedelta(minutes=rng.randint(2, 30))
        arr = dep + timedelta(minutes=rng.randint(5, 30))
        legs.append(Leg("f", rng.choice(("R1", "R1", "R1", "R2")), "S1", "S2", dep, arr, DAY))
        t = arr
    return f, legs


def _enumerated_total(f: FeedFares, legs: list[Leg]) -> int:
    """The cheapest total over every way to start a new fare or take a transfer at each change."""
    groups = [GROUP[leg.route_id] for leg in legs]
    amounts = [PRICES["bus_fare" if g == "bus" else "rail_fare"] for g in groups]
    choices = [
        [None, *_transfer_rules_between(f, groups[i - 1], groups[i])] for i in range(1, len(legs))
    ]
    best = None
    for plan in itertools.product(*choices):
        total, charged, start, last, count, ok = 0, True, 0, None, 0, True
        for i, rule in enumerate(plan, start=1):
            if rule is None:
                total += amounts[i - 1] if charged else 0
                charged, start, last, count = True, i, None, 0
                continue
            uses = count + 1 if rule is last else 1
            limit = rule.transfer_count
            if (limit not in (None, -1) and uses > limit) or not transfer_window_ok(
                rule, legs[start], legs[i]
            ):
                ok = False
                break
            total += amounts[i - 1] if charged and rule.fare_transfer_type != 2 else 0
            total += PRICES[rule.fare_product_id] if rule.fare_product_id else 0
            charged, last, count = rule.fare_transfer_type == 1, rule, uses
        if ok:
            total += amounts[-1] if charged else 0
            best = total if best is None else min(best, total)
    assert best is not None  # starting a new fare at every change is always valid
    return best


def test_search_finds_the_enumerated_optimum() -> None:
    """Counted and timed transfer chains: the search's total equals exhaustive enumeration."""
    # Sharing a memo entry between paths that differ in chain start or count shows only in a
    # few cases of a thousand (seeds 110 and 525 catch each such slip): so many seeds.
    wrong = []
    for seed in range(600):
        f, legs = _random_case(random.Random(seed))
        if quote(legs, f, None).total != _enumerated_total(f, legs):
            wrong.append(seed)
    assert wrong == []
