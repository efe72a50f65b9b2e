"""A small in-process cache of facts about a feed version.

A version's rows never change after its import (a new import is a new version id; ids are
never reused), so anything computed from them stays true for the life of the process: no
invalidation, only a size bound. What is current is always asked of the database.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from mobility.db import on_engine_reset

T = TypeVar("T")


class VersionCache:
    def __init__(self, max_entries: int = 4096) -> None:
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]  # type: ignore[no-any-return]
        value = compute()
        with self._lock:
            self._data[key] = value
            if len(self._data) > self.max_entries:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


version_cache = VersionCache()
# Version ids are unique within one database; another database (tests, a restore) starts over.
on_engine_reset(version_cache.clear)
