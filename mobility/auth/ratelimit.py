"""Moving-window rate limits on the application's Redis: the one counter every limit shares.

The `limits` library does the counting. On Redis it runs its Lua scripts through the
application's own client (its connection pool, timeouts and retry policy), so every API worker
shares one count. The embedded default's fakeredis cannot run Lua; it is an in-process store
anyway, so there the library's in-process storage holds the same windows.

A Redis that cannot be reached neither blocks everyone nor lifts the limits: the attempt is
counted in this process instead (and the log says so). Logging in and buying keep working
without Redis, while a password-guessing or card-testing run still meets a limit, per worker
process rather than across them: the same degradation for every limit, since failing open
would hand exactly those attacks a way in (take Redis down, then guess) and failing closed
would turn a Redis outage into an outage of logins, gates and purchases.
"""

from __future__ import annotations

import hashlib
import logging
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import redis
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

from mobility.redis_client import key

from .errors import RateLimited

log = logging.getLogger(__name__)

# (bucket kind, value): e.g. ("ip", "192.0.2.1") or ("account", digest).
Bucket = tuple[str, str]


@lru_cache(maxsize=1)
def _in_process_storage() -> MemoryStorage:
    return MemoryStorage()


def _is_fake(client: redis.Redis) -> bool:
    # fakeredis is imported only by the embedded default; if it was never imported, the client
    # cannot be one of its clients (and we need not import it to find out).
    fake = sys.modules.get("fakeredis")
    return fake is not None and isinstance(client, fake.FakeRedis | fake.FakeStrictRedis)


def storage_for(client: redis.Redis) -> Storage:
    """The limits storage on `client`: Redis through its pool, or in-process for fakeredis."""
    if _is_fake(client):
        return _in_process_storage()
    # The uri is only read for its scheme when a pool is given; keys live under our prefix.
    return RedisStorage(
        "redis://", connection_pool=client.connection_pool, key_prefix=key("ratelimit")
    )


def digest(value: str) -> str:
    """A short digest for a bucket: emails and subjects are personal data, Redis keys are not."""
    return hashlib.sha256(value.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class RateLimiter:
    """One limit (e.g. "10/minute") counted per bucket of a named action."""

    storage: Storage
    limit: RateLimitItem

    @classmethod
    def build(cls, client: redis.Redis, limit: str) -> RateLimiter:
        """A limiter on `client` allowing `limit` per bucket."""
        return cls(storage_for(client), parse(limit))

    def _retry_after(self, limiter: MovingWindowRateLimiter, identifiers: Sequence[str]) -> int:
        reset = limiter.get_window_stats(self.limit, *identifiers).reset_time
        return max(1, math.ceil(reset - time.time()))

    def hit(self, namespace: str, action: str, buckets: Sequence[Bucket]) -> None:
        """Count one attempt in every bucket; RateLimited (429) once any has used its window."""
        self._apply(namespace, action, buckets, count=True)

    def check(self, namespace: str, action: str, buckets: Sequence[Bucket]) -> None:
        """RateLimited (429) if any bucket has used its window, without counting an attempt:
        for limits on failures, counted by `hit` only when an attempt fails."""
        self._apply(namespace, action, buckets, count=False)

    def _apply(
        self, namespace: str, action: str, buckets: Sequence[Bucket], *, count: bool
    ) -> None:
        try:
            self._apply_on(self.storage, namespace, action, buckets, count=count)
        except RedisError as exc:
            log.warning(
                "rate limit of %s counted in this process only: Redis unavailable (%s)",
                action,
                exc,
            )
            self._apply_on(_in_process_storage(), namespace, action, buckets, count=count)

    def _apply_on(
        self,
        storage: Storage,
        namespace: str,
        action: str,
        buckets: Sequence[Bucket],
        *,
        count: bool,
    ) -> None:
        limiter = MovingWindowRateLimiter(storage)
        for kind, value in buckets:
            identifiers = (namespace, action, kind, value)
            allowed = (
                limiter.hit(self.limit, *identifiers)
                if count
                else limiter.test(self.limit, *identifiers)
            )
            if not allowed:
                log.info("rate limit: %s %s per %s reached", namespace, action, kind)
                raise RateLimited(self._retry_after(limiter, identifiers), limit=str(self.limit))
