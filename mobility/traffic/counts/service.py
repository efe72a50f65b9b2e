"""Importing counts: check each row, store the good ones, report every other one, flag series,
and recompute the aggregates they touch, all in the caller's transaction.

The session is the caller's and is never committed here: the CLI and the API commit the batch,
its observations, its rejected rows and the new aggregates together, or nothing. A submission
that cannot be read as a whole fails before this module is reached (reader.CountsFileInvalid).

Choices worth knowing:

* A row naming a detector that does not exist is rejected (`unknown_detector`) unless the
  caller asks to register detectors (`--register-detectors`): then the detector is created with
  the row's interval (or the default), no link and unknown lanes. A row naming a link uses the
  one detector on that link, or registers `link-<id>` on it.
* The same key twice in one submission: identical rows are one observation and a noted
  duplicate; different values are both rejected (`conflicting_duplicate`), since which is true
  is unknowable. Against stored data: identical is a noted duplicate (so re-sending is
  harmless), different is a `conflict` unless `replace` is set.
* Impossible values are rejected, suspicious series are flagged (see quality.py); missing
  intervals are reported as gap findings of the batch, never filled in. Pushes of a few
  intervals at a time find no gaps of their own: the aggregates' completeness shows them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from mobility.traffic.counts.errors import BatchNotFound
from mobility.traffic.counts.models import (
    BatchChannel,
    FindingKind,
    RowOutcome,
    TrafficCountBatch,
    TrafficDetector,
)
from mobility.traffic.counts.quality import (
    QualityParams,
    Reason,
    RowProblem,
    VehicleClass,
    check_interval,
    check_time,
    check_values,
    parse_class,
    parse_int,
    parse_speed,
    parse_timestamp,
    zone,
)
from mobility.traffic.counts.reader import RawRow
from mobility.traffic.counts.repository import CountsRepository
from mobility.traffic.counts.series import SeriesKey, aggregate_hours, flag_series

Key = tuple[int, str, datetime]
MAX_CODE = 64  # traffic_detectors.code


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """How a submission is read and stored (see the module docstring for the choices)."""

    timezone: str | None = None
    replace: bool = False
    register_detectors: bool = False
    default_interval_s: int = 900
    params: QualityParams = field(default_factory=QualityParams)

    def __post_init__(self) -> None:
        if self.timezone is not None:
            zone(self.timezone)
        check_interval(self.default_interval_s)


@dataclass(frozen=True, slots=True)
class RejectedRow:
    line: int
    raw: str
    outcome: RowOutcome
    reason: str
    message: str


@dataclass
class ImportReport:
    """What a submission did: the tallies of its batch, and every row not stored."""

    batch_id: int
    source: str
    rows_total: int = 0
    accepted: int = 0
    replaced: int = 0
    duplicates: int = 0
    rejected: int = 0
    flagged: int = 0
    gaps: int = 0
    detectors_registered: int = 0
    rejections: list[RejectedRow] = field(default_factory=list)

    def summary_line(self) -> str:
        return (
            f"batch {self.batch_id} ({self.source}): {self.rows_total} rows, "
            f"{self.accepted} accepted ({self.replaced} replaced), {self.rejected} rejected, "
            f"{self.duplicates} duplicates ignored, {self.flagged} flagged, "
            f"{self.gaps} missing intervals"
            + (
                f", {self.detectors_registered} detectors registered"
                if self.detectors_registered
                else ""
            )
        )


@dataclass(slots=True)
class _Candidate:
    """A row that passed the row checks, on its way to storage."""

    row: RawRow
    detector_id: int
    vehicle_class: VehicleClass
    start: datetime
    interval_s: int
    count: int
    speed: float | None
    flags: int

    @property
    def key(self) -> Key:
        return (self.detector_id, self.vehicle_class.value, self.start)

    def same_values(self, count: int, speed: float | None, interval_s: int) -> bool:
        return (self.count, self.speed, self.interval_s) == (count, speed, interval_s)


class _Importer:
    """One submission's import; `run` does it (an object only to share its working state)."""

    def __init__(
        self, session: Session, batch: TrafficCountBatch, options: ImportOptions, now: datetime
    ) -> None:
        self.session = session
        self.repo = CountsRepository(session)
        self.batch = batch
        self.options = options
        self.now = now
        self.default_zone: ZoneInfo | None = zone(options.timezone) if options.timezone else None
        self.report = ImportReport(batch_id=batch.id, source=batch.source)
        self.by_code: dict[str, TrafficDetector] = {}
        self.by_link: dict[int, list[TrafficDetector]] = {}
        self.unknown_links: set[int] = set()  # known only when registering detectors

    def reject(self, row: RawRow, reason: Reason, message: str) -> None:
        outcome = RowOutcome.IGNORED if reason is Reason.DUPLICATE else RowOutcome.REJECTED
        self.report.rejections.append(RejectedRow(row.line, row.raw, outcome, reason, message))
        if outcome is RowOutcome.IGNORED:
            self.report.duplicates += 1
        else:
            self.report.rejected += 1

    # -- detectors ------------------------------------------------------------------------

    def _register(self, code: str, interval_s: int, **extra: Any) -> TrafficDetector:
        """Create detector `code`, or take the one a concurrent import has just created (its
        INSERT waits for the other transaction, then does nothing: no unique violation)."""
        values = {"code": code, "name": code, "interval_s": interval_s, "active": True, **extra}
        if self.repo.insert_detector_if_absent(values):
            self.report.detectors_registered += 1
        detector = self.repo.detectors_by_code([code]).get(code)
        assert detector is not None  # inserted now, or committed by the other import
        return detector

    def _first_interval(self, rows: list[RawRow], match: str, attr: str) -> int:
        """The interval a new detector is registered with: the first valid one its rows give."""
        for row in rows:
            if getattr(row, attr) == match and row.interval:
                try:
                    value = parse_int(row.interval, "interval")
                    check_interval(value)
                    return value
                except RowProblem:
                    continue
        return self.options.default_interval_s

    def resolve_detectors(self, rows: list[RawRow]) -> None:
        codes = {
            r.detector
            for r in rows
            if r.detector and len(r.detector) <= MAX_CODE and not r.malformed
        }
        link_ids = {
            int(r.link) for r in rows if not r.detector and r.link.isdigit() and not r.malformed
        }
        self.by_code = self.repo.detectors_by_code(codes)
        self.by_link = self.repo.detectors_on_links(link_ids)
        if not self.options.register_detectors:
            return
        for code in sorted(codes - self.by_code.keys()):
            self.by_code[code] = self._register(code, self._first_interval(rows, code, "detector"))
        links = self.repo.links(link_ids - self.by_link.keys())
        self.unknown_links = link_ids - self.by_link.keys() - links.keys()
        for link_id in sorted(links):
            link = links[link_id]
            code = f"link-{link_id}"
            detector = self.by_code.get(code) or self.repo.detectors_by_code([code]).get(code)
            if detector is None:
                detector = self._register(
                    code,
                    self._first_interval(rows, str(link_id), "link"),
                    network_id=link.network_id,
                    link_id=link_id,
                    lanes=link.lanes,
                )
            self.by_link[link_id] = [detector]
        self.session.flush()

    def detector_of(self, row: RawRow) -> TrafficDetector:
        if len(row.detector) > MAX_CODE:
            raise RowProblem(
                Reason.UNKNOWN_DETECTOR, f"detector code longer than {MAX_CODE} characters"
            )
        if row.detector:
            detector = self.by_code.get(row.detector)
            if detector is None:
                raise RowProblem(
                    Reason.UNKNOWN_DETECTOR,
                    f"detector {row.detector!r} is not registered (--register-detectors adds it)",
                )
        elif row.link:
            if not row.link.isdigit():
                raise RowProblem(Reason.UNKNOWN_LINK, f"link {row.link!r} is not a link id")
            if int(row.link) in self.unknown_links:
                raise RowProblem(Reason.UNKNOWN_LINK, f"no road-network link {row.link}")
            on_link = self.by_link.get(int(row.link), [])
            if not on_link:
                raise RowProblem(
                    Reason.UNKNOWN_DETECTOR,
                    f"no detector on link {row.link} (--register-detectors adds one if the "
                    "link exists)",
                )
            if len(on_link) > 1:
                codes = ", ".join(d.code for d in on_link)
                raise RowProblem(
                    Reason.AMBIGUOUS_LINK, f"link {row.link} has several detectors ({codes})"
                )
            detector = on_link[0]
        else:
            raise RowProblem(Reason.MISSING_VALUE, "neither detector nor link is given")
        if not detector.active:
            raise RowProblem(Reason.INACTIVE_DETECTOR, f"detector {detector.code} is inactive")
        return detector

    # -- rows -----------------------------------------------------------------------------

    def check_row(self, row: RawRow) -> _Candidate:
        if row.malformed:
            raise RowProblem(Reason.MALFORMED_ROW, row.malformed)
        detector = self.detector_of(row)
        vehicle_class = parse_class(row.vehicle_class)
        start = parse_timestamp(row.timestamp, self.default_zone)
        interval_s = detector.interval_s
        if row.interval:
            try:
                given = parse_int(row.interval, "interval")
            except RowProblem as exc:
                raise RowProblem(Reason.BAD_INTERVAL, exc.message) from None
            check_interval(given)
            if given != detector.interval_s:
                raise RowProblem(
                    Reason.INTERVAL_MISMATCH,
                    f"interval {given} s, but detector {detector.code} reports "
                    f"{detector.interval_s} s intervals",
                )
        check_time(start, interval_s, self.now, self.options.params)
        count = parse_int(row.count, "count")
        speed = parse_speed(row.speed)
        flags = check_values(count, speed, interval_s, detector.lanes, self.options.params)
        return _Candidate(row, detector.id, vehicle_class, start, interval_s, count, speed, flags)

    def deduplicate(self, candidates: list[_Candidate]) -> list[_Candidate]:
        """Within the submission: identical repeats are noted, conflicting keys rejected."""
        groups: dict[Key, list[_Candidate]] = defaultdict(list)
        for candidate in candidates:
            groups[candidate.key].append(candidate)
        kept = []
        for group in groups.values():
            first = group[0]
            if all(c.same_values(first.count, first.speed, first.interval_s) for c in group):
                kept.append(first)
                for other in group[1:]:
                    self.reject(other.row, Reason.DUPLICATE, f"identical to line {first.row.line}")
                continue
            lines = ", ".join(str(c.row.line) for c in group)
            for c in group:
                self.reject(
                    c.row,
                    Reason.CONFLICTING_DUPLICATE,
                    f"lines {lines} give different values for the same detector, class and time",
                )
        return kept

    def store(self, candidates: list[_Candidate]) -> list[_Candidate]:
        """Insert new observations, settle those already stored; answer those written."""
        if not candidates:
            return []
        self.repo.lock_detectors(c.detector_id for c in candidates)
        stored = self.repo.stored_counts(
            {c.detector_id for c in candidates},
            min(c.start for c in candidates),
            max(c.start for c in candidates),
        )
        written, new_rows = [], []
        for c in candidates:
            existing = stored.get(c.key)
            if existing is None:
                new_rows.append(self._values(c))
                written.append(c)
            elif c.same_values(existing.count, existing.speed_kmh, existing.interval_s):
                self.reject(c.row, Reason.DUPLICATE, f"already stored (batch {existing.batch_id})")
            elif self.options.replace:
                existing.count, existing.speed_kmh = c.count, c.speed
                existing.interval_s, existing.flags = c.interval_s, c.flags
                existing.batch_id = self.batch.id
                self.report.replaced += 1
                written.append(c)
            else:
                speed = "" if existing.speed_kmh is None else f", speed {existing.speed_kmh:g}"
                self.reject(
                    c.row,
                    Reason.CONFLICT,
                    f"stored count {existing.count}{speed} (batch {existing.batch_id}) differs; "
                    "--replace overwrites it",
                )
        self.repo.insert_counts(new_rows)
        self.session.flush()
        self.report.accepted = len(written)
        return written

    def _values(self, c: _Candidate) -> dict[str, Any]:
        return {
            "detector_id": c.detector_id,
            "vehicle_class": c.vehicle_class,
            "interval_start": c.start,
            "interval_s": c.interval_s,
            "count": c.count,
            "speed_kmh": c.speed,
            "flags": c.flags,
            "batch_id": self.batch.id,
        }

    # -- series: flags, findings, aggregates ----------------------------------------------

    def series_checks(self, written: list[_Candidate]) -> None:
        by_series: dict[tuple[int, VehicleClass], list[_Candidate]] = defaultdict(list)
        for c in written:
            by_series[(c.detector_id, c.vehicle_class)].append(c)
        findings: list[dict[str, Any]] = []
        for (detector_id, vehicle_class), items in sorted(by_series.items()):
            key = SeriesKey(detector_id, vehicle_class, items[0].interval_s)
            starts = [c.start for c in items]
            findings += flag_series(self.repo, self.batch.id, key, starts, self.options.params)
            self.session.flush()  # the aggregates read the new flags
            aggregate_hours(self.repo, key, starts)
        self.repo.insert_findings(findings)
        self.session.flush()
        self.report.gaps = sum(f["intervals"] for f in findings if f["kind"] is FindingKind.GAP)
        self.report.flagged = self.repo.flagged_in_batch(self.batch.id)

    # -- the whole ------------------------------------------------------------------------

    def run(self, rows: Iterable[RawRow]) -> ImportReport:
        submitted = list(rows)
        self.report.rows_total = len(submitted)
        self.resolve_detectors(submitted)
        candidates = []
        for row in submitted:
            try:
                candidates.append(self.check_row(row))
            except RowProblem as problem:
                self.reject(row, problem.reason, problem.message)
        written = self.store(self.deduplicate(candidates))
        self.series_checks(written)
        self.repo.insert_rejections(
            [
                {
                    "batch_id": self.batch.id,
                    "line": r.line,
                    "raw": r.raw,
                    "outcome": r.outcome,
                    "reason": str(r.reason),
                    "message": r.message,
                }
                for r in self.report.rejections
            ]
        )
        self.report.rejections.sort(key=lambda r: r.line)
        self._tally(written)
        return self.report

    def _tally(self, written: list[_Candidate]) -> None:
        b, r = self.batch, self.report
        b.rows_total, b.accepted, b.replaced, b.duplicates = (
            r.rows_total, r.accepted, r.replaced, r.duplicates,
        )  # fmt: skip
        b.rejected, b.flagged, b.gaps = r.rejected, r.flagged, r.gaps
        b.detectors_registered = r.detectors_registered
        if written:
            b.first_interval = min(c.start for c in written)
            b.last_interval = max(c.start for c in written)
        self.session.flush()


