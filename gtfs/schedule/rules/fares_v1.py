"""fare_attributes.txt and fare_rules.txt (GTFS Fares v1)."""

from __future__ import annotations

from typing import Any

from gtfs.schedule.context import Rule, ValidationContext
from gtfs.schedule.rules.index import Row, index_of
from gtfs.schedule.spec import FILES_BY_NAME, FileSpec

_ATTRIBUTES = FILES_BY_NAME["fare_attributes.txt"]
_RULES = FILES_BY_NAME["fare_rules.txt"]
_ZONE_FIELDS = ("origin_id", "destination_id", "contains_id")


class FaresV1Rule(Rule):
    files = ("fare_attributes.txt", "fare_rules.txt")

    def __init__(self, ctx: ValidationContext) -> None:
        super().__init__(ctx)
        self.index = index_of(ctx)
        self.i_agency = _ATTRIBUTES.index_of("agency_id")
        self.i_fare = _RULES.index_of("fare_id")
        self.i_rule_key = [_RULES.index_of(f) for f in ("route_id", *_ZONE_FIELDS)]
        self.i_zones = [_RULES.index_of(f) for f in _ZONE_FIELDS]
        self.rule_keys: dict[tuple[Any, ...], tuple[int, str]] = {}
        self.uses_zones = False

    def on_row(self, spec: FileSpec, line: int, row: Row) -> None:
        if spec.name == "fare_attributes.txt":
            if row[self.i_agency] is None and self.index.agency_count() > 1:
                self.ctx.error(
                    "missing_required_field",
                    "agency_id is required when agency.txt has more than one agency",
                    file=spec.name,
                    line=line,
                    field="agency_id",
                )
            return
        if not self.uses_zones and any(row[i] is not None for i in self.i_zones):
            self.uses_zones = True
        key = tuple(row[i] for i in self.i_rule_key)
        first = self.rule_keys.setdefault(key, (line, row[self.i_fare]))
        if first[0] != line:
            # Two fare classes (or twice the same) for the same route and zones: ambiguous.
            self.ctx.error(
                "duplicate_fare_rule_zone_id_fields",
                f"route_id, origin_id, destination_id and contains_id repeat line {first[0]}"
                f" (fare_id {first[1]})",
                file=spec.name,
                line=line,
                field="fare_id",
                value=row[self.i_fare],
                first_line=first[0],
            )

    def on_file_end(self, spec: FileSpec) -> None:
        # The column is required even though an empty value (unlimited transfers) is valid.
        if spec.name == "fare_attributes.txt" and not self.ctx.has_column(spec.name, "transfers"):
            self.ctx.error(
                "missing_required_column",
                "fare_attributes.txt must have column transfers",
                file=spec.name,
                field="transfers",
            )

    def on_feed_end(self) -> None:
        if not self.uses_zones:
            return
        for line, stop_id in self.index.zoneless_stops:
            self.ctx.info(
                "stop_without_zone_id",
                f"stop {stop_id} has no zone_id while fare_rules.txt prices zones",
                file="stops.txt",
                line=line,
                field="zone_id",
                value=stop_id,
            )
