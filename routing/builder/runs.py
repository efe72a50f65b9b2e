"""Runs of trips on the timetable's time axis: stop times cleaned, frequencies expanded.

A *run* is one GTFS trip on one service day (one per headway for frequency-based trips), shifted
from GTFS seconds of its service day onto seconds since the timetable's origin. Runs share their
trip's stop-time rows and differ by a shift, so a feed's runs cost a few integers each until the
patterns are materialised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from numpy.typing import NDArray

from routing.builder.queries import MISSING_TIME, FrequencyRow, StopTimes, TripRow
from routing.footpaths import haversine_m_array

# Larger than any GTFS time (days of seconds), to keep trips apart in one cumulative maximum.
_TRIP_STRIDE = 1 << 24


@dataclass(frozen=True)
class CleanTimes:
    """A feed's stop times with timetable stop indices and complete, non-decreasing times.

    Rows of stops absent from the timetable (no coordinates, flexible locations) are left out;
    trips left with fewer than two stops are dropped. ``starts[k]:starts[k + 1]`` are the rows
    of trip ``trip_of[k]`` (an index into `StopTimes.trip_ids`).
    """

    stop: NDArray[np.int32]
    arrival: NDArray[np.int64]
    departure: NDArray[np.int64]
    pickup: NDArray[np.bool_]
    dropoff: NDArray[np.bool_]
    starts: NDArray[np.int64]  # n_trips + 1 row bounds
    trip_of: NDArray[np.int32]


def clean_times(
    st: StopTimes,
    stop_index: Mapping[str, int],
    lat: NDArray[np.float64],
    lon: NDArray[np.float64],
) -> CleanTimes:
    """Map stops to timetable indices, fill blank times, and make every trip's times monotone.

    A row with only one of arrival/departure takes it for both. Rows with neither (non-timepoints)
    are interpolated between the timed rows around them, by `shape_dist_traveled` when the trip
    gives it everywhere, else by straight-line distance between the stops, else by stop count.
    Finally arrival <= departure <= next arrival is enforced (a cumulative maximum), which data
    errors could otherwise break and the planner relies on.
    """
    to_global = np.array([stop_index.get(s, -1) for s in st.stop_ids], dtype=np.int32)
    stop = to_global[st.stop] if len(st.stop) else np.empty(0, np.int32)
    keep = stop >= 0
    trip = st.trip[keep]
    stop = stop[keep]
    arr = st.arrival[keep].astype(np.int64)
    dep = st.departure[keep].astype(np.int64)
    arr = np.where(arr == MISSING_TIME, dep, arr)
    dep = np.where(dep == MISSING_TIME, arr, dep)
    starts = np.flatnonzero(np.r_[True, trip[1:] != trip[:-1]]) if len(trip) else np.empty(0, int)
    bounds = np.append(starts, len(trip)).astype(np.int64)
    missing = np.flatnonzero(arr == MISSING_TIME)
    if len(missing):
        distance = st.distance[keep]
        for k in np.unique(np.searchsorted(bounds, missing, side="right") - 1).tolist():
            a, b = int(bounds[k]), int(bounds[k + 1])
            _interpolate(arr[a:b], dep[a:b], stop[a:b], distance[a:b], lat, lon)
    # Enforce monotone times along each trip: interleave (arr, dep) and take a running maximum,
    # offsetting each trip far above the previous one so the maximum never crosses trips.
    lift = trip.astype(np.int64) * _TRIP_STRIDE
    flat = np.column_stack((arr + lift, dep + lift)).ravel()
    pairs = (np.maximum.accumulate(flat) if len(flat) else flat).reshape(-1, 2)
    arr, dep = pairs[:, 0] - lift, pairs[:, 1] - lift
    sizes = np.diff(bounds)
    long_enough = np.repeat(sizes >= 2, sizes)
    if not long_enough.all():
        trip, stop = trip[long_enough], stop[long_enough]
        arr, dep = arr[long_enough], dep[long_enough]
        pick, drop = st.pickup[keep][long_enough], st.dropoff[keep][long_enough]
        starts = np.flatnonzero(np.r_[True, trip[1:] != trip[:-1]]) if len(trip) else starts[:0]
        bounds = np.append(starts, len(trip)).astype(np.int64)
    else:
        pick, drop = st.pickup[keep], st.dropoff[keep]
    return CleanTimes(stop, arr, dep, pick, drop, bounds, trip[bounds[:-1]].astype(np.int32))


def _interpolate(
    arr: NDArray[np.int64],
    dep: NDArray[np.int64],
    stop: NDArray[np.int32],
    distance: NDArray[np.float64],
    lat: NDArray[np.float64],
    lon: NDArray[np.float64],
) -> None:
    """Fill one trip's untimed rows in place (see `clean_times`)."""
    timed = arr != MISSING_TIME
    if not timed.any():
        arr[:] = dep[:] = 0
        return
    if not np.isnan(distance).any() and np.all(np.diff(distance) >= 0):
        along = distance
    else:
        legs = haversine_m_array(lat[stop[:-1]], lon[stop[:-1]], lat[stop[1:]], lon[stop[1:]])
        along = np.r_[0.0, np.cumsum(np.nan_to_num(legs))]
    if np.any(np.diff(along[timed]) <= 0):
        along = np.arange(len(arr), dtype=np.float64)
    known = np.flatnonzero(timed)
    # Between two timed rows the vehicle leaves the first at its departure and reaches the
    # second at its arrival.
    xs = np.repeat(along[known], 2)
    ys = np.column_stack((arr[known], dep[known])).ravel().astype(np.float64)
    holes = np.flatnonzero(~timed)
    filled = np.rint(np.interp(along[holes], xs, ys)).astype(np.int64)
    arr[holes] = filled
    dep[holes] = filled


