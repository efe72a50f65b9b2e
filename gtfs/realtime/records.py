"""The typed, immutable records a GTFS-Realtime feed decodes into.

Times are POSIX seconds as in the spec (``int``); service dates are ``datetime.date``. Every
optional protobuf field becomes ``None`` when absent, so "not given" and "zero" stay distinct.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Generic, TypeVar

R = TypeVar("R")


class TripRelationship(StrEnum):
    """TripDescriptor.ScheduleRelationship, by its protobuf name."""

    SCHEDULED = "SCHEDULED"
    ADDED = "ADDED"
    UNSCHEDULED = "UNSCHEDULED"
    CANCELED = "CANCELED"
    REPLACEMENT = "REPLACEMENT"
    DUPLICATED = "DUPLICATED"
    DELETED = "DELETED"
    NEW = "NEW"


class StopRelationship(StrEnum):
    """TripUpdate.StopTimeUpdate.ScheduleRelationship, by its protobuf name."""

    SCHEDULED = "SCHEDULED"
    SKIPPED = "SKIPPED"
    NO_DATA = "NO_DATA"
    UNSCHEDULED = "UNSCHEDULED"


# Riders see these trips as not running: DELETED is CANCELED without the "cancelled" notice.
NOT_RUNNING = frozenset({TripRelationship.CANCELED, TripRelationship.DELETED})


@dataclass(frozen=True, slots=True)
class StopTimeEvent:
    delay: int | None = None
    time: int | None = None
    uncertainty: int | None = None


@dataclass(frozen=True, slots=True)
class StopTimeUpdate:
    stop_sequence: int | None = None
    stop_id: str | None = None
    arrival: StopTimeEvent | None = None
    departure: StopTimeEvent | None = None
    schedule_relationship: StopRelationship = StopRelationship.SCHEDULED


@dataclass(frozen=True, slots=True)
class TripDescriptor:
    trip_id: str | None = None
    route_id: str | None = None
    direction_id: int | None = None
    start_time: str | None = None
    start_date: date | None = None
    schedule_relationship: TripRelationship = TripRelationship.SCHEDULED


@dataclass(frozen=True, slots=True)
class VehicleDescriptor:
    id: str | None = None
    label: str | None = None
    license_plate: str | None = None


@dataclass(frozen=True, slots=True)
class TripUpdate:
    """The latest real-time state of one trip on one service date."""

    entity_id: str
    trip_id: str
    service_date: date  # the descriptor's start_date, or derived (see parse.derive_service_date)
    service_date_derived: bool
    trip: TripDescriptor
    vehicle: VehicleDescriptor | None = None
    timestamp: int | None = None
    delay: int | None = None
    stop_time_updates: tuple[StopTimeUpdate, ...] = ()

    @property
    def key(self) -> tuple[str, date]:
        return (self.trip_id, self.service_date)

    @property
    def schedule_relationship(self) -> TripRelationship:
        return self.trip.schedule_relationship

    @property
    def canceled(self) -> bool:
        return self.trip.schedule_relationship in NOT_RUNNING


@dataclass(frozen=True, slots=True)
class VehiclePosition:
    entity_id: str
    trip: TripDescriptor | None = None
    vehicle: VehicleDescriptor | None = None
    latitude: float | None = None
    longitude: float | None = None
    bearing: float | None = None
    speed: float | None = None  # metres per second, as in the spec
    odometer: float | None = None
    current_stop_sequence: int | None = None
    stop_id: str | None = None
    current_status: str | None = None
    congestion_level: str | None = None
    occupancy_status: str | None = None
    occupancy_percentage: int | None = None
    timestamp: int | None = None


@dataclass(frozen=True, slots=True)
class Translation:
    text: str
    language: str | None = None


@dataclass(frozen=True, slots=True)
class ActivePeriod:
    start: int | None = None  # None: since forever
    end: int | None = None  # None: until further notice

    def contains(self, at: int) -> bool:
        return (self.start is None or self.start <= at) and (self.end is None or at < self.end)


@dataclass(frozen=True, slots=True)
class InformedEntity:
    agency_id: str | None = None
    route_id: str | None = None
    route_type: int | None = None
    direction_id: int | None = None
    trip: TripDescriptor | None = None
    stop_id: str | None = None


@dataclass(frozen=True, slots=True)
class Alert:
    entity_id: str
    cause: str = "UNKNOWN_CAUSE"
    effect: str = "UNKNOWN_EFFECT"
    severity_level: str = "UNKNOWN_SEVERITY"
    active_periods: tuple[ActivePeriod, ...] = ()
    informed_entities: tuple[InformedEntity, ...] = ()
    header_text: tuple[Translation, ...] = ()
    description_text: tuple[Translation, ...] = ()
    url: tuple[Translation, ...] = ()

    def is_active(self, at: int) -> bool:
        """Whether the alert applies at POSIX time `at`; no period at all means always."""
        return not self.active_periods or any(p.contains(at) for p in self.active_periods)


@dataclass(frozen=True, slots=True)
class FeedHeader:
    gtfs_realtime_version: str
    incrementality: str  # FULL_DATASET | DIFFERENTIAL
    timestamp: int | None


@dataclass(frozen=True, slots=True)
class RejectedEntity:
    entity_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    header: FeedHeader
    trip_updates: tuple[TripUpdate, ...] = ()
    vehicle_positions: tuple[VehiclePosition, ...] = ()
    alerts: tuple[Alert, ...] = ()
    deleted_entity_ids: tuple[str, ...] = ()
    rejected: tuple[RejectedEntity, ...] = ()
    unsupported: int = 0  # entities of kinds we do not keep (shape, stop, trip_modifications)

    @property
    def is_full_dataset(self) -> bool:
        return self.header.incrementality == "FULL_DATASET"


@dataclass(frozen=True, slots=True)
class Stamped(Generic[R]):
    """A record with the two POSIX times that decide whether it replaces the stored state."""

    record: R
    observed_at: int  # the entity's timestamp, else the feed header's
    feed_timestamp: int  # the feed header's (ties between equal observed_at)

    @property
    def version(self) -> tuple[int, int]:
        return (self.observed_at, self.feed_timestamp)
