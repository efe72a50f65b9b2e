"""The journey planning service the API calls: `plan(session, PlanRequest)` -> itineraries.

`types` holds the request and answer dataclasses, `service` resolves places and runs RAPTOR on a
cached timetable, `convert` turns its journeys into legs with stops, times, routes and shapes.
"""

from routing.planner.realtime import LiveTimetables, LiveView
from routing.planner.service import ARRIVE_BY_WINDOW_S, plan, plan_live
from routing.planner.types import (
    MODES,
    Coordinates,
    Place,
    PlannedJourney,
    PlannedLeg,
    PlanRequest,
    PlanResult,
    StopCall,
    StopPlace,
)

__all__ = [
    "ARRIVE_BY_WINDOW_S",
    "MODES",
    "Coordinates",
    "LiveTimetables",
    "LiveView",
    "Place",
    "PlanRequest",
    "PlanResult",
    "PlannedJourney",
    "PlannedLeg",
    "StopCall",
    "StopPlace",
    "plan",
    "plan_live",
]
