"""trips.txt: the trip index, shapes needed by continuous stopping, overlapping trips of a block."""

from __future__ import annotations

from datetime import date

from gtfs.schedule.context import Rule, ValidationContext
from gtfs.schedule.fields import format_time
from gtfs.schedule.rules.index import Row, index_of
from gtfs.schedule.spec import FILES_BY_NAME, FileSpec

_TRIPS = FILES_BY_NAME["trips.txt"]


class TripsRule(Rule):
    files = ("trips.txt",)

    def __init__(self, ctx: ValidationContext) -> None:
        super().__init__(ctx)
        self.index = index_of(ctx)
        ix = _TRIPS.index_of
        self.i_id, self.i_route, self.i_service = ix("trip_id"), ix("route_id"), ix("service_id")
        self.i_shape, self.i_block = ix("shape_id"), ix("block_id")

    def on_row(self, spec: FileSpec, line: int, row: Row) -> None:
        index = self.index
        trip_id, route_id, shape_id = row[self.i_id], row[self.i_route], row[self.i_shape]
        if trip_id is None:
            return
        index.trip_line[trip_id] = line
        if route_id is not None:
            index.trip_route[trip_id] = route_id
        if row[self.i_service] is not None:
            index.trip_service[trip_id] = row[self.i_service]
        if shape_id is not None:
            index.trip_shape[trip_id] = shape_id
        elif route_id in index.continuous_routes:
            self.ctx.error(
                "missing_required_field",
                f"shape_id is required: route {route_id} has continuous pickup or drop-off",
                file=spec.name,
                line=line,
                field="shape_id",
            )
        if row[self.i_block] is not None:
            index.trip_block[trip_id] = row[self.i_block]

    def on_feed_end(self) -> None:
        if self.index.trip_block and self.index.trip_stats:
            self._block_overlaps()

    def _block_overlaps(self) -> None:
        """Two trips of one block (one vehicle) must not run at the same time on the same day."""
        index = self.index
        masks = index.service_masks()
        blocks: dict[str, list[str]] = {}
        for trip_id, block in index.trip_block.items():
            blocks.setdefault(block, []).append(trip_id)
        for block, trip_ids in blocks.items():
            if len(trip_ids) < 2:
                continue
            spans: list[tuple[int, int, str]] = []
            for trip_id in trip_ids:
                stats = index.trip_stats.get(trip_id)
                # Frequency-based trips are templates: their stop times are not real times.
                if stats is None or trip_id in index.frequency_trips:
                    continue
                start = (
                    stats.first_departure
                    if stats.first_departure is not None
                    else (stats.first_arrival)
                )
                end = stats.last_arrival if stats.last_arrival is not None else stats.last_departure
                if start is not None and end is not None:
                    spans.append((start, end, trip_id))
            spans.sort()
            running: list[tuple[int, str]] = []
            for start, end, trip_id in spans:
                running = [(e, t) for e, t in running if e > start]
                mask = masks.get(index.trip_service.get(trip_id, ""), 0)
                for other_end, other in running:
                    common = mask & masks.get(index.trip_service.get(other, ""), 0)
                    if common:
                        self._overlap(block, trip_id, other, start, other_end, common)
                running.append((end, trip_id))

    def _overlap(
        self, block: str, trip_id: str, other: str, start: int, other_end: int, common: int
    ) -> None:
        day = date.fromordinal(self.index.mask_base + (common & -common).bit_length() - 1)
        self.ctx.error(
            "block_trips_with_overlapping_stop_times",
            f"trip {trip_id} starts at {format_time(start)}, before trip {other} of block"
            f" {block} ends at {format_time(other_end)}, on {day:%Y%m%d} and maybe other days",
            file="trips.txt",
            line=self.index.trip_line.get(trip_id),
            field="block_id",
            value=block,
            trip_id=trip_id,
            other_trip_id=other,
            date=f"{day:%Y%m%d}",
        )
