"""Clearing runs: a month's clearing computed and posted on a worker, and the monthly tick.

A request writes a run (`queued`) and an outbox message in one transaction; a worker of the
long queue delivers it (`handle_clearing_run`). Delivery is at least once, so the run is
idempotent on three levels: the outbox commits a message's effect once; a run already done or
failed is left alone; and `post_clearing` posts only what the ledger does not hold yet, so a
second run of a month already posted posts nothing and reports the existing apportionment.
The computation and its posting commit together with the run's `done`; `running` is
committed beforehand, in a short transaction of its own, so that callers can see it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mobility.errors import MobilityError, NotFound
from mobility.outbox import enqueue
from ticketing.ledger.models import TransactionKind
from ticketing.ledger.repository import LedgerRepository

from .errors import ClearingPeriodOpen
from .models import ClearingRun, ClearingRunStatus, ClearingRunTrigger
from .service import (
    DEFAULT_TIMEZONE,
    ClearingReport,
    Period,
    clearing_report,
    current_rules,
    parse_period,
    post_clearing,
)

log = logging.getLogger(__name__)
CLEARING_RUN = "ticketing.clearing.run"
SCHEDULER = "scheduler"
_FINISHED = (ClearingRunStatus.DONE, ClearingRunStatus.FAILED)


class ClearingRunNotFound(NotFound):
    type_slug = "clearing-run-not-found"
    title = "No clearing run with this id"


def request_run(
    session: Session,
    period: str,
    requested_by: str,
    *,
    trigger: ClearingRunTrigger = ClearingRunTrigger.API,
    now: datetime | None = None,
    tz: str = DEFAULT_TIMEZONE,
) -> tuple[ClearingRun, bool]:
    """Queue the clearing of `period`; (the run, True) or, when a run of that month is already
    queued or running, (that run, False). InvalidPeriod, ClearingPeriodOpen (a month not over
    cannot be posted) are raised before anything is written. Commits."""
    parsed = parse_period(period, tz)
    _ensure_ended(parsed, now)
    run = ClearingRun(
        period=parsed.label,
        status=ClearingRunStatus.QUEUED,
        trigger=trigger,
        requested_by=requested_by[:200],
        active_period=parsed.label,
        scheduled_period=parsed.label if trigger is ClearingRunTrigger.SCHEDULE else None,
        attempts=0,
    )
    try:
        with session.begin_nested():
            session.add(run)
            session.flush()
    except IntegrityError:
        # Another request (or tick) of the month got there first: its run answers this one.
        existing = _existing(session, parsed.label, trigger)
        if existing is None:
            raise
        return existing, False
    enqueue(session, CLEARING_RUN, {"run_id": run.id})
    session.commit()
    return run, True


def _existing(session: Session, period: str, trigger: ClearingRunTrigger) -> ClearingRun | None:
    query = select(ClearingRun).where(ClearingRun.active_period == period)
    found = session.scalars(query).first()
    if found is None and trigger is ClearingRunTrigger.SCHEDULE:
        found = session.scalars(
            select(ClearingRun).where(ClearingRun.scheduled_period == period)
        ).first()
    return found


def _ensure_ended(period: Period, now: datetime | None) -> None:
    if (now or datetime.now(UTC)) < period.end:
        raise ClearingPeriodOpen(
            f"period {period.label} ends at {period.end.isoformat()}; clear it after"
        )


def get_run(session: Session, run_id: int) -> ClearingRun:
    run = session.get(ClearingRun, run_id)
    if run is None:
        raise ClearingRunNotFound(f"clearing run {run_id} does not exist")
    return run


def list_runs(
    session: Session, *, period: str | None = None, limit: int = 50, before_id: int | None = None
) -> list[ClearingRun]:
    """Runs newest first, optionally of one period; `before_id` pages on."""
    query = select(ClearingRun).order_by(ClearingRun.id.desc()).limit(limit)
    if period is not None:
        query = query.where(ClearingRun.period == parse_period(period).label)
    if before_id is not None:
        query = query.where(ClearingRun.id < before_id)
    return list(session.scalars(query))


def handle_clearing_run(session: Session, payload: Mapping[str, Any]) -> None:
    """The outbox handler (long queue): compute and post the run's month, record the totals.

    A domain error (the month not over, a ledger conflict) fails the run for good; anything
    else (the database gone) is recorded on the run and raised, for the job's retries.
    """
    run_id = int(payload["run_id"])
    run = session.get(ClearingRun, run_id)
    if run is None or run.status in _FINISHED:
        return
    _mark_running(session, run_id)
    session.refresh(run)
    try:
        with session.begin_nested():
            _clear(session, run)
    except MobilityError as exc:
        _finish(run, ClearingRunStatus.FAILED)
        run.error = exc.detail
        log.warning("clearing run %d (%s) failed: %s", run_id, run.period, exc.detail)
    except Exception as exc:
        _record_attempt_error(session, run_id, exc)
        raise


def _clear(session: Session, run: ClearingRun) -> None:
    from mobility.settings import get_settings

    tz = get_settings().timezone
    period = parse_period(run.period, tz)
    rules, source = current_rules(session)
    posted = post_clearing(session, period, rules, tz=tz)
    report = clearing_report(session, period, rules, tz=tz)
    references = LedgerRepository(session).references(
        TransactionKind.APPORTIONMENT, period.start, period.end
    )
    run.rules = source[:200]
    run.totals = totals_of(report)
    run.ledger_references = sorted(references)
    run.transactions_posted = len(posted)
    run.error = None
    _finish(run, ClearingRunStatus.DONE)
    log.info("clearing run %d (%s): %d transaction(s) posted", run.id, run.period, len(posted))


def totals_of(report: ClearingReport) -> list[dict[str, Any]]:
    return [
        {
            "operator_id": t.operator_id,
            "currency": t.currency,
            "gross": t.gross,
            "vat": t.vat,
            "net": t.net,
            "refunds": t.refunds,
            "fees": t.fees,
            "taps": t.taps,
            "distance_m": t.distance_m,
            "posted": t.posted,
        }
        for t in report.operators
    ]


def _finish(run: ClearingRun, status: ClearingRunStatus) -> None:
    run.status = status
    run.active_period = None  # a later request of the month makes a new run
    run.finished_at = datetime.now(UTC)


def _side_session(session: Session) -> Session:
    return sessionmaker(bind=session.get_bind(), expire_on_commit=False)()


def _mark_running(session: Session, run_id: int) -> None:
    """`running` in a transaction of its own: visible while the handler's one is open."""
    with _side_session(session) as side:
        side.execute(
            update(ClearingRun)
            .where(ClearingRun.id == run_id, ClearingRun.status.not_in(_FINISHED))
            .values(
                status=ClearingRunStatus.RUNNING,
                started_at=datetime.now(UTC),
                attempts=ClearingRun.attempts + 1,
            )
        )
        side.commit()


