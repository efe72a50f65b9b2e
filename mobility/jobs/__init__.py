"""Background jobs on Dramatiq: acknowledged only when done, retried with backoff.

Work is asked for through the transactional outbox (`mobility.outbox`), which publishes each
committed message here; periodic work is enqueued by the worker's scheduler. With REDIS_URL
the queues live in Redis and `mobility worker` processes consume them; a worker that dies
mid-job leaves its message unacknowledged, and the broker gives it to another worker once the
dead one's heartbeat is older than JOBS_HEARTBEAT_TIMEOUT_S. Without REDIS_URL (the embedded
default) an in-memory broker and a worker thread of the API process stand in for both.
"""

from mobility.jobs.registry import (
    DEFAULT_QUEUE,
    LONG_QUEUE,
    JobSpec,
    Queue,
    get_runtime,
    queue_sizes,
    register_job,
    send,
)

__all__ = [
    "DEFAULT_QUEUE",
    "LONG_QUEUE",
    "JobSpec",
    "Queue",
    "get_runtime",
    "queue_sizes",
    "register_job",
    "send",
]
