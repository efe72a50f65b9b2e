"""How far a rider travelled between two stops of a feed: along the shape of a trip that serves
both in order, or, when the feed has no such trip or shape, in a straight line.

Passenger-km revenue sharing reads this at tap-out. A trip's shape is a polyline; the ride's
length is the polyline's length between the shape points nearest to the two stops (after the
first), which is what GTFS's `shape_dist_traveled` would say without depending on its units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from gtfs.errors import FeedNotFound
from gtfs.repository import GtfsRepository, haversine_m, shapes_t, stop_times_t, stops_t, trips_t

Method = Literal["shape", "straight_line"]


@dataclass(frozen=True, slots=True)
class RideDistance:
    meters: int
    method: Method


def _coordinates(session: Session, version_id: int, stop_id: str) -> tuple[float, float] | None:
    row = session.execute(
        select(stops_t.c.stop_lat, stops_t.c.stop_lon).where(
            stops_t.c.feed_version_id == version_id, stops_t.c.stop_id == stop_id
        )
    ).first()
    if row is None or row.stop_lat is None or row.stop_lon is None:
        return None
    return float(row.stop_lat), float(row.stop_lon)


def _shape_serving(session: Session, version_id: int, from_stop: str, to_stop: str) -> str | None:
    """The shape of a trip stopping at `from_stop` and later at `to_stop`, if any has one."""
    board, alight = aliased(stop_times_t), aliased(stop_times_t)
    row = session.execute(
        select(trips_t.c.shape_id)
        .select_from(board)
        .join(
            alight,
            (alight.c.feed_version_id == board.c.feed_version_id)
            & (alight.c.trip_id == board.c.trip_id)
            & (alight.c.stop_sequence > board.c.stop_sequence),
        )
        .join(
            trips_t,
            (trips_t.c.feed_version_id == board.c.feed_version_id)
            & (trips_t.c.trip_id == board.c.trip_id),
        )
        .where(
            board.c.feed_version_id == version_id,
            board.c.stop_id == from_stop,
            alight.c.stop_id == to_stop,
            trips_t.c.shape_id.is_not(None),
        )
        .limit(1)
    ).first()
    return None if row is None else str(row.shape_id)


def _along_shape(
    points: list[tuple[float, float]], start: tuple[float, float], end: tuple[float, float]
) -> float:
    def nearest(target: tuple[float, float], after: int) -> int:
        return min(range(after, len(points)), key=lambda i: haversine_m(*points[i], *target))

    first = nearest(start, 0)
    last = nearest(end, first)
    if last == first and len(points) > 1 and start != end:
        # Some feeds reuse one shape for both directions: walk it the other way.
        points = points[::-1]
        first = nearest(start, 0)
        last = nearest(end, first)
    return sum(haversine_m(*points[i], *points[i + 1]) for i in range(first, last))


def ride_distance(
    session: Session, feed_id: str, from_stop: str, to_stop: str
) -> RideDistance | None:
    """The distance of a ride from `from_stop` to `to_stop` in the feed's current version;
    None if either stop is unknown or has no coordinates."""
    try:
        version_id = GtfsRepository(session).current_version(feed_id).id
    except FeedNotFound:
        return None
    start = _coordinates(session, version_id, from_stop)
    end = _coordinates(session, version_id, to_stop)
    if start is None or end is None:
        return None
    shape_id = _shape_serving(session, version_id, from_stop, to_stop)
    if shape_id is not None:
        points = [
            (float(r.shape_pt_lat), float(r.shape_pt_lon))
            for r in session.execute(
                select(shapes_t.c.shape_pt_lat, shapes_t.c.shape_pt_lon)
                .where(shapes_t.c.feed_version_id == version_id, shapes_t.c.shape_id == shape_id)
                .order_by(shapes_t.c.shape_pt_sequence)
            )
        ]
        if len(points) >= 2:
            return RideDistance(round(_along_shape(points, start, end)), "shape")
    return RideDistance(round(haversine_m(*start, *end)), "straight_line")
