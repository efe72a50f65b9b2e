"""Build the planner's in-memory `Timetable` for one service day from the imported feeds.

Every feed's current version (or the feeds named) contributes the trips of the service day and
those of the previous service day still running at its start (GTFS times past 24:00:00; on
request also the next day's first runs), each
in its feed's time zone, on one time axis: seconds since `Timetable.origin`, which is local
midnight, in the area's time zone, of the day before the service day. GTFS times count from
"noon minus 12 h" of their service day, so on the days clocks change a feed's day starts an hour
off midnight; `gtfs.service_days.service_day_origin` places each day exactly.

Per feed the builder reads stops, routes, the day's trips, their stop times (in chunks),
frequencies and transfers: a handful of set-based queries, whatever the number of trips. What
each GTFS feature becomes:

- calendar.txt and calendar_dates.txt: the service ids of each day (`active_service_ids`);
- frequencies.txt: one run per headway (exact_times 0 and 1 alike; see `routing.builder.runs`);
- pickup_type / drop_off_type 1: no boarding / alighting at that stop (other values allow it);
- blank times of non-timepoints: interpolated along the trip (`routing.builder.runs`);
- trips with the same stop sequence and pickup/drop-off flags form a pattern, sorted by
  departure and split where one would overtake another (`routing.builder.patterns`);
- block_id and in-seat transfers.txt rows: `TripInfo.block_next` (`routing.builder.blocks`);
- stops.txt wheelchair_boarding (a platform without a value inherits its station's) and trips.txt
  wheelchair_accessible: `stop_wheelchair` and `TripInfo.wheelchair`;
- footpaths, parent stations and stop-level transfers.txt rules: `routing.footpaths`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session

from gtfs.models import FeedVersion
from gtfs.repository import GtfsRepository
from gtfs.service_days import active_service_ids, service_day_origin
from routing.algorithms.timetable import Timetable, TripInfo
from routing.builder import queries
from routing.builder.blocks import IN_SEAT, NOT_IN_SEAT, RunEnds, block_links
from routing.builder.patterns import Patterns
from routing.builder.runs import CleanTimes, FeedRuns, ServiceDay, clean_times, make_runs
from routing.footpaths import TransferInputs, TransferRule

AREA_TIMEZONE = "Europe/Rome"
DEFAULT_ROUTE_TYPE = 3  # a route missing from routes.txt (the validator rejects that) is a bus


@dataclass
class _Stops:
    """The timetable's stops across feeds, indexed as they are added."""

    refs: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    wheelchair: list[int] = field(default_factory=list)
    parent: list[int] = field(default_factory=list)
    by_feed: dict[str, dict[str, int]] = field(default_factory=dict)

    def add_feed(self, feed_id: str, rows: Sequence[queries.StopRow]) -> None:
        index = self.by_feed.setdefault(feed_id, {})
        for row in rows:
            index[row.stop_id] = len(self.refs)
            self.refs.append(f"{feed_id}:{row.stop_id}")
            self.names.append(row.name)
            self.lat.append(row.lat)
            self.lon.append(row.lon)
            self.wheelchair.append(row.wheelchair)
            self.parent.append(-1)
        for row in rows:
            parent = index.get(row.parent_station or "", -1) if row.location_type == 0 else -1
            here = index[row.stop_id]
            self.parent[here] = parent
            if parent >= 0 and row.wheelchair == 0:
                self.wheelchair[here] = self.wheelchair[parent]


