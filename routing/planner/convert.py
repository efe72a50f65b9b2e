"""RAPTOR journeys to PlannedJourneys: times in the feed's zone, GTFS route and shape details."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from gtfs.models import FeedVersion, table_for
from gtfs.modes import mode_of
from gtfs.refs import parse_ref
from gtfs.repository import GtfsRepository, haversine_m, ids_in
from routing.algorithms.raptor import Journey, TripLeg, WalkLeg
from routing.algorithms.timetable import Timetable
from routing.footpaths import haversine_m_array
from routing.planner.realtime import LiveView
from routing.planner.types import (
    Coordinates,
    Place,
    PlannedJourney,
    PlannedLeg,
    PlanRequest,
    StopCall,
)
from routing.timetable_cache import BuiltTimetable

_routes_t = table_for("routes.txt")
_trips_t = table_for("trips.txt")


@dataclass(frozen=True)
class _TripDetails:
    route_short_name: str | None
    agency_id: str | None
    shape: tuple[tuple[float, float], ...]


class Converter:
    """Turns RAPTOR journeys into PlannedJourneys, reading route and shape details once."""

    def __init__(
        self,
        session: Session,
        built: BuiltTimetable,
        view: LiveView,
        versions: dict[str, FeedVersion],
        area: ZoneInfo,
        request: PlanRequest,
    ) -> None:
        self.session = session
        self.built = built
        self.tt = built.timetable  # the schedule: stops, trips, scheduled times
        self.view = view  # what the journeys rode: patterns and times with live changes
        self.versions = versions
        self.area = area
        self.request = request
        self.zones = {f: ZoneInfo(v.timezone) if v.timezone else area for f, v in versions.items()}
        self.details: dict[int, _TripDetails] = {}

    def convert(self, journeys: Sequence[Journey]) -> list[PlannedJourney]:
        self._load_details({leg.trip for j in journeys for leg in j.trip_legs})
        out = []
        for j in journeys:
            legs = tuple(self._leg(leg) for leg in j.legs)
            out.append(
                PlannedJourney(
                    departure=legs[0].departure if legs else self._at(j.departure, self.area),
                    arrival=legs[-1].arrival if legs else self._at(j.arrival, self.area),
                    transfers=j.transfers,
                    legs=legs,
                )
            )
        return out

    # -- times and stops --------------------------------------------------------------------

    def _at(self, seconds: int, zone: ZoneInfo) -> datetime:
        return (self.tt.origin + timedelta(seconds=seconds)).astimezone(zone)

    def _zone_of_stop(self, stop: int | None) -> ZoneInfo:
        if stop is None:
            return self.area
        return self.zones.get(self.tt.stop_refs[stop].partition(":")[0], self.area)

    def _name(self, stop: int) -> str:
        return self.tt.stop_names[stop] if self.tt.stop_names else ""

    def _call(
        self,
        stop: int,
        arrival: int | None,
        departure: int | None,
        live: tuple[int, int, bool] | None = None,
    ) -> StopCall:
        """A stop with its scheduled times and, for a trip with live data, `live`: the
        real-time arrival, departure and whether the stop is skipped."""
        zone = self._zone_of_stop(stop)
        return StopCall(
            ref=self.tt.stop_refs[stop],
            name=self._name(stop),
            arrival=None if arrival is None else self._at(arrival, zone),
            departure=None if departure is None else self._at(departure, zone),
            realtime_arrival=None if live is None else self._at(live[0], zone),
            realtime_departure=None if live is None else self._at(live[1], zone),
            skipped=live is not None and live[2],
        )

    def _point(self, stop: int) -> tuple[float, float]:
        return (float(self.tt.stop_lat[stop]), float(self.tt.stop_lon[stop]))

    # -- legs -------------------------------------------------------------------------------

    def _leg(self, leg: WalkLeg | TripLeg) -> PlannedLeg:
        if isinstance(leg, WalkLeg):
            return self._walk(leg)
        return self._ride(leg)

    def _walk(self, leg: WalkLeg) -> PlannedLeg:
        zone = self._zone_of_stop(leg.to_stop if leg.to_stop is not None else leg.from_stop)
        origin, destination = self.request.origin, self.request.destination
        start = (
            self._point(leg.from_stop)
            if leg.from_stop is not None
            else _place_point(origin, self.built, leg.to_stop)
        )
        end = (
            self._point(leg.to_stop)
            if leg.to_stop is not None
            else _place_point(destination, self.built, leg.from_stop)
        )
        return PlannedLeg(
            mode="walk",
            from_stop=None if leg.from_stop is None else self._call(leg.from_stop, None, None),
            to_stop=None if leg.to_stop is None else self._call(leg.to_stop, None, None),
            departure=self._at(leg.departure, zone),
            arrival=self._at(leg.arrival, zone),
            geometry=(start, end),
        )

    def _ride(self, leg: TripLeg) -> PlannedLeg:
        tt = self.tt
        info = tt.trips[leg.trip]
        stops, arr, dep = _run_times(tt, leg.trip)
        change = self.view.changes.get(leg.trip)
        live: list[tuple[int, int, bool]] | None = None
        if change is not None:
            _, live_arr, live_dep = _run_times(self.view.timetable, leg.trip)
            skipped = change.skipped if change.skipped is not None else [False] * len(stops)
            live = list(zip(live_arr, live_dep, (bool(x) for x in skipped), strict=True))
        b, a = leg.board_pos, leg.alight_pos

        def call(i: int) -> StopCall:
            return self._call(stops[i], arr[i], dep[i], None if live is None else live[i])

        trip_ref, route_ref = parse_ref(info.trip_ref), parse_ref(info.route_ref)
        zone = self.zones.get(trip_ref.feed_id, self.area)
        details = self.details.get(leg.trip, _TripDetails(None, None, ()))
        path = [self._point(s) for s in stops[b : a + 1]]
        return PlannedLeg(
            mode=mode_of(info.route_type),
            from_stop=call(b),
            to_stop=call(a),
            departure=self._at(leg.departure, zone),
            arrival=self._at(leg.arrival, zone),
            scheduled_departure=self._at(dep[b], zone),
            scheduled_arrival=self._at(arr[a], zone),
            realtime=live is not None,
            feed=trip_ref.feed_id,
            route_id=route_ref.id,
            route_short_name=details.route_short_name,
            trip_id=trip_ref.id,
            headsign=info.headsign or None,
            service_date=info.service_date,
            agency_id=details.agency_id,
            intermediate=tuple(call(i) for i in range(b + 1, a)),
            geometry=_shape_between(details.shape, path) if details.shape else tuple(path),
        )

    # -- GTFS details -----------------------------------------------------------------------

    def _load_details(self, trips: set[int]) -> None:
        """Route short name, agency and shape points of each ridden trip (a few queries)."""
        by_feed: dict[str, dict[str, list[int]]] = {}
        for t in trips:
            ref = parse_ref(self.tt.trips[t].trip_ref)
            by_feed.setdefault(ref.feed_id, {}).setdefault(ref.id, []).append(t)
        repo = GtfsRepository(self.session)
        r_ = _routes_t.c
        for feed, trip_ids in by_feed.items():
            version = self.versions.get(feed)
            if version is None:
                continue
            route_ids = {parse_ref(self.tt.trips[ts[0]].route_ref).id for ts in trip_ids.values()}
            routes: dict[str, Any] = {
                r.route_id: r
                for r in self.session.execute(
                    select(
                        _routes_t.c.route_id, _routes_t.c.route_short_name, _routes_t.c.agency_id
                    ).where(
                        r_.feed_version_id == version.id,
                        ids_in(r_.route_id, sorted(route_ids), self.session),
                    )
                ).all()
            }
            shape_of = {
                r.trip_id: r.shape_id
                for r in self.session.execute(
                    select(_trips_t.c.trip_id, _trips_t.c.shape_id).where(
                        _trips_t.c.feed_version_id == version.id,
                        ids_in(_trips_t.c.trip_id, sorted(trip_ids), self.session),
                    )
                ).all()
            }
            shapes: dict[str, tuple[tuple[float, float], ...]] = {}
            for shape_id in sorted({s for s in shape_of.values() if s}):
                shapes[shape_id] = tuple(repo.shape_points(version.id, shape_id))
            for trip_id, indices in trip_ids.items():
                route = routes.get(parse_ref(self.tt.trips[indices[0]].route_ref).id)
                details = _TripDetails(
                    route_short_name=(route.route_short_name or None) if route else None,
                    agency_id=(route.agency_id or None) if route else None,
                    shape=shapes.get(shape_of.get(trip_id) or "", ()),
                )
                for t in indices:
                    self.details[t] = details


def _run_times(tt: Timetable, trip: int) -> tuple[list[int], list[int], list[int]]:
    """Stops, arrivals and departures of run `trip` in `tt` (it must be in a pattern)."""
    flat = tt.flat
    p = int(flat.trip_pattern[trip])
    row = int(flat.trip_row[trip] - flat.pat_trip_start[p])
    return (
        tt.pattern_stops[p].tolist(),
        tt.pattern_arrivals[p][row].tolist(),
        tt.pattern_departures[p][row].tolist(),
    )


def _place_point(place: Place, built: BuiltTimetable, near_stop: int | None) -> tuple[float, float]:
    """The point of the origin/destination (a stop place: the stop walked from/to)."""
    if isinstance(place, Coordinates):
        return (place.lat, place.lon)
    i = built.stop_index.get(place.ref, near_stop if near_stop is not None else 0)
    tt = built.timetable
    return (float(tt.stop_lat[i]), float(tt.stop_lon[i]))


def _shape_between(
    shape: Sequence[tuple[float, float]], path: Sequence[tuple[float, float]]
) -> tuple[tuple[float, float], ...]:
    """The part of `shape` from the point nearest the first stop of `path` to the point nearest
    its last stop (searched after the first), ends replaced by the stops themselves; `path`
    itself when the shape runs the wrong way."""
    lat = np.array([p[0] for p in shape], dtype=np.float64)
    lon = np.array([p[1] for p in shape], dtype=np.float64)

    def nearest(point: tuple[float, float], start: int) -> int:
        d = haversine_m_array(
            np.full(len(lat) - start, point[0]),
            np.full(len(lat) - start, point[1]),
            lat[start:],
            lon[start:],
        )
        return start + int(np.argmin(d))

    first = nearest(path[0], 0)
    last = nearest(path[-1], first)
    if last <= first:
        return tuple(path)
    inner = [(float(lat[i]), float(lon[i])) for i in range(first, last + 1)]
    return (path[0], *_dedupe(inner, path[0], path[-1]), path[-1])


def _dedupe(
    points: list[tuple[float, float]], start: tuple[float, float], end: tuple[float, float]
) -> list[tuple[float, float]]:
    """Shape points without those within a metre of the stops that replace the ends."""
    return [
        p
        for p in points
        if haversine_m(p[0], p[1], *start) > 1 and haversine_m(p[0], p[1], *end) > 1
    ]
