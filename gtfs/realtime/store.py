"""The latest real-time state in Redis, for the departures board and the journey planner.

Layout (prefix from settings, `kind` one of tu, vp, al):

- ``{prefix}rt:{feed}:tu:{YYYYMMDD}:{trip_id}`` (a trip update), ``{prefix}rt:{feed}:vp:{entity}``
  and ``{prefix}rt:{feed}:al:{entity}``: a hash with ``d`` (the record as JSON), ``ts`` and
  ``fts`` (the POSIX times that order updates), expiring after ``realtime_ttl_s``;
- ``{prefix}rt:{feed}:index:{kind}``: a sorted set of the members (``YYYYMMDD:trip_id`` or the
  entity id) scored by expiry time, so a reader lists a feed's live state without SCAN;
- ``{prefix}rt:{feed}:gen:{kind}``: a counter raised by every write that changes the state, so
  a reader that derived something from it (the journey planner's timetable) knows, with one
  MGET, whether to derive it again.

Writes are optimistic transactions (WATCH, read versions, MULTI/EXEC): a concurrent writer
makes us retry rather than overwrite newer state. No Lua, so the embedded fakeredis works too.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.exceptions import WatchError

from gtfs.realtime import codec
from gtfs.realtime.errors import RealtimeStoreUnavailable
from gtfs.realtime.records import Alert, Stamped, TripUpdate, VehiclePosition
from mobility.settings import get_settings

T = TypeVar("T")
_ATTEMPTS = 10
_BACKOFF_S = 0.002  # doubled per retry, with jitter so racing writers fall out of step
TRIP_UPDATES, VEHICLE_POSITIONS, ALERTS = "tu", "vp", "al"


@dataclass(frozen=True, slots=True)
class RedisLayout:
    """Where the real-time state lives in Redis, and for how long."""

    prefix: str
    ttl_s: int

    @classmethod
    def from_settings(cls) -> RedisLayout:
        settings = get_settings()
        return cls(prefix=settings.redis_key_prefix, ttl_s=settings.realtime_ttl_s)

    def entity_key(self, kind: str, feed_id: str, member: str) -> str:
        return f"{self.prefix}rt:{feed_id}:{kind}:{member}"

    def index_key(self, kind: str, feed_id: str) -> str:
        return f"{self.prefix}rt:{feed_id}:index:{kind}"

    def generation_key(self, kind: str, feed_id: str) -> str:
        return f"{self.prefix}rt:{feed_id}:gen:{kind}"


def trip_member(trip_id: str, service_date: date) -> str:
    # The fixed-width date first keeps the member unambiguous whatever the trip_id contains.
    return f"{service_date:%Y%m%d}:{trip_id}"


@dataclass
class RedisWrite:
    written: set[str] = field(default_factory=set)
    stale: set[str] = field(default_factory=set)
    purged: int = 0


@contextmanager
def _redis_errors() -> Iterator[None]:
    try:
        yield
    except (RedisConnectionError, RedisTimeoutError) as exc:
        raise RealtimeStoreUnavailable(f"Redis is unreachable: {exc}") from exc


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _version(raw: list[Any]) -> tuple[int, int] | None:
    return (int(raw[0]), int(raw[1])) if raw[0] is not None and raw[1] is not None else None


def write_latest(
    client: redis.Redis,
    layout: RedisLayout,
    feed_id: str,
    kind: str,
    items: Mapping[str, Stamped[Any]],
    *,
    purge_before: int | None = None,
) -> RedisWrite:
    """Write each member's record unless Redis holds a newer one.

    With `purge_before` (a full dataset's header time), also drop the feed's members of this
    kind that are absent from `items` and were last confirmed by an older feed.
    """
    if not items and purge_before is None:
        return RedisWrite()
    index = layout.index_key(kind, feed_id)
    keys = {member: layout.entity_key(kind, feed_id, member) for member in items}
    with _redis_errors():
        for attempt in range(_ATTEMPTS):
            try:
                return _attempt(client, layout, index, keys, items, kind, feed_id, purge_before)
            except WatchError:
                time.sleep(random.uniform(0, _BACKOFF_S * 2**attempt))
    raise RealtimeStoreUnavailable(
        f"real-time state of feed {feed_id!r} kept changing under {_ATTEMPTS} write attempts"
    )


def _attempt(
    client: redis.Redis,
    layout: RedisLayout,
    index: str,
    keys: dict[str, str],
    items: Mapping[str, Stamped[Any]],
    kind: str,
    feed_id: str,
    purge_before: int | None,
) -> RedisWrite:
    now = int(time.time())  # wall clock: index scores must expire with the hashes' TTLs
    with client.pipeline(transaction=True) as tx:
        # Only a purge needs the index stable; ZADDs of concurrent writers commute.
        tx.watch(*keys.values(), *((index,) if purge_before is not None else ()))
        others: dict[str, str] = {}
        if purge_before is not None:
            listed = (_text(m) for m in tx.zrangebyscore(index, now, "+inf"))
            others = {m: layout.entity_key(kind, feed_id, m) for m in listed if m not in keys}
            if others:
                tx.watch(*others.values())
        # WATCH came first, so a write between this read and EXEC aborts the transaction.
        reader = client.pipeline(transaction=False)
        for key in (*keys.values(), *others.values()):
            reader.hmget(key, "ts", "fts", "d")
        raws = reader.execute()
        stored = dict(zip((*keys, *others), (_version(raw) for raw in raws), strict=True))
        records = dict(zip(keys, (raw[2] for raw in raws), strict=False))
        result = RedisWrite()
        changed = False
        tx.multi()
        for member, item in items.items():
            current = stored[member]
            if current is not None and item.version < current:
                result.stale.add(member)
                continue
            encoded = codec.dumps(item.record)
            # A producer repeating the same state (every poll) refreshes it without a change.
            changed = changed or _text(records[member] or b"") != _text(encoded)
            tx.hset(
                keys[member],
                mapping={"d": encoded, "ts": item.observed_at, "fts": item.feed_timestamp},
            )
            tx.expire(keys[member], layout.ttl_s)
            tx.zadd(index, {member: now + layout.ttl_s})
            result.written.add(member)
        for member, key in others.items():
            current = stored[member]
            if purge_before is not None and (current is None or current[1] < purge_before):
                tx.delete(key)
                tx.zrem(index, member)
                result.purged += current is not None
        tx.zremrangebyscore(index, "-inf", f"({now}")  # members whose hashes have expired
        tx.expire(index, layout.ttl_s)
        if changed or result.purged:
            tx.incr(layout.generation_key(kind, feed_id))
        tx.execute()
    return result


def delete_members(
    client: redis.Redis, layout: RedisLayout, feed_id: str, kind: str, members: Iterable[str]
) -> None:
    """Forget these members (entities the feed marked is_deleted)."""
    members = list(members)
    if not members:
        return
    with _redis_errors(), client.pipeline(transaction=True) as tx:
        tx.delete(*(layout.entity_key(kind, feed_id, m) for m in members))
        tx.zrem(layout.index_key(kind, feed_id), *members)
        tx.incr(layout.generation_key(kind, feed_id))
        tx.execute()


def generations(
    client: redis.Redis,
    feed_ids: Sequence[str],
    kind: str = TRIP_UPDATES,
    *,
    layout: RedisLayout | None = None,
) -> tuple[int, ...]:
    """Each feed's change counter of `kind` (0 before its first write), in one round trip."""
    layout = layout or RedisLayout.from_settings()
    if not feed_ids:
        return ()
    with _redis_errors():
        raw = client.mget([layout.generation_key(kind, f) for f in feed_ids])
    return tuple(int(v) if v is not None else 0 for v in raw)


def _read(client: redis.Redis, keys: list[str], cls: type[T]) -> list[T | None]:
    with _redis_errors():
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.hget(key, "d")
        raws = pipe.execute()
    return [codec.loads(cls, raw) if raw is not None else None for raw in raws]


def has_live_trip_updates(
    client: redis.Redis, feed_id: str, *, layout: RedisLayout | None = None
) -> bool:
    """Whether any trip update of the feed is still live: one ZCOUNT, so boards of feeds
    without real-time skip the per-trip lookups."""
    layout = layout or RedisLayout.from_settings()
    with _redis_errors():
        index = layout.index_key(TRIP_UPDATES, feed_id)
        return bool(client.zcount(index, int(time.time()), "+inf"))


def get_trip_updates(
    client: redis.Redis,
    feed_id: str,
    trip_keys: Iterable[tuple[str, date]],
    *,
    layout: RedisLayout | None = None,
) -> dict[tuple[str, date], TripUpdate]:
    """The live trip updates of these (trip_id, service date) keys, in one round trip."""
    layout = layout or RedisLayout.from_settings()
    wanted = list(dict.fromkeys(trip_keys))
    keys = [layout.entity_key(TRIP_UPDATES, feed_id, trip_member(*k)) for k in wanted]
    found = _read(client, keys, TripUpdate)
    return {k: tu for k, tu in zip(wanted, found, strict=True) if tu is not None}


def _read_kind(
    client: redis.Redis, layout: RedisLayout, feed_id: str, kind: str, cls: type[T]
) -> list[T]:
    with _redis_errors():
        listed = client.zrangebyscore(layout.index_key(kind, feed_id), int(time.time()), "+inf")
    members = [_text(m) for m in listed]
    found = _read(client, [layout.entity_key(kind, feed_id, m) for m in members], cls)
    return [record for record in found if record is not None]


def get_feed_trip_updates(
    client: redis.Redis, feed_id: str, *, layout: RedisLayout | None = None
) -> dict[tuple[str, date], TripUpdate]:
    """Every live trip update of the feed (two round trips: the index, then the hashes)."""
    found = _read_kind(
        client, layout or RedisLayout.from_settings(), feed_id, TRIP_UPDATES, TripUpdate
    )
    return {tu.key: tu for tu in found}


def get_vehicle_positions(
    client: redis.Redis, feed_id: str, *, layout: RedisLayout | None = None
) -> list[VehiclePosition]:
    """Every live vehicle position of the feed."""
    layout = layout or RedisLayout.from_settings()
    return _read_kind(client, layout, feed_id, VEHICLE_POSITIONS, VehiclePosition)


def get_alerts(
    client: redis.Redis, feed_id: str, *, layout: RedisLayout | None = None
) -> list[Alert]:
    """Every live alert of the feed (filter with `Alert.is_active`)."""
    return _read_kind(client, layout or RedisLayout.from_settings(), feed_id, ALERTS, Alert)
