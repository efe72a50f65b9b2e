"""One query's view of the network: opening hours and dated departures over its horizon, free
capacity per dated departure, the cargo's mass and flags, and the cost, time and CO2e of each
kind of step (road leg, service leg, transshipment). The search and the checker both price
steps here; each decides on its own which steps are feasible in which order.
"""

from __future__ import annotations

import math
from datetime import UTC

from routing.algorithms.freight.network import (
    FreightNetwork,
    RoadLink,
    Service,
    Terminal,
    haversine_km,
)
from routing.algorithms.freight.query import (
    Capacity,
    FreightQuery,
    FreightQueryInvalid,
    RoadTimeFactor,
)
from routing.algorithms.freight.timeline import (
    OpenWindows,
    dated_departures,
    from_minute,
    local_days,
    to_minute,
)

ORIGIN = "@origin"
DESTINATION = "@destination"
# Opening hours and departures are expanded this far past the deadline: a label is pruned at
# the deadline, but a gate opening after it still has to be found to know that.
_HORIZON_TAIL_MIN = 2 * 24 * 60


class QueryContext:
    """The horizon-bound data of one query; build with `QueryContext(network, query, ...)`."""

    def __init__(
        self,
        network: FreightNetwork,
        query: FreightQuery,
        capacity: Capacity | None = None,
        road_time_factor: RoadTimeFactor | None = None,
    ) -> None:
        self.network = network
        self.query = query
        self.zone = network.zone
        self.flags = frozenset(query.cargo_flags)
        self.teu = query.teu
        self.tonnes = query.gross_weight_t or network.tonnes_per_teu * query.teu
        self.start = to_minute(query.earliest_departure)
        # Arrivals are whole minutes: one at the deadline's minute is in time.
        self.deadline = to_minute(query.deadline.replace(second=0, microsecond=0))
        self._factor = road_time_factor
        for place in (query.origin, query.destination):
            if place.terminal is not None and place.terminal not in network.terminals:
                raise FreightQueryInvalid(f"unknown terminal {place.terminal!r}")
            if place.is_point and network.road_access is None:
                raise FreightQueryInvalid("this network has no road access for coordinates")
        days = local_days(self.start, self.deadline + _HORIZON_TAIL_MIN, self.zone)
        self.windows = {
            code: OpenWindows.weekly(t.hours, days, self.zone)
            for code, t in network.terminals.items()
        }
        self.departures = {
            s.code: [
                d
                for d in dated_departures(s.departures, days, self.zone)
                if d + s.transit_min <= self.deadline
            ]
            for s in network.services
        }
        self.free: dict[tuple[str, int], int] = {}
        for (code, at), free in (capacity or {}).items():
            self.free[(code, to_minute(at.astimezone(UTC)))] = free
        self.first_mile, self.last_mile, self.direct = self._access_legs()

    # -- cargo and capacity ------------------------------------------------------------------

    def takes(self, accepts: frozenset[str]) -> bool:
        return self.flags <= accepts

    def terminal_takes(self, code: str) -> bool:
        terminal = self.network.terminals.get(code)
        return terminal is not None and self.flags <= terminal.accepts

    def free_teu(self, service: Service, departure: int) -> int:
        return self.free.get((service.code, departure), service.capacity_teu)

    # -- pricing ---------------------------------------------------------------------------

    def road(self, link: RoadLink, depart: int) -> tuple[int, int, int]:
        """(arrival minute, cost cents, CO2e grams) of a road leg departing at `depart`."""
        factor = 1.0
        if self._factor is not None:
            factor = max(1.0, float(self._factor(from_minute(depart, self.zone), link)))
        arrival = depart + math.ceil(link.time_min * factor - 1e-9)
        return (
            arrival,
            link.cost_per_teu_cents * self.teu,
            round(link.distance_km * self.tonnes * link.g_co2e_per_tkm),
        )

    def service(self, service: Service) -> tuple[int, int]:
        """(cost cents, CO2e grams) of the shipment on a service."""
        return (
            service.cost_per_teu_cents * self.teu,
            round(service.distance_km * self.tonnes * service.g_co2e_per_tkm),
        )

    def handling(self, terminal: Terminal) -> tuple[int, int, int]:
        """(minutes, cost cents, CO2e grams) of one transshipment of the shipment there."""
        return (
            terminal.handling_min,
            terminal.handling_cost_cents * self.teu,
            round(terminal.handling_kg_co2e_per_teu * 1000 * self.teu),
        )

    # -- first and last mile ---------------------------------------------------------------

    def _access_legs(
        self,
    ) -> tuple[tuple[RoadLink, ...], tuple[RoadLink, ...], RoadLink | None]:
        access, query, network = self.network.road_access, self.query, self.network
        if access is None:
            return (), (), None
        first: list[RoadLink] = []
        last: list[RoadLink] = []
        o, d = query.origin, query.destination
        if o.is_point:
            here = (float(o.lat), float(o.lon))  # type: ignore[arg-type]
            for terminal, _ in network.nearest_terminals(*here, query.candidates, self.flags):
                first.append(access.leg(ORIGIN, terminal.code, here, (terminal.lat, terminal.lon)))
        if d.is_point:
            there = (float(d.lat), float(d.lon))  # type: ignore[arg-type]
            for terminal, _ in network.nearest_terminals(*there, query.candidates, self.flags):
                last.append(
                    access.leg(terminal.code, DESTINATION, (terminal.lat, terminal.lon), there)
                )
        direct = None
        if o.is_point and d.is_point:
            a = (float(o.lat), float(o.lon))  # type: ignore[arg-type]
            b = (float(d.lat), float(d.lon))  # type: ignore[arg-type]
            if haversine_km(*a, *b) > 0:
                direct = access.leg(ORIGIN, DESTINATION, a, b)
        return tuple(first), tuple(last), direct

    def access_leg(self, from_code: str, to_code: str) -> RoadLink | None:
        """A first-mile, last-mile or direct leg between a point and a terminal (or two
        points), whatever the candidate count: a booking may name any terminal in reach."""
        access, query = self.network.road_access, self.query
        if access is None:
            return None
        places = {
            ORIGIN: query.origin if query.origin.is_point else None,
            DESTINATION: query.destination if query.destination.is_point else None,
        }
        ends: list[tuple[float, float]] = []
        for code in (from_code, to_code):
            place = places.get(code)
            if place is not None:
                ends.append((float(place.lat), float(place.lon)))  # type: ignore[arg-type]
            elif (terminal := self.network.terminals.get(code)) is not None and terminal.road:
                ends.append((terminal.lat, terminal.lon))
            else:
                return None
        if from_code not in places and to_code not in places:
            return None
        if haversine_km(*ends[0], *ends[1]) > access.max_distance_km and not (
            from_code == ORIGIN and to_code == DESTINATION
        ):
            return None
        return access.leg(from_code, to_code, ends[0], ends[1])
