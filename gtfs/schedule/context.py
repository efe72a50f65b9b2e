"""What rules and the validator share while a feed is read: notices, headers, and key sets."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from gtfs.schedule.notices import Notice, NoticeContainer, Severity
from gtfs.schedule.reader import FeedSource
from gtfs.schedule.spec import FileSpec


class ValidationContext:
    def __init__(self, source: FeedSource, notices: NoticeContainer) -> None:
        self.source = source
        self.notices = notices
        self.headers: dict[str, list[str]] = {}
        self.row_counts: dict[str, int] = defaultdict(int)
        # Values of every field that some other field refers to, keyed by (file, field).
        self.key_sets: dict[tuple[str, str], set[Any]] = defaultdict(set)

    def notice(
        self,
        code: str,
        severity: Severity,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
        value: object = None,
        **context: Any,
    ) -> None:
        self.notices.add(
            Notice(
                code,
                severity,
                message,
                file,
                line,
                field,
                None if value is None else str(value),
                context or None,
            )
        )

    def error(self, code: str, message: str, **where: Any) -> None:
        self.notice(code, Severity.ERROR, message, **where)

    def warning(self, code: str, message: str, **where: Any) -> None:
        self.notice(code, Severity.WARNING, message, **where)

    def info(self, code: str, message: str, **where: Any) -> None:
        self.notice(code, Severity.INFO, message, **where)

    def present(self, file: str) -> bool:
        """The file exists and has a header (it may have no rows)."""
        return file in self.headers

    def has_column(self, file: str, column: str) -> bool:
        return column in self.headers.get(file, ())

    def ids(self, file: str, field: str) -> set[Any]:
        return self.key_sets[(file, field)]


class Rule:
    """A semantic check: sees the parsed rows of `files`, then the end of each file and the feed.

    `row` is a tuple indexed like `spec.fields`, None where a value is empty or invalid. Rules keep
    only what they need (per trip, per shape): memory must not grow with stop_times.
    """

    files: tuple[str, ...] = ()

    def __init__(self, ctx: ValidationContext) -> None:
        self.ctx = ctx

    def on_row(self, spec: FileSpec, line: int, row: tuple[Any, ...]) -> None:
        """Called for each row of a file in `files` (by `on_rows`, unless a rule overrides it)."""

    def on_rows(self, spec: FileSpec, lines: list[int], rows: list[tuple[Any, ...]]) -> None:
        """Called for each batch of rows, in file order; override to check a batch at once."""
        on_row = self.on_row
        for line, row in zip(lines, rows, strict=True):
            on_row(spec, line, row)

    def on_columns(self, spec: FileSpec, lines: list[int], cols: list[list[Any]]) -> None:
        """Called for each batch as columns (indexed like `spec.fields`); the default hands the
        batch to `on_rows`. Override where a check reads whole columns: it saves building a
        row tuple for every row."""
        self.on_rows(spec, lines, list(zip(*cols, strict=True)))

    def on_file_end(self, spec: FileSpec) -> None:
        """Called when a file in `files` has been read (also when it is absent: not called)."""

    def on_feed_end(self) -> None:
        """Called once after every file has been read."""
