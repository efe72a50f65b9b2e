"""Where validated rows go: PostgreSQL `COPY` into new partitions, or batched INSERTs for SQLite.

Both write inside the caller's transaction, so an import that fails or is killed leaves nothing.
On PostgreSQL each file is copied into a table of its own, with its primary key but no other
index or foreign key, that `finish` attaches as the version's partition: the attach reuses the
key, builds the parent's other indexes in bulk and checks the foreign key; the rows become
visible with the rest of the transaction. Which indexes to keep up during COPY is a balance
between the two cores: the server maintains them while this process parses, but row by row. The
primary key is cheap to keep (a trip's or a shape's rows come in key order); an index such as
(stop_id, departure_time) is not (random inserts). On Vilnius, keeping every index up cost the
backend 1.9 s of CPU, none 0.95 s, the key alone 1.35 s, and the key alone was the fastest
import. The COPY data goes out from a thread of its own (`copy_writer`), so parsing does not
stop whenever the server's socket buffer is full.
Rows arrive as columns in spec field order; the sink adds the version id (and the line number for
files keyed by line).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, suppress
from itertools import repeat
from typing import Any

from sqlalchemy import Connection

from gtfs.copy_text import CopyText
from gtfs.copy_writer import QueuedCopyWriter
from gtfs.models import partition_name, table_for
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
        self.names = [spec.fields[i].name for i in self.fields]
        self.by_line = spec.keyed_by_line

    def columns(self, columns: list[list[Any]]) -> list[list[Any]]:
        out = []
        for i in self.fields:
            values = columns[i]
            if i in self.blank and None in values:
                values = ["" if v is None else v for v in values]
            out.append(values)
        return out

    def quoted_names(self, *extra: str) -> str:
        """The file's columns, then `extra` ones, then `line` for files keyed by line."""
        names = [*self.names, *extra, *(["line"] if self.by_line else [])]
        return ", ".join(f'"{c}"' for c in names)


class CopySink:
    """Streams rows through psycopg's COPY protocol on the connection's open transaction."""

    def __init__(self, conn: Connection, version_id: int) -> None:
        self.raw: Any = conn.connection.driver_connection
        self.version_id = version_id
        self._staged: list[str] = []
        self._stack: ExitStack | None = None
        self._copy: Any = None
        self._layout: _FileLayout | None = None
        self._text = CopyText()

    def begin_file(self, spec: FileSpec, present: list[int]) -> None:
        self._layout = layout = _FileLayout(spec, present)
        part = partition_name(spec.table_name, self.version_id)
        version = int(self.version_id)
        key = ", ".join(f'"{c.name}"' for c in table_for(spec.name).primary_key.columns)
        # The primary key only (see above); ATTACH builds the other indexes. The CHECK lets
        # ATTACH skip its scan for rows outside the partition's value. The version id comes
        # from the column's default instead of being sent on every row.
        self.raw.execute(
            f'CREATE TABLE "{part}" (LIKE "{spec.table_name}" INCLUDING DEFAULTS, '
            f"PRIMARY KEY ({key}), CHECK (feed_version_id = {version}))"
        )
        self.raw.execute(f'ALTER TABLE "{part}" ALTER COLUMN feed_version_id SET DEFAULT {version}')
        self._staged.append(spec.table_name)
        self._stack = ExitStack()
        cursor = self._stack.enter_context(self.raw.cursor())
        self._copy = self._stack.enter_context(
            cursor.copy(
                f'COPY "{part}" ({layout.quoted_names()}) FROM STDIN',
                writer=QueuedCopyWriter(cursor),
            )
        )

    def write_columns(self, spec: FileSpec, lines: list[int], columns: list[list[Any]]) -> None:  # noqa: ARG002
        assert self._layout is not None
        out = self._layout.columns(columns)
        if self._layout.by_line:
            out.append(lines)
        self._copy.write(self._text.rows(out, len(lines)))

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
        names = layout.quoted_names("feed_version_id")
        marks = ", ".join("?" * (len(layout.names) + 1 + layout.by_line))
        self._sql = f'INSERT INTO "{spec.table_name}" ({names}) VALUES ({marks})'
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
