"""Rate limits of the auth endpoints: a moving window per client address and per account email.

The `limits` library does the counting. On Redis it runs its Lua scripts through the
application's own client (its connection pool, timeouts and retry policy), so every API worker
shares one count. The embedded default's fakeredis cannot run Lua; it is an in-process store
anyway, so there the library's in-process storage holds the same windows.

A Redis that cannot be reached lets the attempt through (and says so in the log): logging in
must not depend on Redis, and each guess still costs an Argon2 verification.
"""

from __future__ import annotations

import hashlib
import logging
import math
import sys
import time
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


def _digest(value: str) -> str:
    # Emails are personal data: Redis keys carry a digest, never the address.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class AuthRateLimiter:
    """Counts attempts of one auth action per client address and per account (email)."""

    storage: Storage
    limit: RateLimitItem

    @classmethod
    def build(cls, client: redis.Redis, limit: str) -> AuthRateLimiter:
        """A limiter on `client` allowing `limit` (e.g. "10/minute") per address and account."""
        return cls(storage_for(client), parse(limit))

    def hit(self, action: str, *, client_ip: str, account: str | None = None) -> None:
        """Count one attempt of `action`; RateLimited (429) if the address or the account
        (an email's case-folded form, or another stable key) has used up its window."""
        limiter = MovingWindowRateLimiter(self.storage)
        buckets = [("ip", client_ip)]
        if account:
            buckets.append(("account", _digest(account)))
        try:
            for kind, value in buckets:
                identifiers = ("auth", action, kind, value)
                if not limiter.hit(self.limit, *identifiers):
                    reset = limiter.get_window_stats(self.limit, *identifiers).reset_time
                    retry_after = max(1, math.ceil(reset - time.time()))
                    log.info("auth rate limit: %s per %s exceeded", action, kind)
                    raise RateLimited(retry_after, limit=str(self.limit))
        except RedisError as exc:
            log.warning("auth rate limit not applied to %s: Redis unavailable (%s)", action, exc)
