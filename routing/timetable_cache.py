"""An in-process cache of built timetables, shared by the threads of one API worker.

A timetable is built from the database for one service day over every feed's current version
(`routing.timetable_builder.build_timetable_and_inputs`, the slow part: seconds per city), then
given transfers for a query's walking options (`routing.footpaths.with_walking`, milliseconds).
Both are kept, keyed by the versions they were read from (`version_key`): importing a new
version changes the key, so the next query builds again and the old entry ages out. Version ids
are never reused, so an entry never goes stale; the cache is only bounded.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
from sqlalchemy.orm import Session

from routing.algorithms.timetable import Timetable
from routing.footpaths import TransferInputs, with_walking
from routing.timetable_builder import AREA_TIMEZONE, build_timetable_and_inputs

T = TypeVar("T")

# The builder's own transfer options: a query asking for these needs no `with_walking`.
BUILD_TRANSFER_WALK_M = 400.0
BUILD_WALK_SPEED_MPS = 1.3
# Next-day runs leaving before this GTFS time are included, for evening queries past midnight.
NEXT_DAY_BEFORE_S = 6 * 3600

VersionKey = tuple[tuple[str, int], ...]


@dataclass
class CacheStats:
    """Counts since the cache was made (or cleared)."""

    builds: int = 0  # timetables built from the database
    walking_builds: int = 0  # transfers recomputed for other walking options
    hits: int = 0  # requests answered from the cache


@dataclass(frozen=True)
class BuiltTimetable:
    """A timetable with what the planner needs beside it."""

    timetable: Timetable
    inputs: TransferInputs
    versions: VersionKey
    service_date: date

    @cached_property
    def stop_index(self) -> dict[str, int]:
        """Stop reference -> stop index."""
        return {ref: i for i, ref in enumerate(self.timetable.stop_refs)}

    @cached_property
    def trip_feeds(self) -> np.ndarray:
        """The feed id of each trip (by trip index), for feed filters."""
        return np.array([t.trip_ref.partition(":")[0] for t in self.timetable.trips], dtype=object)

    @cached_property
    def runs_by_trip(self) -> dict[tuple[str, str, date], int]:
        """(feed id, trip id, service date) -> trip index, for the runs a TripUpdate names
        (frequency-based runs share their trip id, so they are left out)."""
        out: dict[tuple[str, str, date], int] = {}
        for i, info in enumerate(self.timetable.trips):
            if not info.frequency_based:
                feed, _, trip_id = info.trip_ref.partition(":")
                out[(feed, trip_id, info.service_date)] = i
        return out


class TimetableCache:
    """Thread-safe, bounded (least recently used out) cache of timetables.

    Parameters
    ----------
    max_entries
        How many timetables (one per versions, service day and walking options) to keep.
    timezone
        The area's time zone the builder places service days in.
    """

    def __init__(self, max_entries: int = 4, timezone: str = AREA_TIMEZONE) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self.timezone = timezone
        self.stats = CacheStats()
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        # One build at a time: concurrent requests for the same day wait for one build rather
        # than each reading the database.
        self._build_lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def clear(self) -> None:
        """Forget every timetable and reset the counts."""
        with self._lock:
            self._data.clear()
            self.stats = CacheStats()

    def _lookup(self, key: Hashable) -> Any | None:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return None

    def _get(self, key: Hashable, compute: Callable[[], T]) -> tuple[T, bool]:
        """(value, True if it was cached)."""
        found = self._lookup(key)
        if found is not None:
            return found, True  # type: ignore[no-any-return]
        with self._build_lock:
            found = self._lookup(key)  # built by another thread meanwhile
            if found is not None:
                return found, True  # type: ignore[no-any-return]
            value = compute()
        self._store(key, value)
        return value, False

    def _store(self, key: Hashable, value: object) -> None:
        """Keep `value`, dropping the least recently used entries beyond `max_entries`."""
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)

    def get(
        self,
        session: Session,
        versions: VersionKey,
        service_date: date,
        *,
        max_transfer_walk_m: float = BUILD_TRANSFER_WALK_M,
        walk_speed_mps: float = BUILD_WALK_SPEED_MPS,
    ) -> BuiltTimetable:
        """The timetable of `service_date` over `versions` (what `version_key(session)` says is
        current) with transfers for these walking options; built on a miss."""
        base_key = ("base", versions, service_date)
        walk_key = (*base_key, float(max_transfer_walk_m), float(walk_speed_mps))

        def build() -> BuiltTimetable:
            timetable, inputs = build_timetable_and_inputs(
                session,
                service_date,
                max_transfer_walk_m=BUILD_TRANSFER_WALK_M,
                walk_speed_mps=BUILD_WALK_SPEED_MPS,
                timezone=self.timezone,
                next_day_before_s=NEXT_DAY_BEFORE_S,
            )
            with self._lock:
                self.stats.builds += 1
            return BuiltTimetable(timetable, inputs, versions, service_date)

        if (max_transfer_walk_m, walk_speed_mps) == (BUILD_TRANSFER_WALK_M, BUILD_WALK_SPEED_MPS):
            built, hit = self._get(base_key, build)
        else:

            def walking() -> BuiltTimetable:
                base = self._base_under_build_lock(base_key, build)
                timetable = with_walking(
                    base.timetable,
                    base.inputs,
                    max_transfer_walk_m=max_transfer_walk_m,
                    walk_speed_mps=walk_speed_mps,
                )
                with self._lock:
                    self.stats.walking_builds += 1
                return BuiltTimetable(timetable, base.inputs, versions, service_date)

            built, hit = self._get(walk_key, walking)
        if hit:
            with self._lock:
                self.stats.hits += 1
        return built

    def _base_under_build_lock(
        self, key: Hashable, compute: Callable[[], BuiltTimetable]
    ) -> BuiltTimetable:
        """The base timetable, called while the build lock is held (so no second lock)."""
        found = self._lookup(key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        value = compute()
        self._store(key, value)
        return value
