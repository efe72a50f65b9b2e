"""Tables of traffic scenarios: the scenario with its changes and run state, results per link.

A scenario's `changes` are the JSON of `schemas.Change` items, validated against the network
when the scenario was created. The run (a worker job) records its progress, iterations and gap
on the row; results are one row per link of the base network in link order (closed links with
zero volume) followed by the links the scenario added, which have no `link_id`. The run also
stores each link's metrics (vehicle-hours and -km, delay, CO2, NOx), computed in `routing`:
the API, in this lower layer, compares scenarios from the stored figures.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from mobility.models import Base, UTCDateTime, str_enum


class ScenarioStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class TrafficScenario(Base):
    __tablename__ = "traffic_scenarios"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    network_id: Mapped[int] = mapped_column(
        ForeignKey("traffic_networks.id", ondelete="CASCADE"), nullable=False, index=True
    )
    period_code: Mapped[str] = mapped_column(ForeignKey("traffic_periods.code"), nullable=False)
    classes: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, nullable=False)
    gap_target: Mapped[float] = mapped_column(Float, nullable=False)
    # What one unit of the network's lengths and times is, for speeds and emissions.
    length_unit: Mapped[str] = mapped_column(String(8), nullable=False)
    time_unit: Mapped[str] = mapped_column(String(8), nullable=False)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )
    status: Mapped[ScenarioStatus] = mapped_column(str_enum(ScenarioStatus), nullable=False)
    progress: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    iterations: Mapped[int | None] = mapped_column(Integer)
    gap: Mapped[float | None] = mapped_column(Float)
    gap_history: Mapped[list[float] | None] = mapped_column(JSON)
    # Totals of `routing.scenarios.metrics` once done, and the trips no path could carry.
    totals: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ScenarioLinkResult(Base):
    __tablename__ = "traffic_scenario_link_results"

    scenario_id: Mapped[int] = mapped_column(
        ForeignKey("traffic_scenarios.id", ondelete="CASCADE"), primary_key=True
    )
    # Base links keep their link_index; added links follow, numbered on from the last one.
    link_index: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("traffic_links.id", ondelete="SET NULL"), index=True
    )
    from_node: Mapped[int] = mapped_column(Integer, nullable=False)
    to_node: Mapped[int] = mapped_column(Integer, nullable=False)
    closed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    volume: Mapped[float] = mapped_column(Float, nullable=False)  # PCE
    class_volume: Mapped[dict[str, float]] = mapped_column(JSON, nullable=False)  # vehicles
    travel_time: Mapped[float] = mapped_column(Float, nullable=False)
    free_flow_time: Mapped[float] = mapped_column(Float, nullable=False)
    capacity: Mapped[float] = mapped_column(Float, nullable=False)
    length: Mapped[float] = mapped_column(Float, nullable=False)
    voc: Mapped[float] = mapped_column(Float, nullable=False)  # volume / capacity
    speed_kmh: Mapped[float | None] = mapped_column(Float)
    # Computed by the run (`routing.scenarios.metrics`), so the API compares without it.
    vht: Mapped[float] = mapped_column(Float, nullable=False)  # vehicle-hours
    vkt: Mapped[float] = mapped_column(Float, nullable=False)  # vehicle-km
    delay_h: Mapped[float] = mapped_column(Float, nullable=False)
    co2_kg: Mapped[float] = mapped_column(Float, nullable=False)
    nox_kg: Mapped[float] = mapped_column(Float, nullable=False)
