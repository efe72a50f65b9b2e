"""Multi-criteria label-setting search for door-to-door container routes.

A label is the container at a place at a time with what it has cost so far: cost (cents),
CO2e (grams), legs. It is either on a truck (`TRUCK`: the truck may drive on, or deliver into
the terminal) or in a terminal's yard (`YARD`: entered at `at`, ready for the next vehicle at
`ready` once handled). Moves:

- YARD -> a scheduled service: its first dated departure with `ready <= departure`,
  `at <= departure - cut-off` and enough free TEU. A later departure of the same service
  costs the same and arrives later, so it is never needed.
- YARD -> a truck picks the container up as soon as the terminal is open, and drives a road
  link (or the last mile to a destination point).
- TRUCK -> drive on (no handling: the same truck), or deliver: the truck waits at the gate
  until the terminal opens; then the container is handled (the lift to the next vehicle), or
  has arrived if this is the destination.
- a service arriving at a terminal: handling starts when the terminal is open.

Dominated labels are dropped (`labels.LabelStore`). The result is the complete Pareto set over
(cost, arrival, CO2e) within the deadline and `max_legs`, when road time factors do not let a
later departure arrive earlier (FIFO).
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from routing.algorithms.freight.context import DESTINATION, ORIGIN, QueryContext
from routing.algorithms.freight.labels import DONE, TRUCK, YARD, Label, LabelStore, LegStep
from routing.algorithms.freight.network import FreightNetwork, RoadLink
from routing.algorithms.freight.query import (
    Capacity,
    FreightQuery,
    FreightQueryInvalid,
    FreightRoute,
    RoadTimeFactor,
)
from routing.algorithms.freight.rank import build_route, rank_routes


@dataclass(frozen=True)
class SearchResult:
    """The Pareto set, ordered by the query's weights (cut to its `limit`, if any)."""

    routes: tuple[FreightRoute, ...]
    labels: int = 0
    pareto_size: int = 0


def search_routes(
    network: FreightNetwork,
    query: FreightQuery,
    *,
    capacity: Capacity | None = None,
    road_time_factor: RoadTimeFactor | None = None,
) -> SearchResult:
    """Every non-dominated route (cost, arrival, CO2e) for `query` on `network`.

    Parameters
    ----------
    capacity
        Free TEU per dated departure ``(service code, departure instant)``; a departure not
        listed has the service's whole capacity free.
    road_time_factor
        ``(departure, link) -> factor >= 1`` on a road leg's free-flow time (congestion);
        None is free flow.

    Raises
    ------
    FreightQueryInvalid
        Unknown terminal, a terminal that does not take the cargo, no road access for points.
    """
    ctx = QueryContext(network, query, capacity, road_time_factor)
    for place in (query.origin, query.destination):
        if place.terminal is not None and not ctx.terminal_takes(place.terminal):
            flags = ", ".join(sorted(ctx.flags))
            raise FreightQueryInvalid(f"terminal {place.terminal!r} does not take {flags} cargo")
    search = _Search(ctx)
    finals = search.run()
    routes = [build_route(ctx, label) for label in finals]
    ranked = rank_routes(routes, query.weights, query.limit)
    return SearchResult(tuple(ranked), search.store.count, len(routes))


