"""Real-time times for scheduled departures: the live TripUpdates applied with propagation.

Trip updates are read from Redis in one round trip (none when the feed has no live update); if
Redis is down, from the database, so a board degrades to slightly older state rather than none.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import redis
from sqlalchemy.orm import Session

from gtfs.departures import Departure
from gtfs.realtime.errors import RealtimeStoreUnavailable
from gtfs.realtime.propagate import apply_trip_update
from gtfs.realtime.records import TripUpdate
from gtfs.realtime.repository import load_trip_updates
from gtfs.realtime.store import get_trip_updates, has_live_trip_updates
from gtfs.repository import GtfsRepository, ServedVersion
from gtfs.service_days import service_day_origin

TripKey = tuple[str, date]
Scheduled = list[tuple[int, str, int | None, int | None]]


class RealtimeDepartures:
    """A `RealtimeApplier` for the departures query."""

    def __init__(self, session: Session, client: redis.Redis) -> None:
        self.session = session
        self.client = client

    def __call__(self, version: ServedVersion, departures: list[Departure]) -> None:
        # Headway trips are matched by start time, not by trip: they keep their schedule.
        keys = {(d.trip_id, d.service_date) for d in departures if not d.frequency_based}
        if not keys:
            return
        updates = self._updates(version.feed_id, keys)
        if not updates:
            return
        tz_name = version.timezone or "Europe/Rome"
        scheduled = GtfsRepository(self.session).scheduled_stop_times(
            version.id, [trip for trip, _ in updates]
        )
        for d in departures:
            update = updates.get((d.trip_id, d.service_date))
            if update is not None:
                _apply(d, update, scheduled.get(d.trip_id, []), tz_name)

    def _updates(self, feed_id: str, keys: set[TripKey]) -> dict[TripKey, TripUpdate]:
        try:
            if not has_live_trip_updates(self.client, feed_id):
                return {}
            return get_trip_updates(self.client, feed_id, keys)
        except RealtimeStoreUnavailable:
            return load_trip_updates(self.session, feed_id, keys)


def _apply(d: Departure, update: TripUpdate, scheduled: Scheduled, tz_name: str) -> None:
    origin = service_day_origin(d.service_date, tz_name)
    trip = apply_trip_update(scheduled, update, service_day_origin=origin)
    if trip.canceled:
        d.status = "canceled"
        return
    stop = next((s for s in trip.stop_times if s.stop_sequence == d.stop_sequence), None)
    if stop is None:
        return
    if stop.skipped:
        d.status = "skipped"
    if stop.source == "schedule":
        return
    tz = ZoneInfo(tz_name)
    if stop.departure_s is not None:
        d.realtime_departure = datetime.fromtimestamp(origin + stop.departure_s, tz)
    if stop.arrival_s is not None:
        d.realtime_arrival = datetime.fromtimestamp(origin + stop.arrival_s, tz)
    d.delay_s = stop.departure_delay if stop.departure_delay is not None else stop.arrival_delay
