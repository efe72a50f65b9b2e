"""Small hand-made freight networks and an exhaustive reference: every simple path, with every
dated departure of every service, each checked by `evaluate_plan`, then its Pareto set."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from routing.algorithms.freight import (
    ALL_FLAGS,
    FreightNetwork,
    FreightQuery,
    FreightRoute,
    PlanChecker,
    PlannedLeg,
    RoadAccess,
    RoadLink,
    RouteInfeasible,
    Service,
    Terminal,
    dominates,
)

ROME = ZoneInfo("Europe/Rome")
ALL_WEEK = tuple((d, 0, 1440) for d in range(7))


def terminal(
    code: str,
    *,
    lat: float = 44.0,
    lon: float = 10.0,
    hours: Sequence[tuple[int, int, int]] = ALL_WEEK,
    handling_min: int = 60,
    handling_cost: int = 10_000,
    kg: float = 10.0,
    accepts: frozenset[str] = ALL_FLAGS,
    kind: str = "interporto",
) -> Terminal:
    return Terminal(code, kind, lat, lon, handling_min, handling_cost, kg, tuple(hours), accepts)


def road(a: str, b: str, minutes: int, cost: int, km: float, **kw: object) -> list[RoadLink]:
    """Both directions of a road."""
    return [
        RoadLink(a, b, km, minutes, cost, 80.0, **kw),  # type: ignore[arg-type]
        RoadLink(b, a, km, minutes, cost, 80.0, **kw),  # type: ignore[arg-type]
    ]


def service(
    code: str,
    a: str,
    b: str,
    departures: Sequence[tuple[int, int]],
    *,
    transit: int = 240,
    capacity: int = 50,
    cutoff: int = 120,
    cost: int = 20_000,
    km: float = 200.0,
    mode: str = "rail",
    g: float = 20.0,
    accepts: frozenset[str] = ALL_FLAGS,
) -> Service:
    return Service(
        code, mode, a, b, tuple(departures), transit, capacity, cutoff, cost, km, g, accepts
    )


ACCESS = RoadAccess(
    circuity_factor=1.3,
    speed_kmh=65.0,
    access_min=15,
    base_cost_per_teu_cents=6000,
    cost_per_km_per_teu_cents=150,
    max_distance_km=150.0,
    g_co2e_per_tkm=80.0,
)


def network(
    terminals: Sequence[Terminal],
    links: Sequence[RoadLink],
    services: Sequence[Service],
    *,
    access: RoadAccess | None = ACCESS,
) -> FreightNetwork:
    return FreightNetwork(
        timezone="Europe/Rome",
        currency="EUR",
        tonnes_per_teu=10.0,
        terminals={t.code: t for t in terminals},
        road_links=tuple(links),
        services=tuple(services),
        road_access=access,
    )


def local_departures(svc: Service, start: datetime, end: datetime) -> list[datetime]:
    """Every dated departure of `svc` between two instants, from the weekly pattern and the
    time zone database (independently of the search's own expansion)."""
    out = []
    day: date = start.astimezone(ROME).date() - timedelta(days=1)
    while day <= end.astimezone(ROME).date() + timedelta(days=1):
        for weekday, minute in svc.departures:
            if day.weekday() == weekday:
                wall = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
                out.append(wall.replace(tzinfo=ROME).astimezone(UTC).astimezone(ROME))
        day += timedelta(days=1)
    return sorted(set(out))


def brute_force(
    net: FreightNetwork,
    query: FreightQuery,
    capacity: Mapping[tuple[str, datetime], int] | None = None,
) -> list[FreightRoute]:
    """The Pareto set over every sequence of up to `query.max_legs` legs (places may repeat: a
    truck may pass the destination while it is closed), each service leg on any of its dated
    departures; feasibility and prices from the plan checker."""
    found: list[FreightRoute] = []
    checker = PlanChecker(net, query, capacity)
    origin = query.origin.terminal
    dest = query.destination.terminal
    o, d = query.origin, query.destination
    first = (
        [
            t.code
            for t, _ in net.nearest_terminals(o.lat, o.lon, query.candidates, query.cargo_flags)
        ]
        if o.lat is not None and o.lon is not None
        else []
    )
    last = (
        {
            t.code
            for t, _ in net.nearest_terminals(d.lat, d.lon, query.candidates, query.cargo_flags)
        }
        if d.lat is not None and d.lon is not None
        else set()
    )

    def moves(here: str | None) -> list[PlannedLeg]:
        out: list[PlannedLeg] = []
        if here is None:  # the origin point: first mile to any terminal, or straight there
            for code in first:
                out.append(PlannedLeg("road", None, code))
            if dest is None:
                out.append(PlannedLeg("road", None, None))
            return out
        for link in net.road_out[here]:
            out.append(PlannedLeg("road", here, link.to_code))
        if here in last:
            out.append(PlannedLeg("road", here, None))
        for svc in net.services_from[here]:
            for at in local_departures(svc, query.earliest_departure, query.deadline):
                out.append(PlannedLeg(svc.mode, here, svc.to_code, svc.code, at))
        return out

    def walk(plan: list[PlannedLeg], here: str | None) -> None:
        if plan and plan[-1].to_terminal == dest:
            try:
                found.append(checker.evaluate(plan))
            except RouteInfeasible:
                pass
            if dest is None:
                return
        if len(plan) == query.max_legs:
            return
        for leg in moves(here):
            walk([*plan, leg], leg.to_terminal)

    walk([], origin)
    return [r for r in found if not any(dominates(o.criteria, r.criteria) for o in found)]
