"""Convert one column of a batch of CSV rows at a time.

The row-by-row loop costs a Python step per value; here the common case runs in C (`map` over a
memo dict, `str.join` then one search for spaces or non-printable characters, a regex over the
joined column), and only values that miss or fail go through the per-value slow path that
reports notices. Results are the same as parsing each value alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import repeat
from sys import intern
from typing import Any

from gtfs.schedule.fields import FieldError, Parser
from gtfs.schedule.spec import FieldType

MISS = object()
SEP = "\x1f"  # unit separator: cannot occur in a value csv gave us without it being non-printable
_EMPTY_TO_NONE = {"": None}
_NUMBER = r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_FLOAT_COLUMN_RE = re.compile(rf"(?:{_NUMBER})?(?:{SEP}(?:{_NUMBER})?)*")
MEMO_LIMIT = 200_000
# Types whose values repeat (times, sequence numbers, enums, dates...) go through a memo.
NO_MEMO = frozenset(
    {FieldType.ID, FieldType.TEXT, FieldType.LAT, FieldType.LON, FieldType.FLOAT, FieldType.AMOUNT}
)

# (row index in batch, message code, message, raw value) for the caller to turn into notices.
Problem = tuple[int, str, str, str]


class ColumnConverter:
    """Turns the raw values of one column (one batch at a time) into parsed values."""

    def __init__(self, kind: FieldType, parse: Parser) -> None:
        self.kind = kind
        self.parse = parse
        self.memo: dict[str, Any] | None = None if kind in NO_MEMO else {"": None}
        self.convert: Callable[[Sequence[str]], tuple[list[Any], list[Problem], list[int]]]
        if kind in (FieldType.ID, FieldType.TEXT):
            self.convert = self._text
        elif kind in (FieldType.FLOAT, FieldType.LAT, FieldType.LON):
            self.convert = self._float
        elif self.memo is not None:
            self.convert = self._memoised
        else:
            self.convert = self._each

    # Each converter returns (values, problems, rows with spaces around a value).

    def _text(self, raw: Sequence[str]) -> tuple[list[Any], list[Problem], list[int]]:
        joined = SEP.join(raw)
        spaced = _spaced_rows(raw, joined)
        if self.kind is FieldType.ID:
            # One object per distinct id, whichever file it comes from: the ids every trip
            # keeps (route, service, shape, block, stops) cost one string each, not one per
            # row, and the lookups between files compare by identity first.
            values = list(map(_EMPTY_TO_NONE.get, raw, map(intern, raw)))
        else:
            values = list(map(_EMPTY_TO_NONE.get, raw, raw))
        problems: list[Problem] = []
        if spaced:
            for i in spaced:
                values[i] = raw[i].strip() or None
        if self.kind is FieldType.ID and not joined.replace(SEP, "").isprintable():
            for i, v in enumerate(values):
                if v is not None and not v.isprintable():
                    problems.append(
                        (
                            i,
                            "non_printable_char_in_id",
                            f"identifier {v!r} has non-printable characters",
                            v,
                        )
                    )
                    values[i] = None
        return values, problems, spaced

    def _float(self, raw: Sequence[str]) -> tuple[list[Any], list[Problem], list[int]]:
        joined = SEP.join(raw)
        if _FLOAT_COLUMN_RE.fullmatch(joined):
            values = [float(v) if v else None for v in raw]
            present = [v for v in values if v is not None]
            try:
                if present:
                    self.parse(repr(min(present)))
                    self.parse(repr(max(present)))
                return values, [], []
            except FieldError:
                pass  # a value out of range: find it below
        return self._each(raw)

    def _memoised(self, raw: Sequence[str]) -> tuple[list[Any], list[Problem], list[int]]:
        memo = self.memo
        assert memo is not None
        try:
            # Every value seen before: the common case once a file is under way.
            return list(map(memo.__getitem__, raw)), [], []
        except KeyError:
            pass
        # Parse each new distinct value once; those that parse as they are join the memo.
        unsettled = False
        for value in set(raw).difference(memo):
            if len(memo) >= MEMO_LIMIT or value[0] == " " or value[-1] == " ":
                unsettled = True
                continue
            try:
                memo[value] = self.parse(value)
            except FieldError:
                unsettled = True
        if not unsettled:
            return list(map(memo.__getitem__, raw)), [], []
        # Values to report (or strip, or not memoised): those rows go one by one, in order.
        values = list(map(memo.get, raw, repeat(MISS)))
        problems: list[Problem] = []
        spaced: list[int] = []
        for i, v in enumerate(values):
            if v is MISS:
                values[i] = self._slow(i, raw[i], problems, spaced)
        return values, problems, spaced

    def _each(self, raw: Sequence[str]) -> tuple[list[Any], list[Problem], list[int]]:
        problems: list[Problem] = []
        spaced: list[int] = []
        return [self._slow(i, v, problems, spaced) for i, v in enumerate(raw)], problems, spaced

    def _slow(self, i: int, value: str, problems: list[Problem], spaced: list[int]) -> Any:
        """One value on its own: strip and flag spaces, parse, record a problem if it fails."""
        text = value
        if value and (value[0] == " " or value[-1] == " "):
            spaced.append(i)
            text = value.strip()
        if not text:
            return None
        try:
            parsed = self.parse(text)
        except FieldError as exc:
            problems.append((i, exc.code, exc.message, value))
            return None
        if self.memo is not None and text is value and len(self.memo) < MEMO_LIMIT:
            self.memo[value] = parsed
        return parsed


def _spaced_rows(raw: Sequence[str], joined: str) -> list[int]:
    """Rows whose value starts or ends with a space; one search of the joined column first."""
    if " " not in joined:
        return []
    if not (
        joined.startswith(" ") or joined.endswith(" ") or f" {SEP}" in joined or f"{SEP} " in joined
    ):
        return []
    return [i for i, v in enumerate(raw) if v and (v[0] == " " or v[-1] == " ")]
