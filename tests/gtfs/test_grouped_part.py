"""A group's rows as a window of batch columns: values, rows and reordering."""

from __future__ import annotations

from gtfs.schedule.rules.grouped import Part

# Three fields; the rule reads fields 0 and 2. The group is rows 1..3 of a 5-row batch.
BATCH = [["a", "b", "c", "d", "e"], [10, 11, 12, 13, 14], [1, 3, 2, None, 9]]
READ = [0, 2]


def _part() -> Part:
    return Part(BATCH, [21, 22, 23], READ, start=1)


def test_columns_and_values_are_the_groups_own() -> None:
    """col() and at() see only the group's rows, counting from either end."""
    part = _part()
    assert part.col(0) == ["b", "c", "d"]
    assert part.col(2) == [3, 2, None]
    assert (part.at(0, 0), part.at(0, -1), part.at(2, 1)) == ("b", "d", 2)


def test_rows_hold_only_the_fields_read() -> None:
    """Row tuples are full width, with None in the fields the rule does not declare."""
    assert _part().rows() == [("b", None, 3), ("c", None, 2), ("d", None, None)]


def test_take_reorders_values_and_lines_together() -> None:
    """take() keeps each row's values with its line, in the order given."""
    taken = _part().take([1, 0])
    assert taken.lines == [22, 21]
    assert taken.col(0) == ["c", "b"]
    assert taken.col(2) == [2, 3]
    assert taken.rows() == [("c", None, 2), ("b", None, 3)]
