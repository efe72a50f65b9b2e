"""Render a batch of parsed columns as PostgreSQL COPY text, a column at a time.

Formatting row by row through the driver costs a Python call per row; here each column becomes
text with one `map` and the rows are joined in C. COPY's text format escapes backslash, tab,
newline and carriage return; a column is scanned once for them and escaped only if it has one.
Integers (times in seconds, sequences, enums) repeat a lot, so their text is looked up in a memo
that lives as long as the `CopyText` (one import): a dict hit is several times cheaper than
`str(int)`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

NULL = "\\N"
_SPECIALS = ("\\", "\t", "\n", "\r")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
INT_MEMO_LIMIT = 1 << 17  # times of day up to 36 h in seconds fit; ids beyond that are rarer


class CopyText:
    """COPY text of batches of columns, with a bounded memo of integers' text."""

    def __init__(self) -> None:
        self._ints: dict[int | None, str] = {None: NULL}

    def rows(self, columns: list[list[Any]], n: int) -> str:
        """Rows of tab-separated fields, newline-terminated, ready for `COPY ... FROM STDIN`."""
        texts = [self.column(col, n) for col in columns]
        return "\n".join(map("\t".join, zip(*texts, strict=True))) + "\n"

    def column(self, values: list[Any], n: int) -> list[str]:
        """COPY text of one column's values (None is NULL)."""
        has_null = None in values
        sample = next((v for v in values if v is not None), None) if has_null else values[0]
        if sample is None:
            return [NULL] * n
        if isinstance(sample, str):
            present = filter(None, values) if has_null else values  # values are never ""
            if any(c in "\x1f".join(present) for c in _SPECIALS):
                return [NULL if v is None else v.translate(_ESCAPES) for v in values]
            return [NULL if v is None else v for v in values] if has_null else values
        if type(sample) is int:
            return self._ints_text(values)
        to_text: Callable[[Any], str]
        if isinstance(sample, date):
            to_text = date.isoformat
        elif isinstance(sample, float):
            to_text = repr
        else:
            to_text = str
        if not has_null:
            return list(map(to_text, values))  # the common case, in C
        return [NULL if v is None else to_text(v) for v in values]

    def _ints_text(self, values: list[Any]) -> list[str]:
        memo = self._ints
        try:
            return list(map(memo.__getitem__, values))
        except KeyError:
            pass  # a value not seen before: add the batch's new values, then look up again
        if len(memo) < INT_MEMO_LIMIT:
            memo.update((v, str(v)) for v in set(values).difference(memo))
            if len(memo) <= INT_MEMO_LIMIT:
                return list(map(memo.__getitem__, values))
            memo.clear()  # this batch overfilled it: start again rather than grow further
            memo[None] = NULL
        return [NULL if v is None else str(v) for v in values]


def copy_text(columns: list[list[Any]], n: int) -> str:
    """Rows of tab-separated fields, newline-terminated, ready for `COPY ... FROM STDIN`."""
    return CopyText().rows(columns, n)
