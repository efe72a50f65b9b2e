"""Rows grouped by an id and ordered by a sequence (stop_times by trip, shapes by shape).

The rows of a group are buffered while they are contiguous in the file and checked together when
the id changes, in sequence order, so memory holds one group plus a small folded `tail` per
group. A group that reappears later in the file continues from its tail when its new rows come
after the old ones in sequence; if they interleave with rows already checked, the group is
checked again as a whole in a second, selective pass over the file at the end.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from itertools import compress, count, islice
from operator import itemgetter, ne
from typing import Any, Generic, TypeVar

from gtfs.schedule.context import Rule, ValidationContext
from gtfs.schedule.rules.index import Row, reread
from gtfs.schedule.spec import FileSpec

TailT = TypeVar("TailT")
_NO_KEY = object()


class GroupedRule(Rule, Generic[TailT]):
    spec: FileSpec
    key_field: str
    seq_field: str
    reread_fields: tuple[str, ...]  # what `check` reads, for the second pass

    def __init__(self, ctx: ValidationContext) -> None:
        super().__init__(ctx)
        self.i_key = self.spec.index_of(self.key_field)
        self.i_seq = self.spec.index_of(self.seq_field)
        self._key_of = itemgetter(self.i_key)
        self._seq_of = itemgetter(self.i_seq)
        self.key: Any = _NO_KEY
        # The buffer of the group that may continue in the next batch: checked synchronously,
        # then cleared and reused, so `on_row` (the row-at-a-time path) keeps bound appends.
        self.rows: list[Row] = []
        self.lines: list[int] = []
        self._push_row = self.rows.append
        self._push_line = self.lines.append
        self.tails: dict[str, TailT] = {}
        self.interleaved: set[str] = set()
        # Lines of the pairwise notices already given, by group: the second pass skips them.
        self.pair_lines: dict[str, set[int]] = {}
        self.rereading = False

    @abstractmethod
    def check(
        self,
        key: str,
        rows: list[Row],
        lines: list[int],
        tail: TailT | None,
        pairwise: bool,
        single: bool,
        skip: set[int] | None,
    ) -> TailT:
        """Check rows in sequence order, continuing from `tail`; return the new tail.

        `single`: checks of one row alone; `pairwise`: checks of a row against the previous
        ones (skipping notices on lines in `skip`).
        """

    @abstractmethod
    def last_seq(self, tail: TailT) -> int: ...

    def finish(self, spec: FileSpec) -> None:
        """Group-level checks, once every group is complete."""

    def on_row(self, spec: FileSpec, line: int, row: Row) -> None:  # noqa: ARG002
        key = row[self.i_key]
        if key != self.key:
            self._flush()
            self.key = key
        self._push_row(row)
        self._push_line(line)

    def on_rows(self, spec: FileSpec, lines: list[int], rows: Sequence[Row]) -> None:  # noqa: ARG002
        """A batch: cut it where the id changes (at C speed). A run that the batch both starts
        and ends is a whole group (unless it continues the buffered one): check it directly."""
        keys = list(map(self._key_of, rows))
        n = len(keys)
        cuts = list(compress(count(1), map(ne, keys, islice(keys, 1, None))))
        start = 0
        check_part = self._check_part
        for end in (*cuts, n):
            key = keys[start]
            if key == self.key:
                self.rows.extend(rows[start:end])
                self.lines.extend(lines[start:end])
            else:
                self._flush()
                self.key = key
                if end < n and key is not None:
                    check_part(key, list(rows[start:end]), lines[start:end])
                else:
                    self.rows.extend(rows[start:end])
                    self.lines.extend(lines[start:end])
            start = end

    def on_file_end(self, spec: FileSpec) -> None:
        self._flush()
        self.key = _NO_KEY
        if self.interleaved:
            self._second_pass(spec)
        self.finish(spec)

    def pair_notice(self, key: str, line: int) -> None:
        self.pair_lines.setdefault(key, set()).add(line)

    def _flush(self) -> None:
        rows, lines, key = self.rows, self.lines, self.key
        if not rows:
            return
        try:
            if key is not None:  # else a missing_required_field already
                self._check_part(key, rows, lines)
        finally:
            rows.clear()
            lines.clear()

    def _check_part(self, key: str, rows: list[Row], lines: list[int]) -> None:
        ordered = self._order(rows, lines)
        if ordered is None:
            return
        rows, lines, first_seq = ordered
        tail = self.tails.get(key)
        if tail is not None and first_seq <= self.last_seq(tail):
            # Interleaves with rows already checked: single-row checks now, the rest later.
            self.interleaved.add(key)
            self.check(key, rows, lines, None, pairwise=False, single=True, skip=None)
            return
        self.tails[key] = self.check(key, rows, lines, tail, pairwise=True, single=True, skip=None)

    def _order(self, rows: list[Row], lines: list[int]) -> tuple[list[Row], list[int], int] | None:
        seqs = list(map(self._seq_of, rows))
        try:
            ordered = sorted(seqs)
            if ordered[0] is None:
                raise TypeError  # a lone row without a sequence
        except TypeError:
            # An invalid or missing sequence (None), reported already: leave the row out.
            keep = [i for i, s in enumerate(seqs) if s is not None]
            if not keep:
                return None
            rows, lines = [rows[i] for i in keep], [lines[i] for i in keep]
            seqs = [seqs[i] for i in keep]
            ordered = sorted(seqs)
        if ordered != seqs:
            order = sorted(range(len(seqs)), key=seqs.__getitem__)
            rows, lines = [rows[i] for i in order], [lines[i] for i in order]
        return rows, lines, ordered[0]

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
                ordered = self._order(rows, lines)
                if ordered is None:
                    continue
                self.tails[key] = self.check(
                    key,
                    ordered[0],
                    ordered[1],
                    None,
                    pairwise=True,
                    single=False,
                    skip=self.pair_lines.get(key),
                )
        finally:
            self.rereading = False
