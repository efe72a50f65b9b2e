"""Rate limits of the auth endpoints: a moving window per client address and per account email.

The counting (Redis through the application's client, in-process on the embedded default,
open when Redis is down) is `mobility.auth.ratelimit`'s; this names the buckets of a login.
"""

from __future__ import annotations

from dataclasses import dataclass

import redis
from limits import RateLimitItem, parse
from limits.storage import Storage

from mobility.auth.ratelimit import Bucket, RateLimiter, digest, storage_for

__all__ = ["AuthRateLimiter", "storage_for"]


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
        buckets: list[Bucket] = [("ip", client_ip)]
        if account:
            buckets.append(("account", digest(account)))
        RateLimiter(self.storage, self.limit).hit("auth", action, buckets)
