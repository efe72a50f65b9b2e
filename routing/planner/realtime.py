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
from gtfs.realtime.propagate import TripRealtime, apply_trip_update
from gtfs.realtime.records import TripUpdate
from gtfs.repository import GtfsRepository
from gtfs.service_days import service_day_origin
from routing.algorithms.timetable import Timetable
from routing.builder.realtime import TripChange, apply_changes
from routing.timetable_cache import BuiltTimetable

log = logging.getLogger(__name__)

Status = Literal["schedule", "live", "unavailable"]
REFRESH_S = 30.0


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
    generations: tuple[int, ...]
    derived_at: float
    view: LiveView


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
        self._lock = threading.Lock()

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
        try:
            client, layout = self.client(), self.layout()
            generations = store.generations(client, feeds, layout=layout)
            with self._lock:
                entry = self._views.get(built.timetable)
                if entry is not None and self._fresh(entry, generations):
                    return entry.view
                view = self._derive(session, built, versions, area, client, layout)
                self._views[built.timetable] = _Entry(generations, time.monotonic(), view)
                self.derivations += 1
                return view
        except RealtimeStoreUnavailable as exc:
            log.warning("planning on the schedule: real-time state unreadable (%s)", exc)
            return LiveView(built.timetable, status="unavailable")

    def _fresh(self, entry: _Entry, generations: tuple[int, ...]) -> bool:
        if entry.generations != generations:
            return False
        return not entry.view.changes or time.monotonic() - entry.derived_at < self.refresh_s

    def _derive(
        self,
        session: Session,
        built: BuiltTimetable,
        versions: Mapping[str, FeedVersion],
        area: ZoneInfo,
        client: redis.Redis,
        layout: store.RedisLayout,
    ) -> LiveView:
        changes: dict[int, TripChange] = {}
        for feed, _ in built.versions:
            if feed not in versions or not store.has_live_trip_updates(client, feed, layout=layout):
                continue
            updates = store.get_feed_trip_updates(client, feed, layout=layout)
            changes.update(trip_changes(session, built, versions[feed], updates, area))
        timetable = apply_changes(built.timetable, list(changes.values()))
        return LiveView(timetable, changes, "live")


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
    out: dict[int, TripChange] = {}
    for (trip_id, day), trip in matched.items():
        trip_rt = apply_trip_update(
            scheduled.get(trip_id, []),
            updates[(trip_id, day)],
            service_day_origin=service_day_origin(day, zone),
        )
        change = _change(built, feed, trip, trip_rt)
        if change is not None:
            out[trip] = change
    return out


def _change(
    built: BuiltTimetable, feed: str, trip: int, trip_rt: TripRealtime
) -> TripChange | None:
    """The run's new times and skipped positions; None when the update changes nothing."""
    if trip_rt.canceled:
        return TripChange(trip, canceled=True)
    tt = built.timetable
    flat = tt.flat
    p = int(flat.trip_pattern[trip])
    row = int(flat.trip_row[trip] - flat.pat_trip_start[p])
    stops = tt.pattern_stops[p].tolist()
    index = built.stop_index
    arr_delay = np.zeros(len(stops), dtype=np.int64)
    dep_delay = np.zeros(len(stops), dtype=np.int64)
    skipped = np.zeros(len(stops), dtype=bool)
    # The pattern holds the trip's stops that have a place on the map, in order: a subsequence
    # of its stop_times, which is what the real-time rows follow.
    position = 0
    for st in trip_rt.stop_times:
        if position == len(stops):
            break
        if index.get(f"{feed}:{st.stop_id}") != stops[position]:
            continue
        a = st.arrival_delay if st.arrival_delay is not None else st.departure_delay
        d = st.departure_delay if st.departure_delay is not None else st.arrival_delay
        arr_delay[position], dep_delay[position] = a or 0, d or 0
        skipped[position] = st.skipped
        position += 1
    if not (arr_delay.any() or dep_delay.any() or skipped.any()):
        return None
    return TripChange(
        trip,
        arrivals=tt.pattern_arrivals[p][row].astype(np.int64) + arr_delay,
        departures=tt.pattern_departures[p][row].astype(np.int64) + dep_delay,
        skipped=skipped if skipped.any() else None,
    )
