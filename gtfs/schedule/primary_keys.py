"""Duplicate primary keys of a file, found a batch at a time.

Plain keys are held in one set. Keys of a group and a sequence number (stop_times by trip, shapes
by shape) are held per group, as compactly as the group allows: rows of a group usually come
together with distinct sequence numbers, most often consecutive, so a group is one `range` (48
bytes, however long the trip) or else one int array; this is the state that grows with the
number of trips, so it is kept small.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from itertools import compress, count, islice
from operator import ne
from typing import Any

from gtfs.schedule.spec import FieldType, FileSpec


def _compact(seqs: Sequence[int], distinct: set[int]) -> range | array[int]:
    """Distinct sequence numbers as a range when they are consecutive, else as an int array."""
    lo, hi = min(distinct), max(distinct)
    if hi - lo + 1 == len(distinct):
        return range(lo, hi + 1)
    return array("q", seqs)


class PrimaryKeys:
    """The keys seen so far in one file, and which rows of a batch repeat one."""

    def __init__(self, spec: FileSpec) -> None:
        self.idx = [spec.index_of(k) for k in spec.primary_key]
        self.grouped = len(self.idx) == 2 and spec.fields[self.idx[1]].type is FieldType.INT
        self.seen: set[Any] = set()
        self.groups: dict[Any, range | array[int]] = {}

    def duplicates(self, cols: list[list[Any]]) -> list[int]:
        """Rows of the batch whose key was seen before (in this batch or an earlier one)."""
        if self.grouped:
            return self._grouped_duplicates(cols[self.idx[0]], cols[self.idx[1]])
        if len(self.idx) > 1:
            return self._repeated(list(zip(*(cols[i] for i in self.idx), strict=True)))
        values = cols[self.idx[0]]  # a single field is its own key: no tuple per row to keep
        if None in values:
            # An empty single-field key is a missing value (reported as such), not a duplicate.
            index = [i for i, v in enumerate(values) if v is not None]
            return [index[i] for i in self._repeated([values[i] for i in index])]
        return self._repeated(values)

    def _repeated(self, keys: list[Any]) -> list[int]:
        fresh = set(keys)
        if len(fresh) == len(keys) and self.seen.isdisjoint(fresh):
            self.seen |= fresh
            return []
        # Something repeats, within the batch or with an earlier one: replay to find which rows.
        dups = []
        for i, key in enumerate(keys):
            if key in self.seen:
                dups.append(i)
            self.seen.add(key)
        return dups

    def _grouped_duplicates(self, groups: Sequence[Any], seqs: Sequence[Any]) -> list[int]:
        """A run of rows of one group (cut where the group changes, at C speed) whose sequence
        numbers are all given and distinct, of a group not seen before, is checked with one set;
        anything else (a group seen before, a repeat or a missing number) is replayed row by
        row."""
        dups: list[int] = []
        if not groups:
            return dups
        known_groups = self.groups
        start = 0
        for end in (*compress(count(1), map(ne, groups, islice(groups, 1, None))), len(groups)):
            group = groups[start]
            values = seqs[start:end]
            known = known_groups.get(group)
            if known is None and None not in values:
                distinct = set(values)
                if len(distinct) == len(values):
                    known_groups[group] = _compact(values, distinct)
                    start = end
                    continue
            if not isinstance(known, array):
                known = known_groups[group] = array("q", () if known is None else known)
            for i, seq in enumerate(values, start):
                if seq is None:
                    continue
                if seq in known:
                    dups.append(i)
                else:
                    known.append(seq)
            start = end
        return dups
