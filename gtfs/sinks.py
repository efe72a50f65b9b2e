"""Where validated rows go: PostgreSQL `COPY`, or batched INSERTs for SQLite.

Both write inside the caller's transaction, so an import that fails or is killed leaves nothing.
Rows arrive as lists in spec field order; the sink appends the version id (and the line number
for files keyed by line) so the column order is fields..., feed_version_id[, line].
"""

from __future__ import annotations

from contextlib import ExitStack, suppress
from typing import Any

from sqlalchemy import Connection

from gtfs.schedule.spec import FieldType, FileSpec

SQLITE_BATCH = 5_000


def _column_names(spec: FileSpec) -> list[str]:
    names = [f.name for f in spec.fields] + ["feed_version_id"]
    if spec.keyed_by_line:
        names.append("line")
    return names


def _blank_key_fields(spec: FileSpec) -> list[int]:
    """Key fields that may be empty (agency_id of a one-agency feed): stored as ''."""
    return [spec.index_of(k) for k in spec.primary_key if not spec.field_by_name[k].required]


class CopySink:
    """Streams rows through psycopg's COPY protocol on the connection's open transaction."""

    def __init__(self, conn: Connection, version_id: int) -> None:
        self.raw = conn.connection.driver_connection
        self.version_id = version_id
        self._stack: ExitStack | None = None
        self._copy: Any = None
        self._blank: list[int] = []

    def begin_file(self, spec: FileSpec) -> None:
        cols = ", ".join(f'"{c}"' for c in _column_names(spec))
        self._stack = ExitStack()
        cursor = self._stack.enter_context(self.raw.cursor())
        self._copy = self._stack.enter_context(
            cursor.copy(f'COPY "{spec.table_name}" ({cols}) FROM STDIN')
        )
        self._blank = _blank_key_fields(spec)
        self._line_keyed = spec.keyed_by_line

    def write_row(self, spec: FileSpec, line: int, row: list[Any]) -> None:  # noqa: ARG002
        for i in self._blank:
            if row[i] is None:
                row[i] = ""
        row.append(self.version_id)
        if self._line_keyed:
            row.append(line)
        self._copy.write_row(row)

    def end_file(self, spec: FileSpec) -> None:  # noqa: ARG002
        if self._stack is not None:
            self._stack.close()
        self._stack = self._copy = None

    def abort(self) -> None:
        """End an unfinished COPY with an error so the transaction can be rolled back."""
        if self._stack is not None:
            with suppress(Exception):  # the transaction is rolled back just after
                self._stack.__exit__(RuntimeError, RuntimeError("import aborted"), None)
            self._stack = self._copy = None


class InsertSink:
    """Batched executemany INSERTs on the raw sqlite3 connection: the fast path SQLite has."""

    def __init__(self, conn: Connection, version_id: int) -> None:
        self.raw = conn.connection.driver_connection
        self.version_id = version_id
        self._batch: list[list[Any]] = []
        self._sql = ""
        self._blank: list[int] = []
        self._dates: list[int] = []

    def begin_file(self, spec: FileSpec) -> None:
        names = _column_names(spec)
        cols = ", ".join(f'"{c}"' for c in names)
        marks = ", ".join("?" * len(names))
        self._sql = f'INSERT INTO "{spec.table_name}" ({cols}) VALUES ({marks})'
        self._blank = _blank_key_fields(spec)
        # SQLAlchemy's Date type keeps ISO strings in SQLite; write them the same way.
        self._dates = [i for i, f in enumerate(spec.fields) if f.type is FieldType.DATE]
        self._line_keyed = spec.keyed_by_line

    def write_row(self, spec: FileSpec, line: int, row: list[Any]) -> None:  # noqa: ARG002
        for i in self._blank:
            if row[i] is None:
                row[i] = ""
        for i in self._dates:
            if row[i] is not None:
                row[i] = row[i].isoformat()
        row.append(self.version_id)
        if self._line_keyed:
            row.append(line)
        self._batch.append(row)
        if len(self._batch) >= SQLITE_BATCH:
            self._flush()

    def end_file(self, spec: FileSpec) -> None:  # noqa: ARG002
        self._flush()

    def _flush(self) -> None:
        if self._batch:
            self.raw.executemany(self._sql, self._batch)
            self._batch = []

    def abort(self) -> None:
        self._batch = []


def sink_for(conn: Connection, version_id: int) -> CopySink | InsertSink:
    if conn.dialect.name == "postgresql":
        return CopySink(conn, version_id)
    return InsertSink(conn, version_id)
