"""Departures at a stop (and its platforms, for a station) in a window of one date.

Three sources of departures: trips of the date's service day; trips of the previous service day
running past midnight (times of 24:00:00 and later); and frequency-based trips, expanded from
their template stop times. Times are rendered in the feed's time zone.

A board is one indexed query of the stop's stop times in the window. Everything else a board
needs is a fact of the feed version, kept in `version_cache` (a version's rows never change):
the services running each date, the trips (route, service, headsign), the routes, a station's
platforms and the frequency templates at a stop. The statement is built once per dialect with
bind parameters and run on the session's connection (Core rows, no ORM), so PostgreSQL gets
the same text every time and psycopg prepares it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, String, any_, bindparam, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from gtfs.departure_facts import VersionFacts
from gtfs.departure_types import Departure, RealtimeApplier, ServiceDay
from gtfs.errors import InvalidTimeWindow
from gtfs.frequency_departures import expand_frequencies
from gtfs.repository import ServedVersion, stop_times_t
from gtfs.service_days import service_day_origin

NO_PICKUP = 1
MAX_WINDOW_S = 48 * 3600
# A GTFS time range no stop time falls in (from > to): the previous service day's half of the
# statement when that day runs nothing, so the statement's text never changes.
_EMPTY = (1, 0)
# trip_id, stop_id, stop_sequence, arrival_time, departure_time, stop_headsign, pickup_type
StopTimeRow = tuple[str, str, int, int | None, int, str | None, int | None]

__all__ = ["Departure", "DeparturesQuery", "RealtimeApplier"]


def _scheduled_statement(dialect: str) -> Select[Any]:
    """Stop times at the stops departing in either of two GTFS time ranges: the requested
    window as seen from the previous service day, and from the date's own."""
    c = stop_times_t.c
    if dialect == "postgresql":  # one array parameter, whatever the number of platforms
        at_stops = c.stop_id == any_(bindparam("stop_ids", type_=ARRAY(String)))
    else:
        at_stops = c.stop_id.in_(bindparam("stop_ids", expanding=True))
    return select(
        c.trip_id,
        c.stop_id,
        c.stop_sequence,
        c.arrival_time,
        c.departure_time,
        c.stop_headsign,
        c.pickup_type,
    ).where(
        c.feed_version_id == bindparam("version_id"),
        at_stops,
        or_(
            c.departure_time.between(bindparam("lo1"), bindparam("hi1")),
            c.departure_time.between(bindparam("lo2"), bindparam("hi2")),
        ),
    )


_STATEMENTS = {name: _scheduled_statement(name) for name in ("postgresql", "sqlite")}


class DeparturesQuery:
    def __init__(self, session: Session) -> None:
        self.session = session

    def run(
        self,
        version: ServedVersion,
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
        facts = VersionFacts(self.session, version.id)
        stop_ids = facts.platforms(stop.stop_id)
        days = self._service_days(facts, version, day, start_s, end_s)
        if not days:
            return []
        rows = self._scheduled_rows(version.id, stop_ids, days)
        templates = facts.frequency_templates(stop_ids)
        frequency_trips = facts.frequency_trips()
        trips = facts.trips({r[0] for r in rows})
        routes = facts.routes()
        feed_id = version.feed_id
        out: list[Departure] = []
        for sd in days:
            for trip_id, stop_id, seq, arr, dep, stop_headsign, pickup in rows:
                if not sd.lo <= dep <= sd.hi or pickup == NO_PICKUP or trip_id in frequency_trips:
                    continue
                trip = trips.get(trip_id)
                if trip is None or trip[1] not in sd.active:
                    continue
                route_id, _, trip_headsign = trip
                route = routes.get(route_id) or (None, None, None, None)
                departs = sd.at(dep)
                out.append(
                    Departure(
                        feed_id,
                        trip_id,
                        route_id,
                        *route,
                        stop_headsign or trip_headsign,
                        stop_id,
                        seq,
                        sd.day,
                        departs,
                        None if arr is None else departs if arr == dep else sd.at(arr),
                    )
                )
            if templates:
                out.extend(expand_frequencies(feed_id, templates, routes, sd))
        if realtime is not None and out:
            realtime(version, out)
        out.sort(key=lambda d: (d.sort_key, d.route_short_name or "", d.trip_id))
        return out

    @staticmethod
    def _service_days(
        facts: VersionFacts, version: ServedVersion, day: date, start_s: int, end_s: int
    ) -> list[ServiceDay]:
        """The window seen from the previous service day (its trips past midnight) and from
        its own; a day that runs nothing, or that the window cannot reach, is left out."""
        tz = ZoneInfo(version.timezone or "Europe/Rome")
        origin = service_day_origin(day, tz)
        lo, hi = origin + start_s, origin + end_s
        out = []
        for service_day in (day - timedelta(days=1), day):
            active = facts.active_services(service_day)
            day_origin = service_day_origin(service_day, tz)
            if active and hi - day_origin >= 0:
                out.append(
                    ServiceDay(
                        service_day,
                        day_origin,
                        tz,
                        active,
                        max(lo - day_origin, 0),
                        hi - day_origin,
                    )
                )
        return out

    def _scheduled_rows(
        self, version_id: int, stop_ids: tuple[str, ...], days: list[ServiceDay]
    ) -> list[StopTimeRow]:
        ranges = [(sd.lo, sd.hi) for sd in days]
        (lo1, hi1), (lo2, hi2) = ranges if len(ranges) == 2 else [_EMPTY, *ranges]
        connection = self.session.connection()
        statement = _STATEMENTS[connection.dialect.name]
        result = connection.execute(
            statement,
            {
                "version_id": version_id,
                "stop_ids": list(stop_ids),
                "lo1": lo1,
                "hi1": hi1,
                "lo2": lo2,
                "hi2": hi2,
            },
        )
        # Row is a tuple subclass: the loop unpacks it without a copy.
        return cast(list[StopTimeRow], result.all())
