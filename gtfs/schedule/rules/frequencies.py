"""frequencies.txt: each window runs forwards, and the windows of a trip do not overlap."""

from __future__ import annotations

from gtfs.schedule.context import Rule, ValidationContext
from gtfs.schedule.fields import format_time
from gtfs.schedule.rules.index import Row, index_of
from gtfs.schedule.spec import FILES_BY_NAME, FileSpec

_FREQUENCIES = FILES_BY_NAME["frequencies.txt"]


def check_range(
    ctx: ValidationContext, file: str, line: int, start: int, end: int, field: str, what: str
) -> bool:
    """start_time must be before end_time; True when it is."""
    if start < end:
        return True
    code = "start_and_end_range_equal" if start == end else "start_and_end_range_out_of_order"
    ctx.error(
        code,
        f"{what}: start_time {format_time(start)} is not before end_time {format_time(end)}",
        file=file,
        line=line,
        field=field,
        value=format_time(start),
    )
    return False


class FrequenciesRule(Rule):
    files = ("frequencies.txt",)

    def __init__(self, ctx: ValidationContext) -> None:
        super().__init__(ctx)
        self.index = index_of(ctx)
        ix = _FREQUENCIES.index_of
        self.i_trip, self.i_start, self.i_end = ix("trip_id"), ix("start_time"), ix("end_time")
        self.windows: dict[str, list[tuple[int, int, int]]] = {}

    def on_row(self, spec: FileSpec, line: int, row: Row) -> None:
        trip, start, end = row[self.i_trip], row[self.i_start], row[self.i_end]
        if trip is None:
            return
        self.index.frequency_trips.add(trip)
        if start is None or end is None:
            return
        if check_range(self.ctx, spec.name, line, start, end, "start_time", "frequency window"):
            self.windows.setdefault(trip, []).append((start, end, line))

    def on_file_end(self, spec: FileSpec) -> None:
        for trip, windows in self.windows.items():
            windows.sort()
            prev_end, prev_line = windows[0][1], windows[0][2]
            for start, end, line in windows[1:]:
                # A window may start exactly when the previous one ends. prev_end is the latest
                # end so far, so a long window is compared with every window it contains.
                if start < prev_end:
                    self.ctx.error(
                        "overlapping_frequency",
                        f"the window starting {format_time(start)} overlaps the one ending"
                        f" {format_time(prev_end)} (line {prev_line}) of trip {trip}",
                        file=spec.name,
                        line=line,
                        field="start_time",
                        value=format_time(start),
                        trip_id=trip,
                        prev_line=prev_line,
                    )
                if end > prev_end:
                    prev_end, prev_line = end, line
