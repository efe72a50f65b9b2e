"""stop_times.txt: times and distances along each trip, trip edges, which locations are served.

This is the hot path of validation (hundreds of thousands of rows): each trip's rows come as
columns, checked whole at C speed in the common case (times given and in order); only a trip with
something to report is walked row by row.
"""

from __future__ import annotations

from typing import Any

from gtfs.schedule.context import ValidationContext
from gtfs.schedule.fields import format_time
from gtfs.schedule.rules.grouped import GroupedRule, Part
from gtfs.schedule.rules.index import STOP, Row, TripStats, index_of
from gtfs.schedule.rules.stops import type_name
from gtfs.schedule.spec import FILES_BY_NAME, FileSpec

_STOP_TIMES = FILES_BY_NAME["stop_times.txt"]
_FILE = _STOP_TIMES.name


class StopTimesRule(GroupedRule[TripStats]):
    files = (_FILE,)
    spec = _STOP_TIMES
    key_field = "trip_id"
    seq_field = "stop_sequence"
    reread_fields = (
        "trip_id",
        "stop_sequence",
        "arrival_time",
        "departure_time",
        "stop_id",
        "shape_dist_traveled",
        "timepoint",
        "start_pickup_drop_off_window",
        "end_pickup_drop_off_window",
        "location_group_id",
        "location_id",
    )

    def __init__(self, ctx: ValidationContext) -> None:
        super().__init__(ctx)
        self.index = index_of(ctx)
        self.tails = self.index.trip_stats
        ix = _STOP_TIMES.index_of
        self.i_arr, self.i_dep = ix("arrival_time"), ix("departure_time")
        self.i_stop, self.i_dist, self.i_tp = (
            ix("stop_id"),
            ix("shape_dist_traveled"),
            ix("timepoint"),
        )
        self.i_win_start = ix("start_pickup_drop_off_window")
        self.i_win_end = ix("end_pickup_drop_off_window")
        self.i_group, self.i_location = ix("location_group_id"), ix("location_id")

    def last_seq(self, tail: TripStats) -> int:
        return tail.last_seq

    def check(
        self,
        key: str,
        part: Part,
        tail: TripStats | None,
        pairwise: bool,
        single: bool,
        skip: set[int] | None,
    ) -> TripStats:
        lines = part.lines
        seqs, stops = part.col(self.i_seq), part.col(self.i_stop)
        arrs, deps, dists = part.col(self.i_arr), part.col(self.i_dep), part.col(self.i_dist)
        if tail is None:
            tail = TripStats()
            tail.first_seq, tail.first_line = seqs[0], lines[0]
            tail.first_stop = stops[0]
            tail.first_arrival, tail.first_departure = arrs[0], deps[0]
            tail.first_needs_times = self._needs_times(part, 0)
        served = set(stops)
        if not served <= self.index.used_stops:
            self._first_uses(part.rows(), lines, served)
        if self._clean(tail, arrs, deps, dists):
            # Every time given and in order, distances absent or increasing: nothing to report.
            tail.prev_departure, tail.prev_departure_line = deps[-1], lines[-1]
            if dists[-1] is not None:
                tail.prev_distance, tail.prev_distance_line = dists[-1], lines[-1]
                tail.has_distance = True
        else:
            self._check_rows(key, part.rows(), lines, tail, pairwise, single, skip)
        tail.count += len(lines)
        tail.last_seq, tail.last_line, tail.last_stop = seqs[-1], lines[-1], stops[-1]
        tail.last_arrival, tail.last_departure = arrs[-1], deps[-1]
        tail.last_needs_times = self._needs_times(part, -1)
        return tail

    @staticmethod
    def _clean(tail: TripStats, arrs: list[Any], deps: list[Any], dists: list[Any]) -> bool:
        """The common case, tested at C speed: every time given and none going backwards, and
        distances absent or increasing."""
        times = arrs + deps
        times[::2], times[1::2] = arrs, deps  # arrival, departure, next arrival, ...
        try:
            if times != sorted(times):
                return False
        except TypeError:  # an empty time (None) does not compare with the others
            return False
        if tail.prev_departure is not None and arrs[0] < tail.prev_departure:
            return False
        if dists.count(None) == len(dists):
            return True
        try:
            if dists != sorted(dists) or len(set(dists)) != len(dists):
                return False
        except TypeError:
            return False
        return tail.prev_distance is None or dists[0] > tail.prev_distance

    def _check_rows(
        self,
        key: str,
        rows: list[Row],
        lines: list[int],
        tail: TripStats,
        pairwise: bool,
        single: bool,
        skip: set[int] | None,
    ) -> None:
        """Row by row, for trips with empty times or with something to report."""
        i_arr, i_dep, i_dist, i_tp = self.i_arr, self.i_dep, self.i_dist, self.i_tp
        prev_dep, prev_dep_line = tail.prev_departure, tail.prev_departure_line
        prev_dist, prev_dist_line = tail.prev_distance, tail.prev_distance_line
        has_dist = tail.has_distance
        for row, line in zip(rows, lines, strict=True):
            arr, dep = row[i_arr], row[i_dep]
            if arr is not None:
                if (
                    prev_dep is not None
                    and arr < prev_dep
                    and pairwise
                    and (skip is None or line not in skip)
                ):
                    self._arrival_before_departure(key, line, arr, prev_dep, prev_dep_line)
                if dep is None:
                    if single:
                        self._incomplete(key, row, line, "departure_time")
                elif dep < arr and single:
                    self.ctx.error(
                        "stop_time_with_departure_before_arrival_time",
                        f"departure_time {format_time(dep)} is before arrival_time"
                        f" {format_time(arr)}",
                        file=_FILE,
                        line=line,
                        field="departure_time",
                        value=format_time(dep),
                        trip_id=key,
                    )
            elif dep is not None:
                if single:
                    self._incomplete(key, row, line, "arrival_time")
            elif single and row[i_tp] == 1:
                self._timepoint_without_times(key, line)
            if dep is not None:
                prev_dep, prev_dep_line = dep, line
            dist = row[i_dist]
            if dist is not None:
                if (
                    prev_dist is not None
                    and dist <= prev_dist
                    and pairwise
                    and (skip is None or line not in skip)
                ):
                    self._decreasing_distance(key, line, dist, prev_dist, prev_dist_line)
                prev_dist, prev_dist_line, has_dist = dist, line, True
        tail.prev_departure, tail.prev_departure_line = prev_dep, prev_dep_line
        tail.prev_distance, tail.prev_distance_line = prev_dist, prev_dist_line
        tail.has_distance = has_dist

    def _first_uses(self, rows: list[Row], lines: list[int], stops: set[Any]) -> None:
        """Rows serving a stop for the first time (or no stop at all)."""
        new = stops - self.index.used_stops
        i_stop = self.i_stop
        for row, line in zip(rows, lines, strict=True):
            stop = row[i_stop]
            if stop in new:
                self._first_use(row, line)
                if stop is not None:
                    new.discard(stop)
                    if not new:
                        return

    def _needs_times(self, part: Part, k: int) -> bool:
        # GTFS-Flex rows with a pickup/drop-off window must not have times at all.
        return part.at(self.i_win_start, k) is None and part.at(self.i_win_end, k) is None

    def _first_use(self, row: Row, line: int) -> None:
        """The first row that serves a stop: its location_type is checked once per stop."""
        stop = row[self.i_stop]
        if stop is None:
            if row[self.i_group] is None and row[self.i_location] is None and not self.rereading:
                self.ctx.error(
                    "missing_required_field",
                    "stop_id is required when location_group_id and location_id are empty",
                    file=_FILE,
                    line=line,
                    field="stop_id",
                )
            return
        self.index.used_stops.add(stop)
        location_type = self.index.stop_type.get(stop)
        if location_type is not None and location_type != STOP:
            self.ctx.error(
                "location_with_unexpected_stop_time",
                f"stop_id {stop} is a {type_name(location_type)}: only stops and platforms"
                " (location_type 0) can have stop times",
                file=_FILE,
                line=line,
                field="stop_id",
                value=stop,
                location_type=location_type,
                stops_line=self.index.stop_line.get(stop),
            )

    def _incomplete(self, trip: str, row: Row, line: int, missing: str) -> None:
        self.ctx.error(
            "stop_time_with_only_arrival_or_departure_time",
            f"{missing} is empty while the other time is given: give both or neither",
            file=_FILE,
            line=line,
            field=missing,
            trip_id=trip,
        )
        if row[self.i_tp] == 1:
            self._timepoint_without_times(trip, line)

    def _timepoint_without_times(self, trip: str, line: int) -> None:
        self.ctx.error(
            "stop_time_timepoint_without_times",
            "timepoint=1 needs both arrival_time and departure_time",
            file=_FILE,
            line=line,
            field="timepoint",
            trip_id=trip,
        )

    def _arrival_before_departure(
        self, trip: str, line: int, arrival: int, prev_departure: int, prev_line: int
    ) -> None:
        self.pair_notice(trip, line)
        self.ctx.error(
            "stop_time_with_arrival_before_previous_departure_time",
            f"arrival_time {format_time(arrival)} is before the departure_time"
            f" {format_time(prev_departure)} of the previous stop (line {prev_line})",
            file=_FILE,
            line=line,
            field="arrival_time",
            value=format_time(arrival),
            trip_id=trip,
            prev_line=prev_line,
        )

    def _decreasing_distance(
        self, trip: str, line: int, dist: float, prev: float, prev_line: int
    ) -> None:
        self.pair_notice(trip, line)
        self.ctx.error(
            "decreasing_or_equal_stop_time_distance",
            f"shape_dist_traveled {dist} does not increase from {prev} (line {prev_line})",
            file=_FILE,
            line=line,
            field="shape_dist_traveled",
            value=dist,
            trip_id=trip,
            prev_line=prev_line,
        )

    def _missing_edges(self, trip_id: str, t: TripStats) -> None:
        edges = [(t.first_line, t.first_arrival, t.first_departure, t.first_needs_times)]
        if t.last_line != t.first_line:
            edges.append((t.last_line, t.last_arrival, t.last_departure, t.last_needs_times))
        for line, arrival, departure, needs in edges:
            if not needs:
                continue
            for value, fname in ((arrival, "arrival_time"), (departure, "departure_time")):
                if value is None:
                    self.ctx.error(
                        "missing_trip_edge",
                        f"the first and last stop of trip {trip_id} must have {fname}",
                        file=_FILE,
                        line=line,
                        field=fname,
                        trip_id=trip_id,
                    )

    def finish(self, spec: FileSpec) -> None:  # noqa: ARG002
        index, ctx = self.index, self.ctx
        for trip_id, t in index.trip_stats.items():
            trip_line = index.trip_line.get(trip_id)
            if t.count < 2 and trip_line is not None:
                ctx.warning(
                    "unusable_trip",
                    f"trip {trip_id} has a single stop time: no journey uses it",
                    file="trips.txt",
                    line=trip_line,
                    field="trip_id",
                    value=trip_id,
                )
            # Tested inline: both edges timed is the case of nearly every trip.
            if (
                t.first_arrival is None
                or t.first_departure is None
                or t.last_arrival is None
                or t.last_departure is None
            ) and (t.first_needs_times or t.last_needs_times):
                self._missing_edges(trip_id, t)
            if t.has_distance and trip_id not in index.trip_shape and trip_line is not None:
                ctx.warning(
                    "shape_dist_traveled_without_shape",
                    f"stop times of trip {trip_id} have shape_dist_traveled but it has no shape_id",
                    file=_FILE,
                    line=t.first_line,
                    field="shape_dist_traveled",
                    trip_id=trip_id,
                )
        for trip_id, line in index.trip_line.items():
            if trip_id not in index.trip_stats:
                ctx.warning(
                    "unused_trip",
                    f"trip {trip_id} has no stop times",
                    file="trips.txt",
                    line=line,
                    field="trip_id",
                    value=trip_id,
                )
