"""transfers.txt: what each transfer_type needs, stop types, and trips that serve the stops."""

from __future__ import annotations

from gtfs.schedule.context import Rule, ValidationContext
from gtfs.schedule.rules.index import STATION, STOP, KeyTracker, Row, index_of, reread
from gtfs.schedule.rules.stops import type_name
from gtfs.schedule.spec import FILES_BY_NAME, FileSpec

_TRANSFERS = FILES_BY_NAME["transfers.txt"]
_STOP_TIMES = FILES_BY_NAME["stop_times.txt"]
_FILE = _TRANSFERS.name
IN_SEAT = (4, 5)
_SIDES = ("from", "to")


class TransfersRule(Rule):
    files = (_FILE,)

    def __init__(self, ctx: ValidationContext) -> None:
        super().__init__(ctx)
        self.index = index_of(ctx)
        ix = _TRANSFERS.index_of
        self.i_stop = {s: ix(f"{s}_stop_id") for s in _SIDES}
        self.i_trip = {s: ix(f"{s}_trip_id") for s in _SIDES}
        self.i_route = {s: ix(f"{s}_route_id") for s in _SIDES}
        self.i_type, self.i_min = ix("transfer_type"), ix("min_transfer_time")
        # The reference's primary key, which the spec table leaves out (rows keyed by line).
        self.keys = KeyTracker(
            _TRANSFERS,
            (
                "from_stop_id",
                "to_stop_id",
                "from_trip_id",
                "to_trip_id",
                "from_route_id",
                "to_route_id",
            ),
        )
        self.trip_stops: list[tuple[int, str, str, str, int]] = []  # line, side, trip, stop, type

    def on_row(self, spec: FileSpec, line: int, row: Row) -> None:
        ctx = self.ctx
        self.keys.check(ctx, spec, line, row)
        transfer_type = row[self.i_type] or 0
        in_seat = transfer_type in IN_SEAT
        has_trip = row[self.i_trip["from"]] is not None or row[self.i_trip["to"]] is not None
        # Stops: required for types 1-3; for type 0 (recommended point) when no trip narrows it.
        stops_required = transfer_type in (1, 2, 3) or (transfer_type == 0 and not has_trip)
        for side in _SIDES:
            stop, trip = row[self.i_stop[side]], row[self.i_trip[side]]
            if stop is None and stops_required:
                self._missing(line, f"{side}_stop_id", f"transfer_type {transfer_type}")
            if trip is None and in_seat:
                self._missing(line, f"{side}_trip_id", "an in-seat transfer (type 4 or 5)")
            if stop is not None:
                self._check_stop_type(line, side, stop, in_seat)
            if trip is not None:
                self._check_trip_route(line, side, trip, row[self.i_route[side]])
                if stop is not None:
                    self.trip_stops.append((line, side, trip, stop, transfer_type))
        if transfer_type == 2 and row[self.i_min] is None:
            ctx.warning(
                "missing_recommended_field",
                "transfer_type 2 (minimum time) should give min_transfer_time",
                file=_FILE,
                line=line,
                field="min_transfer_time",
            )

    def _missing(self, line: int, field: str, why: str) -> None:
        self.ctx.error(
            "missing_required_field",
            f"{field} is required for {why}",
            file=_FILE,
            line=line,
            field=field,
        )

    def _check_stop_type(self, line: int, side: str, stop: str, in_seat: bool) -> None:
        location_type = self.index.stop_type.get(stop)
        if location_type is None:
            return  # a foreign_key_violation already
        allowed = (STOP,) if in_seat else (STOP, STATION)
        if location_type not in allowed:
            expected = "a stop (in-seat transfer)" if in_seat else "a stop or a station"
            self.ctx.error(
                "transfer_with_invalid_stop_location_type",
                f"{side}_stop_id {stop} is a {type_name(location_type)}, not {expected}",
                file=_FILE,
                line=line,
                field=f"{side}_stop_id",
                value=stop,
                location_type=location_type,
            )

    def _check_trip_route(self, line: int, side: str, trip: str, route: str | None) -> None:
        trip_route = self.index.trip_route.get(trip)
        if route is not None and trip_route is not None and trip_route != route:
            self.ctx.error(
                "transfer_with_invalid_trip_and_route",
                f"{side}_trip_id {trip} belongs to route {trip_route}, not to {route}",
                file=_FILE,
                line=line,
                field=f"{side}_route_id",
                value=route,
                trip_id=trip,
            )

    def on_file_end(self, spec: FileSpec) -> None:  # noqa: ARG002
        children = self.index.children()
        stats = self.index.trip_stats
        pending: list[tuple[int, str, str, str, set[str], int]] = []
        for line, side, trip, stop, transfer_type in self.trip_stops:
            trip_stats = stats.get(trip)
            if trip_stats is None:
                continue  # a trip without stop times: unused_trip, or a foreign_key_violation
            targets = {stop, *children.get(stop, ())}  # a station stands for its platforms
            edge = trip_stats.last_stop if side == "from" else trip_stats.first_stop
            if edge in targets:
                continue
            if transfer_type not in IN_SEAT and (
                trip_stats.first_stop in targets or trip_stats.last_stop in targets
            ):
                continue
            pending.append((line, side, trip, stop, targets, transfer_type))
        if not pending:
            return
        # Rare: read the stops of just these trips again rather than keep every trip's stops.
        served: dict[str, set[str]] = {p[2]: set() for p in pending}
        i_trip, i_stop = _STOP_TIMES.index_of("trip_id"), _STOP_TIMES.index_of("stop_id")
        for _, row in reread(self.ctx, _STOP_TIMES, "trip_id", set(served), ("trip_id", "stop_id")):
            served[row[i_trip]].add(row[i_stop])
        for line, side, trip, stop, targets, transfer_type in pending:
            field = f"{side}_stop_id"
            if not served[trip] & targets:
                self.ctx.error(
                    "transfer_with_invalid_trip_and_stop",
                    f"{side}_trip_id {trip} does not serve {field} {stop}",
                    file=_FILE,
                    line=line,
                    field=field,
                    value=stop,
                    trip_id=trip,
                )
            elif transfer_type in IN_SEAT:
                where = "last" if side == "from" else "first"
                self.ctx.warning(
                    "transfer_with_suspicious_mid_trip_in_seat",
                    f"an in-seat transfer should be at the {where} stop of {side}_trip_id {trip}",
                    file=_FILE,
                    line=line,
                    field=field,
                    trip_id=trip,
                )
