"""A column converted through the memo gives what parsing each value alone gives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gtfs.schedule import columns
from gtfs.schedule.columns import ColumnConverter
from gtfs.schedule.fields import parser_for
from gtfs.schedule.spec import FILES_BY_NAME

ARRIVAL = FILES_BY_NAME["stop_times.txt"].field_by_name["arrival_time"]
VALUES = st.sampled_from(
    ["08:00:00", "8:00:00", "25:10:00", " 08:00:00", "08:00:00 ", "", " ", "24:61:00", "x"]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(VALUES, min_size=1, max_size=12), min_size=1, max_size=5))
def test_memoised_batches_match_value_by_value(batches: list[list[str]]) -> None:
    """Values, problems and spaced rows of every batch match a converter without memo hits."""
    memoised = ColumnConverter(ARRIVAL.type, parser_for(ARRIVAL))
    for batch in batches:
        alone = ColumnConverter(ARRIVAL.type, parser_for(ARRIVAL))
        assert memoised.convert(batch) == alone._each(batch)


def test_a_full_memo_still_converts_new_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past the memo's limit new values are parsed (and reported) without being remembered."""
    monkeypatch.setattr(columns, "MEMO_LIMIT", 2)
    converter = ColumnConverter(ARRIVAL.type, parser_for(ARRIVAL))
    assert converter.convert(["00:00:01", "00:00:02"]) == ([1, 2], [], [])
    values, problems, spaced = converter.convert(["00:00:03", "bad", "00:00:01"])
    assert values == [3, None, 1]
    assert [(i, code) for i, code, _, _ in problems] == [(1, "invalid_time")]
    assert spaced == []
    assert converter.memo is not None
    assert "00:00:03" not in converter.memo
