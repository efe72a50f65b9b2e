"""The in-memory timetable the journey planner scans: stops, patterns of trips, transfers.

Times are int32 seconds since `Timetable.origin` (an aware UTC instant), so trips of several
feeds, time zones and service days (including times past 24:00 of the previous service day)
live on one axis. A builder (``routing/timetable_builder``, from the database) or
`build_timetable` (from plain trip lists, used by tests) produces it; the algorithms only read it.

Invariants (checked by `Timetable.check`):

- A *pattern* (RAPTOR's "route") is a sequence of stops; its trips are rows sorted so that
  departures and arrivals never decrease down the trip axis at any position (trips of a pattern
  never overtake each other). Trips that would overtake go to another pattern with the same stops.
- All trips of a pattern have the same pickup and drop-off flags (a trip whose flags differ, e.g.
  a stop skipped in real time, goes to another pattern): the earliest trip one can catch is then
  always the best one to ride, which RAPTOR relies on.
- ``arrival <= departure`` at each position, and ``departure[i] <= arrival[i + 1]``.
- ``stop_patterns[s]`` lists every (pattern, position) where stop ``s`` occurs.
- ``transfers[s]`` are walking/transfer edges to *other* stops: ``(to_stop, seconds)``; the
  seconds include any change time (transfers.txt ``min_transfer_time`` or walking time).
- ``min_transfer_s[s]`` is the change time between two trips at the same stop, or ``-1`` when
  the data says nothing (the query's default applies then).
- ``forbidden`` holds ``(from_stop, to_stop)`` pairs where no transfer is possible
  (transfers.txt type 3); ``(s, s)`` forbids changing trips at ``s`` (staying seated on a block
  continuation is still allowed).
- ``TripInfo.block_next`` is the trip index the vehicle continues as (same block), or ``-1``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property

import numpy as np

UNKNOWN = 0
ACCESSIBLE = 1
NOT_ACCESSIBLE = 2


@dataclass(frozen=True)
class TripInfo:
    """What the planner reports about one trip (one service day's run of a GTFS trip)."""

    trip_ref: str  # "FEED:TRIP_ID"
    route_ref: str  # "FEED:ROUTE_ID"
    route_type: int  # GTFS route_type (extended types allowed)
    headsign: str
    service_date: date  # the GTFS service day the trip runs on
    wheelchair: int = UNKNOWN  # 0 unknown, 1 accessible, 2 not (GTFS wheelchair_accessible)
    block_next: int = -1  # trip index the vehicle continues as (stay seated), or -1
    frequency_based: bool = False  # one of several runs of a frequencies.txt trip that day


@dataclass(frozen=True, eq=False)
class Timetable:
    """Stops, patterns and transfers of every feed for the queried service days.

    Compared and hashed by identity (it holds arrays), so it can key a cache.
    See the module docstring for the invariants. Array fields are read-only by convention; the
    algorithms derive flat (CSR) copies once per timetable (`Timetable.flat`).
    """

    origin: datetime  # UTC instant of time 0
    stop_refs: tuple[str, ...]  # "FEED:STOP_ID" per stop index
    stop_lat: np.ndarray  # float64[n_stops]
    stop_lon: np.ndarray  # float64[n_stops]
    stop_wheelchair: np.ndarray  # int8[n_stops]: 0 unknown, 1 accessible, 2 not
    pattern_stops: tuple[np.ndarray, ...]  # per pattern: int32[length] stop indices
    pattern_departures: tuple[np.ndarray, ...]  # per pattern: int32[n_trips, length]
    pattern_arrivals: tuple[np.ndarray, ...]  # per pattern: int32[n_trips, length]
    pattern_trip_ids: tuple[np.ndarray, ...]  # per pattern: int32[n_trips] index into `trips`
    pattern_pickup: tuple[np.ndarray, ...]  # per pattern: bool[n_trips, length] may board
    pattern_dropoff: tuple[np.ndarray, ...]  # per pattern: bool[n_trips, length] may alight
    stop_patterns: tuple[np.ndarray, ...]  # per stop: int32[k, 2] (pattern, position)
    transfers: tuple[np.ndarray, ...]  # per stop: int32[k, 2] (to_stop, seconds), other stops
    min_transfer_s: np.ndarray  # int32[n_stops] same-stop change time, -1 = query default
    forbidden: frozenset[tuple[int, int]]  # (from_stop, to_stop) transfer_type 3 pairs
    trips: tuple[TripInfo, ...]
    stop_names: tuple[str, ...] = field(default=())  # optional, per stop index

    @property
    def n_stops(self) -> int:
        """Number of stops."""
        return len(self.stop_refs)

    @property
    def n_patterns(self) -> int:
        """Number of patterns."""
        return len(self.pattern_stops)

    @cached_property
    def flat(self) -> FlatTimetable:
        """Flat CSR arrays for the array-based scans (built once per timetable)."""
        return FlatTimetable.of(self)

    def check(self) -> None:
        """Raise ValueError if an invariant of the module docstring does not hold."""
        n = self.n_stops
        if self.origin.tzinfo is None:
            raise ValueError("origin must be timezone-aware")
        for name in ("stop_lat", "stop_lon", "stop_wheelchair", "min_transfer_s"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{name} has {len(getattr(self, name))} entries, expected {n}")
        if len(self.stop_patterns) != n or len(self.transfers) != n:
            raise ValueError("stop_patterns and transfers need one entry per stop")
        per_pattern = (
            self.pattern_departures,
            self.pattern_arrivals,
            self.pattern_trip_ids,
            self.pattern_pickup,
            self.pattern_dropoff,
        )
        if any(len(x) != self.n_patterns for x in per_pattern):
            raise ValueError("every pattern_* tuple needs one entry per pattern")
        seen: set[tuple[int, int]] = set()
        for p, stops in enumerate(self.pattern_stops):
            length = len(stops)
            dep, arr = self.pattern_departures[p], self.pattern_arrivals[p]
            n_trips = len(self.pattern_trip_ids[p])
            if length < 2 or n_trips < 1:
                raise ValueError(f"pattern {p} needs >= 2 stops and >= 1 trip")
            for a in (dep, arr, self.pattern_pickup[p], self.pattern_dropoff[p]):
                if a.shape != (n_trips, length):
                    raise ValueError(f"pattern {p}: array shape {a.shape} != {(n_trips, length)}")
            if np.any(arr > dep) or np.any(dep[:, :-1] > arr[:, 1:]):
                raise ValueError(f"pattern {p}: times go backwards along a trip")
            if np.any(np.diff(dep, axis=0) < 0) or np.any(np.diff(arr, axis=0) < 0):
                raise ValueError(f"pattern {p}: trips overtake (split them into two patterns)")
            for a in (self.pattern_pickup[p], self.pattern_dropoff[p]):
                if np.any(a != a[:1]):
                    raise ValueError(f"pattern {p}: trips differ in pickup/drop-off flags")
            if np.any(stops < 0) or np.any(stops >= n):
                raise ValueError(f"pattern {p}: stop index out of range")
            seen.update((p, i) for i in range(length))
        listed = {(int(p), int(i)) for sp in self.stop_patterns for p, i in sp.reshape(-1, 2)}
        if listed != seen:
            raise ValueError("stop_patterns does not list exactly the patterns' positions")
        for s, sp in enumerate(self.stop_patterns):
            for p, i in sp.reshape(-1, 2):
                if self.pattern_stops[p][i] != s:
                    raise ValueError(f"stop_patterns[{s}] points at another stop")
        for t in self.trips:
            if not -1 <= t.block_next < len(self.trips):
                raise ValueError(f"trip {t.trip_ref}: block_next out of range")


@dataclass(frozen=True, eq=False)
class FlatTimetable:
    """CSR copy of a `Timetable` for the compiled scans.

    Trip-times of pattern ``p`` are rows ``trip_start[p] .. trip_start[p + 1]`` of a virtual
    matrix whose row ``r`` occupies ``st_start[p] + (r - trip_start[p]) * length[p]`` onwards in
    ``dep``/``arr``/``pickup``/``dropoff``.
    """

    pat_stop_start: np.ndarray  # int64[n_patterns + 1] into pat_stops
    pat_stops: np.ndarray  # int32
    pat_trip_start: np.ndarray  # int64[n_patterns + 1] global row numbers
    pat_st_start: np.ndarray  # int64[n_patterns + 1] into dep/arr/pickup/dropoff
    row_trip: np.ndarray  # int32[n_rows] trip index per row
    dep: np.ndarray  # int32
    arr: np.ndarray  # int32
    pickup: np.ndarray  # uint8
    dropoff: np.ndarray  # uint8
    sp_start: np.ndarray  # int64[n_stops + 1] into sp_pattern/sp_pos
    sp_pattern: np.ndarray  # int32
    sp_pos: np.ndarray  # int32
    tr_start: np.ndarray  # int64[n_stops + 1] into tr_to/tr_s (forbidden pairs removed)
    tr_to: np.ndarray  # int32
    tr_s: np.ndarray  # int32
    same_stop_ok: np.ndarray  # uint8[n_stops]: 0 when (s, s) is forbidden
    trip_row: np.ndarray  # int64[n_trips] row of each trip (-1 if in no pattern)
    trip_pattern: np.ndarray  # int32[n_trips]
    block_next: np.ndarray  # int32[n_trips]
    trip_route_type: np.ndarray  # int32[n_trips]
    trip_wheelchair: np.ndarray  # int8[n_trips]
    has_blocks: bool

    @staticmethod
    def of(tt: Timetable) -> FlatTimetable:
        """Flatten a timetable."""
        n_pat = tt.n_patterns
        lengths = np.array([len(s) for s in tt.pattern_stops], dtype=np.int64)
        n_trips_p = np.array([len(t) for t in tt.pattern_trip_ids], dtype=np.int64)
        pat_stop_start = np.zeros(n_pat + 1, dtype=np.int64)
        np.cumsum(lengths, out=pat_stop_start[1:])
        pat_trip_start = np.zeros(n_pat + 1, dtype=np.int64)
        np.cumsum(n_trips_p, out=pat_trip_start[1:])
        pat_st_start = np.zeros(n_pat + 1, dtype=np.int64)
        np.cumsum(lengths * n_trips_p, out=pat_st_start[1:])

        def cat(parts: Sequence[np.ndarray], dtype: type) -> np.ndarray:
            if not parts:
                return np.zeros(0, dtype=dtype)
            return np.concatenate([np.asarray(p, dtype=dtype).ravel() for p in parts])

        pat_stops = cat(tt.pattern_stops, np.int32)
        row_trip = cat(tt.pattern_trip_ids, np.int32)
        dep = cat(tt.pattern_departures, np.int32)
        arr = cat(tt.pattern_arrivals, np.int32)
        pickup = cat(tt.pattern_pickup, np.uint8)
        dropoff = cat(tt.pattern_dropoff, np.uint8)

        n = tt.n_stops
        sp = [np.asarray(x, dtype=np.int32).reshape(-1, 2) for x in tt.stop_patterns]
        sp_start = np.zeros(n + 1, dtype=np.int64)
        np.cumsum([len(x) for x in sp], out=sp_start[1:])
        sp_all = np.concatenate(sp) if sp else np.zeros((0, 2), dtype=np.int32)

        tr_rows: list[np.ndarray] = []
        for s, x in enumerate(tt.transfers):
            t = np.asarray(x, dtype=np.int32).reshape(-1, 2)
            keep = [
                i
                for i in range(len(t))
                if int(t[i, 0]) != s and (s, int(t[i, 0])) not in tt.forbidden
            ]
            tr_rows.append(t[keep])
        tr_start = np.zeros(n + 1, dtype=np.int64)
        np.cumsum([len(x) for x in tr_rows], out=tr_start[1:])
        tr_all = np.concatenate(tr_rows) if tr_rows else np.zeros((0, 2), dtype=np.int32)

        same_stop_ok = np.ones(n, dtype=np.uint8)
        for a, b in tt.forbidden:
            if a == b and 0 <= a < n:
                same_stop_ok[a] = 0

        n_trips = len(tt.trips)
        trip_row = np.full(n_trips, -1, dtype=np.int64)
        trip_pattern = np.full(n_trips, -1, dtype=np.int32)
        if len(row_trip):
            trip_row[row_trip] = np.arange(len(row_trip), dtype=np.int64)
            trip_pattern[row_trip] = np.repeat(np.arange(n_pat, dtype=np.int32), n_trips_p)
        block_next = np.array([t.block_next for t in tt.trips], dtype=np.int32)
        return FlatTimetable(
            pat_stop_start=pat_stop_start,
            pat_stops=pat_stops,
            pat_trip_start=pat_trip_start,
            pat_st_start=pat_st_start,
            row_trip=row_trip,
            dep=dep,
            arr=arr,
            pickup=pickup,
            dropoff=dropoff,
            sp_start=sp_start,
            sp_pattern=np.ascontiguousarray(sp_all[:, 0]),
            sp_pos=np.ascontiguousarray(sp_all[:, 1]),
            tr_start=tr_start,
            tr_to=np.ascontiguousarray(tr_all[:, 0]),
            tr_s=np.ascontiguousarray(tr_all[:, 1]),
            same_stop_ok=same_stop_ok,
            trip_row=trip_row,
            trip_pattern=trip_pattern,
            block_next=block_next,
            trip_route_type=np.array([t.route_type for t in tt.trips], dtype=np.int32),
            trip_wheelchair=np.array([t.wheelchair for t in tt.trips], dtype=np.int8),
            has_blocks=bool(np.any(block_next >= 0)),
        )


@dataclass(frozen=True)
class TripTimes:
    """One trip's stop times, the input of `build_timetable`."""

    info: TripInfo
    stops: Sequence[int]
    arrivals: Sequence[int]
    departures: Sequence[int]
    pickup: Sequence[bool] | None = None  # None: boarding allowed everywhere
    dropoff: Sequence[bool] | None = None  # None: alighting allowed everywhere


_PatternKey = tuple[tuple[int, ...], tuple[bool, ...], tuple[bool, ...]]


def build_timetable(
    stop_refs: Sequence[str],
    trips: Sequence[TripTimes],
    *,
    transfers: Iterable[tuple[int, int, int]] = (),
    min_transfer_s: Sequence[int] | np.ndarray | None = None,
    forbidden: Iterable[tuple[int, int]] = (),
    stop_lat: Sequence[float] | np.ndarray | None = None,
    stop_lon: Sequence[float] | np.ndarray | None = None,
    stop_wheelchair: Sequence[int] | np.ndarray | None = None,
    stop_names: Sequence[str] = (),
    origin: datetime | None = None,
) -> Timetable:
    """Group trips into non-overtaking patterns and index stops and transfers.

    Parameters
    ----------
    stop_refs
        One reference per stop index.
    trips
        Trips in `Timetable.trips` order (``block_next`` indexes this sequence); grouped into
        patterns by stop sequence and pickup/drop-off flags, split where trips overtake.
    transfers
        ``(from_stop, to_stop, seconds)`` walking/transfer edges between different stops.
    min_transfer_s
        Same-stop change time per stop (``-1``: the query's default); all ``-1`` when omitted.
    forbidden
        ``(from_stop, to_stop)`` pairs where transfers are impossible.
    stop_lat, stop_lon, stop_wheelchair, stop_names, origin
        Optional stop attributes and the instant of time 0 (default 2000-01-01 UTC).

    Returns
    -------
    Timetable
        A timetable satisfying `Timetable.check`.
    """
    n = len(stop_refs)
    groups: dict[_PatternKey, list[list[int]]] = {}
    order = sorted(
        range(len(trips)), key=lambda t: (tuple(trips[t].departures), tuple(trips[t].arrivals))
    )
    for t in order:
        tt = trips[t]
        seq = tuple(int(s) for s in tt.stops)
        if not len(seq) == len(tt.arrivals) == len(tt.departures) or len(seq) < 2:
            raise ValueError(f"trip {tt.info.trip_ref}: needs >= 2 stops and matching times")
        flags = _flags([tt.pickup, tt.dropoff], len(seq))
        key = (seq, tuple(flags[0].tolist()), tuple(flags[1].tolist()))
        buckets = groups.setdefault(key, [])
        dep, arr = np.asarray(tt.departures), np.asarray(tt.arrivals)
        for bucket in buckets:
            last = trips[bucket[-1]]
            if np.all(np.asarray(last.departures) <= dep) and np.all(
                np.asarray(last.arrivals) <= arr
            ):
                bucket.append(t)
                break
        else:
            buckets.append([t])

    p_stops: list[np.ndarray] = []
    p_dep: list[np.ndarray] = []
    p_arr: list[np.ndarray] = []
    p_ids: list[np.ndarray] = []
    p_pick: list[np.ndarray] = []
    p_drop: list[np.ndarray] = []
    stop_pat: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for (pstops, _, _), buckets in groups.items():
        for bucket in buckets:
            p = len(p_stops)
            length = len(pstops)
            p_stops.append(np.array(pstops, dtype=np.int32))
            p_dep.append(np.array([trips[t].departures for t in bucket], dtype=np.int32))
            p_arr.append(np.array([trips[t].arrivals for t in bucket], dtype=np.int32))
            p_ids.append(np.array(bucket, dtype=np.int32))
            p_pick.append(_flags([trips[t].pickup for t in bucket], length))
            p_drop.append(_flags([trips[t].dropoff for t in bucket], length))
            for i, s in enumerate(pstops):
                stop_pat[s].append((p, i))

    tr: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for a, b, sec in transfers:
        if a != b:
            tr[a].append((b, sec))
    return Timetable(
        origin=origin or datetime(2000, 1, 1, tzinfo=UTC),
        stop_refs=tuple(stop_refs),
        stop_lat=np.asarray(stop_lat if stop_lat is not None else np.zeros(n), dtype=np.float64),
        stop_lon=np.asarray(stop_lon if stop_lon is not None else np.zeros(n), dtype=np.float64),
        stop_wheelchair=np.asarray(
            stop_wheelchair if stop_wheelchair is not None else np.zeros(n), dtype=np.int8
        ),
        pattern_stops=tuple(p_stops),
        pattern_departures=tuple(p_dep),
        pattern_arrivals=tuple(p_arr),
        pattern_trip_ids=tuple(p_ids),
        pattern_pickup=tuple(p_pick),
        pattern_dropoff=tuple(p_drop),
        stop_patterns=tuple(np.array(x, dtype=np.int32).reshape(-1, 2) for x in stop_pat),
        transfers=tuple(np.array(x, dtype=np.int32).reshape(-1, 2) for x in tr),
        min_transfer_s=np.asarray(
            min_transfer_s if min_transfer_s is not None else np.full(n, -1), dtype=np.int32
        ),
        forbidden=frozenset((int(a), int(b)) for a, b in forbidden),
        trips=tuple(t.info for t in trips),
        stop_names=tuple(stop_names),
    )


def _flags(rows: Sequence[Sequence[bool] | None], length: int) -> np.ndarray:
    out = np.ones((len(rows), length), dtype=bool)
    for r, row in enumerate(rows):
        if row is not None:
            out[r] = np.asarray(row, dtype=bool)
    return out


def stop_index(tt: Timetable) -> Mapping[str, int]:
    """Map each stop reference to its index."""
    return {ref: i for i, ref in enumerate(tt.stop_refs)}
