"""Importing counts on both databases: every quality case, aggregates checked by hand,
idempotent re-import, conflicts and --replace, all-or-nothing, series flags, link mapping."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mobility.traffic.counts.errors import CountsFileInvalid
from mobility.traffic.counts.models import (
    TrafficCount,
    TrafficCount15Min,
    TrafficCountBatch,
    TrafficCountFinding,
    TrafficCountHourly,
    TrafficCountRejectedRow,
    TrafficDetector,
)
from mobility.traffic.counts.quality import CountFlag, VehicleClass
from mobility.traffic.counts.reader import read_counts_text
from mobility.traffic.counts.repository import CountsRepository
from mobility.traffic.counts.service import ImportOptions, ImportReport, import_rows
from mobility.traffic.models import TrafficLink

from .conftest import HEADER, NOW, Importer, add_detector

# One hour of 15-minute car counts (08:00-09:00 Rome = 07:00-08:00 UTC) and half of trucks.
MORNING = HEADER + (
    "D1,2026-11-20T08:00:00+01:00,car,100,50\n"
    "D1,2026-11-20T08:15:00+01:00,car,120,60\n"
    "D1,2026-11-20T08:30:00+01:00,car,90,40\n"
    "D1,2026-11-20T08:45:00+01:00,car,110,\n"
    "D1,2026-11-20T08:00:00+01:00,truck,10,45\n"
    "D1,2026-11-20T08:45:00+01:00,truck,12,50\n"
)
H7 = datetime(2026, 11, 20, 7, tzinfo=UTC)


def count_of(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def hourly(session: Session, vehicle_class: str = "car") -> list[TrafficCountHourly]:
    query = (
        select(TrafficCountHourly)
        .where(TrafficCountHourly.vehicle_class == VehicleClass(vehicle_class))
        .order_by(TrafficCountHourly.period_start)
    )
    return list(session.scalars(query))


def test_import_aggregates_by_hand(session: Session, import_csv: Importer) -> None:
    """Cars: the hour sums 100+120+90+110 = 420, speed weighted over the three quarters that
    have one: (100*50+120*60+90*40)/310 = 50.97 km/h, complete. Trucks: 22 vehicles in 2 of 4
    quarters (INCOMPLETE, 0.5), and the two missing quarters reported as a gap."""
    report = import_csv(MORNING, register_detectors=True)
    assert (report.rows_total, report.accepted, report.rejected, report.duplicates) == (6, 6, 0, 0)
    assert report.detectors_registered == 1
    assert report.gaps == 2
    (car,) = hourly(session)
    assert (car.period_start, car.volume, car.mean_speed_kmh) == (H7, 420, 50.97)
    assert (car.completeness, car.flags) == (1.0, 0)
    (truck,) = hourly(session, "truck")
    assert (truck.volume, truck.completeness, truck.flags) == (22, 0.5, CountFlag.INCOMPLETE)
    assert truck.mean_speed_kmh == round((10 * 45 + 12 * 50) / 22, 2)
    quarters = session.scalars(
        select(TrafficCount15Min.volume)
        .where(TrafficCount15Min.vehicle_class == VehicleClass.CAR)
        .order_by(TrafficCount15Min.period_start)
    ).all()
    assert quarters == [100, 120, 90, 110]
    (gap,) = session.scalars(select(TrafficCountFinding)).all()
    assert (gap.kind.value, gap.vehicle_class, gap.intervals) == ("gap", VehicleClass.TRUCK, 2)
    assert gap.starts_at == datetime(2026, 11, 20, 7, 15, tzinfo=UTC)
    batch = session.get(TrafficCountBatch, report.batch_id)
    assert batch is not None
    assert (batch.accepted, batch.first_interval, batch.source) == (6, H7, "counts.csv")


REJECTS = HEADER + (
    "D1,2026-11-20T08:00:00+01:00,car\n"  # 2: malformed_row
    ",2026-11-20T08:00:00+01:00,car,5,\n"  # 3: missing_value
    "NOPE,2026-11-20T08:00:00+01:00,car,5,\n"  # 4: unknown_detector
    "D1,2026-11-20T08:00:00+01:00,tractor,5,\n"  # 5: unknown_class
    "D1,20/11/2026 08:00,car,5,\n"  # 6: bad_timestamp
    "D1,2026-11-20 08:15:00,car,5,\n"  # 7: naive_timestamp
    "D1,2026-11-22T08:00:00+01:00,car,5,\n"  # 8: future_timestamp
    "D1,2026-11-20T08:05:00+01:00,car,5,\n"  # 9: misaligned_timestamp
    "D1,2026-11-20T08:30:00+01:00,car,-3,\n"  # 10: negative_count
    "D1,2026-11-20T08:45:00+01:00,car,751,\n"  # 11: impossible_count (1 lane, 15 min)
    "D1,2026-11-20T09:00:00+01:00,car,5,300\n"  # 12: impossible_speed
    "D1,2026-11-20T09:15:00+01:00,car,lots,\n"  # 13: bad_count
    "D1,2026-11-20T09:30:00+01:00,car,5,fast\n"  # 14: bad_speed
    "D1,2026-11-20T08:00:00+01:00,car,750,80\n"  # 15: accepted (the ceiling itself)
    "D1,2026-11-20T08:00:00+01:00,car,750,80\n"  # 16: duplicate of 15, ignored
    "D1,2026-11-20T10:00:00+01:00,car,5,\n"  # 17: conflicting_duplicate
    "D1,2026-11-20T10:00:00+01:00,car,6,\n"  # 18: conflicting_duplicate
)


def test_every_row_is_accounted_for(session: Session, import_csv: Importer) -> None:
    """Each bad row is rejected with its own reason code, line and raw text; the identical
    repeat is ignored with a note; accepted + rejected + ignored = rows."""
    add_detector(session, "D1", lanes=1, interval_s=900)
    report = import_csv(REJECTS)
    reasons = {r.line: str(r.reason) for r in report.rejections}
    assert reasons == {
        2: "malformed_row", 3: "missing_value", 4: "unknown_detector", 5: "unknown_class",
        6: "bad_timestamp", 7: "naive_timestamp", 8: "future_timestamp",
        9: "misaligned_timestamp", 10: "negative_count", 11: "impossible_count",
        12: "impossible_speed", 13: "bad_count", 14: "bad_speed", 16: "duplicate",
        17: "conflicting_duplicate", 18: "conflicting_duplicate",
    }  # fmt: skip
    assert (report.accepted, report.rejected, report.duplicates) == (1, 15, 1)
    assert report.accepted + report.rejected + report.duplicates == report.rows_total == 17
    stored = CountsRepository(session).rejected_rows(report.batch_id)
    assert [r.line for r in stored] == sorted(reasons)
    assert stored[0].raw == "D1,2026-11-20T08:00:00+01:00,car"
    assert {r.outcome.value for r in stored if r.line == 16} == {"ignored"}
    assert "identical to line 15" in next(r.message for r in stored if r.line == 16)
    assert count_of(session, TrafficCount) == 1


def test_reimport_is_idempotent(session: Session, import_csv: Importer) -> None:
    """The same file again stores nothing new: every row is a noted duplicate, the aggregates
    are unchanged, and the second batch is on record."""
    first = import_csv(MORNING, register_detectors=True)
    again = import_csv(MORNING, register_detectors=True)
    assert (again.accepted, again.duplicates, again.rejected) == (0, 6, 0)
    assert again.batch_id != first.batch_id
    assert again.detectors_registered == 0
    assert count_of(session, TrafficCount) == 6
    assert [h.volume for h in hourly(session)] == [420]
    assert count_of(session, TrafficCountBatch) == 2


def test_conflict_then_replace(session: Session, import_csv: Importer) -> None:
    """A corrected value conflicts with the stored one (rejected, naming the stored value)
    unless replace is asked; then the observation and the hourly volume change."""
    import_csv(MORNING, register_detectors=True)
    corrected = MORNING.replace("car,120,60", "car,130,60")
    refused = import_csv(corrected)
    (conflict,) = [r for r in refused.rejections if r.outcome == "rejected"]
    assert (conflict.line, str(conflict.reason)) == (3, "conflict")
    assert "stored count 120, speed 60" in conflict.message
    assert [h.volume for h in hourly(session)] == [420]
    replaced = import_csv(corrected, replace=True)
    assert (replaced.accepted, replaced.replaced, replaced.duplicates) == (1, 1, 5)
    assert [h.volume for h in hourly(session)] == [430]


def test_file_level_error_writes_nothing(session: Session, import_csv: Importer) -> None:
    """A file missing a column is refused whole: no batch, no detector, no row."""
    with pytest.raises(CountsFileInvalid, match="missing column 'count'"):
        import_csv(MORNING.replace("count", "cnt"), register_detectors=True)
    for model in (TrafficCountBatch, TrafficDetector, TrafficCount):
        assert count_of(session, model) == 0


def test_failure_mid_import_rolls_everything_back(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service never commits: if anything fails after the counts were written, the
    caller's rollback leaves no batch, detector, count or aggregate behind."""

    def boom(*_args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(CountsRepository, "insert_rejections", boom)
    file = read_counts_text("x.csv", MORNING.encode())
    options = ImportOptions(register_detectors=True)
    with pytest.raises(RuntimeError):
        import_rows(session, file.rows(), source="x.csv", options=options, now=NOW)
    session.rollback()
    for model in (TrafficCountBatch, TrafficDetector, TrafficCount, TrafficCountHourly):
        assert count_of(session, model) == 0


def quarters(day_hour: str, values: list[int], vehicle_class: str = "car") -> str:
    """CSV rows of consecutive quarters from `day_hour` (local Rome time, +01:00)."""
    lines = []
    for i, value in enumerate(values):
        hour, minute = int(day_hour) + (15 * i) // 60, (15 * i) % 60
        lines.append(f"D1,2026-11-20T{hour:02d}:{minute:02d}:00+01:00,{vehicle_class},{value},\n")
    return "".join(lines)


def flags_by_local_hour(session: Session) -> dict[str, int]:
    rows = session.scalars(select(TrafficCount).order_by(TrafficCount.interval_start))
    return {r.interval_start.strftime("%H:%M"): r.flags for r in rows}


def test_stuck_and_daytime_zero_runs_are_flagged(session: Session, import_csv: Importer) -> None:
    """Four equal non-zero quarters (an hour) are flagged stuck; eight zero quarters by day
    (two hours) are a zero run; both are findings of the batch and flag their hours. Zeros of
    trucks by day are not suspicious."""
    add_detector(session, "D1", interval_s=900)
    text = HEADER + quarters("08", [9, 7, 7, 7, 7, 12]) + quarters("10", [0] * 8)
    text += quarters("10", [0] * 8, "truck")
    report = import_csv(text)
    assert report.flagged == 4 + 8
    flags = flags_by_local_hour(session)
    assert [flags[f"07:{m:02d}"] for m in (15, 30, 45)] == [CountFlag.STUCK] * 3
    assert (flags["07:00"], flags["08:00"], flags["08:15"]) == (0, CountFlag.STUCK, 0)
    kinds = session.scalars(select(TrafficCountFinding.kind).order_by(TrafficCountFinding.id))
    assert sorted(k.value for k in kinds) == ["gap", "stuck", "zero_run"]
    car_hours = {h.period_start.hour: h.flags for h in hourly(session)}
    assert car_hours[7] == CountFlag.STUCK
    assert car_hours[9] == car_hours[10] == CountFlag.ZERO_RUN
    assert all(h.flags == 0 for h in hourly(session, "truck"))


def test_stuck_run_across_two_imports(session: Session, import_csv: Importer) -> None:
    """A run made of two quarters from one file and two from the next is stuck: the second
    import flags the first one's rows too (and their hour)."""
    add_detector(session, "D1", interval_s=900)
    import_csv(HEADER + quarters("08", [7, 7]))
    assert set(flags_by_local_hour(session).values()) == {0}
    second = import_csv(HEADER + quarters("08", [7, 7, 7, 7]).split("\n", 2)[2])
    assert second.accepted == 2
    assert set(flags_by_local_hour(session).values()) == {CountFlag.STUCK}
    assert [h.flags for h in hourly(session)] == [CountFlag.STUCK]


def test_timezone_option_and_five_minute_detector(session: Session, import_csv: Importer) -> None:
    """With a timezone, offset-less times are Rome wall-clock; a 5-minute detector's counts
    make 15-minute sums; an interval column that disagrees with the detector is rejected."""
    add_detector(session, "D5", interval_s=300)
    text = "detector,timestamp,class,count,interval_s\n" + "".join(
        f"D5,2026-11-20 08:{m:02d},all,{10 + m},300\n" for m in range(0, 30, 5)
    )
    text += "D5,2026-11-20 08:30,all,3,900\n"
    report = import_csv(text, timezone="Europe/Rome")
    assert report.accepted == 6
    assert [str(r.reason) for r in report.rejections] == ["interval_mismatch"]
    rows = session.execute(
        select(TrafficCount15Min.period_start, TrafficCount15Min.volume).order_by(
            TrafficCount15Min.period_start
        )
    ).all()
    assert [(t.hour, t.minute, v) for t, v in rows] == [(7, 0, 10 + 15 + 20), (7, 15, 25 + 30 + 35)]


def test_link_rows_map_to_detectors(
    session: Session, import_csv: Importer, link: TrafficLink
) -> None:
    """Rows by link: rejected while no detector is on the link; registered as `link-<id>` on
    it (its network, its two lanes) on request; the hourly table then joins to the link."""
    text = "link,timestamp,class,count\n" + "".join(
        f"{link.id},2026-11-20T08:{m:02d}:00+01:00,car,{v}\n"
        for m, v in ((0, 700), (15, 800), (30, 900), (45, 1000))
    )
    refused = import_csv(text)
    assert {str(r.reason) for r in refused.rejections} == {"unknown_detector"}
    unknown_link = import_csv(text.replace(f"\n{link.id},", "\n999999,"), register_detectors=True)
    assert {str(r.reason) for r in unknown_link.rejections} == {"unknown_link"}
    report = import_csv(text, register_detectors=True)
    assert report.accepted == 4  # 1,000 in 15 minutes is within two lanes' 1,500
    detector = session.scalars(select(TrafficDetector)).one()
    assert (detector.code, detector.link_id, detector.network_id, detector.lanes) == (
        f"link-{link.id}", link.id, link.network_id, 2,
    )  # fmt: skip
    volumes = CountsRepository(session).hourly_link_volumes(
        link.network_id, H7, datetime(2026, 11, 21, tzinfo=UTC), [VehicleClass.CAR]
    )
    assert volumes == [(detector.id, link.id, "car", H7, 3400, 1.0)]


def test_rejected_rows_persist_with_the_batch(session: Session, import_csv: Importer) -> None:
    """The batch's tallies and its rejected rows can be read back later."""
    report = import_csv(REJECTS, register_detectors=True)
    batch = session.get(TrafficCountBatch, report.batch_id)
    assert batch is not None
    assert batch.rejected == report.rejected
    stored = session.scalar(
        select(func.count()).where(TrafficCountRejectedRow.batch_id == report.batch_id)
    )
    assert stored == report.rejected + report.duplicates


def test_overlong_code_is_a_rejected_row(session: Session, import_csv: Importer) -> None:
    """A detector code longer than the column is a rejected row, even when registering, not
    a database error that would fail the whole file."""
    code = "X" * 65
    report = import_csv(HEADER + f"{code},2026-11-20T08:00:00Z,car,5,\n", register_detectors=True)
    assert [str(r.reason) for r in report.rejections] == ["unknown_detector"]
    assert count_of(session, TrafficDetector) == 0


def test_concurrent_imports_of_one_file(session: Session) -> None:
    """Two imports of the same file at once, each registering the detector: both succeed,
    one stores the rows and the other finds them all duplicates; one detector exists."""
    engine = session.get_bind()
    start = threading.Barrier(2)
    reports: list[ImportReport] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with Session(engine) as own:
                file = read_counts_text("x.csv", MORNING.encode())
                start.wait()
                options = ImportOptions(register_detectors=True)
                reports.append(
                    import_rows(own, file.rows(), source="x.csv", options=options, now=NOW)
                )
                own.commit()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted((r.accepted, r.duplicates) for r in reports) == [(0, 6), (6, 0)]
    assert sum(r.detectors_registered for r in reports) == 1
    assert count_of(session, TrafficDetector) == 1
    assert [h.volume for h in hourly(session)] == [420]
