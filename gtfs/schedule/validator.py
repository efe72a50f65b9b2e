"""Stream a feed once, file by file in reference order, checking every value and reference.

The same pass feeds an optional `RowSink` (the importer), so a feed is parsed once whether it is
only validated or also loaded. Sinks stop receiving rows after the first error: the import will be
rolled back anyway, and the pass goes on only to report every notice.
"""

from __future__ import annotations

import csv
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from gtfs.schedule.context import Rule, ValidationContext
from gtfs.schedule.fields import FieldError, Parser, amount_to_minor_units, parser_for
from gtfs.schedule.notices import NoticeContainer
from gtfs.schedule.reader import FeedSource
from gtfs.schedule.rules import ALL_RULES
from gtfs.schedule.spec import (
    CALENDAR_FILES,
    FILES,
    FILES_BY_NAME,
    KNOWN_UNSTORED,
    FieldType,
    FileSpec,
)

ProgressFn = Callable[[str, int, int], None]  # file, bytes done, bytes total
PROGRESS_EVERY = 20_000


class RowSink(Protocol):
    def begin_file(self, spec: FileSpec) -> None: ...
    def write_row(self, spec: FileSpec, line: int, row: list[Any]) -> None: ...
    def end_file(self, spec: FileSpec) -> None: ...
    def abort(self) -> None: ...


@dataclass
class ValidationReport:
    notices: NoticeContainer
    row_counts: dict[str, int]
    files: list[str]

    @property
    def valid(self) -> bool:
        return not self.notices.has_errors


def _referenced_targets() -> set[tuple[str, str]]:
    return {t for spec in FILES for f in spec.fields if f.ref for t in f.ref.targets()}


REFERENCED = _referenced_targets()


_MEMO_LIMIT = 200_000
_NO_MEMO = frozenset({FieldType.ID, FieldType.TEXT, FieldType.LAT, FieldType.LON, FieldType.AMOUNT})


@dataclass
class _Column:
    position: int  # in the CSV row
    index: int  # in the spec row
    name: str
    parse: Parser
    type: FieldType


class _KeyTracker:
    """Duplicate primary keys; (group, sequence) keys keep a compact int array per group."""

    def __init__(self, spec: FileSpec) -> None:
        self.idx = [spec.index_of(k) for k in spec.primary_key]
        self.grouped = len(self.idx) == 2 and spec.fields[self.idx[1]].type is FieldType.INT
        self.seen: set[Any] = set()
        self.groups: dict[Any, array[int]] = {}

    def duplicate(self, row: list[Any]) -> bool:
        if self.grouped:
            group, seq = row[self.idx[0]], row[self.idx[1]]
            if seq is None:
                return False
            seqs = self.groups.get(group)
            if seqs is None:
                self.groups[group] = array("q", (seq,))
                return False
            if seq in seqs:
                return True
            seqs.append(seq)
            return False
        key = tuple(row[i] for i in self.idx)
        if key in self.seen:
            return True
        self.seen.add(key)
        return False


