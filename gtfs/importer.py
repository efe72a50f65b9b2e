"""Import a feed as a new version: validate and load in one pass, then switch atomically.

Everything happens in one transaction: the rows of the new version, and the switch that makes it
current and the previous one superseded. A failed validation, an exception, or a killed process
leaves the previous version serving. Superseded versions are pruned afterwards, in a transaction
of their own; a prune that is interrupted leaves only garbage that the next import removes.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from prometheus_client import Counter
from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update

from gtfs.errors import FeedInvalid, FeedUnreadable
from gtfs.models import (
    STATIC_TABLES,
    Feed,
    FeedVersion,
    FeedVersionStatus,
    partition_name,
    table_for,
)
from gtfs.schedule.reader import FeedSource, FeedSourceError
from gtfs.schedule.validator import ProgressFn, ValidationReport, Validator
from gtfs.sinks import sink_for

FEED_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
IMPORTED_ROWS = Counter(
    "mobility_gtfs_import_rows",
    "GTFS rows imported (committed), by feed and file",
    ["feed", "file"],
)


@dataclass
class ImportResult:
    feed_id: str
    version_id: int
    row_counts: dict[str, int]
    seconds: float
    report: ValidationReport
    pruned_versions: list[int] = field(default_factory=list)

    @property
    def total_rows(self) -> int:
        return sum(self.row_counts.values())

    def summary_line(self) -> str:
        main = ", ".join(
            f"{self.row_counts[f]:,} {f.removesuffix('.txt')}"
            for f in ("stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "shapes.txt")
            if self.row_counts.get(f)
        )
        rate = self.total_rows / self.seconds if self.seconds else 0.0
        warnings = self.report.notices.summary()["warnings"]
        return (
            f"imported {self.feed_id} version {self.version_id}: {main} "
            f"({self.total_rows:,} rows in {self.seconds:.1f} s, {rate:,.0f} rows/s, "
            f"{warnings} warnings)"
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.is_file():
                digest.update(child.name.encode())
                digest.update(child.read_bytes())
        return digest.hexdigest()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def import_feed(
    engine: Engine,
    path: str | Path,
    feed_id: str,
    *,
    name: str = "",
    progress: ProgressFn | None = None,
    keep_versions: int = 0,
) -> ImportResult:
    """Validate and load `path` as the new current version of `feed_id`."""
    path = Path(path)
    started = time.perf_counter()
    try:
        source = FeedSource(path)
    except FeedSourceError as exc:
        raise FeedUnreadable(str(exc)) from exc
    with source, engine.connect() as conn:
        try:
            if conn.dialect.name == "postgresql":
                # The version's indexes are built in bulk when its partitions are attached.
                conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
            version_id = _new_version(conn, feed_id, name, path)
            sink = sink_for(conn, version_id)
            try:
                report = Validator(source, sink=sink, progress=progress).run()
            except BaseException:
                sink.abort()
                raise
            if not report.valid:
                raise FeedInvalid(
                    f"{path.name}: {report.notices.summary()['errors']} errors; nothing imported "
                    f"(run `mobility gtfs validate {path}` for the full report)",
                    summary=report.notices.summary(),
                    notices=[n.as_dict() for n in report.notices.all_samples()[:50]],
                )
            sink.finish()
            _describe_version(conn, version_id, report)
            _make_current(conn, feed_id, version_id)
            conn.commit()
            for file_name, rows in report.row_counts.items():
                IMPORTED_ROWS.labels(feed_id, file_name).inc(rows)
        except BaseException:
            conn.rollback()
            raise
    pruned = prune_versions(engine, feed_id, keep=keep_versions)
    return ImportResult(
        feed_id, version_id, report.row_counts, time.perf_counter() - started, report, pruned
    )


def _new_version(conn: Connection, feed_id: str, name: str, path: Path) -> int:
    if conn.execute(select(Feed.id).where(Feed.id == feed_id)).first() is None:
        conn.execute(insert(Feed).values(id=feed_id, name=name or feed_id))
    elif name:
        conn.execute(update(Feed).where(Feed.id == feed_id).values(name=name))
    result = conn.execute(
        insert(FeedVersion)
        .values(
            feed_id=feed_id,
            status=FeedVersionStatus.LOADING,
            source=str(path),
            sha256=file_sha256(path),
        )
        .returning(FeedVersion.id)
    )
    return int(result.scalar_one())


def _describe_version(conn: Connection, version_id: int, report: ValidationReport) -> None:
    start, end = _service_range(conn, version_id)
    agency = table_for("agency.txt")
    timezone = conn.execute(
        select(agency.c.agency_timezone).where(agency.c.feed_version_id == version_id).limit(1)
    ).scalar()
    conn.execute(
        update(FeedVersion)
        .where(FeedVersion.id == version_id)
        .values(
            timezone=timezone or "",
            service_start=start,
            service_end=end,
            row_counts=json.dumps(report.row_counts, sort_keys=True),
            notices=json.dumps(report.notices.summary()),
        )
    )


def _service_range(conn: Connection, version_id: int) -> tuple[date | None, date | None]:
    cal, dates = table_for("calendar.txt"), table_for("calendar_dates.txt")
    lo1, hi1 = conn.execute(
        select(func.min(cal.c.start_date), func.max(cal.c.end_date)).where(
            cal.c.feed_version_id == version_id
        )
    ).one()
    lo2, hi2 = conn.execute(
        select(func.min(dates.c.date), func.max(dates.c.date)).where(
            dates.c.feed_version_id == version_id, dates.c.exception_type == 1
        )
    ).one()
    lows = [d for d in (lo1, lo2) if d is not None]
    highs = [d for d in (hi1, hi2) if d is not None]
    return (min(lows) if lows else None, max(highs) if highs else None)


def _make_current(conn: Connection, feed_id: str, version_id: int) -> None:
    conn.execute(
        update(FeedVersion)
        .where(FeedVersion.feed_id == feed_id, FeedVersion.status == FeedVersionStatus.CURRENT)
        .values(status=FeedVersionStatus.SUPERSEDED)
    )
    conn.execute(
        update(FeedVersion)
        .where(FeedVersion.id == version_id)
        .values(status=FeedVersionStatus.CURRENT, activated_at=datetime.now(UTC))
    )


def prune_versions(engine: Engine, feed_id: str, *, keep: int = 0) -> list[int]:
    """Delete all but the newest `keep` superseded versions, and any left `loading`."""
    with engine.begin() as conn:
        rows = conn.execute(
            select(FeedVersion.id, FeedVersion.status)
            .where(FeedVersion.feed_id == feed_id, FeedVersion.status != FeedVersionStatus.CURRENT)
            .order_by(FeedVersion.id.desc())
        ).all()
        superseded = [r.id for r in rows if r.status == FeedVersionStatus.SUPERSEDED]
        doomed = superseded[keep:] + [r.id for r in rows if r.status == FeedVersionStatus.LOADING]
        for version_id in doomed:
            delete_version_rows(conn, version_id)
            conn.execute(delete(FeedVersion).where(FeedVersion.id == version_id))
    return doomed


def delete_version_rows(conn: Connection, version_id: int) -> None:
    """PostgreSQL: drop the version's partitions (instant). SQLite: delete its rows."""
    for table in STATIC_TABLES.values():
        if conn.dialect.name == "postgresql":
            part = partition_name(table.name, version_id)
            conn.execute(text(f'DROP TABLE IF EXISTS "{part}"'))
        else:
            conn.execute(delete(table).where(table.c.feed_version_id == version_id))
