"""Queries of the tariff catalogue."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.catalogue.models import (
    CatalogueOperator,
    CatalogueProduct,
    CatalogueProductPrice,
    CatalogueRiderCategory,
    CatalogueZone,
    CongestionBandRow,
    CongestionBandSet,
    TariffVersion,
    TariffVersionStatus,
)


class CatalogueRepository:
    """Typed reads (and the few writes) of the catalogue tables, on one session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- versions -------------------------------------------------------------------------

    def current_version(self, *, for_update: bool = False) -> TariffVersion | None:
        query = (
            select(TariffVersion)
            .where(TariffVersion.status == TariffVersionStatus.CURRENT)
            .order_by(TariffVersion.id.desc())
            .limit(1)
        )
        if for_update:
            # Two loads at once: the second waits, then sees the first's version.
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def current_version_key(self) -> tuple[int, str] | None:
        """(id, checksum) of the current version: a cheap query for cache keys."""
        row = self.session.execute(
            select(TariffVersion.id, TariffVersion.checksum)
            .where(TariffVersion.status == TariffVersionStatus.CURRENT)
            .order_by(TariffVersion.id.desc())
            .limit(1)
        ).first()
        return (row[0], row[1]) if row is not None else None

    def version_document(self, version_id: int) -> str | None:
        return self.session.scalar(
            select(TariffVersion.document).where(TariffVersion.id == version_id)
        )

    # -- catalogue rows -------------------------------------------------------------------

    def operators(self, *, active_only: bool = True) -> Sequence[CatalogueOperator]:
        query = select(CatalogueOperator).order_by(CatalogueOperator.id)
        if active_only:
            query = query.where(CatalogueOperator.active.is_(True))
        return self.session.scalars(query).all()

    def zones(self, *, active_only: bool = True) -> Sequence[CatalogueZone]:
        query = select(CatalogueZone).order_by(CatalogueZone.id)
        if active_only:
            query = query.where(CatalogueZone.active.is_(True))
        return self.session.scalars(query).all()

    def rider_categories(self, *, active_only: bool = True) -> Sequence[CatalogueRiderCategory]:
        query = select(CatalogueRiderCategory).order_by(CatalogueRiderCategory.id)
        if active_only:
            query = query.where(CatalogueRiderCategory.active.is_(True))
        return self.session.scalars(query).all()

    def rider_category(self, category_id: str) -> CatalogueRiderCategory | None:
        return self.session.get(CatalogueRiderCategory, category_id)

    def products(
        self, *, kind: str | None = None, active_only: bool = True
    ) -> Sequence[CatalogueProduct]:
        query = select(CatalogueProduct).order_by(CatalogueProduct.id)
        if kind is not None:
            query = query.where(CatalogueProduct.kind == kind)
        if active_only:
            query = query.where(CatalogueProduct.active.is_(True))
        return self.session.scalars(query).all()

    def product(self, product_id: str) -> CatalogueProduct | None:
        return self.session.get(CatalogueProduct, product_id)

    def prices(self, product_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """product id -> rider category id -> amount."""
        out: dict[str, dict[str, int]] = {pid: {} for pid in product_ids}
        if not product_ids:
            return out
        rows = self.session.execute(
            select(
                CatalogueProductPrice.product_id,
                CatalogueProductPrice.rider_category_id,
                CatalogueProductPrice.amount,
            ).where(CatalogueProductPrice.product_id.in_(product_ids))
        )
        for product_id, category_id, amount in rows:
            out[product_id][category_id] = amount
        return out

    # -- congestion -----------------------------------------------------------------------

    def band_set_at(self, at: datetime) -> CongestionBandSet | None:
        return self.session.scalars(
            select(CongestionBandSet)
            .where(CongestionBandSet.effective_from <= at)
            .order_by(CongestionBandSet.effective_from.desc(), CongestionBandSet.id.desc())
            .limit(1)
        ).first()

    def band_sets(self, limit: int) -> Sequence[CongestionBandSet]:
        return self.session.scalars(
            select(CongestionBandSet)
            .order_by(CongestionBandSet.effective_from.desc(), CongestionBandSet.id.desc())
            .limit(limit)
        ).all()

    def bands_of(self, set_ids: Sequence[int]) -> dict[int, list[CongestionBandRow]]:
        out: dict[int, list[CongestionBandRow]] = {sid: [] for sid in set_ids}
        if not set_ids:
            return out
        rows = self.session.scalars(
            select(CongestionBandRow)
            .where(CongestionBandRow.set_id.in_(set_ids))
            .order_by(CongestionBandRow.set_id, CongestionBandRow.position)
        )
        for row in rows:
            out[row.set_id].append(row)
        return out

    def has_band_sets(self) -> bool:
        return self.session.scalar(select(CongestionBandSet.id).limit(1)) is not None

    def add_band_set(
        self,
        bands: Sequence[tuple[str, str, str, str, int]],
        *,
        author: str,
        reason: str,
        effective_from: datetime,
        created_at: datetime,
    ) -> CongestionBandSet:
        """Append a set of (zone, weekdays 'mon,tue', start, end, adjustment_bp) bands."""
        band_set = CongestionBandSet(
            effective_from=effective_from, author=author, reason=reason, created_at=created_at
        )
        self.session.add(band_set)
        self.session.flush()
        for position, (zone, weekdays, start, end, adjustment) in enumerate(bands):
            self.session.add(
                CongestionBandRow(
                    set_id=band_set.id,
                    position=position,
                    zone_id=zone,
                    weekdays=weekdays,
                    start_time=start,
                    end_time=end,
                    adjustment_bp=adjustment,
                )
            )
        self.session.flush()
        return band_set
