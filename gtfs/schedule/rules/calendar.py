"""calendar.txt and calendar_dates.txt: date ranges, services that never run, feed coverage."""

from __future__ import annotations

import re
from datetime import date

from gtfs.schedule.context import Rule, ValidationContext
from gtfs.schedule.rules.index import CalendarRow, Row, index_of
from gtfs.schedule.spec import FILES_BY_NAME, FileSpec

_CALENDAR = FILES_BY_NAME["calendar.txt"]
_DATES = FILES_BY_NAME["calendar_dates.txt"]
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_GAP_DAYS = 13  # as MobilityData: a shorter pause (a holiday fortnight) is ordinary
_GAP = re.compile(f"0{{{MAX_GAP_DAYS + 1},}}")


class CalendarRule(Rule):
    files = ("calendar.txt", "calendar_dates.txt")

    def __init__(self, ctx: ValidationContext) -> None:
        super().__init__(ctx)
        self.index = index_of(ctx)
        self.i_service = _CALENDAR.index_of("service_id")
        self.i_days = [_CALENDAR.index_of(d) for d in _DAYS]
        self.i_start = _CALENDAR.index_of("start_date")
        self.i_end = _CALENDAR.index_of("end_date")
        self.i_d_service = _DATES.index_of("service_id")
        self.i_date = _DATES.index_of("date")
        self.i_exception = _DATES.index_of("exception_type")

    def on_row(self, spec: FileSpec, line: int, row: Row) -> None:
        if spec.name == "calendar.txt":
            self._calendar_row(spec, line, row)
            return
        service = row[self.i_d_service]
        if service is None:
            return
        day, exception = row[self.i_date], row[self.i_exception]
        dates, _ = self.index.calendar_dates.setdefault(service, ([], line))
        if day is None or exception is None:
            self.index.unknown_services.add(service)
        else:
            dates.append((day, exception))

    def _calendar_row(self, spec: FileSpec, line: int, row: Row) -> None:
        service = row[self.i_service]
        start, end = row[self.i_start], row[self.i_end]
        if start is not None and end is not None and start > end:
            self.ctx.error(
                "start_and_end_range_out_of_order",
                f"start_date {start:%Y%m%d} is after end_date {end:%Y%m%d}",
                file=spec.name,
                line=line,
                field="start_date",
                value=f"{start:%Y%m%d}",
            )
        if service is not None:
            days = tuple(row[i] for i in self.i_days)
            self.index.calendar[service] = CalendarRow(days, start, end, line)

    def on_feed_end(self) -> None:
        index = self.index
        if not (index.calendar or index.calendar_dates):
            return
        masks = index.service_masks()
        unknown = index.unknown_services
        for service in {**index.calendar, **index.calendar_dates}:
            if service in unknown or masks.get(service, 0):
                continue
            cal = index.calendar.get(service)
            file, line = (
                ("calendar.txt", cal.line)
                if cal is not None
                else ("calendar_dates.txt", index.calendar_dates[service][1])
            )
            self.ctx.warning(
                "service_never_active",
                f"service {service} is not active on any date",
                file=file,
                line=line,
                field="service_id",
                value=service,
            )
        used = set(index.trip_service.values()) if index.trip_service else set(masks)
        if used & unknown:
            return  # some dates could not be read: coverage cannot be judged
        union = 0
        for service in used:
            union |= masks.get(service, 0)
        if not union:
            self.ctx.error(
                "no_active_service",
                "no trip of the feed runs on any date: every service it uses is empty",
            )
            return
        self._gaps(union)

    def _gaps(self, union: int) -> None:
        # Bit i is day mask_base + i; reversed binary puts day 0 first, trailing zeros are gone.
        bits = bin(union)[:1:-1]
        first = bits.index("1")
        for gap in _GAP.finditer(bits, first):
            start = date.fromordinal(self.index.mask_base + gap.start())
            end = date.fromordinal(self.index.mask_base + gap.end() - 1)
            self.ctx.warning(
                "feed_service_gap",
                f"no trip runs from {start:%Y%m%d} to {end:%Y%m%d} ({gap.end() - gap.start()}"
                " days) although the feed has service before and after",
                file="calendar.txt" if self.index.calendar else "calendar_dates.txt",
                start_date=f"{start:%Y%m%d}",
                end_date=f"{end:%Y%m%d}",
                days=gap.end() - gap.start(),
            )
