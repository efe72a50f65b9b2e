"""The background worker: Dramatiq worker processes run the jobs, a scheduler enqueues the
periodic ones (GTFS-Realtime polling, pruning, the outbox relay, payment reconciliation,
refresh-token purge).

`mobility worker` runs Dramatiq's own process supervisor (`dramatiq.cli`): JOBS_PROCESSES
worker processes of JOBS_THREADS threads, and the scheduler as its fork process. On the
embedded default (no REDIS_URL) the API process runs both in threads (`start_in_thread`).
A periodic job that fails is logged and not retried: its next tick does the work anew.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from sqlalchemy.exc import SQLAlchemyError

from gtfs.realtime.jobs import ingest_source, prune_stale_state, summary_line
from mobility.db import reset_engine_cache, session_scope
from mobility.errors import MobilityError
from mobility.jobs import get_runtime, register_job
from mobility.jobs.inprocess import InProcessWorker
from mobility.jobs.scheduler import Periodic, Scheduler
from mobility.outbox import RELAY_JOB, dispatch_pending, relay_pending
from mobility.settings import get_settings
from services.logging_setup import configure_logging
from services.wiring import install
from ticketing.accounts.service import purge_expired_refresh_tokens
from ticketing.clearing.runs import AUTO_POST_JOB, auto_post_tick
from ticketing.orders.reconcile import reconcile
from ticketing.payments.factory import get_payment_provider

log = logging.getLogger("mobility.worker")
RELAY_EVERY_S = 15.0
PRUNE_EVERY_S = 300.0
RECONCILE_EVERY_S = 600.0
PURGE_EVERY_S = 3600.0
CLEARING_TICK_EVERY_S = 3600.0
EMBEDDED_THREADS = 2


def poll_realtime(feed_id: str) -> None:
    """Ingest one GTFS-Realtime source of REALTIME_FEEDS (bad payload, source down: the next
    tick tries again). The job carries the feed id only: a source's URL may hold an API key,
    and a job's arguments are stored in the broker and written in its failure logs."""
    url = dict(get_settings().realtime_sources()).get(feed_id)
    if url is None:
        log.warning("realtime %s: no longer in REALTIME_FEEDS", feed_id)
        return
    try:
        log.info(summary_line(feed_id, ingest_source(url, feed_id)))
    except MobilityError as exc:
        log.warning("realtime %s: %s", feed_id, exc.detail)


def prune_realtime() -> None:
    log.info("pruned %d stale real-time record(s)", prune_stale_state())


def reconcile_payments() -> None:
    """Repair payments and passes left inconsistent by a crash or a lost webhook."""
    with session_scope() as session:
        report = reconcile(session, get_payment_provider(), datetime.now(UTC))
    log.info("reconciliation: %s", report.summary())


def purge_refresh_tokens() -> None:
    """Forget refresh tokens expired for a day or more."""
    with session_scope() as session:
        purged = purge_expired_refresh_tokens(session, datetime.now(UTC) - timedelta(days=1))
    log.info("%d expired refresh token(s) purged", purged)


def auto_post_clearing() -> None:
    """From CLEARING_AUTO_POST_DAY on, queue the previous month's clearing run (once)."""
    settings = get_settings()
    with session_scope() as session:
        run = auto_post_tick(session, settings.clearing_auto_post_day, tz=settings.timezone)
    if run is not None:
        log.info("clearing of %s queued (run %d)", run.period, run.id)


def register_jobs() -> None:
    """The outbox handlers and the periodic jobs (idempotent)."""
    install()
    for name, fn, every in (
        ("realtime.poll", poll_realtime, get_settings().realtime_poll_s),
        ("realtime.prune", prune_realtime, PRUNE_EVERY_S),
        ("payments.reconcile", reconcile_payments, RECONCILE_EVERY_S),
        ("accounts.purge_refresh_tokens", purge_refresh_tokens, PURGE_EVERY_S),
        (AUTO_POST_JOB, auto_post_clearing, CLEARING_TICK_EVERY_S),
    ):
        # Stale ticks (a worker down for an hour) are dropped, not run one after another.
        register_job(name, fn, max_retries=0, max_age_s=max(every, 30.0))


