"""Where validated rows go: PostgreSQL `COPY` into new partitions, or batched INSERTs for SQLite.

Both write inside the caller's transaction, so an import that fails or is killed leaves nothing.
On PostgreSQL each file is copied into a table of its own, created with the parent's indexes but
no foreign key, that `finish` attaches as the version's partition (the attach reuses the indexes
and checks the foreign key in one pass); the rows become visible with the rest of the
transaction. Indexes are kept up during COPY rather than built after it: the server maintains
them on the other core while this process parses, which measured 1.5 s faster on Vilnius than
one bulk build at the end.
Rows arrive as lists in spec field order; the sink appends the version id (and the line number
for files keyed by line) so the column order is fields..., feed_version_id[, line].
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, suppress
from itertools import repeat
from typing import Any

from sqlalchemy import Connection

from gtfs.copy_text import copy_text
from gtfs.models import partition_name
from gtfs.schedule.spec import FieldType, FileSpec


class _FileLayout:
    """Which columns of a file are written: those in its header, plus key fields that may be
    empty (agency_id of a one-agency feed, stored as ''). Columns the file lacks are left to
    their default NULL instead of being sent: stop_times has 18 fields, a feed fills 6 to 9."""

    def __init__(self, spec: FileSpec, present: list[int]) -> None:
        self.blank = [
            spec.index_of(k) for k in spec.primary_key if not spec.field_by_name[k].required
        ]
        self.fields = sorted(set(present) | set(self.blank))
        self.names = [spec.fields[i].name for i in self.fields] + ["feed_version_id"]
        self.by_line = spec.keyed_by_line
        if self.by_line:
            self.names.append("line")

    def columns(self, columns: list[list[Any]]) -> list[list[Any]]:
        out = []
        for i in self.fields:
            values = columns[i]
            if i in self.blank and None in values:
                values = ["" if v is None else v for v in values]
            out.append(values)
        return out

    def quoted_names(self) -> str:
        return ", ".join(f'"{c}"' for c in self.names)


class CopySink:
    """Streams rows through psycopg's COPY protocol on the connection's open transaction."""

    def __init__(self, conn: Connection, version_id: int) -> None:
        self.raw: Any = conn.connection.driver_connection
        self.version_id = version_id
        self._staged: list[str] = []
        self._stack: ExitStack | None = None
        self._copy: Any = None
        self._layout: _FileLayout | None = None

    def begin_file(self, spec: FileSpec, present: list[int]) -> None:
        self._layout = layout = _FileLayout(spec, present)
        part = partition_name(spec.table_name, self.version_id)
        # The CHECK lets ATTACH skip its scan for rows outside the partition's value.
        self.raw.execute(
            f'CREATE TABLE "{part}" (LIKE "{spec.table_name}" INCLUDING DEFAULTS '
            f"INCLUDING INDEXES, CHECK (feed_version_id = {int(self.version_id)}))"
        )
        self._staged.append(spec.table_name)
        self._stack = ExitStack()
        cursor = self._stack.enter_context(self.raw.cursor())
        self._copy = self._stack.enter_context(
            cursor.copy(f'COPY "{part}" ({layout.quoted_names()}) FROM STDIN')
        )

    def write_columns(self, spec: FileSpec, lines: list[int], columns: list[list[Any]]) -> None:  # noqa: ARG002
        assert self._layout is not None
        n = len(lines)
        out = self._layout.columns(columns)
        out.append([self.version_id] * n)
        if self._layout.by_line:
            out.append(lines)
        self._copy.write(copy_text(out, n))

    def end_file(self, spec: FileSpec) -> None:  # noqa: ARG002
        if self._stack is not None:
            self._stack.close()
        self._stack = self._copy = None

    def finish(self) -> None:
        """Attach every loaded table as its version's partition (indexes built, FK checked)."""
        for table in self._staged:
            part = partition_name(table, self.version_id)
            self.raw.execute(
                f'ALTER TABLE "{table}" ATTACH PARTITION "{part}" '
                f"FOR VALUES IN ({int(self.version_id)})"
            )
            # Statistics now, not when autovacuum gets round to it: the first departures
            # query on a fresh version must not be planned blind.
            self.raw.execute(f'ANALYZE "{part}"')

    def abort(self) -> None:
        """End an unfinished COPY with an error so the transaction can be rolled back."""
        if self._stack is not None:
            with suppress(Exception):  # the transaction is rolled back just after
                self._stack.__exit__(RuntimeError, RuntimeError("import aborted"), None)
            self._stack = self._copy = None


class InsertSink:
    """Batched executemany INSERTs on the raw sqlite3 connection: the fast path SQLite has."""

    def __init__(self, conn: Connection, version_id: int) -> None:
        self.raw: Any = conn.connection.driver_connection
        self.version_id = version_id
        self._sql = ""
        self._layout: _FileLayout | None = None
        self._dates: list[int] = []

    def begin_file(self, spec: FileSpec, present: list[int]) -> None:
        self._layout = layout = _FileLayout(spec, present)
        marks = ", ".join("?" * len(layout.names))
        self._sql = f'INSERT INTO "{spec.table_name}" ({layout.quoted_names()}) VALUES ({marks})'
        # SQLAlchemy's Date type keeps ISO strings in SQLite; write them the same way.
        self._dates = [
            k for k, i in enumerate(layout.fields) if spec.fields[i].type is FieldType.DATE
        ]

    def write_columns(self, spec: FileSpec, lines: list[int], columns: list[list[Any]]) -> None:  # noqa: ARG002
        assert self._layout is not None
        n = len(lines)
        out = self._layout.columns(columns)
        for k in self._dates:
            out[k] = [None if d is None else d.isoformat() for d in out[k]]
        extra: list[Iterator[Any]] = [repeat(self.version_id, n)]
        if self._layout.by_line:
            extra.append(iter(lines))
        self.raw.executemany(self._sql, zip(*out, *extra, strict=True))

    def end_file(self, spec: FileSpec) -> None:
        """Nothing buffered: each batch was written as it came."""

    def finish(self) -> None:
        """Nothing to do: the rows are in place, visible when the transaction commits."""

    def abort(self) -> None:
        """Nothing to undo here: the caller rolls the transaction back."""


def sink_for(conn: Connection, version_id: int) -> CopySink | InsertSink:
    if conn.dialect.name == "postgresql":
        return CopySink(conn, version_id)
    return InsertSink(conn, version_id)
