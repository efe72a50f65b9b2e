"""Tables of the latest GTFS-Realtime state: one row per trip, vehicle entity and alert entity.

Each parent row carries the two times that order updates (`observed_at`: the entity timestamp,
else the feed header's; `feed_timestamp`: the header's) so an upsert can refuse older state.
Child rows (stop time updates, active periods, informed entities) are replaced with their parent.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mobility.models import Base, UTCDateTime

# BIGINT keys on PostgreSQL; SQLite only auto-increments a column declared INTEGER.
BigId = BigInteger().with_variant(Integer(), "sqlite")
FEED_ID_LENGTH = 64


class _Versioned:
    """Columns shared by the parent rows: the feed, the entity id and the ordering times."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    feed_id: Mapped[str] = mapped_column(String(FEED_ID_LENGTH))
    entity_id: Mapped[str] = mapped_column(String)
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    feed_timestamp: Mapped[datetime] = mapped_column(UTCDateTime)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime)


class RealtimeTripUpdate(_Versioned, Base):
    __tablename__ = "gtfs_rt_trip_updates"
    __table_args__ = (
        UniqueConstraint("feed_id", "trip_id", "start_date"),
        Index("ix_gtfs_rt_trip_updates_feed_id_feed_timestamp", "feed_id", "feed_timestamp"),
        Index("ix_gtfs_rt_trip_updates_feed_id_entity_id", "feed_id", "entity_id"),
    )

    trip_id: Mapped[str] = mapped_column(String)
    start_date: Mapped[date] = mapped_column(Date)
    start_date_derived: Mapped[bool] = mapped_column(default=False)
    route_id: Mapped[str | None] = mapped_column(String)
    direction_id: Mapped[int | None] = mapped_column(Integer)
    start_time: Mapped[str | None] = mapped_column(String(9))
    schedule_relationship: Mapped[str] = mapped_column(String(16))
    vehicle_id: Mapped[str | None] = mapped_column(String)
    vehicle_label: Mapped[str | None] = mapped_column(String)
    vehicle_license_plate: Mapped[str | None] = mapped_column(String)
    delay: Mapped[int | None] = mapped_column(Integer)
    timestamp: Mapped[datetime | None] = mapped_column(UTCDateTime)

    stop_time_updates: Mapped[list[RealtimeStopTimeUpdate]] = relationship(
        lazy="raise", order_by="RealtimeStopTimeUpdate.position", passive_deletes=True
    )