def build_timetable(
    session: Session,
    service_date: date,
    *,
    feeds: Sequence[str] | None = None,
    max_transfer_walk_m: float = 400,
    walk_speed_mps: float = 1.3,
    default_min_transfer_s: int = -1,
    timezone: str = AREA_TIMEZONE,
    next_day_before_s: int = 0,
) -> Timetable:
    """The timetable of `service_date` over every imported feed's current version.

    `build_timetable_and_inputs` returns the same with what its transfers came from.

    Parameters
    ----------
    session
        A database session (only read).
    service_date
        The service day queries ask about; its previous day's trips still running after the
        day begins are included too.
    feeds
        Feed ids to include (each must have a current version); None for every feed.
    max_transfer_walk_m, walk_speed_mps
        Footpaths between stops up to this distance, at this speed (`routing.footpaths`).
    default_min_transfer_s
        Same-stop change time where transfers.txt says nothing; -1 (the default) leaves it to
        each query's `min_transfer_s`.
    timezone
        The area's time zone, which fixes the origin (the app passes its settings' timezone).
    next_day_before_s
        Also include the runs of the next service day leaving before this GTFS time of that
        day (0: none), for queries late in the evening that ride on past midnight.

    Returns
    -------
    Timetable
        Times in seconds since ``origin`` = local midnight of ``service_date - 1 day``.
    """
    timetable, _ = build_timetable_and_inputs(
        session,
        service_date,
        feeds=feeds,
        max_transfer_walk_m=max_transfer_walk_m,
        walk_speed_mps=walk_speed_mps,
        default_min_transfer_s=default_min_transfer_s,
        timezone=timezone,
        next_day_before_s=next_day_before_s,
    )
    return timetable


def build_timetable_and_inputs(
    session: Session,
    service_date: date,
    *,
    feeds: Sequence[str] | None = None,
    max_transfer_walk_m: float = 400,
    walk_speed_mps: float = 1.3,
    default_min_transfer_s: int = -1,
    timezone: str = AREA_TIMEZONE,
    next_day_before_s: int = 0,
) -> tuple[Timetable, TransferInputs]:
    """`build_timetable`, and the inputs of its transfers for `routing.footpaths.with_walking`
    (other walking distances or speeds in a few milliseconds per city, no database)."""
    area = ZoneInfo(timezone)
    origin = datetime.combine(service_date - timedelta(days=1), time(0), tzinfo=area)
    origin = origin.astimezone(UTC)
    origin_s = int(origin.timestamp())
    versions = _versions(session, feeds)

    stops = _Stops()
    for version in versions:
        stops.add_feed(version.feed_id, queries.stops(session, version.id))
    lat = np.asarray(stops.lat, dtype=np.float64)
    lon = np.asarray(stops.lon, dtype=np.float64)
    parent = np.asarray(stops.parent, dtype=np.int32)

    patterns = Patterns()
    partial: list[TripInfo] = []
    links: dict[int, int] = {}
    rules: list[TransferRule] = []
    for version in versions:
        feed_id, index = version.feed_id, stops.by_feed[version.feed_id]
        transfer_rows = queries.transfers(session, version.id)
        rules.extend(_stop_rules(transfer_rows, index))
        days = _service_days(session, version, service_date, origin_s, area, next_day_before_s)
        services = frozenset().union(*(d.services for d in days))
        if not services:
            continue
        trips = queries.trips(session, version.id, services)
        stop_times = queries.stop_times(session, version.id, services)
        trip_ids = stop_times.trip_ids
        times = clean_times(stop_times, index, lat, lon)
        del stop_times  # the raw columns; `times` holds what is kept
        runs = make_runs(times, trip_ids, trips, queries.frequencies(session, version.id), days)
        first = len(partial)
        patterns.add_feed(times, runs, first)
        partial.extend(_trip_infos(feed_id, runs, trips, queries.route_types(session, version.id)))
        in_seat = [
            (r.from_trip_id, r.to_trip_id, r.transfer_type)
            for r in transfer_rows
            if r.transfer_type in (IN_SEAT, NOT_IN_SEAT) and r.from_trip_id and r.to_trip_id
        ]
        ends = _run_ends(times, runs, trips, first)
        links.update(block_links(ends, stops.parent, in_seat))

    inputs = TransferInputs(lat, lon, parent, tuple(rules))
    transfers = inputs.transfers(
        max_transfer_walk_m=max_transfer_walk_m,
        walk_speed_mps=walk_speed_mps,
        default_min_transfer_s=default_min_transfer_s,
    )
    trip_infos = tuple(
        replace(t, block_next=links[i]) if i in links else t for i, t in enumerate(partial)
    )
    timetable = Timetable(
        origin=origin,
        stop_refs=tuple(stops.refs),
        stop_lat=lat,
        stop_lon=lon,
        stop_wheelchair=np.asarray(stops.wheelchair, dtype=np.int8),
        **patterns.timetable_fields(len(stops.refs)),
        transfers=transfers.transfers,
        min_transfer_s=transfers.min_transfer_s,
        forbidden=transfers.forbidden,
        trips=trip_infos,
        stop_names=tuple(stops.names),
    )
    return timetable, inputs


