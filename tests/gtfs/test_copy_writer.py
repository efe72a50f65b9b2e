"""COPY through the writer thread: everything arrives in order, and server errors surface."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy.engine import make_url

from gtfs.copy_writer import QueuedCopyWriter


def _dsn(postgresql_url: str) -> str:
    return make_url(postgresql_url).set(drivername="postgresql").render_as_string(False)


def test_every_batch_arrives_in_order_through_a_short_queue(postgresql_url: str) -> None:
    """500 batches through a queue of one: every row, in the order written."""
    with psycopg.connect(_dsn(postgresql_url)) as conn:
        conn.execute("CREATE TEMP TABLE t (n integer, s text)")
        cursor = conn.cursor()
        with cursor.copy("COPY t FROM STDIN", writer=QueuedCopyWriter(cursor, depth=1)) as copy:
            for b in range(500):
                copy.write("".join(f"{b * 10 + i}\trow {b}\n" for i in range(10)))
        rows = conn.execute("SELECT n, s FROM t ORDER BY n").fetchall()
        assert [n for n, _ in rows] == list(range(5000))
        assert rows[4999] == (4999, "row 499")


def test_a_rejected_row_raises_and_the_transaction_rolls_back(postgresql_url: str) -> None:
    """A value the server refuses fails the COPY in the caller; nothing of it stays."""
    with psycopg.connect(_dsn(postgresql_url)) as conn:
        conn.execute("CREATE TEMP TABLE t (n integer)")
        conn.commit()

        def load() -> None:
            cursor = conn.cursor()
            writer = QueuedCopyWriter(cursor, depth=1)
            with cursor.copy("COPY t FROM STDIN", writer=writer) as copy:
                for _ in range(50):
                    copy.write("1\n2\nnot a number\n")

        with pytest.raises(psycopg.errors.InvalidTextRepresentation):
            load()
        conn.rollback()
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)
