"""GTFS read operations: repository rows in, API shapes out."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Row
from sqlalchemy.orm import Session

from gtfs.departures import DeparturesQuery, RealtimeApplier
from gtfs.models import FeedVersion
from gtfs.modes import mode_of
from gtfs.refs import Ref, make_ref
from gtfs.repository import GtfsRepository, ServedVersion
from gtfs.schedule.fields import format_time
from gtfs.schemas import (
    DeparturesOut,
    FeedOut,
    FeedVersionOut,
    GeoJsonLineString,
    RouteOut,
    StopDetail,
    StopOut,
    StopTimeOut,
    TripOut,
)
from gtfs.service_days import local_datetime
from gtfs.version_cache import version_cache


def version_out(v: FeedVersion) -> FeedVersionOut:
    return FeedVersionOut(
        id=v.id,
        status=v.status.value,
        imported_at=v.imported_at,
        activated_at=v.activated_at,
        sha256=v.sha256,
        timezone=v.timezone,
        service_start=v.service_start,
        service_end=v.service_end,
        row_counts=json.loads(v.row_counts or "{}"),
        validation=json.loads(v.notices or "{}"),
    )


def list_feeds(session: Session) -> list[FeedOut]:
    out = []
    for feed, versions in GtfsRepository(session).feeds():
        current = next((v for v in versions if v.status.value == "current"), None)
        out.append(
            FeedOut(
                id=feed.id,
                name=feed.name,
                current_version=version_out(current) if current else None,
                versions=[version_out(v) for v in versions],
            )
        )
    return out


def stop_out(feed_id: str, row: Row[Any], distance_m: float | None = None) -> StopOut:
    return StopOut(
        ref=make_ref(feed_id, row.stop_id),
        feed=feed_id,
        id=row.stop_id,
        code=row.stop_code,
        name=row.stop_name,
        lat=row.stop_lat,
        lon=row.stop_lon,
        location_type=row.location_type or 0,
        parent_ref=make_ref(feed_id, row.parent_station) if row.parent_station else None,
        zone_id=row.zone_id,
        wheelchair_boarding=row.wheelchair_boarding,
        platform_code=row.platform_code,
        distance_m=None if distance_m is None else round(distance_m, 1),
    )


def route_out(feed_id: str, row: Row[Any]) -> RouteOut:
    return RouteOut(
        ref=make_ref(feed_id, row.route_id),
        feed=feed_id,
        id=row.route_id,
        agency_id=row.agency_id,
        short_name=row.route_short_name,
        long_name=row.route_long_name,
        type=row.route_type,
        mode=mode_of(row.route_type),
        color=row.route_color,
        text_color=row.route_text_color,
        network_id=row.network_id,
    )


def stops_near(
    session: Session, lat: float, lon: float, radius_m: float, limit: int
) -> list[StopOut]:
    hits = GtfsRepository(session).stops_near(lat, lon, radius_m, limit)
    return [stop_out(feed, row, d) for feed, row, d in hits]


def stops_by_name(session: Session, query: str, limit: int, offset: int) -> list[StopOut]:
    return [stop_out(f, r) for f, r in GtfsRepository(session).stops_by_name(query, limit, offset)]


def stop_detail(session: Session, ref: Ref) -> StopDetail:
    repo = GtfsRepository(session)
    version = repo.current_version(ref.feed_id)
    row = repo.stop(version.id, ref.id)
    children = repo.child_stops(version.id, [row.stop_id])
    parent = repo.stop(version.id, row.parent_station) if row.parent_station else None
    routes = repo.routes_at_stops(version.id, [row.stop_id, *(c.stop_id for c in children)])
    return StopDetail(
        **stop_out(ref.feed_id, row).model_dump(),
        parent=stop_out(ref.feed_id, parent) if parent is not None else None,
        children=[stop_out(ref.feed_id, c) for c in children],
        routes=[route_out(ref.feed_id, r) for r in routes],
    )


def list_routes(
    session: Session, feed_id: str | None, route_type: int | None, limit: int, offset: int
) -> list[RouteOut]:
    rows = GtfsRepository(session).routes(feed_id, route_type, limit, offset)
    return [route_out(f, r) for f, r in rows]


def trip_detail(session: Session, ref: Ref) -> TripOut:
    repo = GtfsRepository(session)
    version = repo.current_version(ref.feed_id)
    trip = repo.trip(version.id, ref.id)
    route = repo.route(version.id, trip.route_id)
    stop_times = repo.trip_stop_times(version.id, ref.id)
    points = repo.shape_points(version.id, trip.shape_id) if trip.shape_id else []
    source = "shapes.txt"
    if not points:
        # No shape: straight lines between the stops, in order.
        points = [(s.stop_lat, s.stop_lon) for s in stop_times if s.stop_lat is not None]
        source = "stops"
    return TripOut(
        ref=str(ref),
        feed=ref.feed_id,
        id=trip.trip_id,
        route=route_out(ref.feed_id, route) if route is not None else None,
        service_id=trip.service_id,
        headsign=trip.trip_headsign,
        short_name=trip.trip_short_name,
        direction_id=trip.direction_id,
        block_id=trip.block_id,
        wheelchair_accessible=trip.wheelchair_accessible,
        bikes_allowed=trip.bikes_allowed,
        shape_ref=make_ref(ref.feed_id, trip.shape_id) if trip.shape_id else None,
        shape_source=source,
        stop_times=[
            StopTimeOut(
                stop_ref=make_ref(ref.feed_id, s.stop_id) if s.stop_id else None,
                stop_name=s.stop_name,
                stop_sequence=s.stop_sequence,
                arrival_time=format_time(s.arrival_time),
                departure_time=format_time(s.departure_time),
                stop_headsign=s.stop_headsign,
                pickup_type=s.pickup_type,
                drop_off_type=s.drop_off_type,
                shape_dist_traveled=s.shape_dist_traveled,
                timepoint=s.timepoint,
            )
            for s in stop_times
        ],
        frequencies=[
            {
                "start_time": format_time(f.start_time),
                "end_time": format_time(f.end_time),
                "headway_secs": f.headway_secs,
                "exact_times": f.exact_times or 0,
            }
            for f in repo.frequencies(version.id, [trip.trip_id])
        ],
        geometry=GeoJsonLineString(coordinates=[(lon, lat) for lat, lon in points]),
    )


def departures(
    session: Session,
    ref: Ref,
    day: date,
    start_s: int,
    end_s: int,
    realtime: RealtimeApplier | None = None,
    version: ServedVersion | None = None,
) -> DeparturesOut:
    """Departures at the stop; `version` is the feed's current one if the caller has it."""
    repo = GtfsRepository(session)
    version = version or repo.served_version(ref.feed_id)
    stop = version_cache.get(("stop", version.id, ref.id), lambda: repo.stop(version.id, ref.id))
    tz_name = version.timezone or "Europe/Rome"
    tz = ZoneInfo(tz_name)
    found = DeparturesQuery(session).run(version, stop, day, start_s, end_s, realtime)
    # One validation of plain dicts in pydantic-core: building ~100 models one by one costs
    # more than the query.
    return DeparturesOut.model_validate(
        {
            "stop": stop_out(ref.feed_id, stop),
            "date": day,
            "timezone": tz_name,
            "window_from": local_datetime(day, start_s, tz),
            "window_to": local_datetime(day, end_s, tz),
            "departures": [
                {
                    "trip_ref": make_ref(d.feed_id, d.trip_id),
                    "route_ref": make_ref(d.feed_id, d.route_id),
                    "route_short_name": d.route_short_name,
                    "route_long_name": d.route_long_name,
                    "mode": d.mode,
                    "route_color": d.route_color,
                    "headsign": d.headsign,
                    "stop_ref": make_ref(d.feed_id, d.stop_id),
                    "stop_sequence": d.stop_sequence,
                    "service_date": d.service_date,
                    "scheduled_departure": d.scheduled_departure,
                    "scheduled_arrival": d.scheduled_arrival,
                    "realtime_departure": d.realtime_departure,
                    "realtime_arrival": d.realtime_arrival,
                    "delay_s": d.delay_s,
                    "status": d.status,
                    "frequency_based": d.frequency_based,
                }
                for d in found
            ],
        }
    )
