"""Queries of the static GTFS tables, always against each feed's current version."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import Row, String, and_, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from gtfs.errors import FeedNotFound, StopNotFound, TripNotFound
from gtfs.models import Feed, FeedVersion, FeedVersionStatus, table_for

stops_t = table_for("stops.txt")
routes_t = table_for("routes.txt")
trips_t = table_for("trips.txt")
stop_times_t = table_for("stop_times.txt")
shapes_t = table_for("shapes.txt")
frequencies_t = table_for("frequencies.txt")
agency_t = table_for("agency.txt")

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def ids_in(column: Any, values: Sequence[str], session: Session) -> Any:
    """`column IN values`; on PostgreSQL one array parameter (`= ANY`), not one per value."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(String)))
    return column.in_(list(values))


class ServedVersion(NamedTuple):
    """What serving a feed's current version needs of it: ids and its time zone."""

    id: int
    feed_id: str
    timezone: str


# Built once: the hot path (every departures board) runs it with new values only.
_SERVED_VERSION = select(FeedVersion.id, FeedVersion.feed_id, FeedVersion.timezone).where(
    FeedVersion.feed_id == bindparam("feed_id"),
    FeedVersion.status == FeedVersionStatus.CURRENT,
)


class GtfsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- feeds -----------------------------------------------------------------------------

    def feeds(self) -> list[tuple[Feed, list[FeedVersion]]]:
        feeds = self.session.scalars(select(Feed).order_by(Feed.id)).all()
        versions = self.session.scalars(
            select(FeedVersion).order_by(FeedVersion.feed_id, FeedVersion.id.desc())
        ).all()
        by_feed: dict[str, list[FeedVersion]] = {}
        for v in versions:
            by_feed.setdefault(v.feed_id, []).append(v)
        return [(f, by_feed.get(f.id, [])) for f in feeds]

    def current_versions(self) -> dict[str, FeedVersion]:
        rows = self.session.scalars(
            select(FeedVersion).where(FeedVersion.status == FeedVersionStatus.CURRENT)
        ).all()
        return {v.feed_id: v for v in rows}

    def current_version(self, feed_id: str) -> FeedVersion:
        version = self.session.scalars(
            select(FeedVersion).where(
                FeedVersion.feed_id == feed_id, FeedVersion.status == FeedVersionStatus.CURRENT
            )
        ).first()
        if version is None:
            raise FeedNotFound(f"no feed '{feed_id}' has been imported")
        return version

    def served_version(self, feed_id: str) -> ServedVersion:
        """The feed's current version as a plain row: one Core query, no ORM object."""
        row = self.session.connection().execute(_SERVED_VERSION, {"feed_id": feed_id}).first()
        if row is None:
            raise FeedNotFound(f"no feed '{feed_id}' has been imported")
        return ServedVersion(*row)

    # -- stops -----------------------------------------------------------------------------

    def stops_near(
        self, lat: float, lon: float, radius_m: float, limit: int
    ) -> list[tuple[str, Row[Any], float]]:
        """Stops within `radius_m`, nearest first: a bounding box on the index, then haversine."""
        versions = self.current_versions()
        if not versions:
            return []
        dlat = math.degrees(radius_m / EARTH_RADIUS_M)
        dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
        feed_of = {v.id: v.feed_id for v in versions.values()}
        rows = self.session.execute(
            select(stops_t).where(
                stops_t.c.feed_version_id.in_(list(feed_of)),
                stops_t.c.stop_lat.between(lat - dlat, lat + dlat),
                stops_t.c.stop_lon.between(lon - dlon, lon + dlon),
            )
        ).all()
        hits = []
        for row in rows:
            d = haversine_m(lat, lon, row.stop_lat, row.stop_lon)
            if d <= radius_m:
                hits.append((feed_of[row.feed_version_id], row, d))
        hits.sort(key=lambda h: h[2])
        return hits[:limit]

    def stops_by_name(self, query: str, limit: int, offset: int = 0) -> list[tuple[str, Row[Any]]]:
        versions = self.current_versions()
        feed_of = {v.id: v.feed_id for v in versions.values()}
        if not feed_of:
            return []
        pattern = "%" + query.lower().replace("%", r"\%").replace("_", r"\_") + "%"
        rows = self.session.execute(
            select(stops_t)
            .where(
                stops_t.c.feed_version_id.in_(list(feed_of)),
                func.lower(stops_t.c.stop_name).like(pattern, escape="\\"),
            )
            .order_by(stops_t.c.stop_name, stops_t.c.stop_id)
            .limit(limit)
            .offset(offset)
        ).all()
        return [(feed_of[r.feed_version_id], r) for r in rows]

    def stop(self, version_id: int, stop_id: str) -> Row[Any]:
        row = self.session.execute(
            select(stops_t).where(
                stops_t.c.feed_version_id == version_id, stops_t.c.stop_id == stop_id
            )
        ).first()
        if row is None:
            raise StopNotFound(f"no stop '{stop_id}' in the current version of the feed")
        return row

    def child_stops(self, version_id: int, parent_ids: Sequence[str]) -> list[Row[Any]]:
        return list(
            self.session.execute(
                select(stops_t)
                .where(
                    stops_t.c.feed_version_id == version_id,
                    stops_t.c.parent_station.in_(list(parent_ids)),
                )
                .order_by(stops_t.c.stop_id)
            ).all()
        )

    def routes_at_stops(self, version_id: int, stop_ids: Sequence[str]) -> list[Row[Any]]:
        trip_ids = (
            select(stop_times_t.c.trip_id)
            .where(
                stop_times_t.c.feed_version_id == version_id,
                stop_times_t.c.stop_id.in_(list(stop_ids)),
            )
            .distinct()
        )
        route_ids = select(trips_t.c.route_id).where(
            trips_t.c.feed_version_id == version_id, trips_t.c.trip_id.in_(trip_ids)
        )
        return list(
            self.session.execute(
                select(routes_t)
                .where(routes_t.c.feed_version_id == version_id, routes_t.c.route_id.in_(route_ids))
                .order_by(routes_t.c.route_sort_order, routes_t.c.route_short_name)
            ).all()
        )

    # -- routes and trips ------------------------------------------------------------------

    def routes(
        self, feed_id: str | None, route_type: int | None, limit: int, offset: int
    ) -> list[tuple[str, Row[Any]]]:
        versions = self.current_versions()
        if feed_id is not None:
            versions = {feed_id: self.current_version(feed_id)}
        feed_of = {v.id: v.feed_id for v in versions.values()}
        if not feed_of:
            return []
        query = select(routes_t).where(routes_t.c.feed_version_id.in_(list(feed_of)))
        if route_type is not None:
            query = query.where(routes_t.c.route_type == route_type)
        rows = self.session.execute(
            query.order_by(
                routes_t.c.feed_version_id, routes_t.c.route_sort_order, routes_t.c.route_id
            )
            .limit(limit)
            .offset(offset)
        ).all()
        return [(feed_of[r.feed_version_id], r) for r in rows]

    def route(self, version_id: int, route_id: str) -> Row[Any] | None:
        return self.session.execute(
            select(routes_t).where(
                routes_t.c.feed_version_id == version_id, routes_t.c.route_id == route_id
            )
        ).first()

    def trip(self, version_id: int, trip_id: str) -> Row[Any]:
        row = self.session.execute(
            select(trips_t).where(
                trips_t.c.feed_version_id == version_id, trips_t.c.trip_id == trip_id
            )
        ).first()
        if row is None:
            raise TripNotFound(f"no trip '{trip_id}' in the current version of the feed")
        return row

    def trip_stop_times(self, version_id: int, trip_id: str) -> list[Row[Any]]:
        return list(
            self.session.execute(
                select(stop_times_t, stops_t.c.stop_name, stops_t.c.stop_lat, stops_t.c.stop_lon)
                .join(
                    stops_t,
                    and_(
                        stops_t.c.feed_version_id == stop_times_t.c.feed_version_id,
                        stops_t.c.stop_id == stop_times_t.c.stop_id,
                    ),
                    isouter=True,
                )
                .where(
                    stop_times_t.c.feed_version_id == version_id,
                    stop_times_t.c.trip_id == trip_id,
                )
                .order_by(stop_times_t.c.stop_sequence)
            ).all()
        )

    def scheduled_stop_times(
        self, version_id: int, trip_ids: Sequence[str]
    ) -> dict[str, list[tuple[int, str, int | None, int | None]]]:
        """(stop_sequence, stop_id, arrival, departure) of each trip, in stop_sequence order:
        what `gtfs.realtime.propagate.apply_trip_update` applies a TripUpdate to."""
        c = stop_times_t.c
        rows = self.session.execute(
            select(c.trip_id, c.stop_sequence, c.stop_id, c.arrival_time, c.departure_time)
            .where(
                c.feed_version_id == version_id,
                ids_in(c.trip_id, sorted(set(trip_ids)), self.session),
            )
            .order_by(c.trip_id, c.stop_sequence)
        ).all()
        by_trip: dict[str, list[tuple[int, str, int | None, int | None]]] = {}
        for r in rows:
            by_trip.setdefault(r.trip_id, []).append(
                (r.stop_sequence, r.stop_id, r.arrival_time, r.departure_time)
            )
        return by_trip

    def shape_points(self, version_id: int, shape_id: str) -> list[tuple[float, float]]:
        rows = self.session.execute(
            select(shapes_t.c.shape_pt_lat, shapes_t.c.shape_pt_lon)
            .where(shapes_t.c.feed_version_id == version_id, shapes_t.c.shape_id == shape_id)
            .order_by(shapes_t.c.shape_pt_sequence)
        ).all()
        return [(r[0], r[1]) for r in rows]

    def frequencies(self, version_id: int, trip_ids: Sequence[str]) -> list[Row[Any]]:
        if not trip_ids:
            return []
        return list(
            self.session.execute(
                select(frequencies_t).where(
                    frequencies_t.c.feed_version_id == version_id,
                    frequencies_t.c.trip_id.in_(list(trip_ids)),
                )
            ).all()
        )