def version_key(
    session: Session, feeds: Sequence[str] | None = None
) -> tuple[tuple[str, int], ...]:
    """(feed id, version id) of what `build_timetable` would read now: with the service date
    and the build options, a cache key for a built timetable (version ids are never reused)."""
    return tuple((v.feed_id, v.id) for v in _versions(session, feeds))


def _versions(session: Session, feeds: Sequence[str] | None) -> list[FeedVersion]:
    """The current versions of `feeds` (FeedNotFound for one never imported), or of all feeds."""
    repo = GtfsRepository(session)
    if feeds is None:
        current = repo.current_versions()
        return [current[f] for f in sorted(current)]
    return [repo.current_version(f) for f in dict.fromkeys(feeds)]


def _service_days(
    session: Session,
    version: FeedVersion,
    service_date: date,
    origin_s: int,
    area: ZoneInfo,
    next_day_before_s: int,
) -> list[ServiceDay]:
    """The previous service day (only runs still travelling when `service_date` begins),
    `service_date`, and optionally the next day's early runs, in the feed's time zone, placed
    on the axis."""
    tz = ZoneInfo(version.timezone) if version.timezone else area

    def day(offset: int, **limits: int) -> ServiceDay:
        when = service_date + timedelta(days=offset)
        services = frozenset(active_service_ids(session, version.id, when))
        return ServiceDay(when, services, service_day_origin(when, tz) - origin_s, **limits)

    today = day(0)
    days = [day(-1, not_before=today.offset), today]
    if next_day_before_s > 0:
        tomorrow = day(1)
        days.append(replace(tomorrow, leaving_before=tomorrow.offset + next_day_before_s))
    return days


def _stop_rules(rows: Sequence[queries.TransferRow], index: dict[str, int]) -> list[TransferRule]:
    """transfers.txt rows of types 0-3 that name only stops (see `routing.footpaths`)."""
    out = []
    for r in rows:
        if r.transfer_type > 3 or r.from_route_id or r.to_route_id:
            continue
        if r.from_trip_id or r.to_trip_id:
            continue
        f, t = index.get(r.from_stop_id or ""), index.get(r.to_stop_id or "")
        if f is not None and t is not None:
            out.append(TransferRule(f, t, r.transfer_type, r.min_transfer_time))
    return out


def _trip_infos(
    feed_id: str, runs: FeedRuns, trips: dict[str, queries.TripRow], route_types: dict[str, int]
) -> list[TripInfo]:
    """One TripInfo per run (block_next filled in later); references are shared strings."""
    refs: dict[str, tuple[str, str, int]] = {}
    out = []
    for trip_id, day, by_headway in zip(runs.trip_id, runs.day, runs.frequency_based, strict=True):
        trip = trips[trip_id]
        if trip_id not in refs:
            refs[trip_id] = (
                f"{feed_id}:{trip_id}",
                f"{feed_id}:{trip.route_id}",
                route_types.get(trip.route_id, DEFAULT_ROUTE_TYPE),
            )
        trip_ref, route_ref, route_type = refs[trip_id]
        out.append(
            TripInfo(
                trip_ref,
                route_ref,
                route_type,
                trip.headsign,
                day,
                trip.wheelchair,
                frequency_based=by_headway,
            )
        )
    return out


def _run_ends(
    times: CleanTimes, runs: FeedRuns, trips: dict[str, queries.TripRow], first: int
) -> list[RunEnds]:
    """Start and end of each run that belongs to a block (frequency-based runs never do)."""
    rows = np.asarray(runs.row, dtype=np.int64)
    ends = times.starts[np.searchsorted(times.starts, rows, side="right")] - 1
    out = []
    for r, (a, b) in enumerate(zip(rows.tolist(), ends.tolist(), strict=True)):
        if runs.frequency_based[r]:
            continue
        trip_id = runs.trip_id[r]
        shift = runs.shift[r]
        out.append(
            RunEnds(
                first + r,
                trip_id,
                trips[trip_id].block_id,
                runs.day[r],
                int(times.stop[a]),
                int(times.stop[b]),
                int(times.departure[a]) + shift,
                int(times.arrival[b]) + shift,
            )
        )
    return out
