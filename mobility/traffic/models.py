"""Tables of the road network: networks, nodes, links, zones, and demand per class and period.

A network is one imported file set (TNTP or GMNS) under a unique name. Its nodes and zones are
keyed by the ids of the file, so a link names its end nodes as the file does and the assignment
can be compared with the published solutions. Links keep their file order as `link_index`: the
arrays the assignment reads are in that order. Units are those of the file (TNTP files differ
from network to network; see each network's README), recorded in `traffic_networks.units`.

Vehicle classes and time periods are shared by all networks: a truck's passenger-car-equivalent
factor is a property of the class, not of a network. A demand matrix holds vehicles (not PCUs)
for one network, class and period; its cells are the non-zero origin-destination pairs.
"""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import conv

from mobility.models import Base, UTCDateTime

_CODE = 32


class TrafficNetwork(Base):
    """One imported road network; `content_sha256` makes re-importing the same files a no-op."""

    __tablename__ = "traffic_networks"
    # Ids are never reused: counts and scenario results keep them after a network is dropped.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    source_format: Mapped[str] = mapped_column(String(16), nullable=False)  # tntp | gmns
    source: Mapped[str] = mapped_column(Text, nullable=False, default="")  # provenance
    crs: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    units: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    # TNTP: nodes numbered below it are zones and carry no through traffic.
    first_thru_node: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )


class TrafficNode(Base):
    __tablename__ = "traffic_nodes"

    network_id: Mapped[int] = mapped_column(
        ForeignKey("traffic_networks.id", ondelete="CASCADE"), primary_key=True
    )
    node_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # Longitude/latitude or planar coordinates, as `traffic_networks.crs` says; None if absent.
    x: Mapped[float | None] = mapped_column(Float)
    y: Mapped[float | None] = mapped_column(Float)
    is_zone: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class TrafficLink(Base):
    __tablename__ = "traffic_links"
    __table_args__ = (
        UniqueConstraint("network_id", "link_index"),
        ForeignKeyConstraint(
            ["network_id", "from_node"],
            ["traffic_nodes.network_id", "traffic_nodes.node_id"],
            ondelete="CASCADE",
            # Two keys to the same table: the convention's name (first column) would clash.
            name=conv("fk_traffic_links_from_node_traffic_nodes"),
        ),
        ForeignKeyConstraint(
            ["network_id", "to_node"],
            ["traffic_nodes.network_id", "traffic_nodes.node_id"],
            ondelete="CASCADE",
            name=conv("fk_traffic_links_to_node_traffic_nodes"),
        ),
        # Counts and scenario edits find a link by its end nodes.
        Index(
            "ix_traffic_links_network_id_from_node_to_node", "network_id", "from_node", "to_node"
        ),
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("free_flow_time >= 0", name="free_flow_time_not_negative"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    network_id: Mapped[int] = mapped_column(
        ForeignKey("traffic_networks.id", ondelete="CASCADE"), nullable=False
    )
    link_index: Mapped[int] = mapped_column(Integer, nullable=False)  # 0-based file order
    external_id: Mapped[str | None] = mapped_column(String(64))  # GMNS link_id
    from_node: Mapped[int] = mapped_column(Integer, nullable=False)
    to_node: Mapped[int] = mapped_column(Integer, nullable=False)
    length: Mapped[float] = mapped_column(Float, nullable=False)
    free_flow_time: Mapped[float] = mapped_column(Float, nullable=False)
    speed: Mapped[float | None] = mapped_column(Float)
    capacity: Mapped[float] = mapped_column(Float, nullable=False)
    lanes: Mapped[int | None] = mapped_column(Integer)
    link_type: Mapped[int | None] = mapped_column(Integer)
    toll: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    # BPR: time = free_flow_time * (1 + vdf_alpha * (flow / capacity) ** vdf_beta)
    vdf_alpha: Mapped[float] = mapped_column(Float, nullable=False)
    vdf_beta: Mapped[float] = mapped_column(Float, nullable=False)
    is_connector: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class TrafficZone(Base):
    __tablename__ = "traffic_zones"
    __table_args__ = (
        ForeignKeyConstraint(
            ["network_id", "centroid_node"],
            ["traffic_nodes.network_id", "traffic_nodes.node_id"],
            ondelete="CASCADE",
            name=conv("fk_traffic_zones_centroid_node_traffic_nodes"),
        ),
    )

    network_id: Mapped[int] = mapped_column(
        ForeignKey("traffic_networks.id", ondelete="CASCADE"), primary_key=True
    )
    zone_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    centroid_node: Mapped[int] = mapped_column(Integer, nullable=False)


class VehicleClass(Base):
    """A class of demand; trips of it weigh `pce` passenger-car equivalents on a link."""

    __tablename__ = "traffic_vehicle_classes"
    __table_args__ = (CheckConstraint("pce > 0", name="pce_positive"),)

    code: Mapped[str] = mapped_column(String(_CODE), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    pce: Mapped[float] = mapped_column(Float, nullable=False)


ALL_WEEKDAYS = "mon,tue,wed,thu,fri,sat,sun"


class TimePeriod(Base):
    """A period of the day that demand is given for; the times are local and may be absent.

    With both times, the period is a time band: local [start_time, end_time) on `weekdays`
    (comma-separated `mobility.config_files.Weekday` values; an end at or before the start
    crosses midnight). Congestion levels of a scenario apply in its period's band.
    """

    __tablename__ = "traffic_periods"

    code: Mapped[str] = mapped_column(String(_CODE), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)
    weekdays: Mapped[str] = mapped_column(
        String(32), nullable=False, default=ALL_WEEKDAYS, server_default=ALL_WEEKDAYS
    )


class DemandMatrix(Base):
    """The origin-destination trips (vehicles) of one class in one period on one network."""

    __tablename__ = "traffic_demand_matrices"
    __table_args__ = (
        UniqueConstraint("network_id", "class_code", "period_code"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    network_id: Mapped[int] = mapped_column(
        ForeignKey("traffic_networks.id", ondelete="CASCADE"), nullable=False
    )
    class_code: Mapped[str] = mapped_column(
        ForeignKey("traffic_vehicle_classes.code"), nullable=False, index=True
    )
    period_code: Mapped[str] = mapped_column(
        ForeignKey("traffic_periods.code"), nullable=False, index=True
    )
    source: Mapped[str] = mapped_column(Text, nullable=False, default="")
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    total_trips: Mapped[float] = mapped_column(Float, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )


class DemandCell(Base):
    """One non-zero cell of a demand matrix, by zone ids of the matrix's network."""

    __tablename__ = "traffic_demand_cells"
    __table_args__ = (CheckConstraint("trips >= 0", name="trips_not_negative"),)

    matrix_id: Mapped[int] = mapped_column(
        ForeignKey("traffic_demand_matrices.id", ondelete="CASCADE"), primary_key=True
    )
    origin: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    destination: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    trips: Mapped[float] = mapped_column(Float, nullable=False)