class RealtimeStopTimeUpdate(Base):
    __tablename__ = "gtfs_rt_stop_time_updates"
    __table_args__ = (
        UniqueConstraint("trip_update_id", "position"),
        Index("ix_gtfs_rt_stop_time_updates_feed_id_stop_id", "feed_id", "stop_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    trip_update_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("gtfs_rt_trip_updates.id", ondelete="CASCADE")
    )
    feed_id: Mapped[str] = mapped_column(String(FEED_ID_LENGTH))
    position: Mapped[int] = mapped_column(Integer)  # order within the TripUpdate
    stop_sequence: Mapped[int | None] = mapped_column(Integer)
    stop_id: Mapped[str | None] = mapped_column(String)
    schedule_relationship: Mapped[str] = mapped_column(String(16))
    arrival_delay: Mapped[int | None] = mapped_column(Integer)
    arrival_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    arrival_uncertainty: Mapped[int | None] = mapped_column(Integer)
    departure_delay: Mapped[int | None] = mapped_column(Integer)
    departure_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    departure_uncertainty: Mapped[int | None] = mapped_column(Integer)


class RealtimeVehiclePosition(_Versioned, Base):
    __tablename__ = "gtfs_rt_vehicle_positions"
    __table_args__ = (
        UniqueConstraint("feed_id", "entity_id"),
        Index("ix_gtfs_rt_vehicle_positions_feed_id_feed_timestamp", "feed_id", "feed_timestamp"),
        Index("ix_gtfs_rt_vehicle_positions_feed_id_trip_id", "feed_id", "trip_id"),
        Index("ix_gtfs_rt_vehicle_positions_feed_id_vehicle_id", "feed_id", "vehicle_id"),
    )

    trip_id: Mapped[str | None] = mapped_column(String)
    route_id: Mapped[str | None] = mapped_column(String)
    direction_id: Mapped[int | None] = mapped_column(Integer)
    start_date: Mapped[date | None] = mapped_column(Date)
    start_time: Mapped[str | None] = mapped_column(String(9))
    trip_schedule_relationship: Mapped[str | None] = mapped_column(String(16))
    vehicle_id: Mapped[str | None] = mapped_column(String)
    vehicle_label: Mapped[str | None] = mapped_column(String)
    vehicle_license_plate: Mapped[str | None] = mapped_column(String)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    bearing: Mapped[float | None] = mapped_column(Float)
    speed: Mapped[float | None] = mapped_column(Float)
    odometer: Mapped[float | None] = mapped_column(Float)
    current_stop_sequence: Mapped[int | None] = mapped_column(Integer)
    stop_id: Mapped[str | None] = mapped_column(String)
    current_status: Mapped[str | None] = mapped_column(String(32))
    congestion_level: Mapped[str | None] = mapped_column(String(32))
    occupancy_status: Mapped[str | None] = mapped_column(String(32))
    occupancy_percentage: Mapped[int | None] = mapped_column(Integer)
    timestamp: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RealtimeAlert(_Versioned, Base):
    __tablename__ = "gtfs_rt_alerts"
    __table_args__ = (
        UniqueConstraint("feed_id", "entity_id"),
        Index("ix_gtfs_rt_alerts_feed_id_feed_timestamp", "feed_id", "feed_timestamp"),
    )

    cause: Mapped[str] = mapped_column(String(32))
    effect: Mapped[str] = mapped_column(String(32))
    severity_level: Mapped[str] = mapped_column(String(32))
    # Translations as [{"text": ..., "language": ...}]: always read whole, never queried into.
    header_text: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    description_text: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    url: Mapped[list[dict[str, Any]]] = mapped_column(JSON)

    active_periods: Mapped[list[RealtimeAlertActivePeriod]] = relationship(
        lazy="raise", passive_deletes=True
    )
    informed_entities: Mapped[list[RealtimeAlertInformedEntity]] = relationship(
        lazy="raise", passive_deletes=True
    )


class RealtimeAlertActivePeriod(Base):
    __tablename__ = "gtfs_rt_alert_active_periods"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("gtfs_rt_alerts.id", ondelete="CASCADE"), index=True
    )
    feed_id: Mapped[str] = mapped_column(String(FEED_ID_LENGTH))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RealtimeAlertInformedEntity(Base):
    __tablename__ = "gtfs_rt_alert_informed_entities"
    __table_args__ = (
        Index("ix_gtfs_rt_alert_informed_entities_feed_id_stop_id", "feed_id", "stop_id"),
        Index("ix_gtfs_rt_alert_informed_entities_feed_id_route_id", "feed_id", "route_id"),
        Index("ix_gtfs_rt_alert_informed_entities_feed_id_trip_id", "feed_id", "trip_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("gtfs_rt_alerts.id", ondelete="CASCADE"), index=True
    )
    feed_id: Mapped[str] = mapped_column(String(FEED_ID_LENGTH))
    agency_id: Mapped[str | None] = mapped_column(String)
    route_id: Mapped[str | None] = mapped_column(String)
    route_type: Mapped[int | None] = mapped_column(Integer)
    direction_id: Mapped[int | None] = mapped_column(Integer)
    trip_id: Mapped[str | None] = mapped_column(String)
    trip_start_date: Mapped[date | None] = mapped_column(Date)
    stop_id: Mapped[str | None] = mapped_column(String)


TABLES = [
    m.__table__
    for m in (
        RealtimeTripUpdate,
        RealtimeStopTimeUpdate,
        RealtimeVehiclePosition,
        RealtimeAlert,
        RealtimeAlertActivePeriod,
        RealtimeAlertInformedEntity,
    )
]
