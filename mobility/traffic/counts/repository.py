"""Queries of the traffic-count tables, on one session."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from mobility.db import lock_row
from mobility.traffic.counts.models import (
    TrafficCount,
    TrafficCount15Min,
    TrafficCountBatch,
    TrafficCountFinding,
    TrafficCountHourly,
    TrafficCountRejectedRow,
    TrafficDetector,
)
from mobility.traffic.counts.quality import VehicleClass
from mobility.traffic.models import TrafficLink

# Bound parameters per IN (...) list: well under SQLite's and PostgreSQL's limits.
_CHUNK = 500
AggregateModel = type[TrafficCount15Min] | type[TrafficCountHourly]
_Aggregate = TrafficCount15Min | TrafficCountHourly
# An aggregate row with its detector's code and link.
AggregateRow = tuple[_Aggregate, str, int | None]


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


class CountsRepository:
    """Typed reads and bulk writes of detectors, counts, batches and aggregates."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- detectors and links --------------------------------------------------------------

    def detectors_by_code(self, codes: Iterable[str]) -> dict[str, TrafficDetector]:
        found: dict[str, TrafficDetector] = {}
        for chunk in _chunks(sorted(set(codes))):
            query = select(TrafficDetector).where(TrafficDetector.code.in_(chunk))
            found.update((d.code, d) for d in self.session.scalars(query))
        return found

    def detectors_on_links(self, link_ids: Iterable[int]) -> dict[int, list[TrafficDetector]]:
        found: dict[int, list[TrafficDetector]] = defaultdict(list)
        for chunk in _chunks(sorted(set(link_ids))):
            query = select(TrafficDetector).where(TrafficDetector.link_id.in_(chunk))
            for detector in self.session.scalars(query.order_by(TrafficDetector.id)):
                assert detector.link_id is not None
                found[detector.link_id].append(detector)
        return found

    def insert_detector_if_absent(self, values: dict[str, Any]) -> bool:
        """INSERT a detector unless its code exists (ON CONFLICT DO NOTHING); True if inserted.

        RETURNING tells, not the rowcount: with an autoincrement key SQLAlchemy returns the id
        implicitly, and psycopg then reports rowcount -1 whether a row was inserted or not.
        """
        dialect = self.session.get_bind().dialect.name
        build = postgresql_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            build(TrafficDetector)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["code"])
            .returning(TrafficDetector.id)
        )
        return self.session.execute(statement).first() is not None

    def links(self, link_ids: Iterable[int]) -> dict[int, TrafficLink]:
        found: dict[int, TrafficLink] = {}
        for chunk in _chunks(sorted(set(link_ids))):
            found.update(
                (link.id, link)
                for link in self.session.scalars(
                    select(TrafficLink).where(TrafficLink.id.in_(chunk))
                )
            )
        return found

    def lock_detectors(self, detector_ids: Iterable[int]) -> None:
        """Serialise imports touching the same detectors (in id order: no deadlock), so the
        duplicate check and the aggregates see each other's committed rows."""
        for detector_id in sorted(set(detector_ids)):
            lock_row(self.session, TrafficDetector.id, detector_id)

    def has_counts(self, detector_id: int) -> bool:
        query = select(TrafficCount.id).where(TrafficCount.detector_id == detector_id).limit(1)
        return self.session.scalar(query) is not None

    # -- raw counts -----------------------------------------------------------------------

    def stored_counts(
        self, detector_ids: Iterable[int], start: datetime, end: datetime
    ) -> dict[tuple[int, str, datetime], TrafficCount]:
        """Stored observations of the detectors with starts in [start, end], by key."""
        found: dict[tuple[int, str, datetime], TrafficCount] = {}
        for chunk in _chunks(sorted(set(detector_ids))):
            query = select(TrafficCount).where(
                TrafficCount.detector_id.in_(chunk),
                TrafficCount.interval_start.between(start, end),
            )
            for row in self.session.scalars(query):
                found[(row.detector_id, row.vehicle_class.value, row.interval_start)] = row
        return found

    def insert_counts(self, rows: list[dict[str, Any]]) -> None:
        for chunk in _chunks(rows):
            self.session.execute(insert(TrafficCount), list(chunk))

    def series(
        self, detector_id: int, vehicle_class: VehicleClass, start: datetime, end: datetime
    ) -> list[TrafficCount]:
        """One detector's observations of a class with starts in [start, end), in time order."""
        query = (
            select(TrafficCount)
            .where(
                TrafficCount.detector_id == detector_id,
                TrafficCount.vehicle_class == vehicle_class,
                TrafficCount.interval_start >= start,
                TrafficCount.interval_start < end,
            )
            .order_by(TrafficCount.interval_start)
        )
        return list(self.session.scalars(query))

    def flagged_in_batch(self, batch_id: int) -> int:
        query = select(func.count()).where(
            TrafficCount.batch_id == batch_id, TrafficCount.flags != 0
        )
        return self.session.scalar(query) or 0

    # -- aggregates -----------------------------------------------------------------------

    def replace_aggregates(
        self,
        model: AggregateModel,
        detector_id: int,
        vehicle_class: VehicleClass,
        start: datetime,
        end: datetime,
        rows: list[dict[str, Any]],
    ) -> None:
        """Delete the aggregates of [start, end) for one series and insert `rows` instead."""
        self.session.execute(
            delete(model).where(
                model.detector_id == detector_id,
                model.vehicle_class == vehicle_class,
                model.period_start >= start,
                model.period_start < end,
            )
        )
        if rows:
            self.session.execute(insert(model), rows)

    def aggregates(
        self,
        model: AggregateModel,
        *,
        detector_codes: Sequence[str] | None,
        start: datetime,
        end: datetime,
        vehicle_class: VehicleClass | None,
        limit: int,
    ) -> list[AggregateRow]:
        """(aggregate, detector code, link id) of periods starting in [start, end), ordered by
        detector, class and time."""
        query = (
            select(model, TrafficDetector.code, TrafficDetector.link_id)
            .join(TrafficDetector, TrafficDetector.id == model.detector_id)
            .where(model.period_start >= start, model.period_start < end)
            .order_by(TrafficDetector.code, model.vehicle_class, model.period_start)
            .limit(limit)
        )
        if detector_codes is not None:
            query = query.where(TrafficDetector.code.in_(detector_codes))
        if vehicle_class is not None:
            query = query.where(model.vehicle_class == vehicle_class)
        rows = self.session.execute(query)
        return [(cast(_Aggregate, row), code, link_id) for row, code, link_id in rows]

    def hourly_link_volumes(
        self,
        network_id: int,
        start: datetime,
        end: datetime,
        vehicle_classes: Collection[VehicleClass | str],
    ) -> list[tuple[int, int, str, datetime, int, float]]:
        """(detector id, link id, vehicle class, hour, volume, completeness) of the network's
        counted links in the classes asked: the observed side of an OD-matrix fit. Each row
        is one detector-hour; detectors on one link are combined by the caller."""
        query = (
            select(
                TrafficDetector.id,
                TrafficDetector.link_id,
                TrafficCountHourly.vehicle_class,
                TrafficCountHourly.period_start,
                TrafficCountHourly.volume,
                TrafficCountHourly.completeness,
            )
            .join(TrafficDetector, TrafficDetector.id == TrafficCountHourly.detector_id)
            .where(
                TrafficDetector.network_id == network_id,
                TrafficDetector.link_id.is_not(None),
                TrafficCountHourly.vehicle_class.in_([str(c) for c in vehicle_classes]),
                TrafficCountHourly.period_start >= start,
                TrafficCountHourly.period_start < end,
            )
            .order_by(TrafficDetector.link_id, TrafficCountHourly.period_start)
        )
        return [
            (detector, link, VehicleClass(code).value, at, volume, share)
            for detector, link, code, at, volume, share in self.session.execute(query)
            if link is not None
        ]

    # -- batches --------------------------------------------------------------------------

    def batch(self, batch_id: int) -> TrafficCountBatch | None:
        return self.session.get(TrafficCountBatch, batch_id)

    def insert_rejections(self, rows: list[dict[str, Any]]) -> None:
        for chunk in _chunks(rows):
            self.session.execute(insert(TrafficCountRejectedRow), list(chunk))

    def rejected_rows(
        self, batch_id: int, *, limit: int | None = None, offset: int = 0
    ) -> list[TrafficCountRejectedRow]:
        query = (
            select(TrafficCountRejectedRow)
            .where(TrafficCountRejectedRow.batch_id == batch_id)
            .order_by(TrafficCountRejectedRow.line, TrafficCountRejectedRow.id)
            .offset(offset)
            .limit(limit)
        )
        return list(self.session.scalars(query))

    def insert_findings(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(insert(TrafficCountFinding), rows)

    def findings(self, batch_id: int) -> list[tuple[TrafficCountFinding, str]]:
        query = (
            select(TrafficCountFinding, TrafficDetector.code)
            .join(TrafficDetector, TrafficDetector.id == TrafficCountFinding.detector_id)
            .where(TrafficCountFinding.batch_id == batch_id)
            .order_by(
                TrafficDetector.code,
                TrafficCountFinding.vehicle_class,
                TrafficCountFinding.starts_at,
            )
        )
        return [(finding, code) for finding, code in self.session.execute(query)]
