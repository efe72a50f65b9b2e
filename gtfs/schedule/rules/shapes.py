"""shapes.txt: increasing distances, points that are placeholders, shapes of one point, usage."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from operator import le
from typing import Any

from gtfs.schedule.context import ValidationContext
from gtfs.schedule.rules.grouped import GroupedRule, Part
from gtfs.schedule.rules.index import Row, index_of
from gtfs.schedule.rules.stops import check_coordinates
from gtfs.schedule.spec import FILES_BY_NAME, FileSpec

_SHAPES = FILES_BY_NAME["shapes.txt"]
_FILE = _SHAPES.name


@dataclass(slots=True)
class ShapeStats:
    count: int = 0
    first_line: int = 0
    last_seq: int = 0
    prev_distance: float | None = None
    prev_line: int = 0
    prev_lat: float | None = None
    prev_lon: float | None = None


class ShapesRule(GroupedRule[ShapeStats]):
    files = (_FILE,)
    spec = _SHAPES
    key_field = "shape_id"
    seq_field = "shape_pt_sequence"
    reread_fields = (
        "shape_id",
        "shape_pt_sequence",
        "shape_pt_lat",
        "shape_pt_lon",
        "shape_dist_traveled",
    )

    def __init__(self, ctx: ValidationContext) -> None:
        super().__init__(ctx)
        self.index = index_of(ctx)
        ix = _SHAPES.index_of
        self.i_lat, self.i_lon, self.i_dist = (
            ix("shape_pt_lat"),
            ix("shape_pt_lon"),
            ix("shape_dist_traveled"),
        )

    def last_seq(self, tail: ShapeStats) -> int:
        return tail.last_seq

    def check(
        self,
        key: str,
        part: Part,
        tail: ShapeStats | None,
        pairwise: bool,
        single: bool,
        skip: set[int] | None,
    ) -> ShapeStats:
        lines = part.lines
        if tail is None:
            tail = ShapeStats(first_line=lines[0])
        lats, dists = part.col(self.i_lat), part.col(self.i_dist)
        if self._clean(tail, lats, dists):
            # No point near the origin or a pole, distances absent or increasing.
            if dists[-1] is not None:
                tail.prev_distance, tail.prev_line = dists[-1], lines[-1]
                tail.prev_lat, tail.prev_lon = lats[-1], part.at(self.i_lon, -1)
        else:
            self._check_rows(key, part.rows(), lines, tail, pairwise, single, skip)
        tail.count += len(lines)
        tail.last_seq = part.at(self.i_seq, -1)
        return tail

    @staticmethod
    def _clean(tail: ShapeStats, lats: list[Any], dists: list[Any]) -> bool:
        """The common case, tested at C speed (|lat| > 1 rules out the origin)."""
        if None in lats or not 1.0 < min(map(abs, lats)) <= max(map(abs, lats)) < 89.0:
            return False
        if dists.count(None) == len(dists):
            return True
        if None in dists or any(map(le, islice(dists, 1, None), dists)):
            return False
        return tail.prev_distance is None or dists[0] > tail.prev_distance

    def _check_rows(
        self,
        key: str,
        rows: list[Row],
        lines: list[int],
        tail: ShapeStats,
        pairwise: bool,
        single: bool,
        skip: set[int] | None,
    ) -> None:
        i_lat, i_lon, i_dist = self.i_lat, self.i_lon, self.i_dist
        prev, prev_line = tail.prev_distance, tail.prev_line
        prev_lat, prev_lon = tail.prev_lat, tail.prev_lon
        for row, line in zip(rows, lines, strict=True):
            lat, lon = row[i_lat], row[i_lon]
            if (
                single
                and lat is not None
                and lon is not None
                and ((-1.0 <= lat <= 1.0 and -1.0 <= lon <= 1.0) or not -89.0 < lat < 89.0)
            ):
                check_coordinates(self.ctx, _FILE, line, lat, lon, "shape_pt_lat")
            dist = row[i_dist]
            if dist is None:
                continue
            if (
                prev is not None
                and dist <= prev
                and pairwise
                and (skip is None or line not in skip)
            ):
                self._not_increasing(
                    key, line, dist, prev, prev_line, (lat, lon) == (prev_lat, prev_lon)
                )
            prev, prev_line, prev_lat, prev_lon = dist, line, lat, lon
        tail.prev_distance, tail.prev_line = prev, prev_line
        tail.prev_lat, tail.prev_lon = prev_lat, prev_lon

    def _not_increasing(
        self, shape: str, line: int, dist: float, prev: float, prev_line: int, same_point: bool
    ) -> None:
        self.pair_notice(shape, line)
        where: dict[str, Any] = {
            "file": _FILE,
            "line": line,
            "field": "shape_dist_traveled",
            "value": dist,
            "shape_id": shape,
            "prev_line": prev_line,
        }
        if dist < prev:
            self.ctx.error(
                "decreasing_shape_distance",
                f"shape_dist_traveled {dist} is less than {prev} (line {prev_line})",
                **where,
            )
        elif same_point:
            # A repeated point: harmless for consumers, but noise.
            self.ctx.warning(
                "equal_shape_distance_same_coordinates",
                f"the point repeats the previous one (line {prev_line}), distance included",
                **where,
            )
        else:
            self.ctx.error(
                "equal_shape_distance_diff_coordinates",
                f"shape_dist_traveled {dist} equals the previous point's (line {prev_line})"
                " although the point moved",
                **where,
            )

    def finish(self, spec: FileSpec) -> None:  # noqa: ARG002
        for shape_id, stats in self.tails.items():
            if stats.count == 1:
                self.ctx.warning(
                    "single_shape_point",
                    f"shape {shape_id} has a single point",
                    file=_FILE,
                    line=stats.first_line,
                    field="shape_id",
                    value=shape_id,
                )

    def on_feed_end(self) -> None:
        if not self.ctx.present("trips.txt"):
            return
        used = set(self.index.trip_shape.values())
        for shape_id, stats in self.tails.items():
            if shape_id not in used:
                self.ctx.warning(
                    "unused_shape",
                    f"shape {shape_id} is not used by any trip",
                    file=_FILE,
                    line=stats.first_line,
                    field="shape_id",
                    value=shape_id,
                )
