"""Rows grouped by an id and ordered by a sequence (stop_times by trip, shapes by shape).

The rows of a group are buffered (as columns: see `Part`) while they are contiguous in the file
and checked together when the id changes, in sequence order, so memory holds one group plus a
small folded `tail` per group. A group that reappears later in the file continues from its tail
when its new rows come after the old ones in sequence; if they interleave with rows already
checked, the group is checked again as a whole in a second, selective pass over the file at the
end.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from itertools import compress, count, islice
from operator import ne
from typing import Any, Generic, TypeVar

from gtfs.schedule.context import Rule, ValidationContext
from gtfs.schedule.rules.index import Row, reread
from gtfs.schedule.spec import FileSpec

TailT = TypeVar("TailT")
_NO_KEY = object()


class Part:
    """Rows of one group as columns, a window `[start, start + len(lines))` of `src` (columns in
    spec order: a batch's, or a buffer's). Checks read whole columns at C speed; `rows()` builds
    row tuples only for the rare groups that are checked row by row. Only the fields in `read`
    (the rule's `reread_fields`) may be read."""

    __slots__ = ("_rows", "lines", "read", "src", "start")

    def __init__(
        self, src: list[list[Any]], lines: list[int], read: list[int], start: int = 0
    ) -> None:
        self.src = src
        self.lines = lines
        self.read = read
        self.start = start
        self._rows: list[Row] | None = None

    def col(self, index: int) -> list[Any]:
        """The group's values of one field."""
        values, start = self.src[index], self.start
        if start == 0 and len(values) == len(self.lines):
            return values  # the whole source: no copy (callers do not modify it)
        return values[start : start + len(self.lines)]

    def at(self, index: int, k: int) -> Any:
        """One value of one field: k-th row of the group (negative from the end)."""
        return self.src[index][self.start + (k if k >= 0 else len(self.lines) + k)]

    def rows(self) -> list[Row]:
        """Full-width rows (None in the fields the rule does not read)."""
        if self._rows is None:
            n = len(self.lines)
            cols: list[list[Any]] = [[None] * n] * len(self.src)
            for i in self.read:
                cols[i] = self.col(i)
            self._rows = list(zip(*cols, strict=True))
        return self._rows

    def take(self, order: list[int]) -> Part:
        """The rows at `order` (indexes within the group), in that order."""
        start = self.start
        src: list[list[Any]] = [[]] * len(self.src)
        for i in self.read:
            values = self.src[i]
            src[i] = [values[start + k] for k in order]
        return Part(src, [self.lines[k] for k in order], self.read)


class GroupedRule(Rule, Generic[TailT]):
    spec: FileSpec
    key_field: str
    seq_field: str
    reread_fields: tuple[str, ...]  # what `check` reads (also the second pass's fields)

    def __init__(self, ctx: ValidationContext) -> None:
        super().__init__(ctx)
        self.i_key = self.spec.index_of(self.key_field)
        self.i_seq = self.spec.index_of(self.seq_field)
        self.width = len(self.spec.fields)
        self.read = sorted({self.spec.index_of(f) for f in self.reread_fields})
        self.key: Any = _NO_KEY
        # The group that may continue in the next batch, as columns (see `Part`).
        self.buffer = self._empty_buffer()
        self.tails: dict[str, TailT] = {}
        self.interleaved: set[str] = set()
        # Lines of the pairwise notices already given, by group: the second pass skips them.
        self.pair_lines: dict[str, set[int]] = {}
        self.rereading = False

    @abstractmethod
    def check(
        self,
        key: str,
        part: Part,
        tail: TailT | None,
        pairwise: bool,
        single: bool,
        skip: set[int] | None,
    ) -> TailT:
        """Check a group's rows (in sequence order), continuing from `tail`; return the new tail.

        `single`: checks of one row alone; `pairwise`: checks of a row against the previous
        ones (skipping notices on lines in `skip`).
        """

    @abstractmethod
    def last_seq(self, tail: TailT) -> int: ...

    def finish(self, spec: FileSpec) -> None:
        """Group-level checks, once every group is complete."""

    def on_rows(self, spec: FileSpec, lines: list[int], rows: Sequence[Row]) -> None:
        """Rows given as tuples (the validator passes columns): transposed, then as columns."""
        if rows:
            self.on_columns(spec, lines, [list(c) for c in zip(*rows, strict=True)])

    def on_columns(self, spec: FileSpec, lines: list[int], cols: list[list[Any]]) -> None:  # noqa: ARG002
        """A batch: cut it where the id changes (at C speed). A run that the batch both starts
        and ends is a whole group (unless it continues the buffered one): check it directly."""
        keys = cols[self.i_key]
        n = len(keys)
        cuts = list(compress(count(1), map(ne, keys, islice(keys, 1, None))))
        start = 0
        for end in (*cuts, n):
            key = keys[start]
            if key == self.key:
                self._extend(cols, lines, start, end)
            else:
                self._flush()
                self.key = key
                if end < n and key is not None:
                    self._check_part(key, Part(cols, lines[start:end], self.read, start))
                else:
                    self._extend(cols, lines, start, end)
            start = end

    def on_file_end(self, spec: FileSpec) -> None:
        self._flush()
        self.key = _NO_KEY
        if self.interleaved:
            self._second_pass(spec)
        self.finish(spec)

    def pair_notice(self, key: str, line: int) -> None:
        self.pair_lines.setdefault(key, set()).add(line)

    def _empty_buffer(self) -> Part:
        return Part([[] for _ in range(self.width)], [], self.read)

    def _extend(self, cols: list[list[Any]], lines: list[int], start: int, end: int) -> None:
        buffer = self.buffer
        for i in self.read:
            buffer.src[i].extend(cols[i][start:end])
        buffer.lines.extend(lines[start:end])

    def _flush(self) -> None:
        buffer, key = self.buffer, self.key
        if not buffer.lines:
            return
        self.buffer = self._empty_buffer()
        if key is not None:  # else a missing_required_field already
            self._check_part(key, buffer)

    def _check_part(self, key: str, part: Part) -> None:
        ordered = self._order(part)
        if ordered is None:
            return
        part, first_seq = ordered
        tail = self.tails.get(key)
        if tail is not None and first_seq <= self.last_seq(tail):
            # Interleaves with rows already checked: single-row checks now, the rest later.
            self.interleaved.add(key)
            self.check(key, part, None, pairwise=False, single=True, skip=None)
            return
        self.tails[key] = self.check(key, part, tail, pairwise=True, single=True, skip=None)

    def _order(self, part: Part) -> tuple[Part, int] | None:
        seqs = part.col(self.i_seq)
        try:
            ordered = sorted(seqs)
            if ordered[0] is None:
                raise TypeError  # a lone row without a sequence
        except TypeError:
            # An invalid or missing sequence (None), reported already: leave the row out.
            keep = [i for i, s in enumerate(seqs) if s is not None]
            if not keep:
                return None
            part = part.take(keep)
            seqs = part.col(self.i_seq)
            ordered = sorted(seqs)
        if ordered != seqs:
            part = part.take(sorted(range(len(seqs)), key=seqs.__getitem__))
        return part, ordered[0]

    def _second_pass(self, spec: FileSpec) -> None:
        groups: dict[str, tuple[list[Row], list[int]]] = {}
        for line, row in reread(
            self.ctx, spec, self.key_field, self.interleaved, self.reread_fields
        ):
            rows, lines = groups.setdefault(row[self.i_key], ([], []))
            rows.append(row)
            lines.append(line)
        self.rereading = True
        try:
            for key, (rows, lines) in groups.items():
                cols: list[list[Any]] = [[] for _ in range(self.width)]
                for i in self.read:
                    cols[i] = [row[i] for row in rows]
                ordered = self._order(Part(cols, lines, self.read))
                if ordered is None:
                    continue
                self.tails[key] = self.check(
                    key,
                    ordered[0],
                    None,
                    pairwise=True,
                    single=False,
                    skip=self.pair_lines.get(key),
                )
        finally:
            self.rereading = False
