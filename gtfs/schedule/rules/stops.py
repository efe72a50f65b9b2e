"""stops.txt: fields each location_type needs, the parent hierarchy, coordinates, usage."""

from __future__ import annotations

from gtfs.schedule.context import Rule, ValidationContext
from gtfs.schedule.rules.index import (
    BOARDING_AREA,
    ENTRANCE,
    GENERIC_NODE,
    STATION,
    STOP,
    Row,
    index_of,
)
from gtfs.schedule.spec import FILES_BY_NAME, FileSpec

_STOPS = FILES_BY_NAME["stops.txt"]
_NAMES = {
    STOP: "stop/platform",
    STATION: "station",
    ENTRANCE: "entrance/exit",
    GENERIC_NODE: "generic node",
    BOARDING_AREA: "boarding area",
}
# The location_type a parent must have, by the child's location_type.
_EXPECTED_PARENT = {STOP: STATION, ENTRANCE: STATION, GENERIC_NODE: STATION, BOARDING_AREA: STOP}
_NEEDS_NAME_AND_POSITION = (STOP, STATION, ENTRANCE)
_NEEDS_PARENT = (ENTRANCE, GENERIC_NODE, BOARDING_AREA)


def type_name(location_type: int) -> str:
    return _NAMES.get(location_type, str(location_type))


def check_coordinates(
    ctx: ValidationContext, file: str, line: int, lat: float, lon: float, field: str
) -> None:
    """Points at (0, 0) or at a pole are almost always a placeholder or swapped coordinates."""
    if -1.0 <= lat <= 1.0 and -1.0 <= lon <= 1.0:
        ctx.error(
            "point_near_origin",
            f"({lat}, {lon}) is within one degree of (0, 0)",
            file=file,
            line=line,
            field=field,
            value=f"{lat},{lon}",
        )
    elif lat >= 89.0 or lat <= -89.0:
        ctx.error(
            "point_near_pole",
            f"({lat}, {lon}) is within one degree of a pole",
            file=file,
            line=line,
            field=field,
            value=f"{lat},{lon}",
        )


class StopsRule(Rule):
    files = ("stops.txt",)

    def __init__(self, ctx: ValidationContext) -> None:
        super().__init__(ctx)
        self.index = index_of(ctx)
        ix = _STOPS.index_of
        self.i_id, self.i_name, self.i_desc = ix("stop_id"), ix("stop_name"), ix("stop_desc")
        self.i_lat, self.i_lon, self.i_zone = ix("stop_lat"), ix("stop_lon"), ix("zone_id")
        self.i_type, self.i_parent = ix("location_type"), ix("parent_station")
        self.i_tz, self.i_platform = ix("stop_timezone"), ix("platform_code")
        self.with_parent: list[tuple[int, str, int, str]] = []  # line, id, type, parent
        self.timezones: dict[str, tuple[int, str]] = {}

    def on_row(self, spec: FileSpec, line: int, row: Row) -> None:
        ctx, name = self.ctx, spec.name
        stop_id = row[self.i_id]
        location_type = row[self.i_type] or STOP
        parent = row[self.i_parent]
        if stop_id is not None:
            self.index.stop_type[stop_id] = location_type
            self.index.stop_line[stop_id] = line
            if parent is not None:
                self.index.stop_parent[stop_id] = parent
                self.with_parent.append((line, stop_id, location_type, parent))
            if row[self.i_tz] is not None:
                self.timezones[stop_id] = (line, row[self.i_tz])
            if location_type == STOP and row[self.i_zone] is None:
                self.index.zoneless_stops.append((line, stop_id))
        if location_type in _NEEDS_NAME_AND_POSITION:
            for i, fname in (
                (self.i_name, "stop_name"),
                (self.i_lat, "stop_lat"),
                (self.i_lon, "stop_lon"),
            ):
                if row[i] is None:
                    ctx.error(
                        "missing_required_field",
                        f"{fname} is required for a {type_name(location_type)}",
                        file=name,
                        line=line,
                        field=fname,
                        location_type=location_type,
                    )
        if parent is None:
            if location_type in _NEEDS_PARENT:
                ctx.error(
                    "location_without_parent_station",
                    f"a {type_name(location_type)} must have a parent_station",
                    file=name,
                    line=line,
                    field="parent_station",
                    location_type=location_type,
                )
            elif location_type == STOP and row[self.i_platform] is not None:
                ctx.info(
                    "platform_without_parent_station",
                    "a platform (it has a platform_code) has no parent_station",
                    file=name,
                    line=line,
                    field="parent_station",
                )
        elif location_type == STATION:
            ctx.error(
                "station_with_parent_station",
                "a station must not have a parent_station",
                file=name,
                line=line,
                field="parent_station",
                value=parent,
            )
        lat, lon = row[self.i_lat], row[self.i_lon]
        if lat is not None and lon is not None:
            check_coordinates(ctx, name, line, lat, lon, "stop_lat")
        stop_name, desc = row[self.i_name], row[self.i_desc]
        if desc is not None and stop_name is not None and desc.lower() == stop_name.lower():
            ctx.warning(
                "same_name_and_description_for_stop",
                "stop_desc repeats stop_name instead of describing the location",
                file=name,
                line=line,
                field="stop_desc",
                value=desc,
            )

    def on_file_end(self, spec: FileSpec) -> None:
        types = self.index.stop_type
        agency_tz = self.index.agency_timezone()
        for line, stop_id, location_type, parent in self.with_parent:
            parent_type = types.get(parent)
            expected = _EXPECTED_PARENT.get(location_type)
            # A missing parent is a foreign_key_violation; a station's parent is reported above.
            if parent_type is not None and expected is not None and parent_type != expected:
                self.ctx.error(
                    "wrong_parent_location_type",
                    f"the parent of a {type_name(location_type)} must be a {type_name(expected)},"
                    f" {parent} is a {type_name(parent_type)}",
                    file=spec.name,
                    line=line,
                    field="parent_station",
                    value=parent,
                    location_type=location_type,
                    parent_location_type=parent_type,
                    expected_location_type=expected,
                )
            own = self.timezones.get(stop_id)
            if own is not None:
                parent_tz = self.timezones.get(parent, (0, agency_tz))[1]
                if own[1] != parent_tz:
                    # The reference: a location with a parent station takes the parent's timezone.
                    self.ctx.warning(
                        "child_stop_timezone_ignored",
                        f"stop_timezone {own[1]} is ignored: the location takes the timezone of"
                        f" its parent station ({parent_tz})",
                        file=spec.name,
                        line=line,
                        field="stop_timezone",
                        value=own[1],
                    )

    def on_feed_end(self) -> None:
        if not self.ctx.present("stops.txt"):
            return
        index = self.index
        has_child_stop = {
            parent
            for child, parent in index.stop_parent.items()
            if index.stop_type.get(child) == STOP
        }
        for stop_id, location_type in index.stop_type.items():
            if location_type == STATION and stop_id not in has_child_stop:
                self.ctx.info(
                    "unused_station",
                    f"station {stop_id} has no stop or platform",
                    file="stops.txt",
                    line=index.stop_line[stop_id],
                    field="stop_id",
                    value=stop_id,
                )
        if self.ctx.present("stop_times.txt") and index.trip_stats:
            used = index.used_stops
            for stop_id, location_type in index.stop_type.items():
                if location_type == STOP and stop_id not in used:
                    self.ctx.warning(
                        "stop_without_stop_time",
                        f"stop {stop_id} is not served by any trip",
                        file="stops.txt",
                        line=index.stop_line[stop_id],
                        field="stop_id",
                        value=stop_id,
                    )
