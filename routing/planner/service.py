"""The journey planning service: a request in, itineraries with stops, times and shapes out.

The API calls `plan` with a session and a `PlanRequest`. The planner resolves the origin and
destination to stops (coordinates: every stop within walking reach; a stop reference: that stop,
a station meaning its platforms too), takes the service day's timetable from a `TimetableCache`
(built from the database on a miss), runs RAPTOR (single departure, range or arrive-by) and turns
each journey into a `PlannedJourney`: aware datetimes in the feed's time zone, stop names, route
and trip details from the GTFS tables, intermediate stops and geometry from shapes.txt.
No HTTP and no prices here (the API layer asks ticketing for those).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session

from gtfs.errors import StopNotFound
from gtfs.modes import mode_of
from gtfs.repository import GtfsRepository, haversine_m
from routing.algorithms.raptor import (
    Journey,
    RaptorParams,
    WalkLeg,
    raptor,
    raptor_arrive_by,
    raptor_range,
)
from routing.algorithms.timetable import Timetable
from routing.footpaths import haversine_m_array
from routing.planner.convert import Converter
from routing.planner.realtime import LiveTimetables, LiveView
from routing.planner.types import (
    Coordinates,
    Place,
    PlannedJourney,
    PlanRequest,
    PlanResult,
    StopPlace,
)
from routing.timetable_cache import BuiltTimetable, TimetableCache

ARRIVE_BY_WINDOW_S = 3 * 3600  # how long before the arrival an arrive-by journey may leave


def plan(
    session: Session,
    request: PlanRequest,
    *,
    cache: TimetableCache | None = None,
    live: LiveTimetables | None = None,
    timezone: str | None = None,
) -> list[PlannedJourney]:
    """Pareto-optimal itineraries (arrival or departure time, transfers) for `request`.

    `plan_live` with the same arguments, without the real-time status.
    """
    return plan_live(session, request, cache=cache, live=live, timezone=timezone).journeys


def plan_live(
    session: Session,
    request: PlanRequest,
    *,
    cache: TimetableCache | None = None,
    live: LiveTimetables | None = None,
    timezone: str | None = None,
) -> PlanResult:
    """Pareto-optimal itineraries (arrival or departure time, transfers) for `request`.

    `timezone` is the area's (default: the settings'); the service day is the local date of
    ``request.when`` there. With `live`, journeys ride the timetable as real-time updates
    leave it (delays, cancellations, skipped stops); without it, the schedule. Raises
    StopNotFound for a stop reference not in the current feeds; no journeys when no stop is
    within reach or nothing connects. Sorted by departure, arrival.
    """
    if timezone is None:
        from mobility.settings import get_settings

        timezone = get_settings().timezone
    if cache is None:
        cache = TimetableCache(max_entries=1, timezone=timezone)
    area = ZoneInfo(timezone)
    versions = GtfsRepository(session).current_versions()
    key = tuple((f, versions[f].id) for f in sorted(versions))
    service_date = request.when.astimezone(area).date()
    built = cache.get(
        session,
        key,
        service_date,
        max_transfer_walk_m=request.max_transfer_walk_m,
        walk_speed_mps=request.walk_speed_mps,
    )
    view = live.view(session, built, versions, area) if live else LiveView(built.timetable)
    tt = view.timetable
    t = math.floor((request.when - tt.origin).total_seconds())
    walk = _walk_only(built, request, t)
    sources = _resolve(built, request.origin, request)
    targets = _resolve(built, request.destination, request)
    journeys = _transit(built, tt, sources, targets, t, request) if sources and targets else ()
    if walk is not None:
        journeys = [walk, *(j for j in journeys if not _beaten_by_walking(j, walk, request))]
    out = Converter(session, built, view, versions, area, request).convert(journeys)
    return PlanResult(sorted(out, key=lambda j: (j.departure, j.arrival, j.transfers)), view.status)


def _transit(
    built: BuiltTimetable,
    tt: Timetable,
    sources: list[tuple[int, int]],
    targets: list[tuple[int, int]],
    t: int,
    request: PlanRequest,
) -> Sequence[Journey]:
    """RAPTOR's answer: single departure, range, or arrive-by."""
    params = RaptorParams(
        max_transfers=request.max_transfers,
        min_transfer_s=request.min_transfer_s,
        wheelchair=request.wheelchair,
        route_types=_route_types(tt, request.modes),
        excluded_trips=_other_feeds(built, request.feeds),
    )
    if request.arrive_by:
        window = request.window_min * 60 or ARRIVE_BY_WINDOW_S
        return raptor_arrive_by(tt, sources, targets, t, window, params).journeys
    if request.window_min > 0:
        return raptor_range(tt, sources, targets, t, t + request.window_min * 60, params)
    return raptor(tt, sources, targets, t, params).journeys


