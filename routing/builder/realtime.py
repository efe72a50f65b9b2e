"""Real-time changes applied to a built timetable: delayed runs, cancelled runs, skipped stops.

A change names a trip (a run: `Timetable.trips` index) and gives its new times at each position
of its pattern, the positions it no longer serves, or that it does not run at all. The result is
a new `Timetable` with the same stops, trips and transfers, so trip indices (and hence
`TripInfo`, block continuations and journeys' trip references) mean the same in both:

- a cancelled run leaves its pattern and joins none (`FlatTimetable.trip_row` -1), so nothing
  boards it and no block continuation reaches it;
- a changed run leaves its pattern for a new one with the same stops: its skipped positions
  neither board nor alight (every trip of a pattern shares its flags, `Timetable.check`), and its
  new times may overtake the runs it used to follow (`fifo_parts` splits those apart);
- patterns no change touches are shared with the base timetable, not copied.

Pure and database-free: `routing.planner.realtime` turns GTFS-Realtime TripUpdates into changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from routing.algorithms.timetable import Timetable
from routing.builder.patterns import Patterns, fifo_parts

_INT32_MAX = 2**31 - 1  # the axis is int32 seconds; INF is this value


@dataclass(frozen=True)
class TripChange:
    """The real-time state of one run; times are seconds on the timetable's axis, one per
    position of the run's pattern (None: keep the scheduled ones)."""

    trip: int
    arrivals: NDArray[np.int64] | None = None
    departures: NDArray[np.int64] | None = None
    skipped: NDArray[np.bool_] | None = None  # True where the run no longer stops
    canceled: bool = False

    @property
    def confirms_schedule(self) -> bool:
        """Live data that leaves the run as planned (on time)."""
        return (
            not self.canceled
            and self.arrivals is None
            and self.departures is None
            and (self.skipped is None)
        )


def apply_changes(tt: Timetable, changes: Sequence[TripChange]) -> Timetable:
    """`tt` with `changes` applied (see the module docstring); `tt` itself is not modified.

    Raises ValueError for a trip that is in no pattern, arrays of the wrong length, or times
    off the int32 axis. Changes that confirm the schedule change nothing.
    """
    changes = [c for c in changes if not c.confirms_schedule]
    if not changes:
        return tt
    flat = tt.flat
    by_pattern: dict[int, dict[int, TripChange]] = defaultdict(dict)
    for change in changes:
        if not 0 <= change.trip < len(tt.trips) or flat.trip_row[change.trip] < 0:
            raise ValueError(f"trip {change.trip} is in no pattern of the timetable")
        p = int(flat.trip_pattern[change.trip])
        by_pattern[p][int(flat.trip_row[change.trip] - flat.pat_trip_start[p])] = change

    out = Patterns()
    for p in range(tt.n_patterns):
        changed = by_pattern.get(p)
        if changed is None:
            _copy_pattern(out, tt, p)
        else:
            _split_pattern(out, tt, p, changed)
    return replace(tt, **out.timetable_fields(tt.n_stops))


def _copy_pattern(
    out: Patterns, tt: Timetable, p: int, rows: NDArray[np.intp] | None = None
) -> None:
    """Pattern `p` (or only its `rows`) unchanged."""
    pick = slice(None) if rows is None else rows
    out.stops.append(tt.pattern_stops[p])
    out.departures.append(tt.pattern_departures[p][pick])
    out.arrivals.append(tt.pattern_arrivals[p][pick])
    out.trip_ids.append(tt.pattern_trip_ids[p][pick])
    out.pickup.append(tt.pattern_pickup[p][pick])
    out.dropoff.append(tt.pattern_dropoff[p][pick])


def _split_pattern(out: Patterns, tt: Timetable, p: int, changed: dict[int, TripChange]) -> None:
    """Pattern `p`'s untouched runs, then its changed runs grouped by their stopping flags and
    split where they would overtake one another."""
    n_rows, length = tt.pattern_departures[p].shape
    kept = np.asarray([r for r in range(n_rows) if r not in changed], dtype=np.intp)
    if len(kept):
        _copy_pattern(out, tt, p, kept)
    groups: dict[bytes, list[tuple[int, TripChange]]] = defaultdict(list)
    for row, change in changed.items():
        if change.canceled:
            continue
        for name in ("arrivals", "departures", "skipped"):
            values = getattr(change, name)
            if values is not None and len(values) != length:
                raise ValueError(
                    f"trip {change.trip}: {name} has {len(values)} entries, not {length}"
                )
        pick, drop = _flags(tt, p, row, change)
        groups[np.concatenate((pick, drop)).tobytes()].append((row, change))
    for members in groups.values():
        _add_runs(out, tt, p, members)


def _flags(
    tt: Timetable, p: int, row: int, change: TripChange
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    pick, drop = tt.pattern_pickup[p][row], tt.pattern_dropoff[p][row]
    if change.skipped is None:
        return pick, drop
    serves = ~np.asarray(change.skipped, dtype=bool)
    return pick & serves, drop & serves


def _times(tt: Timetable, p: int, row: int, change: TripChange) -> tuple[NDArray[np.int64], ...]:
    """The run's arrivals and departures, made consistent: arrival <= departure <= next
    arrival (a running maximum, as the builder does for scheduled times)."""
    arr = tt.pattern_arrivals[p][row].astype(np.int64)
    dep = tt.pattern_departures[p][row].astype(np.int64)
    if change.arrivals is not None:
        arr = np.asarray(change.arrivals, dtype=np.int64)
    if change.departures is not None:
        dep = np.asarray(change.departures, dtype=np.int64)
    pairs = np.maximum.accumulate(np.column_stack((arr, dep)).ravel()).reshape(-1, 2)
    if pairs.size and (pairs.min() < 0 or pairs.max() >= _INT32_MAX):
        raise ValueError(f"trip {change.trip}: times outside the timetable's axis")
    return pairs[:, 0], pairs[:, 1]


def _add_runs(out: Patterns, tt: Timetable, p: int, members: list[tuple[int, TripChange]]) -> None:
    """Changed runs sharing flags: sorted by departure, split into non-overtaking patterns."""
    times = [_times(tt, p, row, change) for row, change in members]
    arr = np.stack([a for a, _ in times])
    dep = np.stack([d for _, d in times])
    trips = np.asarray([change.trip for _, change in members], dtype=np.int32)
    pick, drop = _flags(tt, p, members[0][0], members[0][1])
    order = np.lexsort((trips, arr[:, -1], dep[:, 0]))
    arr, dep, trips = arr[order], dep[order], trips[order]
    for part in fifo_parts(dep, arr):
        n = len(part)
        out.stops.append(tt.pattern_stops[p])
        out.departures.append(dep[part].astype(np.int32))
        out.arrivals.append(arr[part].astype(np.int32))
        out.trip_ids.append(trips[part])
        out.pickup.append(np.repeat(pick[None, :], n, axis=0))
        out.dropoff.append(np.repeat(drop[None, :], n, axis=0))
