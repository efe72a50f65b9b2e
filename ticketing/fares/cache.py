"""In-process cache of each feed's priced data: its current version's fares, stops and routes.

A version's rows never change after import and version ids are never reused, so an entry is
valid as long as its version is the feed's current one. One entry per feed: when a request
finds another version current, the old entry is replaced (and its memory freed) at once.
The number of feeds is bounded (least recently used out).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from mobility.db import on_engine_reset
from ticketing.fares.model import FeedFares


@dataclass(frozen=True)
class PricedFeed:
    """What a quote of one feed version needs, loaded once."""

    feed_id: str
    version_id: int
    fares: FeedFares
    stop_ids: frozenset[str]
    route_ids: frozenset[str]

    @property
    def has_fares(self) -> bool:
        return bool(self.fares.leg_rules or self.fares.attributes)


class FeedFaresCache:
    def __init__(self, max_feeds: int = 32) -> None:
        self._data: OrderedDict[str, PricedFeed] = OrderedDict()
        self._lock = threading.Lock()
        self.max_feeds = max_feeds
        self.loads = 0  # how many times an entry was computed (observable by tests and ops)

    def get(self, feed_id: str, version_id: int, load: Callable[[], PricedFeed]) -> PricedFeed:
        """The entry of `feed_id` at `version_id`, loaded with `load` unless cached."""
        with self._lock:
            entry = self._data.get(feed_id)
            if entry is not None and entry.version_id == version_id:
                self._data.move_to_end(feed_id)
                return entry
        # Loaded outside the lock: two first requests may both load; the data is the same.
        entry = load()
        with self._lock:
            self.loads += 1
            # Always the version this request saw current: were a racing load's older version
            # stored last, the next request would find it stale and load again, no worse.
            self._data[feed_id] = entry
            self._data.move_to_end(feed_id)
            while len(self._data) > self.max_feeds:
                self._data.popitem(last=False)
        return entry

    def cached_version(self, feed_id: str) -> int | None:
        with self._lock:
            entry = self._data.get(feed_id)
            return entry.version_id if entry is not None else None

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


fares_cache = FeedFaresCache()
# Version ids are unique within one database; another database (tests, a restore) starts over.
on_engine_reset(fares_cache.clear)
