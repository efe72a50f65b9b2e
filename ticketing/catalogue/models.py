"""Tables of ticketing.catalogue: tariff versions, the current catalogue, congestion band sets.

A tariff file is stored whole as a version (its canonical JSON), and the current version is
also spread into rows that orders and passes hold foreign keys to. Those rows are keyed by the
ids of the file, upserted on every load and never deleted: a product dropped from the file
becomes inactive, so every order that sold it still points at it.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from mobility.models import Base, UTCDateTime, str_enum

_ID = 64


class TariffVersionStatus(StrEnum):
    CURRENT = "current"
    SUPERSEDED = "superseded"


class TariffVersion(Base):
    """One loaded tariff file; at most one per authority is current (a partial unique index)."""

    __tablename__ = "ticketing_tariff_versions"
    __table_args__ = (
        Index(
            "uq_ticketing_tariff_versions_current",
            "authority_id",
            unique=True,
            postgresql_where=text("status = 'current'"),
            sqlite_where=text("status = 'current'"),
        ),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    authority_id: Mapped[str] = mapped_column(String(_ID), nullable=False, index=True)
    checksum: Mapped[str] = mapped_column(String(64), nullable=False)  # sha256 hex of document
    document: Mapped[str] = mapped_column(Text, nullable=False)  # canonical JSON
    source: Mapped[str] = mapped_column(String(500), nullable=False)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    status: Mapped[TariffVersionStatus] = mapped_column(
        str_enum(TariffVersionStatus),
        nullable=False,
    )


class CatalogueOperator(Base):
    __tablename__ = "ticketing_operators"

    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    modes: Mapped[str] = mapped_column(Text, nullable=False)  # JSON array
    gtfs: Mapped[str] = mapped_column(Text, nullable=False)  # JSON array of {feed, agency_id}
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("ticketing_tariff_versions.id"), nullable=False
    )

    @property
    def mode_list(self) -> list[str]:
        return list(json.loads(self.modes))


class CatalogueZone(Base):
    __tablename__ = "ticketing_zones"

    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    gtfs: Mapped[str] = mapped_column(Text, nullable=False)  # JSON array of {feed, areas, stops}
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("ticketing_tariff_versions.id"), nullable=False
    )


class CatalogueRiderCategory(Base):
    __tablename__ = "ticketing_rider_categories"

    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    requires_proof: Mapped[bool] = mapped_column(Boolean, nullable=False)
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False)
    gtfs_rider_category_id: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("ticketing_tariff_versions.id"), nullable=False
    )


class CatalogueProduct(Base):
    """A product as last loaded; `operators`/`networks`/`zones` are explicit ids ('*' resolved)."""

    __tablename__ = "ticketing_products"

    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(24), nullable=False, index=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    single_use: Mapped[bool] = mapped_column(Boolean, nullable=False)
    duration_minutes: Mapped[int | None] = mapped_column(Integer)
    service_days: Mapped[int | None] = mapped_column(Integer)  # None: bounded by minutes
    rides: Mapped[int | None] = mapped_column(Integer)
    from_zone_id: Mapped[str | None] = mapped_column(ForeignKey("ticketing_zones.id"))
    to_zone_id: Mapped[str | None] = mapped_column(ForeignKey("ticketing_zones.id"))
    facility_id: Mapped[str | None] = mapped_column(String(_ID))
    operators: Mapped[str] = mapped_column(Text, nullable=False)  # JSON array
    networks: Mapped[str] = mapped_column(Text, nullable=False)  # JSON array
    zones: Mapped[str] = mapped_column(Text, nullable=False)  # JSON array
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, index=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("ticketing_tariff_versions.id"), nullable=False
    )


class CatalogueProductPrice(Base):
    """The price of a product for one rider category (gross, VAT included)."""

    __tablename__ = "ticketing_product_prices"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)

    product_id: Mapped[str] = mapped_column(ForeignKey("ticketing_products.id"), primary_key=True)
    rider_category_id: Mapped[str] = mapped_column(
        ForeignKey("ticketing_rider_categories.id"), primary_key=True
    )
    amount: Mapped[int] = mapped_column(Integer, nullable=False)  # minor units
    currency: Mapped[str] = mapped_column(String(3), nullable=False)


class CongestionBandSet(Base):
    """One edit of the congestion bands; the set in force at t is the latest effective by t.

    Sets are only ever appended (by a tariff load or a traffic planner), so the price a
    traveller was quoted can always be explained from the set that was in force.
    """

    __tablename__ = "ticketing_congestion_band_sets"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    author: Mapped[str] = mapped_column(String(200), nullable=False)
    reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class CongestionBandRow(Base):
    __tablename__ = "ticketing_congestion_bands"
    __table_args__ = (
        CheckConstraint(
            "adjustment_bp >= -10000 AND adjustment_bp <= 10000", name="adjustment_range"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    set_id: Mapped[int] = mapped_column(
        ForeignKey("ticketing_congestion_band_sets.id"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    zone_id: Mapped[str] = mapped_column(ForeignKey("ticketing_zones.id"), nullable=False)
    weekdays: Mapped[str] = mapped_column(String(32), nullable=False)  # "mon,tue,..."
    start_time: Mapped[str] = mapped_column(String(5), nullable=False)  # HH:MM local
    end_time: Mapped[str] = mapped_column(String(5), nullable=False)
    adjustment_bp: Mapped[int] = mapped_column(Integer, nullable=False)
