"""Tables of traffic counts: detectors, raw observations, import batches and what they
rejected or found, and the 15-minute and hourly aggregates.

A detector optionally sits on a link of a road network (`link_id`): that mapping is how the
hourly table joins to links, e.g. to fit an OD matrix to counts. Networks may be re-imported
and dropped, so the detector keeps its counts and loses only the mapping (SET NULL).

Nothing a submission contains is silently dropped: every row is an accepted observation, or a
row of `traffic_count_rejected_rows` (rejected, or ignored as an identical duplicate) with its
line, raw text and reason code.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from mobility.models import Base, UTCDateTime, str_enum
from mobility.traffic.counts.quality import VehicleClass

# BIGINT on PostgreSQL; SQLite assigns rowids only to a column declared INTEGER.
_BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


class BatchChannel(StrEnum):
    FILE = "file"
    API = "api"


class RowOutcome(StrEnum):
    REJECTED = "rejected"
    IGNORED = "ignored"  # an identical duplicate: not an error, but noted


class FindingKind(StrEnum):
    GAP = "gap"
    STUCK = "stuck"
    ZERO_RUN = "zero_run"


class TrafficDetector(Base):
    """A counting station (loop, radar, camera) measuring one direction of a road."""

    __tablename__ = "traffic_detectors"
    __table_args__ = (
        CheckConstraint("lanes IS NULL OR lanes > 0", name="lanes_positive"),
        CheckConstraint("interval_s > 0 AND 3600 % interval_s = 0", name="interval_tiles_hour"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    network_id: Mapped[int | None] = mapped_column(
        ForeignKey("traffic_networks.id", ondelete="SET NULL"), index=True
    )
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("traffic_links.id", ondelete="SET NULL"), index=True
    )
    direction: Mapped[str | None] = mapped_column(String(16))
    lanes: Mapped[int | None] = mapped_column(Integer)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    # The length of the intervals it reports; every observation of it has this length.
    interval_s: Mapped[int] = mapped_column(Integer, nullable=False, default=900)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )


class TrafficCountBatch(Base):
    """One submission (a file, or one API request) and its tallies."""

    __tablename__ = "traffic_count_batches"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    channel: Mapped[BatchChannel] = mapped_column(str_enum(BatchChannel), nullable=False)
    source: Mapped[str] = mapped_column(String(500), nullable=False)  # file name, or "api"
    source_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    submitted_by: Mapped[str | None] = mapped_column(String(200))  # principal subject
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    timezone: Mapped[str | None] = mapped_column(String(64))  # for offset-less timestamps
    replace: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    register_detectors: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    rows_total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    accepted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    replaced: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rejected: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    flagged: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    gaps: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    detectors_registered: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    first_interval: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_interval: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TrafficCount(Base):
    """One raw observation: vehicles of a class past a detector in one interval."""

    __tablename__ = "traffic_counts"
    __table_args__ = (
        UniqueConstraint("detector_id", "vehicle_class", "interval_start"),
        CheckConstraint("count >= 0", name="count_not_negative"),
        CheckConstraint("interval_s > 0", name="interval_positive"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    detector_id: Mapped[int] = mapped_column(
        ForeignKey("traffic_detectors.id", ondelete="CASCADE"), nullable=False
    )
    vehicle_class: Mapped[VehicleClass] = mapped_column(str_enum(VehicleClass), nullable=False)
    interval_start: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    interval_s: Mapped[int] = mapped_column(Integer, nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    speed_kmh: Mapped[float | None] = mapped_column(Float)
    flags: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # CountFlag bits
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("traffic_count_batches.id"), nullable=False, index=True
    )


class TrafficCountRejectedRow(Base):
    """A submitted row that was not stored: rejected with a reason, or an ignored duplicate."""

    __tablename__ = "traffic_count_rejected_rows"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("traffic_count_batches.id", ondelete="CASCADE"), nullable=False, index=True
    )
    line: Mapped[int] = mapped_column(Integer, nullable=False)  # file line or item position
    raw: Mapped[str] = mapped_column(Text, nullable=False)
    outcome: Mapped[RowOutcome] = mapped_column(str_enum(RowOutcome), nullable=False)
    reason: Mapped[str] = mapped_column(String(32), nullable=False)  # quality.Reason
    message: Mapped[str] = mapped_column(Text, nullable=False)


class TrafficCountFinding(Base):
    """A series-level finding of a batch: a gap (intervals missing, not invented), or a run of
    stuck values or daytime zeros (whose observations carry the flag)."""

    __tablename__ = "traffic_count_findings"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(_BIG_ID, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("traffic_count_batches.id", ondelete="CASCADE"), nullable=False, index=True
    )
    detector_id: Mapped[int] = mapped_column(
        ForeignKey("traffic_detectors.id", ondelete="CASCADE"), nullable=False
    )
    vehicle_class: Mapped[VehicleClass] = mapped_column(str_enum(VehicleClass), nullable=False)
    kind: Mapped[FindingKind] = mapped_column(str_enum(FindingKind), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)  # exclusive
    intervals: Mapped[int] = mapped_column(Integer, nullable=False)


class _PeriodColumns:
    """The columns the 15-minute and hourly tables share (see aggregate.py)."""

    detector_id: Mapped[int] = mapped_column(
        ForeignKey("traffic_detectors.id", ondelete="CASCADE"), primary_key=True
    )
    vehicle_class: Mapped[VehicleClass] = mapped_column(str_enum(VehicleClass), primary_key=True)
    period_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    volume: Mapped[int] = mapped_column(Integer, nullable=False)
    mean_speed_kmh: Mapped[float | None] = mapped_column(Float)
    observed_intervals: Mapped[int] = mapped_column(Integer, nullable=False)
    expected_intervals: Mapped[int] = mapped_column(Integer, nullable=False)
    completeness: Mapped[float] = mapped_column(Float, nullable=False)
    flags: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class TrafficCount15Min(_PeriodColumns, Base):
    __tablename__ = "traffic_counts_15min"
    # All detectors in a period: the shape of a network-wide query (an OD fit, a map).
    __table_args__ = (Index("ix_traffic_counts_15min_period_start", "period_start"),)


class TrafficCountHourly(_PeriodColumns, Base):
    __tablename__ = "traffic_counts_hourly"
    __table_args__ = (Index("ix_traffic_counts_hourly_period_start", "period_start"),)
