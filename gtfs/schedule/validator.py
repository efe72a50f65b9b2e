"""Stream a feed once, file by file in reference order, checking every value and reference.

The same pass feeds an optional `RowSink` (the importer), so a feed is parsed once whether it is
only validated or also loaded. Sinks stop receiving rows after the first error: the import will be
rolled back anyway, and the pass goes on only to report every notice.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from typing import Any, Protocol

from gtfs.schedule.columns import ColumnConverter
from gtfs.schedule.context import Rule, ValidationContext
from gtfs.schedule.fields import FieldError, amount_to_minor_units, parser_for
from gtfs.schedule.gc_pause import collector_paused
from gtfs.schedule.notices import NoticeContainer
from gtfs.schedule.primary_keys import PrimaryKeys
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


class RowSink(Protocol):
    def begin_file(self, spec: FileSpec, present: list[int]) -> None: ...
    def write_columns(self, spec: FileSpec, lines: list[int], columns: list[list[Any]]) -> None: ...
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


BATCH_ROWS = 4096


@dataclass
class _Column:
    position: int  # in the CSV row
    index: int  # in the spec row
    name: str
    converter: ColumnConverter


class _FilePlan:
    """What to do with each batch of one file, worked out once from its header."""

    def __init__(
        self, spec: FileSpec, header: list[str], columns: list[_Column], ctx: ValidationContext
    ) -> None:
        name = spec.name
        self.width = len(header)
        self.columns = columns
        self.required = [(i, f.name) for i, f in enumerate(spec.fields) if f.required]
        self.refs = [
            (i, f.name, tuple(ctx.key_sets[t] for t in f.ref.targets()), f.ref)
            for i, f in enumerate(spec.fields)
            if f.ref and f.name in header
        ]
        self.collect = [
            (i, ctx.key_sets[(name, f.name)])
            for i, f in enumerate(spec.fields)
            if (name, f.name) in REFERENCED and f.name in header
        ]
        self.deferred: list[tuple[Any, int, str, Any]] = []  # self-references
        self.keys = PrimaryKeys(spec) if spec.primary_key else None
        self.amounts = [i for i, f in enumerate(spec.fields) if f.type is FieldType.AMOUNT]
        self.currency_idx = spec.index_of(spec.currency_field) if spec.currency_field else -1


def _line_numbers(batch: list[list[str]], start: int, end: int) -> list[int]:
    """Each row's line: consecutive unless a quoted value spans lines, then counted exactly."""
    if end - start == len(batch):
        return list(range(start + 1, end + 1))
    lines = []
    line = start
    for fields in batch:
        line += 1
        lines.append(line)
        line += sum(v.count("\n") for v in fields)
    return lines


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
        with collector_paused():
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
                    present = sorted(c.index for c in columns)
                    self.sink.begin_file(spec, present)  # type: ignore[union-attr]
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
        if spec.required and not self.ctx.row_counts.get(spec.name):
            self.ctx.error("empty_file", f"{spec.name} is required and has no rows", file=spec.name)
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
            converter = ColumnConverter(spec_field.type, parser_for(spec_field))
            columns.append(_Column(pos, spec.index_of(name), name, converter))
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
        plan = _FilePlan(spec, header, columns, self.ctx)
        rules = [r for r in self.rules if spec.name in r.files]
        reader = rows.reader
        count = 0
        while True:
            start = reader.line_num
            batch = list(islice(reader, BATCH_ROWS))
            if not batch:
                break
            lines = _line_numbers(batch, start, reader.line_num)
            if len(set(map(len, batch))) != 1 or len(batch[0]) != plan.width:
                batch, lines = self._fix_lengths(spec.name, batch, lines, plan.width)
                if not batch:
                    continue
            cols = self._convert_batch(spec, plan, batch, lines)
            count += len(lines)
            for rule in rules:
                rule.on_columns(spec, lines, cols)
            sink = self._live_sink()
            if sink is not None:
                sink.write_columns(spec, lines, cols)
            if self.progress is not None:
                self.progress(spec.name, rows.position(), rows.size)
        for value, line, fname, ref in plan.deferred:
            if not self._resolves(value, ref):
                self._fk_notice(spec.name, line, fname, value, ref)
        self.ctx.row_counts[spec.name] = count
        if self.progress is not None:
            self.progress(spec.name, rows.size, rows.size)

    def _convert_batch(
        self, spec: FileSpec, plan: _FilePlan, batch: list[list[str]], lines: list[int]
    ) -> list[list[Any]]:
        """Parse the batch column by column, check it, and return its columns (spec order)."""
        ctx, name, n = self.ctx, spec.name, len(batch)
        empty: list[Any] = [None] * n
        cols: list[list[Any]] = [empty] * len(spec.fields)
        bad: set[tuple[int, int]] = set()
        csv_columns = list(zip(*batch, strict=True))  # every row has the header's width by now
        for col in plan.columns:
            values, problems, spaced = col.converter.convert(csv_columns[col.position])
            cols[col.index] = values
            for i in spaced:
                ctx.warning(
                    "leading_or_trailing_whitespaces",
                    f"'{batch[i][col.position]}' has spaces around it",
                    file=name,
                    line=lines[i],
                    field=col.name,
                )
            for i, code, message, raw in problems:
                ctx.error(code, message, file=name, line=lines[i], field=col.name, value=raw)
                bad.add((i, col.index))
        for idx, fname in plan.required:
            if None in cols[idx]:
                for i, v in enumerate(cols[idx]):
                    if v is None and (i, idx) not in bad:
                        ctx.error(
                            "missing_required_field",
                            f"{fname} must have a value",
                            file=name,
                            line=lines[i],
                            field=fname,
                        )
        if plan.amounts:
            self._convert_amounts(spec, plan, cols, lines)
        if plan.keys is not None:
            for i in plan.keys.duplicates(cols):
                ctx.error(
                    "duplicate_key",
                    f"({', '.join(spec.primary_key)}) = "
                    f"({', '.join(str(cols[k][i]) for k in plan.keys.idx)}) appears more than once",
                    file=name,
                    line=lines[i],
                    field=spec.primary_key[0],
                )
        for idx, target in plan.collect:
            target.update(cols[idx])
            target.discard(None)
        for idx, fname, target_sets, ref in plan.refs:
            self._check_refs(name, lines, cols[idx], fname, target_sets, ref, plan)
        return cols

    def _check_refs(
        self,
        name: str,
        lines: list[int],
        values: list[Any],
        fname: str,
        target_sets: tuple[set[Any], ...],
        ref: Any,
        plan: _FilePlan,
    ) -> None:
        if ref.file == name:  # a self-reference: the targets are complete only at the end
            for value, line in zip(values, lines, strict=True):
                if value is not None:
                    plan.deferred.append((value, line, fname, ref))
            return
        missing = set(values)
        missing.discard(None)
        for target in target_sets:
            missing -= target
        if missing:
            for value, line in zip(values, lines, strict=True):
                if value in missing:
                    self._fk_notice(name, line, fname, value, ref)

    def _fix_lengths(
        self, name: str, batch: list[list[str]], lines: list[int], width: int
    ) -> tuple[list[list[str]], list[int]]:
        kept: list[list[str]] = []
        kept_lines: list[int] = []
        for fields, line in zip(batch, lines, strict=True):
            fixed = (
                self._fix_row_length(name, line, fields, width) if len(fields) != width else fields
            )
            if fixed is not None:
                kept.append(fixed)
                kept_lines.append(line)
        return kept, kept_lines

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
        self, spec: FileSpec, plan: _FilePlan, cols: list[list[Any]], lines: list[int]
    ) -> None:
        currencies = cols[plan.currency_idx]
        for idx in plan.amounts:
            values = list(cols[idx])
            for i, (amount, currency) in enumerate(zip(values, currencies, strict=True)):
                if amount is None:
                    continue
                if currency is None:
                    values[i] = None  # reported as a missing currency; no unit to count in
                    continue
                try:
                    values[i] = amount_to_minor_units(amount, currency)
                except FieldError as exc:
                    values[i] = None
                    self.ctx.error(
                        exc.code,
                        exc.message,
                        file=spec.name,
                        line=lines[i],
                        field=spec.fields[idx].name,
                    )
            cols[idx] = values

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
