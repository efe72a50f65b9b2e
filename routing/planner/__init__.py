"""The journey planning service the API calls: `plan(session, PlanRequest)` -> itineraries.

`types` holds the request and answer dataclasses, `service` resolves places and runs RAPTOR on a
cached timetable, `convert` turns its journeys into legs with stops, times, routes and shapes.
"""

from routing.planner.service import ARRIVE_BY_WINDOW_S, plan
from routing.planner.types import (
    MODES,
    Coordinates,
    Place,
    PlannedJourney,
    PlannedLeg,
    PlanRequest,
    StopCall,
    StopPlace,
)

__all__ = [
    "ARRIVE_BY_WINDOW_S",
    "MODES",
    "Coordinates",
    "Place",
    "PlanRequest",
    "PlannedJourney",
    "PlannedLeg",
    "StopCall",
    "StopPlace",
    "plan",
]
