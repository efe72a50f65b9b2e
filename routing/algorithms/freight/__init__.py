"""Intermodal freight routes: a multi-criteria label-setting search over road links and dated
departures of scheduled rail and sea services, and a leg-by-leg checker.

`search_routes(network, query, capacity=..., road_time_factor=...)` returns the Pareto set over
door-to-door cost, arrival and CO2e; `evaluate_plan` re-derives and checks one route from its
legs (what a booking runs again before it reserves capacity). Pure: data in, result out.
"""

from routing.algorithms.freight.check import PlanChecker, RouteInfeasible, evaluate_plan
from routing.algorithms.freight.network import (
    ALL_FLAGS,
    CargoFlag,
    FreightNetwork,
    RoadAccess,
    RoadLink,
    Service,
    Terminal,
    haversine_km,
)
from routing.algorithms.freight.query import (
    Capacity,
    DepartureKey,
    FreightLeg,
    FreightQuery,
    FreightQueryInvalid,
    FreightRoute,
    Handling,
    Place,
    PlannedLeg,
    RoadTimeFactor,
    Weights,
    dominates,
)
from routing.algorithms.freight.search import SearchResult, search_routes

__all__ = [
    "ALL_FLAGS",
    "Capacity",
    "CargoFlag",
    "DepartureKey",
    "FreightLeg",
    "FreightNetwork",
    "FreightQuery",
    "FreightQueryInvalid",
    "FreightRoute",
    "Handling",
    "Place",
    "PlanChecker",
    "PlannedLeg",
    "RoadAccess",
    "RoadLink",
    "RoadTimeFactor",
    "RouteInfeasible",
    "SearchResult",
    "Service",
    "Terminal",
    "Weights",
    "dominates",
    "evaluate_plan",
    "haversine_km",
    "search_routes",
]
