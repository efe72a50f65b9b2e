"""Decode GTFS-Realtime protobuf into the records of `records.py`; pure (no I/O, no clock).

A payload that is not a FeedMessage raises `CorruptRealtimeFeed`. A single entity we cannot use
(a TripUpdate without trip_id, a malformed start_date) is set aside in `ParsedFeed.rejected`
with its reason, so one bad entity never costs the rest of the feed.

Service dates: a TripUpdate is keyed by (trip_id, start_date). When the descriptor has no
start_date we derive it from the entity timestamp, else the header timestamp, else the time of
receipt, read in the feed's time zone; see `derive_service_date` for the after-midnight rule.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from google.protobuf.message import DecodeError
from google.transit import gtfs_realtime_pb2 as pb

from gtfs.realtime.errors import CorruptRealtimeFeed, InvalidRealtimeRequest
from gtfs.realtime.records import (
    ActivePeriod,
    Alert,
    FeedHeader,
    InformedEntity,
    ParsedFeed,
    RejectedEntity,
    StopRelationship,
    StopTimeEvent,
    StopTimeUpdate,
    Translation,
    TripDescriptor,
    TripRelationship,
    TripUpdate,
    VehicleDescriptor,
    VehiclePosition,
)

# Some producers publish milliseconds; unfixed, one such feed would outrank every later one.
_MILLIS_THRESHOLD = 100_000_000_000  # year 5138 read as seconds, 1973 read as milliseconds
_GTFS_TIME = re.compile(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$")
_HALF_DAY_S = 12 * 3600


class _Reject(Exception):
    """An entity-level problem: the entity is skipped, the feed goes on."""


def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`, or `InvalidRealtimeRequest` if it does not exist."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidRealtimeRequest(f"unknown time zone {name!r}") from exc


def parse_feed(data: bytes, *, timezone: str, received_at: int) -> ParsedFeed:
    """Decode `data`; `timezone` and `received_at` only serve to derive missing start dates."""
    if not data:
        raise CorruptRealtimeFeed("the GTFS-Realtime payload is empty")
    message = pb.FeedMessage()
    try:
        message.ParseFromString(data)
    except (DecodeError, RuntimeError) as exc:
        raise CorruptRealtimeFeed(
            f"{len(data)} bytes that are not a GTFS-Realtime FeedMessage ({exc})"
        ) from exc
    if not message.HasField("header"):
        raise CorruptRealtimeFeed("the FeedMessage has no header (is this a GTFS-Realtime feed?)")
    tz = zone(timezone)
    h = message.header
    header = FeedHeader(
        gtfs_realtime_version=h.gtfs_realtime_version,
        incrementality=pb.FeedHeader.Incrementality.Name(h.incrementality),
        timestamp=posix(h.timestamp) if h.HasField("timestamp") and h.timestamp else None,
    )
    fallback_ts = header.timestamp or received_at
    trips: list[TripUpdate] = []
    vehicles: list[VehiclePosition] = []
    alerts: list[Alert] = []
    deleted: list[str] = []
    rejected: list[RejectedEntity] = []
    unsupported = 0
    for entity in message.entity:
        if entity.is_deleted:
            deleted.append(entity.id)
            continue
        try:
            if entity.HasField("trip_update"):
                trips.append(_trip_update(entity.id, entity.trip_update, tz, fallback_ts))
            elif entity.HasField("vehicle"):
                vehicles.append(_vehicle_position(entity.id, entity.vehicle))
            elif entity.HasField("alert"):
                alerts.append(_alert(entity.id, entity.alert))
            else:
                unsupported += 1
        except _Reject as exc:
            rejected.append(RejectedEntity(entity.id, str(exc)))
    return ParsedFeed(
        header=header,
        trip_updates=tuple(trips),
        vehicle_positions=tuple(vehicles),
        alerts=tuple(alerts),
        deleted_entity_ids=tuple(deleted),
        rejected=tuple(rejected),
        unsupported=unsupported,
    )


def posix(value: int) -> int:
    """POSIX seconds, repairing a millisecond value."""
    return value // 1000 if value >= _MILLIS_THRESHOLD else value


def parse_gtfs_time(text: str) -> int:
    """GTFS 'H:MM:SS' (hours may pass 24) as seconds since the service day's origin."""
    match = _GTFS_TIME.match(text)
    if not match:
        raise ValueError(f"not a GTFS time: {text!r}")
    hours, minutes, seconds = (int(g) for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def derive_service_date(start_time: str | None, at: int, tz: ZoneInfo) -> date:
    """The service date of a trip seen at POSIX time `at`, when the feed did not say.

    The local calendar date of `at`, moved back a day when the trip's start_time lies more than
    12 h after the local time of day (a 23:50 or 25:10 trip seen at 00:20 started yesterday),
    forward a day when it lies more than 12 h before it (a 00:10 trip announced at 23:55).
    """
    local = datetime.fromtimestamp(at, tz)
    day = local.date()
    if start_time:
        try:
            start_s = parse_gtfs_time(start_time)
        except ValueError:
            return day
        now_s = local.hour * 3600 + local.minute * 60 + local.second
        if start_s - now_s > _HALF_DAY_S:
            return day - timedelta(days=1)
        if now_s - start_s > _HALF_DAY_S:
            return day + timedelta(days=1)
    return day


def _opt(message: object, name: str) -> object | None:
    return getattr(message, name) if message.HasField(name) else None  # type: ignore[attr-defined]


def _trip_descriptor(d: pb.TripDescriptor) -> TripDescriptor:
    start_date: date | None = None
    if d.HasField("start_date") and d.start_date:
        try:
            start_date = datetime.strptime(d.start_date, "%Y%m%d").date()
        except ValueError as exc:
            raise _Reject(f"start_date {d.start_date!r} is not YYYYMMDD") from exc
    return TripDescriptor(
        trip_id=d.trip_id or None,
        route_id=d.route_id or None,
        direction_id=d.direction_id if d.HasField("direction_id") else None,
        start_time=d.start_time or None,
        start_date=start_date,
        schedule_relationship=TripRelationship(
            pb.TripDescriptor.ScheduleRelationship.Name(d.schedule_relationship)
        ),
    )


def _vehicle_descriptor(v: pb.VehicleDescriptor) -> VehicleDescriptor:
    return VehicleDescriptor(
        id=v.id or None, label=v.label or None, license_plate=v.license_plate or None
    )


def _event(e: pb.TripUpdate.StopTimeEvent) -> StopTimeEvent:
    return StopTimeEvent(
        delay=e.delay if e.HasField("delay") else None,
        time=posix(e.time) if e.HasField("time") and e.time else None,
        uncertainty=e.uncertainty if e.HasField("uncertainty") else None,
    )


def _stop_time_update(u: pb.TripUpdate.StopTimeUpdate) -> StopTimeUpdate:
    return StopTimeUpdate(
        stop_sequence=u.stop_sequence if u.HasField("stop_sequence") else None,
        stop_id=u.stop_id or None,
        arrival=_event(u.arrival) if u.HasField("arrival") else None,
        departure=_event(u.departure) if u.HasField("departure") else None,
        schedule_relationship=StopRelationship(
            pb.TripUpdate.StopTimeUpdate.ScheduleRelationship.Name(u.schedule_relationship)
        ),
    )


def _trip_update(entity_id: str, tu: pb.TripUpdate, tz: ZoneInfo, fallback_ts: int) -> TripUpdate:
    trip = _trip_descriptor(tu.trip)
    if not trip.trip_id:
        # Matching by route_id/direction_id/start_time needs the static feed; not done here.
        raise _Reject("trip_update without trip_id")
    timestamp = posix(tu.timestamp) if tu.HasField("timestamp") and tu.timestamp else None
    service_date = trip.start_date or derive_service_date(
        trip.start_time, timestamp or fallback_ts, tz
    )
    return TripUpdate(
        entity_id=entity_id,
        trip_id=trip.trip_id,
        service_date=service_date,
        service_date_derived=trip.start_date is None,
        trip=trip,
        vehicle=_vehicle_descriptor(tu.vehicle) if tu.HasField("vehicle") else None,
        timestamp=timestamp,
        delay=tu.delay if tu.HasField("delay") else None,
        stop_time_updates=tuple(_stop_time_update(u) for u in tu.stop_time_update),
    )


def _rounded(message: object, name: str, digits: int) -> float | None:
    # float32 on the wire (~7 significant digits): round away the binary noise
    # (12.300000190734863); 6 decimals of a degree is 0.1 m, the precision float32 has there.
    value = _opt(message, name)
    return round(float(value), digits) if value is not None else None  # type: ignore[arg-type]


def _enum_name(message: object, name: str, enum: object) -> str | None:
    value = _opt(message, name)
    return enum.Name(value) if value is not None else None  # type: ignore[attr-defined]


def _vehicle_position(entity_id: str, v: pb.VehiclePosition) -> VehiclePosition:
    p = v.position if v.HasField("position") else None
    return VehiclePosition(
        entity_id=entity_id,
        trip=_trip_descriptor(v.trip) if v.HasField("trip") else None,
        vehicle=_vehicle_descriptor(v.vehicle) if v.HasField("vehicle") else None,
        latitude=_rounded(p, "latitude", 6) if p is not None else None,
        longitude=_rounded(p, "longitude", 6) if p is not None else None,
        bearing=_rounded(p, "bearing", 2) if p is not None else None,
        speed=_rounded(p, "speed", 3) if p is not None else None,
        odometer=_rounded(p, "odometer", 1) if p is not None else None,
        current_stop_sequence=v.current_stop_sequence
        if v.HasField("current_stop_sequence")
        else None,
        stop_id=v.stop_id or None,
        current_status=_enum_name(v, "current_status", pb.VehiclePosition.VehicleStopStatus),
        congestion_level=_enum_name(v, "congestion_level", pb.VehiclePosition.CongestionLevel),
        occupancy_status=_enum_name(v, "occupancy_status", pb.VehiclePosition.OccupancyStatus),
        occupancy_percentage=v.occupancy_percentage if v.HasField("occupancy_percentage") else None,
        timestamp=posix(v.timestamp) if v.HasField("timestamp") and v.timestamp else None,
    )


def _translations(s: pb.TranslatedString) -> tuple[Translation, ...]:
    return tuple(Translation(text=t.text, language=t.language or None) for t in s.translation)


def _alert(entity_id: str, a: pb.Alert) -> Alert:
    return Alert(
        entity_id=entity_id,
        cause=pb.Alert.Cause.Name(a.cause),
        effect=pb.Alert.Effect.Name(a.effect),
        severity_level=pb.Alert.SeverityLevel.Name(a.severity_level),
        active_periods=tuple(
            ActivePeriod(
                start=posix(p.start) if p.HasField("start") and p.start else None,
                end=posix(p.end) if p.HasField("end") and p.end else None,
            )
            for p in a.active_period
        ),
        informed_entities=tuple(
            InformedEntity(
                agency_id=e.agency_id or None,
                route_id=e.route_id or None,
                route_type=e.route_type if e.HasField("route_type") else None,
                direction_id=e.direction_id if e.HasField("direction_id") else None,
                trip=_trip_descriptor(e.trip) if e.HasField("trip") else None,
                stop_id=e.stop_id or None,
            )
            for e in a.informed_entity
        ),
        header_text=_translations(a.header_text),
        description_text=_translations(a.description_text),
        url=_translations(a.url),
    )
