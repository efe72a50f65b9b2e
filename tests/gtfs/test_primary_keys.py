"""Duplicate keys found a batch at a time, with per-group state as small as the group allows."""

from __future__ import annotations

from array import array
from typing import Any

from gtfs.schedule.primary_keys import PrimaryKeys
from gtfs.schedule.spec import FILES_BY_NAME

STOP_TIMES = FILES_BY_NAME["stop_times.txt"]


def _batch(trips: list[Any], seqs: list[Any]) -> list[list[Any]]:
    cols: list[list[Any]] = [[None] * len(trips) for _ in STOP_TIMES.fields]
    cols[STOP_TIMES.index_of("trip_id")] = trips
    cols[STOP_TIMES.index_of("stop_sequence")] = seqs
    return cols


def test_consecutive_sequences_are_kept_as_a_range() -> None:
    """A trip numbered 1..n in one run costs one range, however long it is."""
    keys = PrimaryKeys(STOP_TIMES)
    assert keys.duplicates(_batch(["A"] * 500 + ["B"] * 3, [*range(1, 501), 10, 30, 20])) == []
    assert keys.groups["A"] == range(1, 501)
    assert keys.groups["B"] == array("q", [10, 30, 20])


def test_repeats_inside_and_across_batches_are_found() -> None:
    """A sequence repeated in the same run, or when a trip comes back later, is a duplicate."""
    keys = PrimaryKeys(STOP_TIMES)
    assert keys.duplicates(_batch(["A", "A", "A", "B", "B"], [1, 2, 2, 1, 2])) == [2]
    assert keys.duplicates(_batch(["B", "A", "A", "B"], [5, 3, 1, 2])) == [2, 3]
    assert keys.duplicates(_batch(["B"], [5])) == [0]


def test_missing_sequences_are_not_duplicates() -> None:
    """Empty sequence numbers (reported as missing) never count as a repeat."""
    keys = PrimaryKeys(STOP_TIMES)
    assert keys.duplicates(_batch(["A", "A", "A"], [None, 1, None])) == []
    assert keys.duplicates(_batch(["A", "A"], [None, 1])) == [1]
