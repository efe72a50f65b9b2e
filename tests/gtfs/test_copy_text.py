"""COPY text rendering, checked by a round trip through PostgreSQL itself."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest
from sqlalchemy.engine import make_url

from gtfs import copy_text as copy_text_module
from gtfs.copy_text import CopyText, copy_text

ROWS = [
    (1, "plain", 1.5, date(2024, 2, 29)),
    (None, "tab\there, newline\nthere", None, None),
    (3, "back\\slash and \r carriage", -0.25, date(2016, 12, 31)),
    (-4, None, 1e-7, date(2000, 1, 1)),
    (5, "à è ì ò ù, ünïcödé", 0.0, None),
]


def test_copy_text_round_trips_through_postgresql(postgresql_url: str) -> None:
    """Escapes, NULLs, dates and floats come back exactly as they went in."""
    columns = [list(col) for col in zip(*ROWS, strict=True)]
    text = copy_text(columns, len(ROWS))
    dsn = make_url(postgresql_url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TEMP TABLE t (i integer, s text, f double precision, d date)")
        with conn.cursor().copy("COPY t FROM STDIN") as copy:
            copy.write(text)
        back = conn.execute("SELECT i, s, f, d FROM t").fetchall()
    assert back == ROWS


def test_all_null_column_is_null() -> None:
    """A column with no value renders as \\N on every row."""
    assert copy_text([[None, None], [1, 2]], 2) == "\\N\t1\n\\N\t2\n"


def test_integers_render_the_same_whatever_the_memo_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Integer text is str(int) and NULL for None, when memoised, overfilled or past its limit."""
    monkeypatch.setattr(copy_text_module, "INT_MEMO_LIMIT", 8)
    renderer = CopyText()
    batches = [[1, 2, None, 2], list(range(-3, 10)), [None, 5, 1], list(range(100, 120))]
    for values in batches * 2:
        expected = ["\\N" if v is None else str(v) for v in values]
        assert renderer.column(values, len(values)) == expected