def import_rows(
    session: Session,
    rows: Iterable[RawRow],
    *,
    source: str,
    channel: BatchChannel = BatchChannel.FILE,
    source_sha256: str | None = None,
    submitted_by: str | None = None,
    options: ImportOptions | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Import submitted rows as one batch in the session (flushed, not committed)."""
    options = options or ImportOptions()
    moment = now or datetime.now(UTC)
    batch = TrafficCountBatch(
        channel=channel,
        source=source[:500],
        source_sha256=source_sha256,
        submitted_by=submitted_by,
        received_at=moment,
        timezone=options.timezone,
        replace=options.replace,
        register_detectors=options.register_detectors,
    )
    session.add(batch)
    session.flush()
    return _Importer(session, batch, options, moment).run(rows)


def api_rows(items: Iterable[dict[str, Any]], detector: str) -> list[RawRow]:
    """RawRows of API observations (positions from 1), so pushes are checked like files."""

    def text(value: Any) -> str:
        return "" if value is None else str(value)

    return [
        RawRow(
            line=position,
            raw=json.dumps(item, default=str, separators=(",", ":")),
            detector=detector,
            timestamp=text(item.get("start")),
            vehicle_class=text(item.get("class")),
            count=text(item.get("count")),
            speed=text(item.get("speed_kmh")),
            interval=text(item.get("interval_s")),
        )
        for position, item in enumerate(items, start=1)
    ]


def get_batch(session: Session, batch_id: int) -> TrafficCountBatch:
    batch = CountsRepository(session).batch(batch_id)
    if batch is None:
        raise BatchNotFound(f"no traffic count batch {batch_id}")
    return batch


def detector_by_code(session: Session, code: str) -> TrafficDetector | None:
    return CountsRepository(session).detectors_by_code([code]).get(code)
