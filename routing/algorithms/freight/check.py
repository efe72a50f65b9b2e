"""Check a route leg by leg against the network, and price it: what a booking re-runs before it
reserves capacity, and what the tests hold every search result to.

It walks the plan in order, on its own (no label, no dominance): each leg must leave from where
the previous one ended; a truck leaves when the container is ready and the terminal open; a
container reaches a service by its cut-off through an open gate, is handled before loading,
finds a dated departure of the weekly pattern with enough free TEU; every terminal the container
enters, every service and link takes the cargo; the container arrives by the deadline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from routing.algorithms.freight.context import DESTINATION, ORIGIN, QueryContext
from routing.algorithms.freight.network import FreightNetwork, RoadLink
from routing.algorithms.freight.query import (
    Capacity,
    FreightLeg,
    FreightQuery,
    FreightRoute,
    Handling,
    PlannedLeg,
    RoadTimeFactor,
)
from routing.algorithms.freight.timeline import from_minute, to_minute


class RouteInfeasible(ValueError):
    """The plan cannot be run as given; the message says which leg and why."""


def evaluate_plan(
    network: FreightNetwork,
    query: FreightQuery,
    plan: Sequence[PlannedLeg],
    *,
    capacity: Capacity | None = None,
    road_time_factor: RoadTimeFactor | None = None,
) -> FreightRoute:
    """The route `plan` makes for `query` (times, waits, handling, cost, CO2e), or
    RouteInfeasible naming the first leg that cannot run."""
    return PlanChecker(network, query, capacity, road_time_factor).evaluate(plan)


class PlanChecker:
    """`evaluate_plan` for many plans of one query (the horizon is expanded once)."""

    def __init__(
        self,
        network: FreightNetwork,
        query: FreightQuery,
        capacity: Capacity | None = None,
        road_time_factor: RoadTimeFactor | None = None,
    ) -> None:
        self.ctx = QueryContext(network, query, capacity, road_time_factor)

    def evaluate(self, plan: Sequence[PlannedLeg]) -> FreightRoute:
        return _Walk(self.ctx).run(plan)


class _Walk:
    def __init__(self, ctx: QueryContext) -> None:
        self.ctx = ctx
        self.legs: list[FreightLeg] = []
        self.cost = 0
        self.co2 = 0
        self.handling: Handling | None = None

    def fail(self, index: int, message: str) -> RouteInfeasible:
        return RouteInfeasible(f"leg {index + 1}: {message}")

    def run(self, plan: Sequence[PlannedLeg]) -> FreightRoute:
        ctx, query = self.ctx, self.ctx.query
        if not plan:
            raise RouteInfeasible("a route has at least one leg")
        if len(plan) > query.max_legs:
            raise RouteInfeasible(f"{len(plan)} legs, more than max_legs {query.max_legs}")
        origin = query.origin.terminal
        # Where the container is: on a truck at `here` since `clock`, or in the yard of `here`,
        # entered at `entered` and ready for the next vehicle at `clock`.
        here = origin or ORIGIN
        on_truck = origin is None
        entered = clock = ctx.start
        if origin is not None and not ctx.terminal_takes(origin):
            raise RouteInfeasible(f"terminal {origin} does not take this cargo")
        arrival: int | None = None
        for i, leg in enumerate(plan):
            last = i == len(plan) - 1
            start = leg.from_terminal or ORIGIN
            end = leg.to_terminal or DESTINATION
            if start != here:
                raise self.fail(i, f"leaves from {start}, but the container is at {here}")
            if end == DESTINATION and not last:
                raise self.fail(i, "only the last leg reaches the destination point")
            if leg.mode == "road":
                if leg.service is not None:
                    raise self.fail(i, "a road leg names no service")
                if on_truck:
                    depart = clock
                else:
                    opened = ctx.windows[here].next_open(clock)
                    if opened is None:
                        raise self.fail(i, f"terminal {here} does not open again in time")
                    depart = opened
                link = network_link(ctx, start, end)
                if link is None:
                    raise self.fail(i, f"no road from {start} to {end}")
                if not ctx.takes(link.accepts):
                    raise self.fail(i, f"the road {start}-{end} does not take this cargo")
                arrive, cost, co2 = ctx.road(link, depart)
                self._add(i, leg, depart, clock, arrive, link.distance_km, cost, co2, link.route)
                here, on_truck, clock = end, True, arrive
                continue
            if end == DESTINATION:
                raise self.fail(i, "a service ends at a terminal")
            service = ctx.network.services_by_code.get(leg.service or "")
            if service is None or service.mode != leg.mode:
                raise self.fail(i, f"no {leg.mode} service {leg.service!r}")
            if (service.from_code, service.to_code) != (start, end):
                raise self.fail(
                    i, f"service {service.code} runs {service.from_code}-{service.to_code}"
                )
            if not ctx.takes(service.accepts):
                raise self.fail(i, f"service {service.code} does not take this cargo")
            if not ctx.terminal_takes(end):
                raise self.fail(i, f"terminal {end} does not take this cargo")
            if on_truck:
                entered, clock = self._deliver(i, here, clock)
            if leg.departure is None or leg.departure.utcoffset() is None:
                raise self.fail(i, "a service leg names its dated departure, with its offset")
            depart = to_minute(leg.departure)
            if depart not in ctx.departures[service.code]:
                raise self.fail(
                    i,
                    f"{service.code} has no departure at {leg.departure.isoformat()} "
                    "arriving by the deadline",
                )
            if depart < clock:
                raise self.fail(i, f"the container is ready only at {self._iso(clock)}")
            if entered > depart - service.cutoff_min:
                raise self.fail(i, f"the container misses the cut-off ({service.cutoff_min} min)")
            if ctx.free_teu(service, depart) < ctx.teu:
                raise self.fail(i, f"{service.code} at {leg.departure.isoformat()} is full")
            cost, co2 = ctx.service(service)
            arrive = depart + service.transit_min
            self._add(
                i,
                leg,
                depart,
                clock,
                arrive,
                service.distance_km,
                cost,
                co2,
                service.operator,
                service.code,
            )
            here, on_truck = end, False
            if last and end == query.destination.terminal:
                arrival = arrive
                break
            entered, clock = arrive, self._handle(i, end, arrive)
        if query.destination.terminal is None:
            if here != DESTINATION:
                raise RouteInfeasible("the route does not reach the destination point")
            arrival = clock
        elif here != query.destination.terminal:
            raise RouteInfeasible(f"the route ends at {here}, not {query.destination.terminal}")
        elif arrival is None:
            if not on_truck:
                raise RouteInfeasible("the route ends in the destination's yard after a transfer")
            if not ctx.terminal_takes(here):
                raise RouteInfeasible(f"terminal {here} does not take this cargo")
            arrival, _ = self._deliver(len(plan) - 1, here, clock, handle=False)
        if arrival > ctx.deadline:
            raise RouteInfeasible(f"arrives at {self._iso(arrival)}, after the deadline")
        return FreightRoute(
            legs=tuple(self.legs),
            cost_cents=self.cost,
            currency=ctx.network.currency,
            co2e_g=self.co2,
            departure=self.legs[0].departure,
            arrival=from_minute(arrival, ctx.zone),
        )

    def _iso(self, minute: int) -> str:
        return from_minute(minute, self.ctx.zone).isoformat()

    def _deliver(self, i: int, here: str, clock: int, *, handle: bool = True) -> tuple[int, int]:
        """A truck at `here` since `clock` delivers at the gate: (gate-in, ready)."""
        ctx = self.ctx
        if here in (ORIGIN, DESTINATION) or not ctx.terminal_takes(here):
            raise self.fail(i, f"the container cannot enter {here} with this cargo")
        gate = ctx.windows[here].next_open(clock)
        if gate is None:
            raise self.fail(i, f"terminal {here} does not open again in time")
        if self.legs and gate > clock:
            self.legs[-1] = replace(self.legs[-1], gate_wait_min=gate - clock)
        if not handle:
            return gate, gate
        minutes, cost, co2 = ctx.handling(ctx.network.terminals[here])
        self.cost += cost
        self.co2 += co2
        self.handling = Handling(here, from_minute(gate, ctx.zone), minutes, cost, co2)
        return gate, gate + minutes

    def _handle(self, i: int, here: str, arrive: int) -> int:
        ctx = self.ctx
        start = ctx.windows[here].next_open(arrive)
        if start is None:
            raise self.fail(i, f"terminal {here} does not open again in time")
        minutes, cost, co2 = ctx.handling(ctx.network.terminals[here])
        self.cost += cost
        self.co2 += co2
        self.handling = Handling(here, from_minute(start, ctx.zone), minutes, cost, co2)
        return start + minutes

    def _add(
        self,
        i: int,
        leg: PlannedLeg,
        depart: int,
        ready: int,
        arrive: int,
        distance: float,
        cost: int,
        co2: int,
        description: str,
        service: str | None = None,
    ) -> None:
        del i
        zone = self.ctx.zone
        self.legs.append(
            FreightLeg(
                mode=leg.mode,
                from_terminal=leg.from_terminal,
                to_terminal=leg.to_terminal,
                departure=from_minute(depart, zone),
                arrival=from_minute(arrive, zone),
                wait_min=depart - ready,
                distance_km=distance,
                cost_cents=cost,
                co2e_g=co2,
                service=service,
                description=description,
                handling=self.handling,
            )
        )
        self.handling = None
        self.cost += cost
        self.co2 += co2


def network_link(ctx: QueryContext, start: str, end: str) -> RoadLink | None:
    """The road link between two terminals, or the access leg to or from a point."""
    if start in (ORIGIN, DESTINATION) or end in (ORIGIN, DESTINATION):
        return ctx.access_leg(start, end)
    return ctx.network.road_link(start, end)
