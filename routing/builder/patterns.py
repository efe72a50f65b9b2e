"""Patterns (RAPTOR's routes) from runs: the same stops and pickup/drop-off flags, sorted by
departure, split so that no trip overtakes another."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from routing.builder.runs import CleanTimes, FeedRuns


@dataclass
class Patterns:
    """The pattern arrays of a timetable being built, appended feed by feed."""

    stops: list[NDArray[np.int32]] = field(default_factory=list)
    departures: list[NDArray[np.int32]] = field(default_factory=list)
    arrivals: list[NDArray[np.int32]] = field(default_factory=list)
    trip_ids: list[NDArray[np.int32]] = field(default_factory=list)
    pickup: list[NDArray[np.bool_]] = field(default_factory=list)
    dropoff: list[NDArray[np.bool_]] = field(default_factory=list)

    def add_feed(self, times: CleanTimes, runs: FeedRuns, first_trip: int) -> None:
        """Add the patterns of one feed's runs; run ``r`` becomes trip ``first_trip + r``."""
        rows = np.asarray(runs.row, dtype=np.int64)
        shifts = np.asarray(runs.shift, dtype=np.int64)
        for key, members in runs.groups.items():
            stops = np.frombuffer(key[0], dtype=np.int32).copy()
            ids = np.asarray(members, dtype=np.int64)
            cells = rows[ids, None] + np.arange(len(stops))
            shift = shifts[ids, None]
            dep = times.departure[cells] + shift
            arr = times.arrival[cells] + shift
            order = np.lexsort((ids, arr[:, -1], dep[:, 0]))
            dep, arr, ids, cells = dep[order], arr[order], ids[order], cells[order]
            for part in fifo_parts(dep, arr):
                self.stops.append(stops)
                self.departures.append(dep[part].astype(np.int32))
                self.arrivals.append(arr[part].astype(np.int32))
                self.trip_ids.append((ids[part] + first_trip).astype(np.int32))
                self.pickup.append(times.pickup[cells[part]])
                self.dropoff.append(times.dropoff[cells[part]])

    def timetable_fields(self, n_stops: int) -> dict[str, Any]:
        """The `Timetable` fields these patterns give, by name."""
        return {
            "pattern_stops": tuple(self.stops),
            "pattern_departures": tuple(self.departures),
            "pattern_arrivals": tuple(self.arrivals),
            "pattern_trip_ids": tuple(self.trip_ids),
            "pattern_pickup": tuple(self.pickup),
            "pattern_dropoff": tuple(self.dropoff),
            "stop_patterns": self.stop_patterns(n_stops),
        }

    def stop_patterns(self, n_stops: int) -> tuple[NDArray[np.int32], ...]:
        """Per stop, every (pattern, position) where it occurs, in pattern order."""
        if not self.stops:
            return tuple(np.empty((0, 2), np.int32) for _ in range(n_stops))
        stop = np.concatenate(self.stops)
        lengths = [len(s) for s in self.stops]
        pattern = np.repeat(np.arange(len(self.stops), dtype=np.int32), lengths)
        position = np.concatenate([np.arange(len(s), dtype=np.int32) for s in self.stops])
        order = np.lexsort((position, pattern, stop))
        table = np.column_stack((pattern[order], position[order]))
        bounds = np.searchsorted(stop[order], np.arange(n_stops + 1))
        return tuple(table[bounds[i] : bounds[i + 1]] for i in range(n_stops))


def fifo_parts(dep: NDArray[np.int64], arr: NDArray[np.int64]) -> list[NDArray[np.intp]]:
    """Split trips (rows, sorted by first departure) into groups in which no trip overtakes
    another: each row goes to the first group whose last row it never precedes."""
    everything = np.arange(len(dep))
    if len(dep) < 2 or (np.all(dep[1:] >= dep[:-1]) and np.all(arr[1:] >= arr[:-1])):
        return [everything]
    groups: list[list[int]] = []
    for r in range(len(dep)):
        for group in groups:
            last = group[-1]
            if np.all(dep[last] <= dep[r]) and np.all(arr[last] <= arr[r]):
                group.append(r)
                break
        else:
            groups.append([r])
    return [np.asarray(g, dtype=np.intp) for g in groups]
