"""Render a batch of parsed columns as PostgreSQL COPY text, a column at a time.

Formatting row by row through the driver costs a Python call per row; here each column becomes
text with one `map` and the rows are joined in C. COPY's text format escapes backslash, tab,
newline and carriage return; a column is scanned once for them and escaped only if it has one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

NULL = "\\N"
_SPECIALS = ("\\", "\t", "\n", "\r")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def text_column(values: list[Any], n: int) -> list[str]:
    """COPY text of one column's values (None is NULL)."""
    sample = next((v for v in values if v is not None), None)
    if sample is None:
        return [NULL] * n
    if isinstance(sample, str):
        joined = "\x1f".join(v for v in values if v is not None)
        if any(c in joined for c in _SPECIALS):
            return [NULL if v is None else v.translate(_ESCAPES) for v in values]
        return [NULL if v is None else v for v in values] if None in values else values
    to_text: Callable[[Any], str]
    if isinstance(sample, date):
        to_text = date.isoformat
    elif isinstance(sample, float):
        to_text = repr
    else:
        to_text = str
    if None not in values:
        return list(map(to_text, values))  # the common case, in C
    return [NULL if v is None else to_text(v) for v in values]


def copy_text(columns: list[list[Any]], n: int) -> str:
    """Rows of tab-separated fields, newline-terminated, ready for `COPY ... FROM STDIN`."""
    texts = [text_column(col, n) for col in columns]
    return "\n".join(map("\t".join, zip(*texts, strict=True))) + "\n"
