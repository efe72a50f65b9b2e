"""The background worker: polls GTFS-Realtime sources, prunes stale real-time state, delivers
the outbox and reconciles payments.

A failing source is logged and retried next round; it never stops the others. SIGTERM and
SIGINT end the loop after the current round, so a container stops cleanly.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from gtfs.realtime.jobs import ingest_source, prune_stale_state, summary_line
from mobility.db import session_scope
from mobility.errors import MobilityError
from mobility.outbox import dispatch_pending
from mobility.settings import get_settings
from services.wiring import install, install_worker_jobs
from ticketing.accounts.service import purge_expired_refresh_tokens
from ticketing.orders.reconcile import reconcile
from ticketing.payments.factory import get_payment_provider

log = logging.getLogger("mobility.worker")
PRUNE_EVERY_S = 300.0
RECONCILE_EVERY_S = 600.0


@dataclass
class Worker:
    sources: list[tuple[str, str]]
    period_s: float
    # Inside the API process of the embedded default: everything but payment reconciliation,
    # which stays with one `mobility worker` however many API processes run.
    embedded: bool = False
    stop: threading.Event = field(default_factory=threading.Event)
    _last_prune: float = 0.0
    _last_reconcile: float = 0.0

    @classmethod
    def from_settings(cls) -> Worker:
        settings = get_settings()
        return cls(settings.realtime_sources(), settings.realtime_poll_s)

    def run(self, *, once: bool = False, handle_signals: bool = True) -> None:
        """Rounds every `period_s` until stopped (SIGTERM/SIGINT when `handle_signals`, which
        only the main thread may; `stop` otherwise)."""
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        install()
        install_worker_jobs()
        if not once and handle_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: self.stop.set())
        log.info(
            "worker started: %d real-time source(s), every %.0f s", len(self.sources), self.period_s
        )
        while True:
            started = time.monotonic()
            try:
                self.round()
            except Exception:  # a failed round must not end the loop: the next may succeed
                log.exception("worker round failed")
            if once or self.stop.wait(max(0.0, self.period_s - (time.monotonic() - started))):
                break
        log.info("worker stopped")

    def start_in_thread(self) -> threading.Thread:
        """Run in a daemon thread of this process (stop with `stop.set()`, then join)."""
        thread = threading.Thread(
            target=self.run, kwargs={"handle_signals": False}, name="mobility-worker", daemon=True
        )
        thread.start()
        return thread

    def round(self) -> None:
        self.deliver_outbox()
        for feed_id, url in self.sources:
            try:
                log.info(summary_line(feed_id, ingest_source(url, feed_id)))
            except MobilityError as exc:  # bad payload, source down: next round may do better
                log.warning("realtime %s: %s", feed_id, exc.detail)
        if time.monotonic() - self._last_prune >= PRUNE_EVERY_S:
            self._last_prune = time.monotonic()
            try:
                log.info("pruned %d stale real-time record(s)", prune_stale_state())
            except MobilityError as exc:
                log.warning("prune failed: %s", exc.detail)
        if not self.embedded and time.monotonic() - self._last_reconcile >= RECONCILE_EVERY_S:
            self._last_reconcile = time.monotonic()
            self.reconcile()

    def deliver_outbox(self) -> None:
        """Messages not delivered in process (a crash, a failing handler) are retried here."""
        try:
            delivered = dispatch_pending()
        except SQLAlchemyError as exc:
            log.warning("outbox dispatch failed: %s", exc.__class__.__name__)
            return
        if delivered:
            log.info("delivered %d outbox message(s)", delivered)

    def reconcile(self) -> None:
        """Repair payments and passes; forget refresh tokens expired for a day or more."""
        now = datetime.now(UTC)
        try:
            with session_scope() as session:
                report = reconcile(session, get_payment_provider(), now)
                purged = purge_expired_refresh_tokens(session, now - timedelta(days=1))
            log.info(
                "reconciliation: %s; %d expired refresh token(s) purged", report.summary(), purged
            )
        except (MobilityError, SQLAlchemyError) as exc:
            log.warning("reconciliation failed: %s", exc)
