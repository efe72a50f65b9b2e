"""What the GTFS endpoints return."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class FeedVersionOut(BaseModel):
    id: int
    status: str
    imported_at: datetime
    activated_at: datetime | None
    sha256: str
    timezone: str
    service_start: date | None
    service_end: date | None
    row_counts: dict[str, int]
    validation: dict[str, Any]


class FeedOut(BaseModel):
    id: str
    name: str
    current_version: FeedVersionOut | None
    versions: list[FeedVersionOut]


class StopOut(BaseModel):
    ref: str = Field(description="FEED:STOP_ID")
    feed: str
    id: str
    code: str | None = None
    name: str | None = None
    lat: float | None = None
    lon: float | None = None
    location_type: int = 0
    parent_ref: str | None = None
    zone_id: str | None = None
    wheelchair_boarding: int | None = None
    platform_code: str | None = None
    distance_m: float | None = None


class RouteOut(BaseModel):
    ref: str
    feed: str
    id: str
    agency_id: str | None = None
    short_name: str | None = None
    long_name: str | None = None
    type: int
    mode: str
    color: str | None = None
    text_color: str | None = None
    network_id: str | None = None


class StopDetail(StopOut):
    parent: StopOut | None = None
    children: list[StopOut] = []
    routes: list[RouteOut] = []


class StopTimeOut(BaseModel):
    stop_ref: str | None
    stop_name: str | None
    stop_sequence: int
    arrival_time: str | None = Field(None, description="GTFS time, may exceed 24:00:00")
    departure_time: str | None = None
    stop_headsign: str | None = None
    pickup_type: int | None = None
    drop_off_type: int | None = None
    shape_dist_traveled: float | None = None
    timepoint: int | None = None


class GeoJsonLineString(BaseModel):
    type: str = "LineString"
    coordinates: list[tuple[float, float]] = Field(description="[lon, lat] pairs")


class TripOut(BaseModel):
    ref: str
    feed: str
    id: str
    route: RouteOut | None
    service_id: str
    headsign: str | None
    short_name: str | None
    direction_id: int | None
    block_id: str | None
    wheelchair_accessible: int | None
    bikes_allowed: int | None
    shape_ref: str | None
    shape_source: str = Field(description="shapes.txt, or stops when the trip has no shape")
    stop_times: list[StopTimeOut]
    frequencies: list[dict[str, Any]] = []
    geometry: GeoJsonLineString


class DepartureOut(BaseModel):
    trip_ref: str
    route_ref: str
    route_short_name: str | None
    route_long_name: str | None
    mode: str
    route_color: str | None
    headsign: str | None
    stop_ref: str
    stop_sequence: int
    service_date: date
    scheduled_departure: datetime
    scheduled_arrival: datetime | None
    realtime_departure: datetime | None
    realtime_arrival: datetime | None
    delay_s: int | None
    status: str = Field(description="scheduled | canceled | skipped")
    frequency_based: bool


class DeparturesOut(BaseModel):
    stop: StopOut
    date: date
    timezone: str
    window_from: datetime
    window_to: datetime
    departures: list[DepartureOut]
