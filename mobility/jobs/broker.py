"""The Dramatiq broker from settings: Redis on REDIS_URL, in-memory on the embedded default."""

from __future__ import annotations

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from mobility.settings import Settings

# A broker call runs a Lua script (a maintenance pass requeues a dead worker's jobs): more than
# a plain command's REDIS_TIMEOUT_S may be needed.
BROKER_READ_TIMEOUT_S = 5.0


def make_broker(settings: Settings) -> dramatiq.Broker:
    """A broker with Dramatiq's default middleware (age and time limits, retries).

    The Redis broker keeps a message unacknowledged while its job runs and acknowledges it
    after the actor returns; the heartbeat timeout decides how soon a dead worker's messages
    go back to their queue, the maintenance chance how often a broker call looks for them.
    """
    if not settings.redis_url:
        # The embedded default needs no Redis server; its queues die with the process, and the
        # outbox's relay sends again whatever a restart lost.
        broker = StubBroker()
        broker.add_middleware(_ForgetDeadLetters())
        return broker
    # Bounded waits: an API request publishes after its commit, and a Redis that stopped
    # answering must cost it seconds (the relay publishes later), not hang it for good.
    client = redis.Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=settings.redis_timeout_s,
        socket_timeout=max(settings.redis_timeout_s, BROKER_READ_TIMEOUT_S),
    )
    return RedisBroker(
        client=client,
        namespace=settings.effective_jobs_namespace,
        heartbeat_timeout=int(settings.jobs_heartbeat_timeout_s * 1000),
        maintenance_chance=settings.jobs_maintenance_chance,
    )


class _ForgetDeadLetters(dramatiq.Middleware):
    """The in-memory broker would keep every job that failed for good, traceback and all, for
    the life of the API process: a leak. The failure is logged, and an outbox message's is on
    its row, which the relay sends again."""

    def after_nack(self, broker: dramatiq.Broker, _message: dramatiq.MessageProxy) -> None:
        if isinstance(broker, StubBroker):
            for letters in broker.dead_letters_by_queue.values():
                letters.clear()
