"""A Dramatiq worker in the test process, on the broker of the test's settings (real Redis
under the test's own key prefix, so parallel runs never share a queue)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from mobility.jobs import Queue, get_runtime
from mobility.jobs.inprocess import InProcessWorker

JOIN_TIMEOUT_MS = 30_000  # generous: a bound on a hang, not a speed requirement


@contextmanager
def running_worker(threads: int = 2) -> Iterator[InProcessWorker]:
    """Consume every queue until the block ends."""
    worker = InProcessWorker(threads)
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
        broker = get_runtime().broker
        for queue in Queue:  # what a test left in its queues goes with it
            if queue.value in broker.get_declared_queues():
                broker.flush(queue.value)


def join(queue: Queue = Queue.DEFAULT) -> None:
    """Wait until every message of `queue` (retries included) is acknowledged."""
    get_runtime().broker.join(queue.value, timeout=JOIN_TIMEOUT_MS)
