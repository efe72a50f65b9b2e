"""GTFS endpoints: feeds, stops, routes, trips and departures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response

from gtfs import service
from gtfs.errors import (
    FeedNotFound,
    InvalidReference,
    InvalidTimeWindow,
    StopNotFound,
    TripNotFound,
)
from gtfs.realtime.departures import RealtimeDepartures
from gtfs.refs import parse_ref
from gtfs.repository import GtfsRepository
from gtfs.schedule.fields import FieldError, parse_time
from gtfs.schemas import DeparturesOut, FeedOut, RouteOut, StopDetail, StopOut, TripOut
from gtfs.service_days import seconds_since_service_start
from mobility.deps import RedisDep, SessionDep
from mobility.errors import BadRequest
from mobility.problems import model_response, problem_responses
from mobility.settings import get_settings

router = APIRouter(tags=["transit data"])


class InvalidCoordinates(BadRequest):
    type_slug = "invalid-coordinates"
    title = "Coordinates must be LAT,LON in degrees"


class MissingStopQuery(BadRequest):
    type_slug = "missing-stop-query"
    title = "Give near=LAT,LON or q=NAME"


def _parse_lat_lon(text: str) -> tuple[float, float]:
    try:
        lat_s, lon_s = text.split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise InvalidCoordinates(f"'{text}' is not LAT,LON") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidCoordinates(f"'{text}' is outside [-90, 90] x [-180, 180]")
    return lat, lon


def _parse_clock(text: str, name: str) -> int:
    try:
        return parse_time(text if text.count(":") == 2 else text + ":00")
    except FieldError:
        raise InvalidTimeWindow(f"{name}='{text}' is not HH:MM:SS (hours may exceed 23)") from None


@router.get("/feeds", response_model=list[FeedOut])
def list_feeds(session: SessionDep) -> list[FeedOut]:
    """Imported feeds, their versions, row counts and service date ranges."""
    return service.list_feeds(session)


@router.get(
    "/stops",
    response_model=list[StopOut],
    responses=problem_responses(InvalidCoordinates, MissingStopQuery),
)
def list_stops(
    session: SessionDep,
    near: Annotated[str | None, Query(description="LAT,LON", examples=["43.88,11.09"])] = None,
    radius_m: Annotated[float, Query(gt=0, le=50_000)] = 500,
    q: Annotated[
        str | None, Query(min_length=2, max_length=100, description="Name contains")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[StopOut]:
    """Stops near a point (nearest first) or whose name contains `q`, across all feeds."""
    if near is not None:
        lat, lon = _parse_lat_lon(near)
        return service.stops_near(session, lat, lon, radius_m, limit)
    if q is not None:
        return service.stops_by_name(session, q, limit, offset)
    raise MissingStopQuery("give near=LAT,LON (with radius_m) or q=NAME")


@router.get(
    "/stops/{ref}",
    response_model=StopDetail,
    responses=problem_responses(InvalidReference, FeedNotFound, StopNotFound),
)
def get_stop(ref: str, session: SessionDep) -> StopDetail:
    """One stop by FEED:STOP_ID, with its parent station, child stops and routes."""
    return service.stop_detail(session, parse_ref(ref))


@router.get(
    "/stops/{ref}/departures",
    response_model=DeparturesOut,
    responses=problem_responses(InvalidReference, FeedNotFound, StopNotFound, InvalidTimeWindow),
)
def stop_departures(
    ref: str,
    session: SessionDep,
    redis: RedisDep,
    date_: Annotated[
        date | None, Query(alias="date", description="YYYY-MM-DD, default today")
    ] = None,
    from_: Annotated[str | None, Query(alias="from", description="HH:MM:SS, default now")] = None,
    to: Annotated[str | None, Query(description="HH:MM:SS, default from + 1 h")] = None,
) -> Response:
    """Every departure at the stop (and its platforms) in the window, with real-time times."""
    stop_ref = parse_ref(ref)
    # "Now" is the feed's clock: its zone, and GTFS seconds from noon minus 12 h of the day.
    version = GtfsRepository(session).served_version(stop_ref.feed_id)
    tz = ZoneInfo(version.timezone or get_settings().timezone)
    now = datetime.now(tz)
    day = date_ or now.date()
    if from_:
        start = _parse_clock(from_, "from")
    elif day == now.date():
        start = seconds_since_service_start(now, day, tz)
    else:  # another day: the same clock time there
        start = now.hour * 3600 + now.minute * 60
    end = _parse_clock(to, "to") if to else start + 3600
    realtime = RealtimeDepartures(session, redis)
    return model_response(
        service.departures(session, stop_ref, day, start, end, realtime, version=version)
    )


@router.get("/routes", response_model=list[RouteOut], responses=problem_responses(FeedNotFound))
def list_routes(
    session: SessionDep,
    feed: str | None = None,
    route_type: Annotated[int | None, Query(alias="type", ge=0)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[RouteOut]:
    """Routes of every feed (or one), optionally of one GTFS route_type."""
    return service.list_routes(session, feed, route_type, limit, offset)


@router.get(
    "/trips/{ref}",
    response_model=TripOut,
    responses=problem_responses(InvalidReference, FeedNotFound, TripNotFound),
)
def get_trip(ref: str, session: SessionDep) -> TripOut:
    """One trip by FEED:TRIP_ID, with its stop times, frequencies and shape as GeoJSON."""
    return service.trip_detail(session, parse_ref(ref))
