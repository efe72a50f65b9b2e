"""Tables of congestion levels: per zone of a finished scenario, the active publication per
period, and the map from traffic zones to the fare zones of the tariff.

A scenario's levels are computed once, when its run finishes (`compute.py`): one row per zone of
the scenario's network that has at least one link assigned to it. The zone's centroid
coordinates are copied onto the row so `service.travel_time_index`, on the journey planner's
hot path, reads one table. A publication makes a scenario the active one for its period; the
latest publication of a period is the one in force, earlier ones stay as history.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Integer, String, func
from sqlalchemy.orm import Mapped, mapped_column

from mobility.models import Base, UTCDateTime, str_enum


class CongestionLevel(StrEnum):
    """Levels from the volume-weighted v/c of a zone (thresholds in `levels.LEVEL_THRESHOLDS`)."""

    FREE = "free"
    MODERATE = "moderate"
    HEAVY = "heavy"
    SEVERE = "severe"


class ZoneCongestion(Base):
    """The congestion of one traffic zone in a scenario's period."""

    __tablename__ = "traffic_congestion_zones"
    __table_args__ = (
        CheckConstraint("voc >= 0", name="voc_not_negative"),
        CheckConstraint("travel_time_index >= 0", name="tti_not_negative"),
    )

    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("traffic_scenarios.id", ondelete="CASCADE"), primary_key=True
    )
    zone_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # The centroid's coordinates in the network's crs; None when the node has none.
    x: Mapped[float | None] = mapped_column(Float)
    y: Mapped[float | None] = mapped_column(Float)
    voc: Mapped[float] = mapped_column(Float, nullable=False)  # volume-weighted v/c
    travel_time_index: Mapped[float] = mapped_column(Float, nullable=False)
    level: Mapped[CongestionLevel] = mapped_column(str_enum(CongestionLevel), nullable=False)
    links: Mapped[int] = mapped_column(Integer, nullable=False)
    volume: Mapped[float] = mapped_column(Float, nullable=False)  # PCE summed over the links


class CongestionPublication(Base):
    """A planner made `scenario_id` the active congestion scenario of `period_code`."""

    __tablename__ = "traffic_congestion_publications"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("traffic_scenarios.id", ondelete="CASCADE"), nullable=False, index=True
    )
    period_code: Mapped[str] = mapped_column(
        ForeignKey("traffic_periods.code"), nullable=False, index=True
    )
    # The level -> basis points policy the bands were computed with, for audit.
    policy: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    published_by: Mapped[str] = mapped_column(String(200), nullable=False)
    published_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )


class FareZoneMapping(Base):
    """Traffic zone `zone_id` of a network lies in the tariff's fare zone `fare_zone_id`."""

    __tablename__ = "traffic_fare_zone_map"

    network_id: Mapped[int] = mapped_column(
        ForeignKey("traffic_networks.id", ondelete="CASCADE"), primary_key=True
    )
    zone_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    fare_zone_id: Mapped[str] = mapped_column(String(64), nullable=False)
