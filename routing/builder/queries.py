"""The set-based reads of one feed version that a timetable needs: a handful per feed.

Stop times arrive in chunks (`yield_per`) and become numpy columns at once, so a large feed never
sits in memory as hundreds of thousands of row objects.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from gtfs.models import table_for
from gtfs.repository import frequencies_t, ids_in, routes_t, stop_times_t, stops_t, trips_t

transfers_t = table_for("transfers.txt")

STOP_TIMES_CHUNK = 50_000
NO_SERVICE = 1  # pickup_type / drop_off_type 1: "no pickup" / "no drop off"
MISSING_TIME = -1
MISSING_DISTANCE = -1.0


@dataclass(frozen=True, slots=True)
class StopRow:
    stop_id: str
    name: str
    lat: float
    lon: float
    location_type: int
    parent_station: str | None
    wheelchair: int


@dataclass(frozen=True, slots=True)
class TripRow:
    trip_id: str
    route_id: str
    service_id: str
    headsign: str
    block_id: str | None
    wheelchair: int


@dataclass(frozen=True, slots=True)
class FrequencyRow:
    start_time: int
    end_time: int
    headway_secs: int
    exact_times: int


@dataclass(frozen=True, slots=True)
class TransferRow:
    from_stop_id: str | None
    to_stop_id: str | None
    from_route_id: str | None
    to_route_id: str | None
    from_trip_id: str | None
    to_trip_id: str | None
    transfer_type: int
    min_transfer_time: int | None


@dataclass(frozen=True)
class StopTimes:
    """One feed version's stop times of the selected trips, ordered by (trip, stop_sequence).

    `trip` holds indices into `trip_ids`; times are GTFS seconds of the service day, with
    MISSING_TIME where stop_times.txt leaves them blank (timepoint interpolation is the
    caller's business); `stop_id` indices into `stop_ids` (the distinct ids seen).
    """

    trip_ids: list[str]
    stop_ids: list[str]
    trip: NDArray[np.int32]
    stop: NDArray[np.int32]
    arrival: NDArray[np.int32]
    departure: NDArray[np.int32]
    pickup: NDArray[np.bool_]
    dropoff: NDArray[np.bool_]
    distance: NDArray[np.float64]  # shape_dist_traveled, NaN when blank


def stops(session: Session, version_id: int) -> list[StopRow]:
    """Platforms/stops (location_type 0) and stations (1) with coordinates."""
    c = stops_t.c
    rows = session.execute(
        select(
            c.stop_id,
            c.stop_name,
            c.stop_lat,
            c.stop_lon,
            c.location_type,
            c.parent_station,
            c.wheelchair_boarding,
        )
        .where(
            c.feed_version_id == version_id,
            or_(c.location_type.is_(None), c.location_type.in_((0, 1))),
            c.stop_lat.is_not(None),
            c.stop_lon.is_not(None),
        )
        .order_by(c.stop_id)
    )
    return [
        StopRow(r[0], r[1] or "", float(r[2]), float(r[3]), r[4] or 0, r[5] or None, r[6] or 0)
        for r in rows
    ]


def route_types(session: Session, version_id: int) -> dict[str, int]:
    rows = session.execute(
        select(routes_t.c.route_id, routes_t.c.route_type).where(
            routes_t.c.feed_version_id == version_id
        )
    )
    return {r[0]: int(r[1]) for r in rows}


def _service_filter(session: Session, version_id: int, services: Collection[str]) -> Any:
    return and_(
        trips_t.c.feed_version_id == version_id,
        ids_in(trips_t.c.service_id, sorted(services), session),
    )


def trips(session: Session, version_id: int, services: Collection[str]) -> dict[str, TripRow]:
    """The trips of these service ids, by trip id."""
    c = trips_t.c
    rows = session.execute(
        select(
            c.trip_id,
            c.route_id,
            c.service_id,
            c.trip_headsign,
            c.block_id,
            c.wheelchair_accessible,
        ).where(_service_filter(session, version_id, services))
    )
    return {r[0]: TripRow(r[0], r[1], r[2], r[3] or "", r[4] or None, r[5] or 0) for r in rows}


def frequencies(session: Session, version_id: int) -> dict[str, list[FrequencyRow]]:
    """Headway windows per trip, in start order."""
    c = frequencies_t.c
    out: dict[str, list[FrequencyRow]] = {}
    for r in session.execute(
        select(c.trip_id, c.start_time, c.end_time, c.headway_secs, c.exact_times)
        .where(c.feed_version_id == version_id)
        .order_by(c.trip_id, c.start_time)
    ):
        out.setdefault(r[0], []).append(FrequencyRow(r[1], r[2], r[3], r[4] or 0))
    return out


def transfers(session: Session, version_id: int) -> list[TransferRow]:
    c = transfers_t.c
    rows = session.execute(
        select(
            c.from_stop_id,
            c.to_stop_id,
            c.from_route_id,
            c.to_route_id,
            c.from_trip_id,
            c.to_trip_id,
            c.transfer_type,
            c.min_transfer_time,
        )
        .where(c.feed_version_id == version_id)
        .order_by(c.line)
    )
    return [TransferRow(*r) for r in rows]


def _chunks(session: Session, version_id: int, services: Collection[str]) -> Iterator[Any]:
    st = stop_times_t.c
    query = (
        select(
            st.trip_id,
            st.stop_id,
            # Blanks become sentinels in SQL, so the columns convert to numpy without a test
            # per value in Python.
            func.coalesce(st.arrival_time, MISSING_TIME),
            func.coalesce(st.departure_time, MISSING_TIME),
            func.coalesce(st.pickup_type, 0),
            func.coalesce(st.drop_off_type, 0),
            func.coalesce(st.shape_dist_traveled, MISSING_DISTANCE),
        )
        .join(
            trips_t,
            and_(
                trips_t.c.feed_version_id == st.feed_version_id,
                trips_t.c.trip_id == st.trip_id,
            ),
        )
        .where(
            st.feed_version_id == version_id,
            st.stop_id.is_not(None),
            _service_filter(session, version_id, services),
        )
        .order_by(st.trip_id, st.stop_sequence)
        .execution_options(yield_per=STOP_TIMES_CHUNK)
    )
    yield from session.execute(query).partitions()


def stop_times(session: Session, version_id: int, services: Collection[str]) -> StopTimes:
    """Stop times of the trips of these service ids, as numpy columns."""
    trip_code: dict[str, int] = {}
    stop_code: dict[str, int] = {}
    parts: list[tuple[NDArray[Any], ...]] = []
    for chunk in _chunks(session, version_id, services):
        trip_col, stop_col, arr_col, dep_col, pick_col, drop_col, dist_col = zip(
            *chunk, strict=True
        )
        n = len(trip_col)
        parts.append(
            (
                np.fromiter(
                    (trip_code.setdefault(t, len(trip_code)) for t in trip_col), np.int32, n
                ),
                np.fromiter(
                    (stop_code.setdefault(s, len(stop_code)) for s in stop_col), np.int32, n
                ),
                np.fromiter(arr_col, np.int32, n),
                np.fromiter(dep_col, np.int32, n),
                np.fromiter(pick_col, np.int8, n) != NO_SERVICE,
                np.fromiter(drop_col, np.int8, n) != NO_SERVICE,
                np.fromiter(dist_col, np.float64, n),
            )
        )
    columns = [np.concatenate(c) for c in zip(*parts, strict=True)] if parts else None
    if columns is None:
        i32, b = np.empty(0, np.int32), np.empty(0, np.bool_)
        columns = [i32, i32, i32, i32, b, b, np.empty(0, np.float64)]
    trip, stop, arrival, departure, pickup, dropoff, distance = columns
    distance[distance == MISSING_DISTANCE] = np.nan
    return StopTimes(
        list(trip_code), list(stop_code), trip, stop, arrival, departure, pickup, dropoff, distance
    )
