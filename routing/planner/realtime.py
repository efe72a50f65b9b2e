"""The live view of a built timetable: GTFS-Realtime TripUpdates applied, kept while they hold.

Each feed's live TripUpdates (Redis, `gtfs.realtime.store`) are applied to the scheduled stop
times of their runs with the spec's propagation (`gtfs.realtime.propagate`): a delay runs on
downstream until the next update, a SKIPPED stop is neither boarded nor alighted at, a CANCELED
trip is not ridden. Those become `routing.builder.realtime.TripChange`s on the timetable's runs.

A view is derived once and shared by the requests of a process until the real-time state
changes: every write to it raises a per-feed counter (`gtfs.realtime.store.generations`, one
MGET per request), so an answer reflects an update from the first request after its ingestion.
Updates also expire in Redis without a write, so a view holding live changes is re-derived at
least every `refresh_s` seconds. When Redis is unreachable, planning goes on with the schedule
and says so (`LiveView.status`).

Runs of frequency-based trips are matched by start time in the spec, not by trip id: they keep
their schedule here, as on the departures board.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal
from zoneinfo import ZoneInfo

import numpy as np
import redis
from sqlalchemy.orm import Session

from gtfs.models import FeedVersion
from gtfs.realtime import store
from gtfs.realtime.errors import RealtimeStoreUnavailable
from gtfs.realtime.propagate import RealtimeStopTime, TripRealtime, apply_trip_update
from gtfs.realtime.records import TripUpdate
from gtfs.repository import GtfsRepository
from gtfs.service_days import service_day_origin
from routing.algorithms.timetable import Timetable
from routing.builder.realtime import TripChange, apply_changes
from routing.timetable_cache import BuiltTimetable

log = logging.getLogger(__name__)

Status = Literal["schedule", "live", "unavailable"]
REFRESH_S = 30.0
MAX_DELAY_S = 12 * 3600  # a larger delay (or a far-off time) is a producer's error, not a delay


@dataclass(frozen=True)
class LiveView:
    """What the planner rides on, and which runs carry live data.

    ``status``: "live" when the real-time state was read (whether or not it changed anything),
    "schedule" when no real-time source is configured, "unavailable" when it could not be read.
    """

    timetable: Timetable
    changes: Mapping[int, TripChange] = field(default_factory=dict)
    status: Status = "schedule"


@dataclass
class _Entry:
    """A derived view, without a reference to the timetable it is keyed by (the weak key must
    be free to go when the timetable cache drops it): the changed timetable, or None when
    nothing changed it."""

    generations: tuple[int, ...]
    derived_at: float
    changes: Mapping[int, TripChange]
    timetable: Timetable | None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def view(self, base: Timetable) -> LiveView:
        return LiveView(self.timetable or base, self.changes, "live")


class LiveTimetables:
    """Per process: the live view of each built timetable, re-derived when the state changes.

    Parameters
    ----------
    client
        Returns the Redis client holding the real-time state (called per request, so settings
        and test overrides apply).
    refresh_s
        Longest time a view holding live changes is kept without a state change, for updates
        that expire.
    layout
        Returns where the state lives in Redis (default: from the settings, per request).
    """

    def __init__(
        self,
        client: Callable[[], redis.Redis],
        refresh_s: float = REFRESH_S,
        layout: Callable[[], store.RedisLayout] = store.RedisLayout.from_settings,
    ) -> None:
        self.client = client
        self.refresh_s = refresh_s
        self.layout = layout
        self.derivations = 0  # views derived since creation (for tests and metrics)
        self._views: weakref.WeakKeyDictionary[Timetable, _Entry] = weakref.WeakKeyDictionary()
        self._locks: weakref.WeakKeyDictionary[Timetable, threading.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()  # guards the two dictionaries only

    def view(
        self,
        session: Session,
        built: BuiltTimetable,
        versions: Mapping[str, FeedVersion],
        area: ZoneInfo,
    ) -> LiveView:
        """The live view of `built` (read from the feeds' `versions`; `area` is the time zone
        of feeds that name none)."""
        feeds = [f for f, _ in built.versions]
        base = built.timetable
        try:
            client, layout = self.client(), self.layout()
            generations = store.generations(client, feeds, layout=layout)
            entry = self._entry(base)
            if entry is not None and self._fresh(entry, generations):
                return entry.view(base)
            # One derivation per timetable at a time; requests on other timetables go on.
            with self._timetable_lock(base):
                entry = self._entry(base)
                if entry is not None and self._fresh(entry, generations):
                    return entry.view(base)
                changes = self._changes(session, built, versions, area, client, layout)
                changed = apply_changes(base, list(changes.values()))
                entry = _Entry(
                    generations, time.monotonic(), changes, None if changed is base else changed
                )
                with self._lock:
                    self._views[base] = entry
                    self.derivations += 1
                return entry.view(base)
        except RealtimeStoreUnavailable as exc:
            log.warning("planning on the schedule: real-time state unreadable (%s)", exc)
            return LiveView(base, status="unavailable")

    def _entry(self, base: Timetable) -> _Entry | None:
        with self._lock:
            return self._views.get(base)

    def _timetable_lock(self, base: Timetable) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(base, threading.Lock())

    def _fresh(self, entry: _Entry, generations: tuple[int, ...]) -> bool:
        if entry.generations != generations:
            return False
        return not entry.changes or time.monotonic() - entry.derived_at < self.refresh_s

    def _changes(
        self,
        session: Session,
        built: BuiltTimetable,
        versions: Mapping[str, FeedVersion],
        area: ZoneInfo,
        client: redis.Redis,
        layout: store.RedisLayout,
    ) -> dict[int, TripChange]:
        changes: dict[int, TripChange] = {}
        for feed, _ in built.versions:
            if feed not in versions or not store.has_live_trip_updates(client, feed, layout=layout):
                continue
            updates = store.get_feed_trip_updates(client, feed, layout=layout)
            changes.update(trip_changes(session, built, versions[feed], updates, area))
        return changes


def trip_changes(
    session: Session,
    built: BuiltTimetable,
    version: FeedVersion,
    updates: Mapping[tuple[str, date], TripUpdate],
    area: ZoneInfo,
) -> dict[int, TripChange]:
    """The changes one feed's TripUpdates make to the runs of `built` (by trip index); updates
    of runs not in the timetable (another day, an ADDED trip) are left out."""
    feed = version.feed_id
    runs = built.runs_by_trip
    matched = {key: runs[(feed, *key)] for key in updates if (feed, *key) in runs}
    if not matched:
        return {}
    scheduled = GtfsRepository(session).scheduled_stop_times(
        version.id, [trip_id for trip_id, _ in matched]
    )
    zone = ZoneInfo(version.timezone) if version.timezone else area
    origin_s = int(built.timetable.origin.timestamp())
    out: dict[int, TripChange] = {}
    for (trip_id, day), trip in matched.items():
        trip_rt = apply_trip_update(
            scheduled.get(trip_id, []),
            updates[(trip_id, day)],
            service_day_origin=service_day_origin(day, zone),
        )
        offset = service_day_origin(day, zone) - origin_s
        change = _change(built, feed, trip, trip_rt, offset)
        if change is not None:
            out[trip] = change
    return out


def _change(
    built: BuiltTimetable, feed: str, trip: int, trip_rt: TripRealtime, offset: int
) -> TripChange | None:
    """The run's live times and skipped positions (`offset`: GTFS 00:00:00 of its service day
    on the timetable's axis); a change with no times when the update confirms the schedule,
    None when it is implausible (a delay beyond `MAX_DELAY_S`)."""
    if trip_rt.canceled:
        return TripChange(trip, canceled=True)
    tt = built.timetable
    flat = tt.flat
    p = int(flat.trip_pattern[trip])
    row = int(flat.trip_row[trip] - flat.pat_trip_start[p])
    stops = tt.pattern_stops[p].tolist()
    planned_arr = tt.pattern_arrivals[p][row].astype(np.int64)
    planned_dep = tt.pattern_departures[p][row].astype(np.int64)
    arr, dep = planned_arr.copy(), planned_dep.copy()
    known = np.zeros(len(stops), dtype=bool)
    skipped = np.zeros(len(stops), dtype=bool)
    index = built.stop_index
    derived: tuple[int, int] | None = None  # delays read off a non-timepoint's own time
    # The pattern holds the trip's stops that have a place on the map, in order: a subsequence
    # of its stop_times, which is what the real-time rows follow.
    position = 0
    for st in trip_rt.stop_times:
        if position == len(stops):
            break
        if index.get(f"{feed}:{st.stop_id}") != stops[position]:
            continue
        delays = _delays(st)
        if delays is not None:
            derived = None
        elif st.source == "realtime" and (times := _times(st)) is not None:
            # An untimed stop in the schedule: its predicted time against the builder's
            # interpolated one, carried on like any delay.
            derived = delays = (
                offset + times[0] - int(planned_arr[position]),
                offset + times[1] - int(planned_dep[position]),
            )
        elif derived is not None:
            delays = derived
        if delays is not None:
            if max(abs(delays[0]), abs(delays[1])) > MAX_DELAY_S:
                log.debug("ignoring an implausible delay of %s s on trip %d", delays, trip)
                return None
            arr[position] += delays[0]
            dep[position] += delays[1]
            known[position] = True
        skipped[position] = st.skipped
        position += 1
    _early_before_first_prediction(arr, dep, known)
    if np.array_equal(arr, planned_arr) and np.array_equal(dep, planned_dep) and not skipped.any():
        return TripChange(trip)  # on time: live data, nothing to move
    return TripChange(
        trip, arrivals=arr, departures=dep, skipped=skipped if skipped.any() else None
    )


def _delays(st: RealtimeStopTime) -> tuple[int, int] | None:
    """(arrival, departure) delay of a row, each standing in for the other; None if unknown."""
    a = st.arrival_delay if st.arrival_delay is not None else st.departure_delay
    d = st.departure_delay if st.departure_delay is not None else st.arrival_delay
    return None if a is None or d is None else (a, d)


def _times(st: RealtimeStopTime) -> tuple[int, int] | None:
    """(arrival, departure) GTFS seconds predicted at a row, each standing in for the other."""
    a = st.arrival_s if st.arrival_s is not None else st.departure_s
    d = st.departure_s if st.departure_s is not None else st.arrival_s
    return None if a is None or d is None else (a, d)


def _early_before_first_prediction(arr: np.ndarray, dep: np.ndarray, known: np.ndarray) -> None:
    """Stops before the first prediction keep their schedule, unless the vehicle is running
    early: then no earlier stop can be later than the first predicted one (producers leave out
    stops already passed; the forward order of `apply_changes` would otherwise drag the early
    prediction up to the schedule of those stops)."""
    first = int(np.argmax(known)) if known.any() else 0
    for i in range(first - 1, -1, -1):
        dep[i] = min(dep[i], arr[i + 1])
        arr[i] = min(arr[i], dep[i])