class Validator:
    def __init__(
        self,
        source: FeedSource,
        sink: RowSink | None = None,
        progress: ProgressFn | None = None,
        rules: list[type[Rule]] | None = None,
    ) -> None:
        self.source = source
        self.sink = sink
        self.progress = progress
        self.notices = NoticeContainer()
        self.ctx = ValidationContext(source, self.notices)
        self.rules = [r(self.ctx) for r in (ALL_RULES if rules is None else rules)]

    def run(self) -> ValidationReport:
        self._check_file_set()
        for spec in FILES:
            if self.source.has(spec.name):
                self._read_file(spec)
        for rule in self.rules:
            rule.on_feed_end()
        return ValidationReport(self.notices, dict(self.ctx.row_counts), self.source.names())

    # -- files ---------------------------------------------------------------------------

    def _check_file_set(self) -> None:
        for spec in FILES:
            if spec.required and not self.source.has(spec.name):
                self.ctx.error("missing_required_file", f"{spec.name} is required", file=spec.name)
        if not any(self.source.has(f) for f in CALENDAR_FILES):
            self.ctx.error(
                "missing_calendar_and_calendar_date_files",
                "a feed needs calendar.txt, calendar_dates.txt or both",
            )
        for name in self.source.names():
            if name not in FILES_BY_NAME and name not in KNOWN_UNSTORED:
                self.ctx.info("unknown_file", f"{name} is not part of the reference", file=name)

    def _read_file(self, spec: FileSpec) -> None:
        try:
            with self.source.rows(spec.name) as rows:
                columns = self._check_header(spec, rows.header)
                if columns is None:
                    return
                self.ctx.headers[spec.name] = rows.header
                if self._live_sink() is not None:
                    self.sink.begin_file(spec)  # type: ignore[union-attr]
                self._read_rows(spec, rows.header, columns, rows)
        except UnicodeDecodeError as exc:
            self.ctx.error(
                "invalid_input_file_encoding",
                f"not UTF-8 at byte {exc.start}: {exc.reason}",
                file=spec.name,
            )
            return
        except csv.Error as exc:
            self.ctx.error("csv_parsing_failed", str(exc), file=spec.name)
            return
        if self._live_sink() is not None:
            self.sink.end_file(spec)  # type: ignore[union-attr]
        for rule in self.rules:
            if spec.name in rule.files:
                rule.on_file_end(spec)

    def _live_sink(self) -> RowSink | None:
        """The sink while the feed has no error; on the first one, abort it and stop feeding it."""
        if self.sink is not None and self.notices.error_count:
            self.sink.abort()
            self.sink = None
        return self.sink

    def _check_header(self, spec: FileSpec, header: list[str]) -> list[_Column] | None:
        if not header or header == [""]:
            severity = self.ctx.error if spec.required else self.ctx.warning
            severity("empty_file", f"{spec.name} has no header", file=spec.name)
            return None
        seen: set[str] = set()
        columns: list[_Column] = []
        for pos, name in enumerate(header):
            if name in seen:
                self.ctx.error(
                    "duplicated_column", f"column {name} appears twice", file=spec.name, field=name
                )
                continue
            seen.add(name)
            spec_field = spec.field_by_name.get(name)
            if spec_field is None:
                self.ctx.info(
                    "unknown_column",
                    f"{name} is not a field of {spec.name}",
                    file=spec.name,
                    field=name,
                )
                continue
            columns.append(
                _Column(pos, spec.index_of(name), name, parser_for(spec_field), spec_field.type)
            )
        for f in spec.fields:
            if f.required and f.name not in seen:
                self.ctx.error(
                    "missing_required_column",
                    f"{spec.name} must have column {f.name}",
                    file=spec.name,
                    field=f.name,
                )
        return columns

    # -- rows ------------------------------------------------------------------------------

    def _read_rows(
        self, spec: FileSpec, header: list[str], columns: list[_Column], rows: Any
    ) -> None:
        ctx, name, width = self.ctx, spec.name, len(header)
        n_fields = len(spec.fields)
        required = [(i, f.name) for i, f in enumerate(spec.fields) if f.required]
        refs = [
            (i, f.name, tuple(ctx.key_sets[t] for t in f.ref.targets()), f.ref)
            for i, f in enumerate(spec.fields)
            if f.ref and f.name in header
        ]
        collect = [
            (i, ctx.key_sets[(name, f.name)])
            for i, f in enumerate(spec.fields)
            if (name, f.name) in REFERENCED and f.name in header
        ]
        deferred: list[tuple[int, str, Any, Any]] = []  # self-references, checked at the end
        keys = _KeyTracker(spec) if spec.primary_key else None
        amounts = [i for i, f in enumerate(spec.fields) if f.type is FieldType.AMOUNT]
        currency_idx = spec.index_of(spec.currency_field) if spec.currency_field else -1
        rules = [r for r in self.rules if name in r.files]
        sink = self.sink
        count = 0
        # Identifiers are checked inline; other types go through a memo, since times, sequence
        # numbers and enum values repeat across hundreds of thousands of rows.
        plan = [
            (
                c.position,
                c.index,
                c.name,
                c.parse,
                c.type is FieldType.ID,
                None if c.type in _NO_MEMO else {},
            )
            for c in columns
        ]
        reader = rows.reader
        notices = self.notices

        for fields in reader:
            line = reader.line_num
            if len(fields) != width:
                fields = self._fix_row_length(name, line, fields, width)
                if fields is None:
                    continue
            row: list[Any] = [None] * n_fields
            bad: set[int] | None = None
            for pos, idx, fname, parse, is_id, memo in plan:
                value = fields[pos]
                if not value:
                    continue
                if value[0] == " " or value[-1] == " ":
                    ctx.warning(
                        "leading_or_trailing_whitespaces",
                        f"'{value}' has spaces around it",
                        file=name,
                        line=line,
                        field=fname,
                    )
                    value = value.strip()
                    if not value:
                        continue
                if is_id:
                    if value.isprintable():
                        row[idx] = value
                        continue
                elif memo is not None:
                    hit = memo.get(value)
                    if hit is not None:
                        row[idx] = hit
                        continue
                try:
                    parsed = parse(value)
                except FieldError as exc:
                    ctx.error(exc.code, exc.message, file=name, line=line, field=fname, value=value)
                    bad = bad or set()
                    bad.add(idx)
                    continue
                row[idx] = parsed
                if memo is not None and len(memo) < _MEMO_LIMIT:
                    memo[value] = parsed
            count += 1
            for i, fname in required:
                if row[i] is None and not (bad and i in bad):
                    ctx.error(
                        "missing_required_field",
                        f"{fname} must have a value",
                        file=name,
                        line=line,
                        field=fname,
                    )
            if amounts and row[currency_idx] is not None:
                self._convert_amounts(spec, line, row, amounts, currency_idx)
            if keys is not None and keys.duplicate(row):
                ctx.error(
                    "duplicate_key",
                    f"({', '.join(spec.primary_key)}) = "
                    f"({', '.join(str(row[i]) for i in keys.idx)}) appears more than once",
                    file=name,
                    line=line,
                    field=spec.primary_key[0],
                )
            for i, target_set in collect:
                if row[i] is not None:
                    target_set.add(row[i])
            for i, fname, target_sets, ref in refs:
                value = row[i]
                if value is None:
                    continue
                if ref.file == name:
                    deferred.append((line, fname, value, ref))
                elif not any(value in t for t in target_sets):
                    self._fk_notice(name, line, fname, value, ref)
            for rule in rules:
                rule.on_row(spec, line, row)
            if sink is not None:
                if notices.error_count:
                    sink = self._live_sink()
                else:
                    sink.write_row(spec, line, row)
            if self.progress is not None and count % PROGRESS_EVERY == 0:
                self.progress(name, rows.position(), rows.size)
        for line, fname, value, ref in deferred:
            if not self._resolves(value, ref):
                self._fk_notice(name, line, fname, value, ref)
        ctx.row_counts[name] = count
        if self.progress is not None:
            self.progress(name, rows.size, rows.size)

    def _fix_row_length(
        self, name: str, line: int, fields: list[str], width: int
    ) -> list[str] | None:
        """A short row is padded (its missing trailing values are empty); a long one is dropped."""
        if not fields or not any(fields):
            self.ctx.warning("empty_row", "the row is empty", file=name, line=line)
            return None
        if len(fields) < width:
            self.ctx.warning(
                "missing_trailing_values",
                f"the row has {len(fields)} values, the header {width}: the rest count as empty",
                file=name,
                line=line,
            )
            return fields + [""] * (width - len(fields))
        self.ctx.error(
            "invalid_row_length",
            f"the row has {len(fields)} values, more than the header's {width}",
            file=name,
            line=line,
        )
        return None

    def _convert_amounts(
        self, spec: FileSpec, line: int, row: list[Any], amounts: list[int], currency_idx: int
    ) -> None:
        for i in amounts:
            if row[i] is not None:
                try:
                    row[i] = amount_to_minor_units(row[i], row[currency_idx])
                except FieldError as exc:
                    self.ctx.error(
                        exc.code,
                        exc.message,
                        file=spec.name,
                        line=line,
                        field=spec.fields[i].name,
                    )

    def _resolves(self, value: Any, ref: Any) -> bool:
        return any(value in self.ctx.key_sets[t] for t in ref.targets())

    def _fk_notice(self, file: str, line: int, field: str, value: Any, ref: Any) -> None:
        targets = " or ".join(f"{f}:{c}" for f, c in ref.targets())
        self.ctx.error(
            "foreign_key_violation",
            f"{field}='{value}' is not in {targets}",
            file=file,
            line=line,
            field=field,
            value=value,
        )


def validate(source: FeedSource, progress: ProgressFn | None = None) -> ValidationReport:
    """Validate a feed without storing it."""
    return Validator(source, progress=progress).run()
