"""Where the validator cuts a file into batches changes nothing: the same notices, in order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gtfs.schedule import validator
from gtfs.schedule.context import ValidationContext
from gtfs.schedule.notices import NoticeContainer
from gtfs.schedule.reader import FeedSource
from gtfs.schedule.rules.stop_times import StopTimesRule
from gtfs.schedule.spec import FILES_BY_NAME
from gtfs.schedule.validator import Validator
from tests.gtfs.feeds import edited

TRIPS = 24
STOPS = ("S1", "S2", "S3", "S1", "S2")


def _stop_times() -> str:
    """Five stops a trip, with a different problem in every other trip, some trips split."""
    rows: dict[int, list[list[str]]] = {}
    for t in range(1, TRIPS + 1):
        trip = []
        for seq, stop in enumerate(STOPS, 1):
            minute = 10 * seq
            time = f"{6 + t // 6:02d}:{minute:02d}:00"
            trip.append([f"T{t}", time, time, stop, str(seq), f"{seq * 1.5}"])
        rows[t] = trip
    rows[3][2][1] = ""  # only a departure time
    rows[5][1][1] = "05:00:00"  # arrival before the previous departure
    rows[7].insert(2, list(rows[7][2]))  # the same stop_sequence twice
    rows[9][3][4] = "x"  # not an integer
    rows[11][3][5] = "0.5"  # distance going back
    rows[13][1][2] = "25:61:00"  # not a time
    rows[15][-1][1] = rows[15][-1][2] = ""  # last stop without times
    rows[17][0][1] = " " + rows[17][0][1]  # spaces around a value
    rows[19][2][3] = "NOPE"  # unknown stop
    rows[21][2][1] = "05:00:00"  # going back in time where the trip resumes, further down
    rows[23][3][5] = "0.2"  # distance going back, found on the second pass
    lines = []
    for t in range(1, TRIPS + 1):
        trip = rows[t]
        if t == 21:  # continued later, in order
            lines += trip[:2]
        elif t == 23:  # interleaved with its own later rows
            lines += trip[::2]
        else:
            lines += trip
    lines += rows[21][2:] + rows[23][1::2]
    header = "trip_id,arrival_time,departure_time,stop_id,stop_sequence,shape_dist_traveled\n"
    return header + "".join(",".join(r) + "\n" for r in lines)


def _shapes() -> str:
    rows = []
    for s in (1, 2):
        for seq in range(1, 8):
            rows.append(
                [f"SH{s}", f"44.{400 + seq}", f"8.{900 + seq}", str(seq), f"{seq * 0.1:.1f}"]
            )
    rows[3][4] = "0.1"  # a distance that goes back
    rows[9][1] = "0.5"  # a point near the origin
    rows.append(rows.pop(10))  # SH2 interleaved with itself
    header = "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence,shape_dist_traveled\n"
    return header + "".join(",".join(r) + "\n" for r in rows)


def _trips() -> str:
    rows = [f"R1,WD,T{t},SH{1 + t % 2}\n" for t in range(1, TRIPS + 1)]
    return "route_id,service_id,trip_id,shape_id\n" + "".join(rows)


def _notices(folder: Path) -> list[tuple[Any, ...]]:
    with FeedSource(folder) as source:
        report = Validator(source).run()
    return [
        (n.code, n.severity, n.file, n.line, n.field, n.value, n.context)
        for n in report.notices.all_samples()
    ]


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    changes = {"stop_times.txt": _stop_times(), "shapes.txt": _shapes(), "trips.txt": _trips()}
    return edited(tmp_path, changes, drop=("frequencies.txt", "transfers.txt"))


def test_notices_do_not_depend_on_batch_size(feed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of 1, 2, 3, 7 rows and the default give the same notices, in the same order."""
    reference = _notices(feed)
    codes = {n[0] for n in reference}
    assert {
        "stop_time_with_only_arrival_or_departure_time",
        "stop_time_with_arrival_before_previous_departure_time",
        "duplicate_key",
        "invalid_integer",
        "decreasing_or_equal_stop_time_distance",
        "invalid_time",
        "missing_trip_edge",
        "leading_or_trailing_whitespaces",
        "foreign_key_violation",
        "decreasing_shape_distance",
    } <= codes, codes
    for size in (1, 2, 3, 7):
        monkeypatch.setattr(validator, "BATCH_ROWS", size)
        assert _notices(feed) == reference, size


def test_rows_and_columns_give_the_same_notices(feed: Path) -> None:
    """A grouped rule handed row tuples reports exactly what it reports when handed columns."""
    spec = FILES_BY_NAME["stop_times.txt"]
    batches: list[tuple[list[int], list[list[Any]]]] = []

    class Recorder(StopTimesRule):
        def on_columns(self, spec: Any, lines: list[int], cols: list[list[Any]]) -> None:  # noqa: ARG002
            batches.append((lines, cols))

    with FeedSource(feed) as source:
        Validator(source, rules=[Recorder]).run()
        found = []
        for as_rows in (False, True):
            ctx = ValidationContext(source, NoticeContainer())
            rule = StopTimesRule(ctx)
            for lines, cols in batches:
                if as_rows:
                    rule.on_rows(spec, lines, list(zip(*cols, strict=True)))
                else:
                    rule.on_columns(spec, lines, cols)
            rule.on_file_end(spec)
            found.append([n.as_dict() for n in ctx.notices.all_samples()])
    assert found[0] == found[1]
    codes = {n["code"] for n in found[0]}
    assert "stop_time_with_arrival_before_previous_departure_time" in codes, codes
