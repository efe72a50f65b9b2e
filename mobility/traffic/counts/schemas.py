"""Request and response bodies of the traffic-count endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mobility.traffic.counts.models import (
    TrafficCountBatch,
    TrafficCountFinding,
    TrafficCountRejectedRow,
)
from mobility.traffic.counts.quality import flag_names
from mobility.traffic.counts.repository import AggregateRow
from mobility.traffic.counts.service import ImportReport, RejectedRow

MAX_OBSERVATIONS = 10_000


class ObservationIn(BaseModel):
    """One interval of a detector. Values are checked like a file's rows: a bad value rejects
    this observation (reported with its reason), not the whole request."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    start: str = Field(
        max_length=64,
        description="Interval start, ISO 8601 with a UTC offset (e.g. 2026-11-20T08:00:00+01:00)",
    )
    vehicle_class: str = Field(
        alias="class", max_length=32, description="car, truck, bus, motorcycle or all"
    )
    count: int = Field(description="Vehicles in the interval")
    speed_kmh: float | None = Field(default=None, description="Mean speed, km/h")
    interval_s: int | None = Field(
        default=None, description="Interval length; must equal the detector's (default: it)"
    )


class CountsIn(BaseModel):
    """Observations pushed by one detector; re-sending them is harmless (duplicates)."""

    model_config = ConfigDict(extra="forbid")

    detector: str = Field(min_length=1, max_length=64, description="The detector's code")
    observations: list[ObservationIn] = Field(min_length=1, max_length=MAX_OBSERVATIONS)
    replace: bool = Field(
        default=False, description="Overwrite stored observations that differ (corrections)"
    )


class RejectedRowOut(BaseModel):
    line: int = Field(description="File line, or 1-based position of the pushed observation")
    outcome: Literal["rejected", "ignored"]
    reason: str = Field(description="Stable code, e.g. negative_count, naive_timestamp")
    message: str
    raw: str

    @classmethod
    def of(cls, row: RejectedRow | TrafficCountRejectedRow) -> RejectedRowOut:
        return cls(
            line=row.line,
            outcome="ignored" if row.outcome == "ignored" else "rejected",
            reason=str(row.reason),
            message=row.message,
            raw=row.raw,
        )


class ImportSummaryOut(BaseModel):
    batch_id: int
    status: Literal["accepted", "partial"] = Field(
        description="partial when some observations were rejected (HTTP 207)"
    )
    rows_total: int
    accepted: int
    replaced: int
    duplicates: int
    rejected: int
    flagged: int
    missing_intervals: int
    rejections: list[RejectedRowOut]

    @classmethod
    def of(cls, report: ImportReport) -> ImportSummaryOut:
        return cls(
            batch_id=report.batch_id,
            status="partial" if report.rejected else "accepted",
            rows_total=report.rows_total,
            accepted=report.accepted,
            replaced=report.replaced,
            duplicates=report.duplicates,
            rejected=report.rejected,
            flagged=report.flagged,
            missing_intervals=report.gaps,
            rejections=[RejectedRowOut.of(r) for r in report.rejections],
        )


class FindingOut(BaseModel):
    detector: str
    vehicle_class: str
    kind: Literal["gap", "stuck", "zero_run"]
    start: datetime
    end: datetime = Field(description="Exclusive")
    intervals: int

    @classmethod
    def of(cls, finding: TrafficCountFinding, code: str) -> FindingOut:
        return cls(
            detector=code,
            vehicle_class=finding.vehicle_class.value,
            kind=finding.kind.value,
            start=finding.starts_at,
            end=finding.ends_at,
            intervals=finding.intervals,
        )


class BatchOut(BaseModel):
    id: int
    channel: str
    source: str
    source_sha256: str | None
    submitted_by: str | None
    received_at: datetime
    timezone: str | None
    rows_total: int
    accepted: int
    replaced: int
    duplicates: int
    rejected: int
    flagged: int
    missing_intervals: int
    detectors_registered: int
    first_interval: datetime | None
    last_interval: datetime | None
    findings: list[FindingOut]
    rejected_rows: list[RejectedRowOut] = Field(description="Rejected and ignored rows, by line")

    @classmethod
    def of(
        cls,
        batch: TrafficCountBatch,
        findings: list[FindingOut],
        rows: list[TrafficCountRejectedRow],
    ) -> BatchOut:
        return cls(
            id=batch.id,
            channel=batch.channel.value,
            source=batch.source,
            source_sha256=batch.source_sha256,
            submitted_by=batch.submitted_by,
            received_at=batch.received_at,
            timezone=batch.timezone,
            rows_total=batch.rows_total,
            accepted=batch.accepted,
            replaced=batch.replaced,
            duplicates=batch.duplicates,
            rejected=batch.rejected,
            flagged=batch.flagged,
            missing_intervals=batch.gaps,
            detectors_registered=batch.detectors_registered,
            first_interval=batch.first_interval,
            last_interval=batch.last_interval,
            findings=findings,
            rejected_rows=[RejectedRowOut.of(r) for r in rows],
        )


class AggregateOut(BaseModel):
    detector: str
    link_id: int | None = Field(description="The road-network link the detector sits on")
    vehicle_class: str
    period_start: datetime
    volume: int = Field(description="Vehicles observed (never scaled up for missing intervals)")
    mean_speed_kmh: float | None = Field(description="Weighted by count")
    completeness: float = Field(description="Observed intervals / intervals in the period")
    observed_intervals: int
    expected_intervals: int
    flags: list[str]

    @classmethod
    def of(cls, row: AggregateRow) -> AggregateOut:
        aggregate, code, link_id = row
        return cls(
            detector=code,
            link_id=link_id,
            vehicle_class=aggregate.vehicle_class.value,
            period_start=aggregate.period_start,
            volume=aggregate.volume,
            mean_speed_kmh=aggregate.mean_speed_kmh,
            completeness=round(aggregate.completeness, 4),
            observed_intervals=aggregate.observed_intervals,
            expected_intervals=aggregate.expected_intervals,
            flags=flag_names(aggregate.flags),
        )


class AggregateList(BaseModel):
    period_s: int
    items: list[AggregateOut]