def setup_broker() -> None:
    """Every job declared on the broker of the settings."""
    register_jobs()
    get_runtime().declare_all()


def setup_worker_process() -> None:
    """The broker callable of the `dramatiq` command (each worker process calls it once): our
    logging (LOG_FORMAT, credentials masked; `--skip-logging` leaves it to us), then the jobs."""
    configure_logging()
    setup_broker()


def run_scheduler() -> int:
    """The scheduler, as the `dramatiq` command's fork process (SIGTERM ends it)."""
    configure_logging()
    setup_broker()
    Worker.from_settings().scheduler().run()
    return 0


@dataclass
class Worker:
    sources: list[tuple[str, str]]
    period_s: float
    # Inside the API process of the embedded default: everything but payment reconciliation,
    # which stays with `mobility worker` however many API processes run.
    embedded: bool = False
    stop: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def from_settings(cls) -> Worker:
        settings = get_settings()
        return cls(settings.realtime_sources(), settings.realtime_poll_s)

    def periodic(self) -> list[Periodic]:
        entries = [
            Periodic("outbox.relay", RELAY_EVERY_S, RELAY_JOB),
            Periodic("realtime.prune", PRUNE_EVERY_S, "realtime.prune"),
            Periodic("accounts.purge", PURGE_EVERY_S, "accounts.purge_refresh_tokens"),
        ]
        entries += [
            Periodic(f"realtime.poll:{feed}", self.period_s, "realtime.poll", (feed,))
            for feed, _url in self.sources
        ]
        if not self.embedded:
            entries.append(Periodic("payments.reconcile", RECONCILE_EVERY_S, "payments.reconcile"))
        # Hourly: the job itself queues a month's run once, from the configured day on.
        if get_settings().clearing_auto_post_day is not None:
            entries.append(Periodic(AUTO_POST_JOB, CLEARING_TICK_EVERY_S, AUTO_POST_JOB))
        return entries

    def scheduler(self) -> Scheduler:
        return Scheduler(self.periodic(), stop=self.stop)

    def round(self) -> None:
        """Everything once, in this process and now (`mobility worker --once`, cron)."""
        register_jobs()
        log.info("delivered %d outbox message(s)", dispatch_pending())
        if get_settings().redis_url:  # an in-memory queue would die with this process unrun
            log.info("relayed %d outbox message(s)", relay_pending())
        jobs: list[tuple[str, Callable[[], None]]] = [
            (f"realtime {feed_id}", partial(poll_realtime, feed_id)) for feed_id, _ in self.sources
        ]
        jobs += [("prune", prune_realtime), ("refresh-token purge", purge_refresh_tokens)]
        jobs.append(("clearing auto-post", auto_post_clearing))
        if not self.embedded:
            jobs.append(("reconciliation", reconcile_payments))
        for name, job in jobs:  # one failing job must not keep the others from running
            try:
                job()
            except (MobilityError, SQLAlchemyError) as exc:
                log.warning("%s failed: %s", name, exc)

    def start_in_thread(self) -> threading.Thread:
        """Jobs and scheduler in this process (the embedded default); `stop.set()`, then join."""
        thread = threading.Thread(target=self._run_embedded, name="mobility-worker", daemon=True)
        thread.start()
        return thread

    def _run_embedded(self) -> None:
        setup_broker()
        jobs = InProcessWorker(EMBEDDED_THREADS)
        jobs.start()
        try:
            self.scheduler().run()
        finally:
            jobs.stop()


def run_processes(processes: int, threads: int) -> int:
    """Dramatiq's supervisor: worker processes and the scheduler; its exit code."""
    import dramatiq.cli

    configure_logging()
    # The children are forked: none may inherit this process's database connections.
    reset_engine_cache()
    args = dramatiq.cli.make_argument_parser().parse_args(
        [
            "services.worker:setup_worker_process",
            "--skip-logging",
            "--processes",
            str(processes),
            "--threads",
            str(threads),
            "--fork-function",
            "services.worker:run_scheduler",
            "--worker-shutdown-timeout",
            "30000",
        ]
    )
    code: int = dramatiq.cli.main(args)
    return code
