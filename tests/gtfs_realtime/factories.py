"""Small builders of synthetic GTFS-Realtime feeds, for the edge cases the real snapshot lacks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from google.transit import gtfs_realtime_pb2 as pb

T0 = 1_755_787_503  # the FGC snapshot's header time, 2025-08-21T14:45:03Z


def stop(
    stop_sequence: int | None = None,
    stop_id: str | None = None,
    *,
    arrival_delay: int | None = None,
    arrival_time: int | None = None,
    departure_delay: int | None = None,
    departure_time: int | None = None,
    relationship: str = "SCHEDULED",
) -> dict[str, Any]:
    return {
        "stop_sequence": stop_sequence,
        "stop_id": stop_id,
        "arrival_delay": arrival_delay,
        "arrival_time": arrival_time,
        "departure_delay": departure_delay,
        "departure_time": departure_time,
        "relationship": relationship,
    }


def _event(event: pb.TripUpdate.StopTimeEvent, delay: int | None, time: int | None) -> None:
    if delay is not None:
        event.delay = delay
    if time is not None:
        event.time = time


class FeedBuilder:
    """A FeedMessage built entity by entity; `bytes()` gives the wire format."""

    def __init__(self, timestamp: int | None = T0, incrementality: str = "FULL_DATASET") -> None:
        self.message = pb.FeedMessage()
        self.message.header.gtfs_realtime_version = "2.0"
        self.message.header.incrementality = pb.FeedHeader.Incrementality.Value(incrementality)
        if timestamp is not None:
            self.message.header.timestamp = timestamp

    def trip(
        self,
        trip_id: str | None,
        *,
        entity_id: str | None = None,
        start_date: str | None = "20250821",
        start_time: str | None = None,
        relationship: str = "SCHEDULED",
        timestamp: int | None = None,
        delay: int | None = None,
        vehicle_id: str | None = None,
        stops: Sequence[Mapping[str, Any]] = (),
    ) -> FeedBuilder:
        entity = self.message.entity.add()
        entity.id = entity_id or f"tu-{trip_id}"
        tu = entity.trip_update
        if trip_id is not None:
            tu.trip.trip_id = trip_id
        else:
            tu.trip.route_id = "R1"
        if start_date is not None:
            tu.trip.start_date = start_date
        if start_time is not None:
            tu.trip.start_time = start_time
        tu.trip.schedule_relationship = pb.TripDescriptor.ScheduleRelationship.Value(relationship)
        if timestamp is not None:
            tu.timestamp = timestamp
        if delay is not None:
            tu.delay = delay
        if vehicle_id is not None:
            tu.vehicle.id = vehicle_id
        for s in stops:
            stu = tu.stop_time_update.add()
            if s["stop_sequence"] is not None:
                stu.stop_sequence = s["stop_sequence"]
            if s["stop_id"] is not None:
                stu.stop_id = s["stop_id"]
            if s["arrival_delay"] is not None or s["arrival_time"] is not None:
                _event(stu.arrival, s["arrival_delay"], s["arrival_time"])
            if s["departure_delay"] is not None or s["departure_time"] is not None:
                _event(stu.departure, s["departure_delay"], s["departure_time"])
            stu.schedule_relationship = pb.TripUpdate.StopTimeUpdate.ScheduleRelationship.Value(
                s["relationship"]
            )
        return self

    def vehicle(
        self,
        entity_id: str,
        *,
        trip_id: str | None = "T1",
        vehicle_id: str = "V1",
        latitude: float = 43.7228,
        longitude: float = 10.4017,
        bearing: float | None = 12.3,
        speed: float | None = 8.5,
        stop_id: str | None = "S2",
        occupancy: str | None = "FEW_SEATS_AVAILABLE",
        timestamp: int | None = None,
    ) -> FeedBuilder:
        entity = self.message.entity.add()
        entity.id = entity_id
        vp = entity.vehicle
        if trip_id is not None:
            vp.trip.trip_id = trip_id
            vp.trip.start_date = "20250821"
        vp.vehicle.id = vehicle_id
        vp.vehicle.label = f"Bus {vehicle_id}"
        vp.position.latitude = latitude
        vp.position.longitude = longitude
        if bearing is not None:
            vp.position.bearing = bearing
        if speed is not None:
            vp.position.speed = speed
        if stop_id is not None:
            vp.stop_id = stop_id
            vp.current_status = pb.VehiclePosition.VehicleStopStatus.Value("STOPPED_AT")
            vp.current_stop_sequence = 2
        if occupancy is not None:
            vp.occupancy_status = pb.VehiclePosition.OccupancyStatus.Value(occupancy)
        if timestamp is not None:
            vp.timestamp = timestamp
        return self

    def alert(
        self,
        entity_id: str,
        *,
        cause: str = "STRIKE",
        effect: str = "REDUCED_SERVICE",
        header: Mapping[str, str] = {"it": "Sciopero", "en": "Strike"},
        description: Mapping[str, str] = {"it": "Servizio ridotto"},
        periods: Sequence[tuple[int | None, int | None]] = ((T0, T0 + 3600),),
        route_id: str | None = "R1",
        stop_id: str | None = "S2",
        trip_id: str | None = None,
    ) -> FeedBuilder:
        entity = self.message.entity.add()
        entity.id = entity_id
        alert = entity.alert
        alert.cause = pb.Alert.Cause.Value(cause)
        alert.effect = pb.Alert.Effect.Value(effect)
        for language, text in header.items():
            t = alert.header_text.translation.add()
            t.text, t.language = text, language
        for language, text in description.items():
            t = alert.description_text.translation.add()
            t.text, t.language = text, language
        for start, end in periods:
            p = alert.active_period.add()
            if start is not None:
                p.start = start
            if end is not None:
                p.end = end
        if route_id is not None:
            alert.informed_entity.add(agency_id="A1", route_id=route_id)
        if stop_id is not None:
            alert.informed_entity.add(stop_id=stop_id)
        if trip_id is not None:
            selector = alert.informed_entity.add()
            selector.trip.trip_id = trip_id
        return self

    def deleted(self, entity_id: str) -> FeedBuilder:
        entity = self.message.entity.add()
        entity.id = entity_id
        entity.is_deleted = True
        return self

    def bytes(self) -> bytes:
        return self.message.SerializeToString()
