"""Feeds, their versions, and one table per GTFS file (derived from the spec).

Every static row carries `feed_version_id`; a feed serves its version whose status is `current`.
On PostgreSQL the static tables are partitioned by that column, one partition per version.
A partial unique index allows one current version per feed, so the switch to a new version is
two UPDATEs in the import's transaction: readers see the old version or the new one, never a mix.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from gtfs.schedule.spec import FILES, FieldType, FileSpec
from mobility.models import Base, UTCDateTime, str_enum

# GTFS ids are opaque: byte order is their meaning, and on PostgreSQL it sorts and compares
# them far faster than a locale's collation (SQLite's default collation is bytewise already).
GTFS_ID = String().with_variant(String(collation="C"), "postgresql")


class FeedVersionStatus(enum.StrEnum):
    LOADING = "loading"
    CURRENT = "current"
    SUPERSEDED = "superseded"


class Feed(Base):
    __tablename__ = "gtfs_feeds"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class FeedVersion(Base):
    __tablename__ = "gtfs_feed_versions"
    __table_args__ = (
        Index(
            "uq_gtfs_feed_versions_current",
            "feed_id",
            unique=True,
            sqlite_where=text("status = 'current'"),
            postgresql_where=text("status = 'current'"),
        ),
        # Version ids are never reused (caches key on them): SQLite needs AUTOINCREMENT for
        # that, PostgreSQL's sequence gives it anyway.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feed_id: Mapped[str] = mapped_column(
        ForeignKey("gtfs_feeds.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[FeedVersionStatus] = mapped_column(
        str_enum(FeedVersionStatus),
        default=FeedVersionStatus.LOADING,
    )
    source: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="")
    service_start: Mapped[date | None] = mapped_column(Date)
    service_end: Mapped[date | None] = mapped_column(Date)
    row_counts: Mapped[str] = mapped_column(Text, default="{}")  # JSON: file -> rows
    notices: Mapped[str] = mapped_column(Text, default="{}")  # JSON: validation summary
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


def _column_type(kind: FieldType) -> TypeEngine:  # type: ignore[type-arg]
    if kind in (FieldType.TIME, FieldType.ENUM, FieldType.INT):
        return Integer()
    if kind is FieldType.AMOUNT:
        return BigInteger()
    if kind in (FieldType.LAT, FieldType.LON, FieldType.FLOAT):
        return Float()
    if kind is FieldType.DATE:
        return Date()
    if kind is FieldType.TEXT:
        return Text()
    return GTFS_ID


def _static_table(spec: FileSpec) -> Table:
    """The table of one GTFS file: its fields, keyed by version plus the spec's key or line."""
    columns: list[Column] = [  # type: ignore[type-arg]
        Column(
            "feed_version_id",
            Integer,
            ForeignKey("gtfs_feed_versions.id", ondelete="CASCADE"),
            primary_key=True,
        )
    ]
    if spec.keyed_by_line:
        columns.append(Column("line", Integer, primary_key=True))
    for f in spec.fields:
        in_key = f.name in spec.primary_key
        columns.append(
            Column(f.name, _column_type(f.type), primary_key=in_key, nullable=not in_key)
        )
    indexes = [
        Index(f"ix_{spec.table_name}_{'_'.join(cols)}", "feed_version_id", *cols)
        for cols in spec.indexes
    ]
    # On PostgreSQL each version is a partition: an import loads a bare table and attaches it,
    # and pruning a version is a DROP TABLE. SQLite ignores the clause.
    return Table(
        spec.table_name,
        Base.metadata,
        *columns,
        *indexes,
        postgresql_partition_by="LIST (feed_version_id)",
    )


def partition_name(table: str, version_id: int) -> str:
    """The PostgreSQL partition that holds one version's rows of `table`."""
    return f"{table}_v{version_id}"


STATIC_TABLES: dict[str, Table] = {spec.name: _static_table(spec) for spec in FILES}


def table_for(file_name: str) -> Table:
    return STATIC_TABLES[file_name]
