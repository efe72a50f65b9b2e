"""A fleet plan request as a `FleetProblem`, and the solution as the plan the API returns.

Nodes: the distinct depots first, then per job its pickup and its delivery (a pickup-delivery
pair: +TEU at the pickup, -TEU at the delivery, on one truck, pickup first). Times are seconds
from the earliest shift start; distances metres; costs in 1/36000 cent, the unit in which a
cent per km (36 per metre) and a cent per hour (10 per second) are both whole numbers.

Terminal opening hours become closures of the nodes at that terminal: service must start and
finish while the terminal is open. A gate slot becomes the window of that end (intersected
with the window the request gives, if any).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from mobility.freight.fleet_plans.repository import RoadLink
from mobility.freight.fleet_plans.schemas import (
    FleetPlanCreate,
    JobEnd,
    Place,
    PlanResultOut,
    RouteOut,
    StopOut,
    TotalsOut,
    UnassignedOut,
)
from mobility.freight.gate_slots.hours import WeeklyHours, opening_intervals
from mobility.freight.models import FreightTerminal
from routing.algorithms.fleet import FleetProblem, FleetSolution, VehicleType
from routing.fleet.network import Location, travel_matrices

COST_PER_CENT = 36_000
PER_KM_TO_PER_METRE = 36
PER_HOUR_TO_PER_SECOND = 10


@dataclass(frozen=True)
class NetworkData:
    """What a plan needs of the freight data set."""

    terminals: dict[str, FreightTerminal]  # active terminals by code
    links: list[RoadLink]
    hours: dict[int, list[WeeklyHours]]
    zone: ZoneInfo
    factor_code: str
    g_co2e_per_tkm: float
    factor_citation: str


@dataclass(frozen=True)
class BuiltPlan:
    problem: FleetProblem
    request: FleetPlanCreate
    epoch: datetime
    places: list[Place]
    job_of_node: dict[int, tuple[str, str]]  # node -> (job id, "pickup" | "delivery")
    weight_kg: dict[str, int]


def _place_key(place: Place) -> tuple[Any, ...]:
    return ("t", place.terminal) if place.terminal else ("p", place.lat, place.lon)


def _location(place: Place, data: NetworkData) -> Location:
    if place.terminal is not None:
        terminal = data.terminals[place.terminal]
        return Location(terminal.lat, terminal.lon, terminal.id)
    assert place.lat is not None
    assert place.lon is not None
    return Location(place.lat, place.lon)


def _seconds(moment: datetime, epoch: datetime, *, up: bool = False) -> int:
    """Whole seconds from `epoch`, rounded down, or `up` (a start with a fraction of a second
    rounded down would open a window before it opens)."""
    second = timedelta(seconds=1)
    return -((epoch - moment) // second) if up else (moment - epoch) // second


def _window(
    end: JobEnd, slot: dict[str, str] | None, epoch: datetime, horizon: int
) -> tuple[int, int]:
    start, finish = 0, horizon
    if end.window is not None:
        start = max(start, _seconds(end.window.start, epoch, up=True))
        finish = min(finish, _seconds(end.window.end, epoch))
    if slot is not None:
        start = max(start, _seconds(datetime.fromisoformat(slot["start"]), epoch, up=True))
        finish = min(finish, _seconds(datetime.fromisoformat(slot["end"]), epoch))
    return start, finish


def _closures(
    terminal: FreightTerminal, data: NetworkData, epoch: datetime, horizon: int, service_s: int
) -> tuple[tuple[int, int], ...]:
    """When service of `service_s` cannot start at the terminal within ``[0, horizon]``."""
    # Hours past the horizon too: a service may end after the last shift's end is reached.
    end = epoch + timedelta(seconds=horizon, days=1)
    opens = opening_intervals(data.hours.get(terminal.id, []), data.zone, epoch, end)
    spans = [(_seconds(a, epoch, up=True), _seconds(b, epoch) - service_s) for a, b in opens]
    allowed = [(a, b) for a, b in spans if b >= a]
    closed, cursor, limit = [], 0, horizon + 1
    for a, b in allowed:  # the gaps between the starts allowed, up to the horizon
        if a > cursor and cursor < limit:
            closed.append((cursor, min(a, limit)))
        cursor = max(cursor, b + 1)
    if cursor < limit:
        closed.append((cursor, limit))
    return tuple(closed)


def build_problem(
    document: dict[str, Any], data: NetworkData, *, circuity: float, speed_kmh: float
) -> BuiltPlan:
    """The `FleetProblem` of a stored (resolved) request; see the module docstring."""
    slots = {
        (job["id"], kind): job[kind].get("slot_window")
        for job in document["jobs"]
        for kind in ("pickup", "delivery")
    }
    # The stored request is the API's with each end's resolved `slot_window` added.
    request = FleetPlanCreate.model_validate(
        {
            **document,
            "jobs": [
                {
                    **job,
                    **{
                        kind: {k: v for k, v in job[kind].items() if k != "slot_window"}
                        for kind in ("pickup", "delivery")
                    },
                }
                for job in document["jobs"]
            ],
        }
    )
    # Checked when the plan was made; a data set loaded since may have dropped a terminal.
    named = {t.depot.terminal for t in request.trucks} | {
        end.place.terminal for job in request.jobs for end in (job.pickup, job.delivery)
    }
    if gone := sorted(code for code in named if code is not None and code not in data.terminals):
        raise ValueError(f"terminals no longer in the freight data set: {', '.join(gone)}")
    epoch = min(t.shift_start for t in request.trucks)
    horizon = _seconds(max(t.shift_end for t in request.trucks), epoch)
    places: list[Place] = []
    depot_node: dict[tuple[Any, ...], int] = {}
    for truck in request.trucks:
        key = _place_key(truck.depot)
        if key not in depot_node:
            depot_node[key] = len(places)
            places.append(truck.depot)
    windows: list[tuple[int, int]] = [(0, horizon)] * len(places)
    service: list[int] = [0] * len(places)
    demand: list[int] = [0] * len(places)
    closed: dict[int, tuple[tuple[int, int], ...]] = {}
    closures: dict[tuple[int, int], tuple[tuple[int, int], ...]] = {}  # per terminal, service
    pairs, job_of_node = [], {}
    for job in request.jobs:
        nodes = []
        for kind, sign in (("pickup", 1), ("delivery", -1)):
            end: JobEnd = getattr(job, kind)
            node = len(places)
            places.append(end.place)
            terminal = data.terminals.get(end.place.terminal) if end.place.terminal else None
            minutes = end.service_min
            if minutes is None:
                minutes = terminal.handling_min if terminal is not None else 0
            service.append(minutes * 60)
            windows.append(_window(end, slots[(job.id, kind)], epoch, horizon))
            demand.append(sign * job.teu)
            if terminal is not None:
                key = (terminal.id, minutes)
                if key not in closures:
                    closures[key] = _closures(terminal, data, epoch, horizon, minutes * 60)
                closed[node] = closures[key]
            job_of_node[node] = (job.id, kind)
            nodes.append(node)
        pairs.append((nodes[0], nodes[1]))
    matrices = travel_matrices(
        [_location(p, data) for p in places],
        [Location(t.lat, t.lon, t.id) for t in data.terminals.values()],
        data.links,
        circuity=circuity,
        speed_kmh=speed_kmh,
    )
    vehicle_types = tuple(
        VehicleType(
            count=truck.count,
            capacity=truck.capacity_teu,
            start_depot=depot_node[_place_key(truck.depot)],
            end_depot=depot_node[_place_key(truck.depot)],
            shift_start=_seconds(truck.shift_start, epoch, up=True),
            shift_end=_seconds(truck.shift_end, epoch),
            fixed_cost=truck.fixed_cost_cents * COST_PER_CENT,
            cost_per_distance=truck.cost_per_km_cents * PER_KM_TO_PER_METRE,
            cost_per_time=truck.cost_per_hour_cents * PER_HOUR_TO_PER_SECOND,
            name=truck.id,
        )
        for truck in request.trucks
    )
    names = [f"depot{i}" for i in range(len(depot_node))] + [
        f"{job_id}:{kind}" for job_id, kind in job_of_node.values()
    ]
    problem = FleetProblem(
        distance=matrices.metres,
        duration=matrices.seconds,
        demand=np.array(demand, dtype=np.int64),
        time_windows=np.array(windows, dtype=np.int64),
        service=np.array(service, dtype=np.int64),
        vehicle_types=vehicle_types,
        pickup_delivery=tuple(pairs),
        distance_scale=1000,
        time_scale=1,
        names=tuple(names),
        closed={k: v for k, v in closed.items() if v},
    )
    weight = {job.id: job.gross_weight_kg for job in request.jobs}
    return BuiltPlan(problem, request, epoch, places, job_of_node, weight)


def drop_penalty(problem: FleetProblem) -> int:
    """A job's cost of being left out: above what any truck could spend serving it, so jobs
    are left out only when no truck can take them."""
    types = problem.vehicle_types
    longest_leg = int(problem.distance.max()) if problem.size else 0
    horizon = int(problem.time_windows[:, 1].max())
    most = max(
        t.fixed_cost + 2 * t.cost_per_distance * longest_leg + t.cost_per_time * horizon
        for t in types
    )
    return 2 * most + 1


def _job_reason(built: BuiltPlan, reasons: dict[int, str], pickup: int, delivery: int) -> str:
    for node in (pickup, delivery):
        reason = reasons.get(node)
        if reason is None or reason.startswith(("its pickup", "its delivery")):
            continue
        kind = built.job_of_node[node][1]
        place = built.places[node]
        where = place.terminal or f"{place.lat:.5f},{place.lon:.5f}"
        return f"{kind} at {where}: {reason}"
    return next(iter(reasons[n] for n in (pickup, delivery) if n in reasons))


def plan_result(built: BuiltPlan, solution: FleetSolution, data: NetworkData) -> PlanResultOut:
    """The plan as the API returns it: timed stops, costs, km and CO2e per route and in all."""
    problem, request = built.problem, built.request
    zone = data.zone
    groups = request.trucks
    first_vehicle = np.cumsum([0] + [t.count for t in groups])

    def at(seconds: int) -> datetime:
        return (built.epoch + timedelta(seconds=seconds)).astimezone(zone)

    routes = []
    for route in solution.routes:
        group = groups[route.vehicle_type]
        stops, kg, tonne_km = [], 0, 0.0
        prev = problem.vehicle_types[route.vehicle_type].start_depot
        for stop in route.stops:
            tonne_km += kg / 1000 * int(problem.distance[prev, stop.node]) / 1000
            job_id, kind = built.job_of_node[stop.node]
            kg += built.weight_kg[job_id] if kind == "pickup" else -built.weight_kg[job_id]
            stops.append(
                StopOut(
                    job=job_id,
                    kind=kind,  # type: ignore[arg-type]
                    place=built.places[stop.node],
                    arrival=at(stop.arrival),
                    start=at(stop.start),
                    departure=at(stop.departure),
                    load_teu=stop.load,
                    load_kg=kg,
                )
            )
            prev = stop.node
        end_depot = problem.vehicle_types[route.vehicle_type].end_depot
        tonne_km += kg / 1000 * int(problem.distance[prev, end_depot]) / 1000
        routes.append(
            RouteOut(
                truck_group=group.id,
                truck=route.vehicle - int(first_vehicle[route.vehicle_type]) + 1,
                leave_at=at(route.leave),
                back_at=at(route.back),
                km=round(route.distance / 1000, 3),
                hours=round(route.duration / 3600, 3),
                cost_cents=(route.cost + COST_PER_CENT // 2) // COST_PER_CENT,
                tonne_km=round(tonne_km, 3),
                co2e_kg=round(tonne_km * data.g_co2e_per_tkm / 1000, 3),
                stops=stops,
            )
        )
    reasons = {u.node: u.reason for u in solution.unassigned}
    unassigned = [
        UnassignedOut(job=built.job_of_node[p][0], reason=_job_reason(built, reasons, p, d))
        for p, d in problem.pickup_delivery
        if p in reasons or d in reasons
    ]
    tonne_km = sum(r.tonne_km for r in routes)
    totals = TotalsOut(
        cost_cents=sum(r.cost_cents for r in routes),
        currency=request.currency,
        km=round(solution.distance / 1000, 3),
        tonne_km=round(tonne_km, 3),
        co2e_kg=round(sum(r.co2e_kg for r in routes), 3),
        trucks_used=len(routes),
        jobs_assigned=len(request.jobs) - len(unassigned),
        jobs_unassigned=len(unassigned),
    )
    return PlanResultOut(
        routes=routes,
        unassigned=unassigned,
        totals=totals,
        emission_factor={
            "code": data.factor_code,
            "g_co2e_per_tkm": data.g_co2e_per_tkm,
            "citation": data.factor_citation,
        },
        engine=solution.engine,
        engine_status=solution.engine_status,
        solve_s=round(solution.runtime_s, 3),
    )
