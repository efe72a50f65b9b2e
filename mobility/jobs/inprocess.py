"""A Dramatiq worker inside this process: the embedded default's stand-in for `mobility worker`."""

from __future__ import annotations

import logging

import dramatiq

from mobility.jobs.registry import get_runtime

log = logging.getLogger("mobility.jobs")
# Shutdown waits this long for running jobs; a long job cut short is sent again (at least once).
STOP_TIMEOUT_MS = 10_000


class InProcessWorker:
    """Consume every declared queue of the current broker with `threads` threads."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._worker: dramatiq.Worker | None = None

    def start(self) -> None:
        runtime = get_runtime()
        runtime.declare_all()
        # Wake often when idle: an in-memory queue costs nothing to look at.
        self._worker = dramatiq.Worker(
            runtime.broker, worker_threads=self.threads, worker_timeout=100
        )
        self._worker.start()
        log.info("in-process job worker started: %d thread(s)", self.threads)

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.stop(timeout=STOP_TIMEOUT_MS)
            self._worker = None
