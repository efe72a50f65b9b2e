"""Turning the search's labels into routes, and ordering a Pareto set by criteria weights."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from routing.algorithms.freight.context import DESTINATION, ORIGIN, QueryContext
from routing.algorithms.freight.query import FreightLeg, FreightRoute, Handling, Weights
from routing.algorithms.freight.timeline import from_minute

if TYPE_CHECKING:
    from routing.algorithms.freight.labels import Label


def _place(code: str) -> str | None:
    return None if code in (ORIGIN, DESTINATION) else code


def build_route(ctx: QueryContext, final: Label) -> FreightRoute:
    """The route a final label ends, legs in order, times in the network's time zone."""
    chain: list[Label] = []
    label: Label | None = final
    while label is not None:
        chain.append(label)
        label = label.parent
    chain.reverse()
    zone = ctx.zone
    legs: list[FreightLeg] = []
    handling: Handling | None = None
    gate_waits: list[int] = []
    previous = chain[0]
    for label in chain[1:]:
        if label.leg is not None:
            step = label.leg
            legs.append(
                FreightLeg(
                    mode=step.mode,
                    from_terminal=_place(step.from_code),
                    to_terminal=_place(step.to_code),
                    departure=from_minute(step.depart, zone),
                    arrival=from_minute(step.arrive, zone),
                    wait_min=step.depart - previous.ready,
                    distance_km=step.distance_km,
                    cost_cents=step.cost,
                    co2e_g=step.co2,
                    service=step.service,
                    description=step.description,
                    handling=handling,
                )
            )
            gate_waits.append(0)
            handling = None
        if label.gate_at is not None:
            gate_waits[-1] = label.gate_at - previous.at
        if label.handling is not None and label.node != DESTINATION:
            start, minutes, cost, co2 = label.handling
            handling = Handling(label.node, from_minute(start, zone), minutes, cost, co2)
        previous = label
    legs = [
        leg if wait == 0 else _with_gate_wait(leg, wait)
        for leg, wait in zip(legs, gate_waits, strict=True)
    ]
    return FreightRoute(
        legs=tuple(legs),
        cost_cents=final.cost,
        currency=ctx.network.currency,
        co2e_g=final.co2,
        departure=legs[0].departure if legs else from_minute(ctx.start, zone),
        arrival=from_minute(final.at, zone),
    )


def _with_gate_wait(leg: FreightLeg, wait: int) -> FreightLeg:
    return replace(leg, gate_wait_min=wait)


def rank_routes(
    routes: Sequence[FreightRoute], weights: Weights, limit: int | None = None
) -> list[FreightRoute]:
    """Routes by weighted sum of cost, arrival and CO2e, each scaled to [0, 1] over the set
    (a criterion all routes share scores 0); ties by arrival, then cost. Nothing is dropped
    unless `limit` is given."""
    if not routes:
        return []
    costs = [float(r.cost_cents) for r in routes]
    times = [r.arrival.timestamp() for r in routes]
    co2s = [float(r.co2e_g) for r in routes]

    def scaled(values: list[float]) -> list[float]:
        low, high = min(values), max(values)
        return [0.0 if high == low else (v - low) / (high - low) for v in values]

    scored = []
    for route, c, t, g in zip(routes, scaled(costs), scaled(times), scaled(co2s), strict=True):
        score = weights.cost * c + weights.time * t + weights.co2e * g
        scored.append(
            (round(score, 9), route.arrival.timestamp(), route.cost_cents, route.co2e_g, route)
        )
    scored.sort(key=lambda item: item[:4])
    ranked = [replace(item[4], score=item[0]) for item in scored]
    return ranked if limit is None else ranked[:limit]
