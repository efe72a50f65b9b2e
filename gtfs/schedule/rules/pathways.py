"""pathways.txt (and levels.txt): endpoint types, exit gates, stairs, elevators, reachability."""

from __future__ import annotations

from collections import deque

from gtfs.schedule.context import Rule, ValidationContext
from gtfs.schedule.rules.index import BOARDING_AREA, ENTRANCE, STATION, STOP, Row, index_of
from gtfs.schedule.spec import FILES_BY_NAME, FileSpec

_PATHWAYS = FILES_BY_NAME["pathways.txt"]
_FILE = _PATHWAYS.name
STAIRS, ELEVATOR, EXIT_GATE = 2, 5, 7


def _reach(starts: set[str], edges: dict[str, list[str]]) -> set[str]:
    seen = set(starts)
    queue = deque(starts)
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


class PathwaysRule(Rule):
    files = ("pathways.txt",)

    def __init__(self, ctx: ValidationContext) -> None:
        super().__init__(ctx)
        self.index = index_of(ctx)
        ix = _PATHWAYS.index_of
        self.i_from, self.i_to = ix("from_stop_id"), ix("to_stop_id")
        self.i_mode, self.i_bidir, self.i_stairs = (
            ix("pathway_mode"),
            ix("is_bidirectional"),
            ix("stair_count"),
        )
        self.forward: dict[str, list[str]] = {}
        self.backward: dict[str, list[str]] = {}
        self.elevator_line: int | None = None
        self._platforms_with_areas: set[str] | None = None

    def platforms_with_boarding_areas(self) -> set[str]:
        if self._platforms_with_areas is None:
            types = self.index.stop_type
            self._platforms_with_areas = {
                parent
                for child, parent in self.index.stop_parent.items()
                if types.get(child) == BOARDING_AREA
            }
        return self._platforms_with_areas

    def on_row(self, spec: FileSpec, line: int, row: Row) -> None:  # noqa: ARG002
        ctx = self.ctx
        start, end, mode = row[self.i_from], row[self.i_to], row[self.i_mode]
        for stop, fname in ((start, "from_stop_id"), (end, "to_stop_id")):
            if stop is not None:
                self._check_endpoint(line, stop, fname)
        if mode == EXIT_GATE and row[self.i_bidir] == 1:
            ctx.error(
                "bidirectional_exit_gates",
                "an exit gate (pathway_mode 7) must be one-way",
                file=_FILE,
                line=line,
                field="is_bidirectional",
                value=1,
            )
        if mode == STAIRS and row[self.i_stairs] is None:
            ctx.warning(
                "missing_recommended_field",
                "stairs (pathway_mode 2) should give stair_count",
                file=_FILE,
                line=line,
                field="stair_count",
            )
        if mode == ELEVATOR and self.elevator_line is None:
            self.elevator_line = line
        if start is None or end is None:
            return
        if start == end:
            ctx.warning(
                "pathway_loop",
                f"the pathway starts and ends at {start}",
                file=_FILE,
                line=line,
                field="to_stop_id",
                value=end,
            )
        self.forward.setdefault(start, []).append(end)
        self.backward.setdefault(end, []).append(start)
        if row[self.i_bidir] == 1:
            self.forward.setdefault(end, []).append(start)
            self.backward.setdefault(start, []).append(end)

    def _check_endpoint(self, line: int, stop: str, fname: str) -> None:
        location_type = self.index.stop_type.get(stop)
        if location_type == STATION:
            self.ctx.error(
                "pathway_to_wrong_location_type",
                f"{fname} {stop} is a station: pathways link platforms, entrances, nodes and"
                " boarding areas",
                file=_FILE,
                line=line,
                field=fname,
                value=stop,
            )
        elif location_type == STOP and stop in self.platforms_with_boarding_areas():
            self.ctx.error(
                "pathway_to_platform_with_boarding_areas",
                f"{fname} {stop} is a platform with boarding areas: link its boarding areas",
                file=_FILE,
                line=line,
                field=fname,
                value=stop,
            )

    def on_file_end(self, spec: FileSpec) -> None:  # noqa: ARG002
        if self.elevator_line is not None and not self.ctx.row_counts.get("levels.txt"):
            self.ctx.warning(
                "missing_level_file",
                "pathways include an elevator but levels.txt is missing",
                file=_FILE,
                line=self.elevator_line,
                field="pathway_mode",
            )
        self._reachability()

    def _station_of(self, stop: str) -> str | None:
        parent = self.index.stop_parent.get(stop)
        if parent is not None and self.index.stop_type.get(parent) == STOP:
            parent = self.index.stop_parent.get(parent)  # a boarding area's platform
        return parent

    def _reachability(self) -> None:
        """In a station with pathways, every platform (or its boarding areas) must be reachable
        from an entrance, and an entrance from it."""
        index = self.index
        nodes = set(self.forward) | set(self.backward)
        stations = {s for s in map(self._station_of, nodes) if s is not None}
        if not stations:
            return
        entrances = {
            stop
            for stop, t in index.stop_type.items()
            if t == ENTRANCE and index.stop_parent.get(stop) in stations
        }
        from_entrance = _reach(entrances, self.forward)
        to_entrance = _reach(entrances, self.backward)
        with_areas = self.platforms_with_boarding_areas()
        for stop, location_type in index.stop_type.items():
            if location_type not in (STOP, BOARDING_AREA) or stop in with_areas:
                continue
            if self._station_of(stop) not in stations:
                continue
            if stop in from_entrance and stop in to_entrance:
                continue
            how = "from" if stop not in from_entrance else "to"
            self.ctx.error(
                "pathway_unreachable_location",
                f"no chain of pathways leads {how} an entrance {'to' if how == 'from' else 'from'}"
                f" {stop}",
                file="stops.txt",
                line=index.stop_line.get(stop),
                field="stop_id",
                value=stop,
            )
