"""Records to table rows (plain dicts for executemany) and back; pure."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gtfs.realtime.records import (
    Alert,
    Stamped,
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


def utc(ts: int | None) -> datetime | None:
    return datetime.fromtimestamp(ts, UTC) if ts is not None else None


def posix(at: datetime | None) -> int | None:
    return int(at.timestamp()) if at is not None else None


def _versioned(feed_id: str, item: Stamped[Any], ingested_at: datetime) -> dict[str, Any]:
    return {
        "feed_id": feed_id,
        "entity_id": item.record.entity_id,
        "observed_at": utc(item.observed_at),
        "feed_timestamp": utc(item.feed_timestamp),
        "ingested_at": ingested_at,
    }


def trip_update_row(
    feed_id: str, item: Stamped[TripUpdate], ingested_at: datetime
) -> dict[str, Any]:
    tu = item.record
    vehicle = tu.vehicle or VehicleDescriptor()
    return _versioned(feed_id, item, ingested_at) | {
        "trip_id": tu.trip_id,
        "start_date": tu.service_date,
        "start_date_derived": tu.service_date_derived,
        "route_id": tu.trip.route_id,
        "direction_id": tu.trip.direction_id,
        "start_time": tu.trip.start_time,
        "schedule_relationship": tu.trip.schedule_relationship.value,
        "vehicle_id": vehicle.id,
        "vehicle_label": vehicle.label,
        "vehicle_license_plate": vehicle.license_plate,
        "delay": tu.delay,
        "timestamp": utc(tu.timestamp),
    }


def stop_time_rows(feed_id: str, trip_update_id: int, tu: TripUpdate) -> list[dict[str, Any]]:
    rows = []
    for position, stu in enumerate(tu.stop_time_updates):
        arrival = stu.arrival or StopTimeEvent()
        departure = stu.departure or StopTimeEvent()
        rows.append(
            {
                "trip_update_id": trip_update_id,
                "feed_id": feed_id,
                "position": position,
                "stop_sequence": stu.stop_sequence,
                "stop_id": stu.stop_id,
                "schedule_relationship": stu.schedule_relationship.value,
                "arrival_delay": arrival.delay,
                "arrival_time": utc(arrival.time),
                "arrival_uncertainty": arrival.uncertainty,
                "departure_delay": departure.delay,
                "departure_time": utc(departure.time),
                "departure_uncertainty": departure.uncertainty,
            }
        )
    return rows


def _event(delay: int | None, at: datetime | None, uncertainty: int | None) -> StopTimeEvent | None:
    if delay is None and at is None and uncertainty is None:
        return None
    return StopTimeEvent(delay=delay, time=posix(at), uncertainty=uncertainty)


def trip_update_from_rows(parent: Any, children: list[Any]) -> TripUpdate:
    """The TripUpdate stored in a gtfs_rt_trip_updates row and its stop time update rows."""
    vehicle = VehicleDescriptor(
        parent.vehicle_id, parent.vehicle_label, parent.vehicle_license_plate
    )
    return TripUpdate(
        entity_id=parent.entity_id,
        trip_id=parent.trip_id,
        service_date=parent.start_date,
        service_date_derived=parent.start_date_derived,
        trip=TripDescriptor(
            trip_id=parent.trip_id,
            route_id=parent.route_id,
            direction_id=parent.direction_id,
            start_time=parent.start_time,
            start_date=None if parent.start_date_derived else parent.start_date,
            schedule_relationship=TripRelationship(parent.schedule_relationship),
        ),
        vehicle=vehicle if vehicle != VehicleDescriptor() else None,
        timestamp=posix(parent.timestamp),
        delay=parent.delay,
        stop_time_updates=tuple(
            StopTimeUpdate(
                stop_sequence=c.stop_sequence,
                stop_id=c.stop_id,
                arrival=_event(c.arrival_delay, c.arrival_time, c.arrival_uncertainty),
                departure=_event(c.departure_delay, c.departure_time, c.departure_uncertainty),
                schedule_relationship=StopRelationship(c.schedule_relationship),
            )
            for c in children
        ),
    )


def vehicle_position_row(
    feed_id: str, item: Stamped[VehiclePosition], ingested_at: datetime
) -> dict[str, Any]:
    vp = item.record
    trip = vp.trip or TripDescriptor()
    vehicle = vp.vehicle or VehicleDescriptor()
    return _versioned(feed_id, item, ingested_at) | {
        "trip_id": trip.trip_id,
        "route_id": trip.route_id,
        "direction_id": trip.direction_id,
        "start_date": trip.start_date,
        "start_time": trip.start_time,
        "trip_schedule_relationship": trip.schedule_relationship.value if vp.trip else None,
        "vehicle_id": vehicle.id,
        "vehicle_label": vehicle.label,
        "vehicle_license_plate": vehicle.license_plate,
        "latitude": vp.latitude,
        "longitude": vp.longitude,
        "bearing": vp.bearing,
        "speed": vp.speed,
        "odometer": vp.odometer,
        "current_stop_sequence": vp.current_stop_sequence,
        "stop_id": vp.stop_id,
        "current_status": vp.current_status,
        "congestion_level": vp.congestion_level,
        "occupancy_status": vp.occupancy_status,
        "occupancy_percentage": vp.occupancy_percentage,
        "timestamp": utc(vp.timestamp),
    }


def _translations(items: tuple[Translation, ...]) -> list[dict[str, Any]]:
    return [{"text": t.text, "language": t.language} for t in items]


def alert_row(feed_id: str, item: Stamped[Alert], ingested_at: datetime) -> dict[str, Any]:
    alert = item.record
    return _versioned(feed_id, item, ingested_at) | {
        "cause": alert.cause,
        "effect": alert.effect,
        "severity_level": alert.severity_level,
        "header_text": _translations(alert.header_text),
        "description_text": _translations(alert.description_text),
        "url": _translations(alert.url),
    }


def alert_children(
    feed_id: str, alert_id: int, alert: Alert
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows of gtfs_rt_alert_active_periods and gtfs_rt_alert_informed_entities."""
    periods = [
        {"alert_id": alert_id, "feed_id": feed_id, "starts_at": utc(p.start), "ends_at": utc(p.end)}
        for p in alert.active_periods
    ]
    entities = []
    for e in alert.informed_entities:
        trip = e.trip or TripDescriptor()
        entities.append(
            {
                "alert_id": alert_id,
                "feed_id": feed_id,
                "agency_id": e.agency_id,
                # A trip selector's own route_id is not copied: it names the trip, not the route.
                "route_id": e.route_id,
                "route_type": e.route_type,
                "direction_id": e.direction_id,
                "trip_id": trip.trip_id,
                "trip_start_date": trip.start_date,
                "stop_id": e.stop_id,
            }
        )
    return periods, entities
