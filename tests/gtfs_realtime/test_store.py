from __future__ import annotations

import threading
from datetime import date

import pytest
import redis

from gtfs.realtime.errors import RealtimeStoreUnavailable
from gtfs.realtime.records import Stamped, TripDescriptor, TripUpdate
from gtfs.realtime.store import (
    TRIP_UPDATES,
    RedisLayout,
    delete_members,
    get_feed_trip_updates,
    get_trip_updates,
    trip_member,
    write_latest,
)
from mobility.redis_client import make_redis

DAY = date(2025, 8, 21)


def _tu(trip_id: str, delay: int) -> TripUpdate:
    return TripUpdate(
        entity_id=f"e-{trip_id}",
        trip_id=trip_id,
        service_date=DAY,
        service_date_derived=False,
        trip=TripDescriptor(trip_id=trip_id, start_date=DAY),
        delay=delay,
    )


def _write(
    client: redis.Redis,
    layout: RedisLayout,
    *items: tuple[str, int, int, int],
    purge_before: int | None = None,
):  # type: ignore[no-untyped-def]
    """Write (trip_id, delay, observed_at, feed_timestamp) items as the feed `f1`."""
    stamped = {trip_member(t, DAY): Stamped(_tu(t, d), obs, fts) for t, d, obs, fts in items}
    return write_latest(client, layout, "f1", TRIP_UPDATES, stamped, purge_before=purge_before)


def _delays(client: redis.Redis, layout: RedisLayout) -> dict[str, int | None]:
    return {k[0]: tu.delay for k, tu in get_feed_trip_updates(client, "f1", layout=layout).items()}


def test_newer_replaces_and_older_is_ignored(rt_redis: redis.Redis, layout: RedisLayout) -> None:
    """A newer stamp replaces the stored trip update; an older one is reported stale and dropped."""
    assert _write(rt_redis, layout, ("T1", 60, 100, 100)).written == {"20250821:T1"}
    assert _write(rt_redis, layout, ("T1", 120, 200, 200)).written == {"20250821:T1"}
    late = _write(rt_redis, layout, ("T1", 30, 150, 150))
    assert (late.written, late.stale) == (set(), {"20250821:T1"})
    assert _delays(rt_redis, layout) == {"T1": 120}


def test_equal_observation_breaks_tie_on_feed_time(
    rt_redis: redis.Redis, layout: RedisLayout
) -> None:
    """With equal entity times the newer feed header wins, the older one is stale."""
    _write(rt_redis, layout, ("T1", 60, 100, 300))
    assert _write(rt_redis, layout, ("T1", 99, 100, 200)).stale == {"20250821:T1"}
    assert _write(rt_redis, layout, ("T1", 90, 100, 300)).written == {"20250821:T1"}
    assert _delays(rt_redis, layout) == {"T1": 90}


def test_keys_expire_with_the_configured_ttl(rt_redis: redis.Redis, layout: RedisLayout) -> None:
    """The trip hash and the feed index both carry the real-time TTL."""
    _write(rt_redis, layout, ("T1", 60, 100, 100))
    key = layout.entity_key(TRIP_UPDATES, "f1", "20250821:T1")
    assert 0 < rt_redis.ttl(key) <= layout.ttl_s
    assert 0 < rt_redis.ttl(layout.index_key(TRIP_UPDATES, "f1")) <= layout.ttl_s
    assert rt_redis.hget(key, "ts") == b"100"


def test_readers_fetch_many_and_skip_missing(rt_redis: redis.Redis, layout: RedisLayout) -> None:
    """get_trip_updates returns the stored trips by (trip_id, date) and leaves out the others."""
    _write(rt_redis, layout, ("T1", 60, 100, 100), ("T2", 0, 100, 100))
    found = get_trip_updates(
        rt_redis, "f1", [("T1", DAY), ("T2", DAY), ("T3", DAY), ("T1", date(2025, 8, 22))],
        layout=layout,
    )  # fmt: skip
    assert {k: tu.delay for k, tu in found.items()} == {("T1", DAY): 60, ("T2", DAY): 0}
    assert get_trip_updates(rt_redis, "other-feed", [("T1", DAY)], layout=layout) == {}


def test_purge_drops_absent_older_members_only(rt_redis: redis.Redis, layout: RedisLayout) -> None:
    """A full dataset purges trips it no longer lists from older feeds, not newer ones."""
    _write(rt_redis, layout, ("OLD", 1, 100, 100), ("NEWER", 2, 400, 400), ("KEPT", 3, 100, 100))
    result = _write(rt_redis, layout, ("KEPT", 4, 300, 300), purge_before=300)
    assert result.purged == 1
    assert _delays(rt_redis, layout) == {"NEWER": 2, "KEPT": 4}
    assert not rt_redis.exists(layout.entity_key(TRIP_UPDATES, "f1", "20250821:OLD"))


def test_stale_member_of_a_full_dataset_is_not_purged(
    rt_redis: redis.Redis, layout: RedisLayout
) -> None:
    """A trip listed (though stale) in the purging feed stays: it is not absent from the feed."""
    _write(rt_redis, layout, ("T1", 60, 250, 200))
    result = _write(rt_redis, layout, ("T1", 5, 240, 300), purge_before=300)
    assert (result.stale, result.purged) == ({"20250821:T1"}, 0)
    assert _delays(rt_redis, layout) == {"T1": 60}


def test_delete_members_forgets_state(rt_redis: redis.Redis, layout: RedisLayout) -> None:
    """Deleted members vanish from the hashes and the index."""
    _write(rt_redis, layout, ("T1", 60, 100, 100), ("T2", 0, 100, 100))
    delete_members(rt_redis, layout, "f1", TRIP_UPDATES, ["20250821:T1"])
    assert _delays(rt_redis, layout) == {"T2": 0}


def test_concurrent_writers_keep_the_newest(rt_redis: redis.Redis, layout: RedisLayout) -> None:
    """Writers racing on one trip leave the highest stamp, whatever the interleaving."""
    errors: list[BaseException] = []

    def writer(base: int) -> None:
        try:
            for n in range(15):
                _write(rt_redis, layout, ("T1", base + n, base + n, base + n))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(b,)) for b in (1000, 2000, 3000)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _delays(rt_redis, layout) == {"T1": 3014}


def test_unreachable_redis_is_a_domain_error(layout: RedisLayout) -> None:
    """A Redis that refuses connections raises RealtimeStoreUnavailable (HTTP 503)."""
    client = make_redis("redis://127.0.0.1:1/0")
    with pytest.raises(RealtimeStoreUnavailable, match="Redis is unreachable") as caught:
        _write(client, layout, ("T1", 60, 100, 100))
    assert caught.value.status == 503
    with pytest.raises(RealtimeStoreUnavailable):
        get_trip_updates(client, "f1", [("T1", DAY)], layout=layout)
