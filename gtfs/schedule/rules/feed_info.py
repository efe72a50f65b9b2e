"""feed_info.txt: one row, a date range that runs forwards.

Historic feeds are imported on purpose, so a feed that has expired (or has not started yet) is
only an info notice, never a warning or an error.
"""

from __future__ import annotations

from datetime import date

from gtfs.schedule.context import Rule, ValidationContext
from gtfs.schedule.rules.index import Row
from gtfs.schedule.spec import FILES_BY_NAME, FileSpec

_FEED_INFO = FILES_BY_NAME["feed_info.txt"]


class FeedInfoRule(Rule):
    files = ("feed_info.txt",)

    def __init__(self, ctx: ValidationContext) -> None:
        super().__init__(ctx)
        self.today = date.today()
        self.i_start = _FEED_INFO.index_of("feed_start_date")
        self.i_end = _FEED_INFO.index_of("feed_end_date")
        self.first_line: int | None = None

    def on_row(self, spec: FileSpec, line: int, row: Row) -> None:
        ctx = self.ctx
        if self.first_line is not None:
            ctx.warning(
                "more_than_one_entity",
                f"feed_info.txt should have one row; line {self.first_line} is the first",
                file=spec.name,
                line=line,
            )
            return
        self.first_line = line
        start, end = row[self.i_start], row[self.i_end]
        if (start is None) != (end is None):
            missing = "feed_end_date" if end is None else "feed_start_date"
            ctx.warning(
                "missing_feed_info_date",
                f"{missing} should be given with the other date",
                file=spec.name,
                line=line,
                field=missing,
            )
        if start is not None and end is not None and start > end:
            ctx.error(
                "start_and_end_range_out_of_order",
                f"feed_start_date {start:%Y%m%d} is after feed_end_date {end:%Y%m%d}",
                file=spec.name,
                line=line,
                field="feed_start_date",
                value=f"{start:%Y%m%d}",
            )
        elif end is not None and end < self.today:
            ctx.info(
                "feed_expired",
                f"the feed ended on {end:%Y%m%d}",
                file=spec.name,
                line=line,
                field="feed_end_date",
                value=f"{end:%Y%m%d}",
            )
        elif start is not None and start > self.today:
            ctx.info(
                "feed_not_yet_valid",
                f"the feed starts on {start:%Y%m%d}",
                file=spec.name,
                line=line,
                field="feed_start_date",
                value=f"{start:%Y%m%d}",
            )