def _point(built: BuiltTimetable, place: Place) -> tuple[float, float] | None:
    """Where a place is (a stop: its coordinates; None when it has none)."""
    if isinstance(place, Coordinates):
        return (place.lat, place.lon)
    i = built.stop_index.get(place.ref)
    if i is None:
        return None
    lat, lon = float(built.timetable.stop_lat[i]), float(built.timetable.stop_lon[i])
    return None if math.isnan(lat) or math.isnan(lon) else (lat, lon)


def _walk_only(built: BuiltTimetable, request: PlanRequest, t: int) -> Journey | None:
    """Walking all the way, when the places are within `max_walk_m` of each other: leaving at
    `t` (arrive-by: arriving at `t`)."""
    start, end = _point(built, request.origin), _point(built, request.destination)
    if start is None or end is None:
        return None
    metres = haversine_m(*start, *end)
    if metres > request.max_walk_m:
        return None
    seconds = math.ceil(metres / request.walk_speed_mps)
    leave = t - seconds if request.arrive_by else t
    return Journey(leave, leave + seconds, 0, (WalkLeg(None, None, leave, leave + seconds),))


def _beaten_by_walking(journey: Journey, walk: Journey, request: PlanRequest) -> bool:
    """Whether walking is at least as good on the query's criteria (it has no transfer): it
    arrives no later (arrive-by: leaves no earlier); in a range, walking from the journey's own
    departure takes no longer."""
    if request.arrive_by:
        return journey.departure <= walk.departure
    if request.window_min > 0:
        return journey.arrival - journey.departure >= walk.arrival - walk.departure
    return journey.arrival >= walk.arrival


def _resolve(built: BuiltTimetable, place: Place, request: PlanRequest) -> list[tuple[int, int]]:
    """(stop index, walking seconds) pairs of a place."""
    tt = built.timetable
    if isinstance(place, StopPlace):
        index = built.stop_index
        if place.ref not in index:
            raise StopNotFound(f"no stop '{place.ref}' in the current feeds")
        i = index[place.ref]
        children = np.flatnonzero(built.inputs.parent == i).tolist()
        return [(i, 0), *((int(c), 0) for c in children)]
    if tt.n_stops == 0 or request.max_walk_m <= 0:
        return []
    metres = haversine_m_array(
        np.full(tt.n_stops, place.lat), np.full(tt.n_stops, place.lon), tt.stop_lat, tt.stop_lon
    )
    near = np.flatnonzero(metres <= request.max_walk_m)  # NaN (no position) compares False
    return [(int(s), math.ceil(float(metres[s]) / request.walk_speed_mps)) for s in near]


def _other_feeds(built: BuiltTimetable, feeds: frozenset[str] | None) -> frozenset[int]:
    """Trips not of `feeds` (none when every feed may be ridden)."""
    if feeds is None:
        return frozenset()
    return frozenset(np.flatnonzero(~np.isin(built.trip_feeds, sorted(feeds))).tolist())


def _route_types(tt: Timetable, modes: frozenset[str] | None) -> frozenset[int] | None:
    """The timetable's route types whose mode word is one of `modes` (None: all)."""
    if modes is None:
        return None
    present = np.unique(tt.flat.trip_route_type).tolist()
    return frozenset(int(r) for r in present if mode_of(int(r)) in modes)