class _Search:
    def __init__(self, ctx: QueryContext) -> None:
        self.ctx = ctx
        self.net = ctx.network
        self.dest = ctx.query.destination.terminal  # None: a point
        self.store = LabelStore(ctx.deadline)
        self.last_mile = {link.from_code: link for link in ctx.last_mile}

    def run(self) -> list[Label]:
        ctx, query = self.ctx, self.ctx.query
        if query.origin.terminal is not None:
            root = Label(query.origin.terminal, YARD, ctx.start, ctx.start, 0, 0, 0, False, None)
        else:
            root = Label(ORIGIN, TRUCK, ctx.start, ctx.start, 0, 0, 0, False, None)
        self.store.push(root)
        while (label := self.store.pop()) is not None:
            if label.kind == YARD:
                self._from_yard(label)
            else:
                self._from_truck(label)
        return self.store.finals

    # -- moves -----------------------------------------------------------------------------

    def _from_yard(self, label: Label) -> None:
        ctx, here = self.ctx, label.node
        if label.legs >= ctx.query.max_legs:
            return
        for service in self.net.services_from.get(here, ()):
            if not ctx.takes(service.accepts) or not ctx.terminal_takes(service.to_code):
                continue
            departures = ctx.departures[service.code]
            i = bisect_left(departures, max(label.ready, label.at + service.cutoff_min))
            while i < len(departures) and ctx.free_teu(service, departures[i]) < ctx.teu:
                i += 1
            if i == len(departures):
                continue
            depart = departures[i]
            cost, co2 = ctx.service(service)
            step = LegStep(
                service.mode,
                here,
                service.to_code,
                depart,
                depart + service.transit_min,
                service.distance_km,
                cost,
                co2,
                service.code,
                service.operator,
            )
            self._arrive_by_service(label, step)
        if label.by_road:
            return  # a truck brought it: that truck could have driven on
        pickup = ctx.windows[here].next_open(label.ready)
        if pickup is None or pickup > ctx.deadline:
            return
        for link in self.net.road_out.get(here, ()):
            self._drive(label, link, pickup)
        if (last := self.last_mile.get(here)) is not None:
            self._drive(label, last, pickup)

    def _from_truck(self, label: Label) -> None:
        ctx, here = self.ctx, label.node
        if label.legs < ctx.query.max_legs:
            if here == ORIGIN:
                for link in ctx.first_mile:
                    self._drive(label, link, label.at)
                if ctx.direct is not None:
                    self._drive(label, ctx.direct, label.at)
                return
            for link in self.net.road_out.get(here, ()):
                self._drive(label, link, label.at)
            if (last := self.last_mile.get(here)) is not None:
                self._drive(label, last, label.at)
        if here == ORIGIN or not ctx.terminal_takes(here):
            return
        gate = ctx.windows[here].next_open(label.at)
        if gate is None or gate > ctx.deadline:
            return
        if here == self.dest:
            self._final(label, gate, gate_at=gate)
            return
        self._into_yard(label, here, gate, gate, label.legs, by_road=True, gate_at=gate)

    def _drive(self, label: Label, link: RoadLink, depart: int) -> None:
        ctx = self.ctx
        if not ctx.takes(link.accepts):
            return
        arrive, cost, co2 = ctx.road(link, depart)
        if arrive > ctx.deadline:
            return
        step = LegStep(
            "road",
            link.from_code,
            link.to_code,
            depart,
            arrive,
            link.distance_km,
            cost,
            co2,
            description=link.route,
        )
        if link.to_code == DESTINATION:
            self._final(label, arrive, leg=step)
            return
        self.store.push(
            Label(
                link.to_code,
                TRUCK,
                arrive,
                arrive,
                label.cost + cost,
                label.co2 + co2,
                label.legs + 1,
                False,
                label,
                leg=step,
            )
        )

    def _arrive_by_service(self, label: Label, step: LegStep) -> None:
        there = step.to_code
        if there == self.dest:
            self._final(label, step.arrive, leg=step)
            return
        start = self.ctx.windows[there].next_open(step.arrive)
        if start is not None:  # handling starts when the terminal is open
            self._into_yard(label, there, step.arrive, start, label.legs + 1, leg=step)

    def _into_yard(
        self,
        parent: Label,
        here: str,
        entered: int,
        start: int,
        legs: int,
        *,
        by_road: bool = False,
        leg: LegStep | None = None,
        gate_at: int | None = None,
    ) -> None:
        """The container enters `here`'s yard at `entered` and is handled from `start`."""
        minutes, cost, co2 = self.ctx.handling(self.net.terminals[here])
        self.store.push(
            Label(
                here,
                YARD,
                entered,
                start + minutes,
                parent.cost + (leg.cost if leg else 0) + cost,
                parent.co2 + (leg.co2 if leg else 0) + co2,
                legs,
                by_road,
                parent,
                leg=leg,
                gate_at=gate_at,
                handling=(start, minutes, cost, co2),
            )
        )

    def _final(
        self, parent: Label, arrival: int, *, leg: LegStep | None = None, gate_at: int | None = None
    ) -> None:
        cost = parent.cost + (leg.cost if leg else 0)
        co2 = parent.co2 + (leg.co2 if leg else 0)
        legs = parent.legs + (1 if leg else 0)
        self.store.final(
            Label(DESTINATION, DONE, arrival, arrival, cost, co2, legs, False, parent, leg, gate_at)
        )