def _record_attempt_error(session: Session, run_id: int, exc: Exception) -> None:
    session.rollback()
    with _side_session(session) as side:
        side.execute(
            update(ClearingRun)
            .where(ClearingRun.id == run_id)
            .values(error=f"attempt failed, to be retried: {exc.__class__.__name__}"[:500])
        )
        side.commit()


# -- the monthly tick -------------------------------------------------------------------------

AUTO_POST_JOB = "clearing.auto_post"


def previous_month(now: datetime, tz: str = DEFAULT_TIMEZONE) -> str:
    local = now.astimezone(ZoneInfo(tz))
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def auto_post_tick(
    session: Session, day: int | None, now: datetime | None = None, tz: str = DEFAULT_TIMEZONE
) -> ClearingRun | None:
    """From day `day` of a month (local time) on, queue the previous month's scheduled run
    once; the run made now, or None (off, too early in the month, already made). Checking
    "from the day on" rather than "on the day" lets a worker down that day catch up."""
    if day is None:
        return None
    now = now or datetime.now(UTC)
    if now.astimezone(ZoneInfo(tz)).day < day:
        return None
    period = previous_month(now, tz)
    made = session.scalars(
        select(ClearingRun.id).where(ClearingRun.scheduled_period == period)
    ).first()
    if made is not None:
        return None
    run, created = request_run(
        session, period, SCHEDULER, trigger=ClearingRunTrigger.SCHEDULE, now=now, tz=tz
    )
    return run if created else None
