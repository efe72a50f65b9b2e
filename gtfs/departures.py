"""Departures at a stop (and its platforms, for a station) in a window of one date.

Three sources of departures: trips of the date's service day; trips of the previous service day
running past midnight (times of 24:00:00 and later); and frequency-based trips, expanded from
their template stop times. Times are rendered in the feed's time zone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import Session

from gtfs.errors import InvalidTimeWindow
from gtfs.models import FeedVersion
from gtfs.modes import mode_of
from gtfs.repository import (
    GtfsRepository,
    frequencies_t,
    ids_in,
    routes_t,
    stop_times_t,
    trips_t,
)
from gtfs.service_days import active_service_ids, service_day_origin
from gtfs.version_cache import version_cache

NO_PICKUP = 1
MAX_WINDOW_S = 48 * 3600


@dataclass
class Departure:
    feed_id: str
    trip_id: str
    route_id: str
    route_short_name: str | None
    route_long_name: str | None
    route_type: int | None
    route_color: str | None
    headsign: str | None
    stop_id: str
    stop_sequence: int
    service_date: date
    scheduled_departure: datetime
    scheduled_arrival: datetime | None
    frequency_based: bool = False
    realtime_departure: datetime | None = None
    realtime_arrival: datetime | None = None
    delay_s: int | None = None
    status: str = "scheduled"  # scheduled | canceled | skipped
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def mode(self) -> str:
        return mode_of(self.route_type)

    @property
    def sort_key(self) -> datetime:
        return self.realtime_departure or self.scheduled_departure


# Given the version and its departures, fills their real-time fields in place (GTFS-Realtime).
RealtimeApplier = Callable[[FeedVersion, list[Departure]], None]


class _Visit(NamedTuple):
    """A stop time with what the board shows of its trip and route."""

    trip_id: str
    stop_id: str
    stop_sequence: int
    arrival_time: int | None
    departure_time: int
    stop_headsign: str | None
    pickup_type: int | None
    route_id: str
    service_id: str
    trip_headsign: str | None
    route_short_name: str | None
    route_long_name: str | None
    route_type: int | None
    route_color: str | None


_STOP_TIME_COLUMNS = (
    stop_times_t.c.trip_id,
    stop_times_t.c.stop_id,
    stop_times_t.c.stop_sequence,
    stop_times_t.c.arrival_time,
    stop_times_t.c.departure_time,
    stop_times_t.c.stop_headsign,
    stop_times_t.c.pickup_type,
)
_ROUTE_COLUMNS = (
    routes_t.c.route_id,
    routes_t.c.route_short_name,
    routes_t.c.route_long_name,
    routes_t.c.route_type,
    routes_t.c.route_color,
)


def _visit(
    row: Any,
    trips: dict[str, Any],
    routes: dict[str, tuple[Any, ...]],
    active: frozenset[str],
) -> _Visit | None:
    """The stop time with its trip and route, or None when the trip does not run that day."""
    trip = trips.get(row.trip_id)
    if trip is None or trip.service_id not in active:
        return None
    route = routes.get(trip.route_id) or (trip.route_id, None, None, None, None)
    return _Visit(
        trip_id=row.trip_id,
        stop_id=row.stop_id,
        stop_sequence=row.stop_sequence,
        arrival_time=row.arrival_time,
        departure_time=row.departure_time,
        stop_headsign=row.stop_headsign,
        pickup_type=row.pickup_type,
        route_id=trip.route_id,
        service_id=trip.service_id,
        trip_headsign=trip.trip_headsign,
        route_short_name=route[1],
        route_long_name=route[2],
        route_type=route[3],
        route_color=route[4],
    )


@dataclass(frozen=True, slots=True)
class _ServiceDay:
    day: date
    origin: int  # POSIX time of GTFS 00:00:00
    tz: ZoneInfo

    def at(self, seconds: int) -> datetime:
        return datetime.fromtimestamp(self.origin + seconds, self.tz)


def _departure(
    feed_id: str,
    row: _Visit,
    service_day: _ServiceDay,
    dep_s: int,
    arr_s: int | None,
    frequency_based: bool = False,
) -> Departure:
    return Departure(
        feed_id=feed_id,
        trip_id=row.trip_id,
        route_id=row.route_id,
        route_short_name=row.route_short_name,
        route_long_name=row.route_long_name,
        route_type=row.route_type,
        route_color=row.route_color,
        headsign=row.stop_headsign or row.trip_headsign,
        stop_id=row.stop_id,
        stop_sequence=row.stop_sequence,
        service_date=service_day.day,
        scheduled_departure=service_day.at(dep_s),
        scheduled_arrival=None if arr_s is None else service_day.at(arr_s),
        frequency_based=frequency_based,
    )


class DeparturesQuery:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.repo = GtfsRepository(session)

    def run(
        self,
        version: FeedVersion,
        stop: Row[Any],
        day: date,
        start_s: int,
        end_s: int,
        realtime: RealtimeApplier | None = None,
    ) -> list[Departure]:
        """Departures at `stop` (a row of `version`) between GTFS times start_s and end_s of
        `day`, sorted by (real-time, else scheduled) departure."""
        if not 0 <= start_s <= end_s or end_s - start_s > MAX_WINDOW_S:
            raise InvalidTimeWindow("the window must satisfy 0 <= from <= to, at most 48 h long")
        feed_id = version.feed_id
        stop_ids = [stop.stop_id, *self._children(version.id, stop.stop_id)]
        tz = ZoneInfo(version.timezone or "Europe/Rome")
        lo = service_day_origin(day, tz) + start_s
        hi = service_day_origin(day, tz) + end_s
        # The window, seen from the previous service day (its trips past midnight) and its own.
        windows = []
        for service_day in (day - timedelta(days=1), day):
            active = self._active(version.id, service_day)
            origin = service_day_origin(service_day, tz)
            if active and hi - origin >= 0:
                windows.append(
                    (_ServiceDay(service_day, origin, tz), active, lo - origin, hi - origin)
                )
        if not windows:
            return []
        freq_trips = self._frequency_trips(version.id)
        rows = [
            r
            for r in self.session.execute(
                select(*_STOP_TIME_COLUMNS).where(
                    stop_times_t.c.feed_version_id == version.id,
                    stop_times_t.c.stop_id.in_(stop_ids),
                    or_(
                        *(
                            stop_times_t.c.departure_time.between(max(a, 0), b)
                            for _, _, a, b in windows
                        )
                    ),
                )
            )
            if r.trip_id not in freq_trips and r.pickup_type != NO_PICKUP
        ]
        trips = self._trips(version.id, {r.trip_id for r in rows})
        routes = self._routes(version.id)
        out: list[Departure] = []
        for days, active, a, b in windows:
            for r in rows:
                if a <= r.departure_time <= b:
                    visit = _visit(r, trips, routes, active)
                    if visit is not None:
                        out.append(
                            _departure(feed_id, visit, days, r.departure_time, r.arrival_time)
                        )
            if freq_trips:
                out.extend(
                    self._frequency_departures(feed_id, version.id, stop_ids, active, days, a, b)
                )
        if realtime is not None and out:
            realtime(version, out)
        out.sort(key=lambda d: (d.sort_key, d.route_short_name or "", d.trip_id))
        return out

    def _trips(self, version_id: int, trip_ids: set[str]) -> dict[str, Any]:
        """Route, service and headsign of these trips. Kept per version and filled on demand
        (a version's trips never change, and a busy board asks for the same ones all day);
        the missing ones come by primary key, never by a join, which would make the planner
        scan every trip of the feed for a board of a hundred departures."""
        known: dict[str, Any] = version_cache.get(("trips", version_id), dict)
        missing = sorted(trip_ids - known.keys())
        if missing:
            query = select(
                trips_t.c.trip_id,
                trips_t.c.route_id,
                trips_t.c.service_id,
                trips_t.c.trip_headsign,
            ).where(
                trips_t.c.feed_version_id == version_id,
                ids_in(trips_t.c.trip_id, missing, self.session),
            )
            known.update((t.trip_id, t) for t in self.session.execute(query))
        return known

    def _routes(self, version_id: int) -> dict[str, tuple[Any, ...]]:
        def load() -> dict[str, tuple[Any, ...]]:
            return {
                r.route_id: tuple(r)
                for r in self.session.execute(
                    select(*_ROUTE_COLUMNS).where(routes_t.c.feed_version_id == version_id)
                )
            }

        return version_cache.get(("routes", version_id), load)

    def _children(self, version_id: int, stop_id: str) -> tuple[str, ...]:
        return version_cache.get(
            ("children", version_id, stop_id),
            lambda: tuple(c.stop_id for c in self.repo.child_stops(version_id, [stop_id])),
        )

    def _active(self, version_id: int, day: date) -> frozenset[str]:
        return version_cache.get(
            ("services", version_id, day),
            lambda: frozenset(active_service_ids(self.session, version_id, day)),
        )

    def _frequency_trips(self, version_id: int) -> frozenset[str]:
        def load() -> frozenset[str]:
            return frozenset(
                self.session.execute(
                    select(frequencies_t.c.trip_id)
                    .where(frequencies_t.c.feed_version_id == version_id)
                    .distinct()
                ).scalars()
            )

        return version_cache.get(("frequency_trips", version_id), load)

    def _frequency_departures(
        self,
        feed_id: str,
        version_id: int,
        stop_ids: Sequence[str],
        active: frozenset[str],
        service_day: _ServiceDay,
        a: int,
        b: int,
    ) -> list[Departure]:
        """Expand headway-based trips: each run starts at start_time + k * headway."""
        candidates = [
            r
            for r in self.session.execute(
                select(*_STOP_TIME_COLUMNS).where(
                    stop_times_t.c.feed_version_id == version_id,
                    stop_times_t.c.stop_id.in_(list(stop_ids)),
                    stop_times_t.c.trip_id.in_(
                        select(frequencies_t.c.trip_id).where(
                            frequencies_t.c.feed_version_id == version_id
                        )
                    ),
                )
            ).all()
            if r.pickup_type != NO_PICKUP and r.departure_time is not None
        ]
        trips = self._trips(version_id, {r.trip_id for r in candidates})
        routes = self._routes(version_id)
        rows = [v for r in candidates if (v := _visit(r, trips, routes, active)) is not None]
        if not rows:
            return []
        trip_ids = sorted({r.trip_id for r in rows})
        first_departure = dict(
            self.session.execute(
                select(stop_times_t.c.trip_id, func.min(stop_times_t.c.departure_time))
                .where(
                    stop_times_t.c.feed_version_id == version_id,
                    stop_times_t.c.trip_id.in_(trip_ids),
                )
                .group_by(stop_times_t.c.trip_id)
            ).all()
        )
        windows: dict[str, list[Row[Any]]] = {}
        for f in self.repo.frequencies(version_id, trip_ids):
            windows.setdefault(f.trip_id, []).append(f)
        out = []
        for row in rows:
            offset = row.departure_time - first_departure[row.trip_id]
            dwell = 0 if row.arrival_time is None else row.departure_time - row.arrival_time
            for f in windows.get(row.trip_id, []):
                # Runs start in [start_time, end_time); only those reaching the stop in [a, b].
                k0 = max(0, -(-(a - offset - f.start_time) // f.headway_secs))
                start = f.start_time + k0 * f.headway_secs
                while start < f.end_time and start + offset <= b:
                    dep = start + offset
                    departure = _departure(
                        feed_id, row, service_day, dep, dep - dwell, frequency_based=True
                    )
                    departure.extra["exact_times"] = bool(f.exact_times)
                    out.append(departure)
                    start += f.headway_secs
        return out
