"""What rules of different files share: compact per-stop, per-trip and per-service facts.

Each file has one owning rule that fills its part of the index while the file streams; rules of
later files read it (files are read in reference order, so stops and trips are known before
stop_times, transfers or pathways). Everything here grows with the number of stops, trips and
services, never with the number of stop_times or shape points.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from weakref import WeakKeyDictionary

from gtfs.schedule.context import ValidationContext
from gtfs.schedule.fields import FieldError, parser_for
from gtfs.schedule.spec import FileSpec

STOP, STATION, ENTRANCE, GENERIC_NODE, BOARDING_AREA = 0, 1, 2, 3, 4
# A parsed row as rules receive it: indexed like `spec.fields`, None where empty or invalid.
Row = Sequence[Any]


@dataclass(slots=True)
class TripStats:
    """One trip's stop_times, folded: its first and last stop time by stop_sequence, and the tail
    state the next rows of the trip continue from when the file is not grouped by trip."""

    count: int = 0
    first_seq: int = 0
    first_line: int = 0
    first_stop: str | None = None
    first_arrival: int | None = None
    first_departure: int | None = None
    first_needs_times: bool = True  # False for GTFS-Flex rows with a pickup/drop-off window
    last_seq: int = 0
    last_line: int = 0
    last_stop: str | None = None
    last_arrival: int | None = None
    last_departure: int | None = None
    last_needs_times: bool = True
    prev_departure: int | None = None  # last departure seen in sequence order, and its line
    prev_departure_line: int = 0
    prev_distance: float | None = None
    prev_distance_line: int = 0
    has_distance: bool = False


@dataclass(slots=True)
class CalendarRow:
    days: tuple[int | None, ...]  # monday..sunday
    start: date | None
    end: date | None
    line: int


@dataclass
class FeedIndex:
    agency_timezones: list[tuple[int, str | None, str | None]] = field(default_factory=list)
    stop_type: dict[str, int] = field(default_factory=dict)
    stop_parent: dict[str, str] = field(default_factory=dict)
    stop_line: dict[str, int] = field(default_factory=dict)
    zoneless_stops: list[tuple[int, str]] = field(default_factory=list)  # (line, stop_id), type 0
    continuous_routes: set[str] = field(default_factory=set)
    trip_route: dict[str, str] = field(default_factory=dict)
    trip_service: dict[str, str] = field(default_factory=dict)
    trip_shape: dict[str, str] = field(default_factory=dict)
    trip_block: dict[str, str] = field(default_factory=dict)
    trip_line: dict[str, int] = field(default_factory=dict)
    trip_stats: dict[str, TripStats] = field(default_factory=dict)
    used_stops: set[str | None] = field(default_factory=set)
    frequency_trips: set[str] = field(default_factory=set)
    calendar: dict[str, CalendarRow] = field(default_factory=dict)
    # calendar_dates: service -> ([(date, exception_type)], first line)
    calendar_dates: dict[str, tuple[list[tuple[date, int]], int]] = field(default_factory=dict)
    # Services whose dates are unknown because a date was invalid: never "never active".
    unknown_services: set[str] = field(default_factory=set)
    _masks: dict[str, int] | None = None
    mask_base: int = 0  # ordinal of bit 0 of every service mask

    def agency_count(self) -> int:
        return len(self.agency_timezones)

    def agency_timezone(self) -> str | None:
        return next((tz for _, _, tz in self.agency_timezones if tz), None)

    def children(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for child, parent in self.stop_parent.items():
            out.setdefault(parent, []).append(child)
        return out

    def service_masks(self) -> dict[str, int]:
        """Active days of each service as an int bit mask (bit i = day `mask_base + i`)."""
        if self._masks is None:
            self._masks = self._build_masks()
        return self._masks

    def _build_masks(self) -> dict[str, int]:
        starts = [c.start for c in self.calendar.values() if c.start is not None]
        starts += [d for dates, _ in self.calendar_dates.values() for d, _ in dates]
        if not starts:
            return {}
        base = min(starts).toordinal()
        self.mask_base = base
        masks: dict[str, int] = {}
        for service, cal in self.calendar.items():
            if cal.start is None or cal.end is None or None in cal.days:
                self.unknown_services.add(service)
                continue
            masks[service] = _weekly_mask(cal, base)
        for service, (dates, _) in self.calendar_dates.items():
            mask = masks.get(service, 0)
            for day, exception in dates:
                bit = 1 << (day.toordinal() - base)
                mask = mask | bit if exception == 1 else mask & ~bit
            masks[service] = mask
        return masks


def _weekly_mask(cal: CalendarRow, base: int) -> int:
    assert cal.start is not None
    assert cal.end is not None
    n = cal.end.toordinal() - cal.start.toordinal() + 1
    if n <= 0:
        return 0
    week = "".join("1" if d == 1 else "0" for d in cal.days)
    offset = cal.start.weekday()
    # Day i of the range falls on weekday (offset + i) % 7; build the bits as a string at C speed.
    bits = (week[offset:] + week[:offset]) * (n // 7 + 1)
    return int(bits[:n][::-1], 2) << (cal.start.toordinal() - base)


_INDEXES: WeakKeyDictionary[ValidationContext, FeedIndex] = WeakKeyDictionary()


def index_of(ctx: ValidationContext) -> FeedIndex:
    """The one index of this validation run, shared by every rule."""
    index = _INDEXES.get(ctx)
    if index is None:
        index = _INDEXES[ctx] = FeedIndex()
    return index


def reread(
    ctx: ValidationContext, spec: FileSpec, key_field: str, keys: set[str], fields: tuple[str, ...]
) -> Iterator[tuple[int, Row]]:
    """A second, selective pass over a file: the rows whose `key_field` is in `keys`.

    Only `fields` are parsed (invalid values become None, as in the first pass, which already
    reported them). Used for the rare trips or shapes whose rows are not contiguous in the file.
    """
    try:
        with ctx.source.rows(spec.name) as rows:
            pos = {name: i for i, name in enumerate(rows.header)}
            if key_field not in pos:
                return
            key_pos = pos[key_field]
            parsers = [
                (pos[f.name], spec.index_of(f.name), parser_for(f))
                for f in spec.fields
                if f.name in fields and f.name in pos
            ]
            reader = rows.reader
            width = len(spec.fields)
            for values in reader:
                if len(values) <= key_pos or values[key_pos].strip() not in keys:
                    continue
                row: list[Any] = [None] * width
                for p, i, parse in parsers:
                    value = values[p].strip() if p < len(values) else ""
                    if value:
                        try:
                            row[i] = parse(value)
                        except FieldError:
                            pass
                yield reader.line_num, tuple(row)
    except (UnicodeDecodeError, csv.Error):
        return  # reported by the first pass


class KeyTracker:
    """Duplicate composite keys of files whose primary key the spec table does not declare."""

    def __init__(self, spec: FileSpec, fields: tuple[str, ...]) -> None:
        self.fields = fields
        self.idx = [spec.index_of(f) for f in fields]
        self.seen: dict[tuple[Any, ...], int] = {}

    def check(self, ctx: ValidationContext, spec: FileSpec, line: int, row: Row) -> None:
        key = tuple(row[i] for i in self.idx)
        first = self.seen.setdefault(key, line)
        if first != line:
            values = ", ".join("" if v is None else str(v) for v in key)
            ctx.error(
                "duplicate_key",
                f"({', '.join(self.fields)}) = ({values}) already appears at line {first}",
                file=spec.name,
                line=line,
                field=self.fields[0],
                first_line=first,
            )
