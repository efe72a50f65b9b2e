"""Facts of one feed version that every departures board reads, kept in `version_cache`.

A version's rows never change (a new import is a new version id), so these are computed once
per process and version: which services run on a date (calendar and calendar_dates resolved),
each trip's route, service and headsign, the routes, a station's platforms, and the frequency
templates at a stop. Only the stop times of the window are read per request.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gtfs.repository import (
    GtfsRepository,
    frequencies_t,
    ids_in,
    routes_t,
    stop_times_t,
    trips_t,
)
from gtfs.service_days import active_service_ids
from gtfs.version_cache import version_cache

NO_PICKUP = 1

# route_id -> (route_short_name, route_long_name, route_type, route_color)
RouteFacts = tuple[str | None, str | None, int | None, str | None]
# trip_id -> (route_id, service_id, trip_headsign)
TripFacts = tuple[str, str, str | None]


class FrequencyTemplate(NamedTuple):
    """A stop time of a headway-based trip at the stop: its runs are the template shifted to
    start at start_time + k * headway of each frequencies.txt row of the trip."""

    trip_id: str
    route_id: str
    service_id: str
    headsign: str | None  # stop_headsign, else trip_headsign
    stop_id: str
    stop_sequence: int
    offset: int  # departure here minus the trip's first departure
    dwell: int  # departure minus arrival here (0 without an arrival time)
    windows: tuple[tuple[int, int, int, bool], ...]  # (start, end, headway_secs, exact_times)


class VersionFacts:
    def __init__(self, session: Session, version_id: int) -> None:
        self.session = session
        self.version_id = version_id

    def platforms(self, stop_id: str) -> tuple[str, ...]:
        """The stop and, for a station, its child stops."""
        repo = GtfsRepository(self.session)
        return version_cache.get(
            ("platforms", self.version_id, stop_id),
            lambda: (stop_id, *(c.stop_id for c in repo.child_stops(self.version_id, [stop_id]))),
        )

    def active_services(self, day: date) -> frozenset[str]:
        return version_cache.get(
            ("services", self.version_id, day),
            lambda: frozenset(active_service_ids(self.session, self.version_id, day)),
        )

    def trips(self, trip_ids: set[str]) -> dict[str, TripFacts]:
        """Route, service and headsign of these trips (and of others asked before). Filled on
        demand (a busy board asks for the same trips all day); the missing ones come by
        primary key, never by a join, which would make the planner scan every trip of the feed
        for a board of a hundred departures."""
        known: dict[str, TripFacts] = version_cache.get(("trips", self.version_id), dict)
        missing = sorted(trip_ids - known.keys())
        if missing:
            c = trips_t.c
            query = select(c.trip_id, c.route_id, c.service_id, c.trip_headsign).where(
                c.feed_version_id == self.version_id, ids_in(c.trip_id, missing, self.session)
            )
            known.update((t[0], (t[1], t[2], t[3])) for t in self.session.execute(query))
        return known

    def routes(self) -> dict[str, RouteFacts]:
        def load() -> dict[str, RouteFacts]:
            c = routes_t.c
            query = select(
                c.route_id, c.route_short_name, c.route_long_name, c.route_type, c.route_color
            ).where(c.feed_version_id == self.version_id)
            return {r[0]: (r[1], r[2], r[3], r[4]) for r in self.session.execute(query)}

        return version_cache.get(("routes", self.version_id), load)

    def frequency_trips(self) -> frozenset[str]:
        def load() -> frozenset[str]:
            query = (
                select(frequencies_t.c.trip_id)
                .where(frequencies_t.c.feed_version_id == self.version_id)
                .distinct()
            )
            return frozenset(self.session.execute(query).scalars())

        return version_cache.get(("frequency_trips", self.version_id), load)

    def frequency_templates(self, stop_ids: tuple[str, ...]) -> tuple[FrequencyTemplate, ...]:
        if not self.frequency_trips():
            return ()
        return version_cache.get(
            ("frequency_templates", self.version_id, stop_ids),
            lambda: self._load_frequency_templates(stop_ids),
        )

    def _load_frequency_templates(self, stop_ids: tuple[str, ...]) -> tuple[FrequencyTemplate, ...]:
        st, fq = stop_times_t.c, frequencies_t.c
        version_id = self.version_id
        at_stops = [
            r
            for r in self.session.execute(
                select(
                    st.trip_id,
                    st.stop_id,
                    st.stop_sequence,
                    st.arrival_time,
                    st.departure_time,
                    st.stop_headsign,
                    st.pickup_type,
                ).where(
                    st.feed_version_id == version_id,
                    st.stop_id.in_(list(stop_ids)),
                    st.trip_id.in_(select(fq.trip_id).where(fq.feed_version_id == version_id)),
                )
            )
            if r.pickup_type != NO_PICKUP and r.departure_time is not None
        ]
        trips = self.trips({r.trip_id for r in at_stops})
        at_stops = [r for r in at_stops if r.trip_id in trips]
        if not at_stops:
            return ()
        trip_ids = sorted({r.trip_id for r in at_stops})
        first_departure = dict(
            self.session.execute(
                select(st.trip_id, func.min(st.departure_time))
                .where(st.feed_version_id == version_id, st.trip_id.in_(trip_ids))
                .group_by(st.trip_id)
            ).all()
        )
        windows: dict[str, list[tuple[int, int, int, bool]]] = {}
        for f in self.session.execute(
            select(fq.trip_id, fq.start_time, fq.end_time, fq.headway_secs, fq.exact_times)
            .where(fq.feed_version_id == version_id, fq.trip_id.in_(trip_ids))
            .order_by(fq.trip_id, fq.start_time)
        ):
            windows.setdefault(f.trip_id, []).append(
                (f.start_time, f.end_time, f.headway_secs, bool(f.exact_times))
            )
        out = []
        for r in at_stops:
            route_id, service_id, trip_headsign = trips[r.trip_id]
            out.append(
                FrequencyTemplate(
                    trip_id=r.trip_id,
                    route_id=route_id,
                    service_id=service_id,
                    headsign=r.stop_headsign or trip_headsign,
                    stop_id=r.stop_id,
                    stop_sequence=r.stop_sequence,
                    offset=r.departure_time - first_departure[r.trip_id],
                    dwell=0 if r.arrival_time is None else r.departure_time - r.arrival_time,
                    windows=tuple(windows.get(r.trip_id, ())),
                )
            )
        return tuple(out)