@dataclass
class FeedRuns:
    """Runs of one feed, grouped by their stop sequence.

    For each run ``r``: its trip's first row ``row[r]`` in `CleanTimes`, its ``shift`` (added to
    GTFS seconds), the trip id, and the service day. `groups` maps a stop sequence and its
    pickup/drop-off flags (bytes of the int32 stop indices, bytes of the flags) to the run
    numbers using them: runs of one pattern must agree on both (`Timetable.check`).
    """

    row: list[int] = field(default_factory=list)
    shift: list[int] = field(default_factory=list)
    trip_id: list[str] = field(default_factory=list)
    day: list[date] = field(default_factory=list)
    frequency_based: list[bool] = field(default_factory=list)
    groups: dict[tuple[bytes, bytes], list[int]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.row)


@dataclass(frozen=True, slots=True)
class ServiceDay:
    """A service day of one feed: its active services and GTFS 00:00:00 on the axis."""

    day: date
    services: frozenset[str]
    offset: int  # seconds from the timetable's origin to GTFS 00:00:00 of `day`
    not_before: int | None = None  # keep only runs still travelling at this axis time
    leaving_before: int | None = None  # keep only runs departing before this axis time


def make_runs(
    times: CleanTimes,
    trip_ids: Sequence[str],
    trips: Mapping[str, TripRow],
    frequencies: Mapping[str, Sequence[FrequencyRow]],
    days: Sequence[ServiceDay],
) -> FeedRuns:
    """Every run of every trip on `days`: frequency windows give a run per headway, starting at
    start_time + k * headway_secs before end_time (for exact_times 0 too: the planner needs
    concrete runs, and these are the schedule the headway describes)."""
    runs = FeedRuns()
    bounds = times.starts
    for k, code in enumerate(times.trip_of.tolist()):
        trip_id = trip_ids[code]
        trip = trips.get(trip_id)
        if trip is None:
            continue
        a, b = int(bounds[k]), int(bounds[k + 1])
        first_dep, last_arr = int(times.departure[a]), int(times.arrival[b - 1])
        windows = frequencies.get(trip_id)
        key: tuple[bytes, bytes] | None = None
        for day in days:
            if trip.service_id not in day.services:
                continue
            if windows:
                shifts = [
                    day.offset + start - first_dep
                    for w in windows
                    for start in range(w.start_time, w.end_time, w.headway_secs)
                ]
            else:
                shifts = [day.offset]
            if day.not_before is not None:
                shifts = [s for s in shifts if s + last_arr >= day.not_before]
            if day.leaving_before is not None:
                shifts = [s for s in shifts if s + first_dep < day.leaving_before]
            if not shifts:
                continue
            if key is None:
                flags = np.concatenate((times.pickup[a:b], times.dropoff[a:b]))
                key = (times.stop[a:b].tobytes(), flags.tobytes())
            group = runs.groups.setdefault(key, [])
            for s in shifts:
                group.append(len(runs.row))
                runs.row.append(a)
                runs.shift.append(s)
                runs.trip_id.append(trip_id)
                runs.day.append(day.day)
                runs.frequency_based.append(bool(windows))
    return runs
