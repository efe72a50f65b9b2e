"""Redis client factory: real Redis when REDIS_URL is set, the in-process substitute otherwise."""

from __future__ import annotations

from functools import lru_cache

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from mobility.settings import get_settings


def make_redis(url: str) -> redis.Redis:
    """A client for `url`; an empty URL gives a fakeredis server shared within this process."""
    if url:
        # Fail fast: callers fall back (gates to their offline rules, boards to the database),
        # which the default retries with backoff would delay by many seconds.
        timeout = get_settings().redis_timeout_s
        return redis.Redis.from_url(
            url,
            decode_responses=False,
            health_check_interval=30,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 1),
        )
    import fakeredis  # the embedded default only: never used when REDIS_URL is set

    return fakeredis.FakeRedis(server=_embedded_server())


@lru_cache(maxsize=1)
def _embedded_server():  # type: ignore[no-untyped-def]
    import fakeredis

    return fakeredis.FakeServer()


@lru_cache(maxsize=1)
def get_redis() -> redis.Redis:
    return make_redis(get_settings().redis_url)


def key(*parts: str) -> str:
    """A namespaced key: the configured prefix, then the parts joined by ':'."""
    return get_settings().redis_key_prefix + ":".join(parts)


def reset_redis_cache() -> None:
    get_redis.cache_clear()
