"""GTFS Fares v2: timeframes, fare products and rider categories, leg and transfer rules,
networks. These files are small (hundreds of rows), so one rule reads them all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gtfs.schedule.context import Rule, ValidationContext
from gtfs.schedule.fields import format_time
from gtfs.schedule.rules.frequencies import check_range
from gtfs.schedule.rules.index import KeyTracker, Row
from gtfs.schedule.spec import FILES_BY_NAME, FileSpec

_S = FILES_BY_NAME
DAY = 24 * 3600
Handler = Callable[[FileSpec, int, Row], None]


class FaresV2Rule(Rule):
    files = (
        "timeframes.txt",
        "rider_categories.txt",
        "fare_products.txt",
        "fare_leg_rules.txt",
        "fare_leg_join_rules.txt",
        "fare_transfer_rules.txt",
    )

    def __init__(self, ctx: ValidationContext) -> None:
        super().__init__(ctx)
        self.handlers: dict[str, Handler] = {
            "timeframes.txt": self._timeframe,
            "rider_categories.txt": self._rider_category,
            "fare_products.txt": self._fare_product,
            "fare_leg_rules.txt": self._leg_rule,
            "fare_leg_join_rules.txt": self._join_rule,
            "fare_transfer_rules.txt": self._transfer_rule,
        }
        tf = _S["timeframes.txt"].index_of
        self.i_tf = (tf("timeframe_group_id"), tf("start_time"), tf("end_time"), tf("service_id"))
        self.timeframes: dict[tuple[str, str], list[tuple[int, int, int]]] = {}
        rc = _S["rider_categories.txt"].index_of
        self.i_rc = (rc("rider_category_id"), rc("is_default_fare_category"))
        self.default_categories: set[str] = set()
        fp = _S["fare_products.txt"].index_of
        self.i_fp = (fp("fare_product_id"), fp("rider_category_id"))
        self.product_keys = KeyTracker(
            _S["fare_products.txt"], ("fare_product_id", "rider_category_id", "fare_media_id")
        )
        # fare_product_id -> rider categories, and the lines of its default ones
        self.product_categories: dict[str, set[str]] = {}
        self.product_defaults: dict[str, list[tuple[int, str]]] = {}
        self.product_lines: dict[str, int] = {}
        self.leg_keys = KeyTracker(
            _S["fare_leg_rules.txt"],
            (
                "network_id",
                "from_area_id",
                "to_area_id",
                "from_timeframe_group_id",
                "to_timeframe_group_id",
                "fare_product_id",
            ),
        )
        jr = _S["fare_leg_join_rules.txt"].index_of
        self.i_jr = (jr("from_stop_id"), jr("to_stop_id"))
        tr = _S["fare_transfer_rules.txt"].index_of
        self.i_tr = (
            tr("from_leg_group_id"),
            tr("to_leg_group_id"),
            tr("transfer_count"),
            tr("duration_limit"),
            tr("duration_limit_type"),
        )
        self.transfer_keys = KeyTracker(
            _S["fare_transfer_rules.txt"],
            (
                "from_leg_group_id",
                "to_leg_group_id",
                "fare_product_id",
                "transfer_count",
                "duration_limit",
            ),
        )

    def on_row(self, spec: FileSpec, line: int, row: Row) -> None:
        self.handlers[spec.name](spec, line, row)

    # -- timeframes.txt ---------------------------------------------------------------------

    def _timeframe(self, spec: FileSpec, line: int, row: Row) -> None:
        ctx = self.ctx
        i_group, i_start, i_end, i_service = self.i_tf
        start, end = row[i_start], row[i_end]
        if (start is None) != (end is None):
            missing = "end_time" if end is None else "start_time"
            ctx.error(
                "timeframe_only_start_or_end_time_specified",
                f"{missing} is empty: a timeframe gives both start_time and end_time, or neither",
                file=spec.name,
                line=line,
                field=missing,
            )
            return
        if start is None or end is None:
            start, end = 0, DAY  # neither: the whole day
        else:
            late = [(v, f) for v, f in ((start, "start_time"), (end, "end_time")) if v > DAY]
            for value, fname in late:
                ctx.error(
                    "timeframe_start_or_end_time_greater_than_twenty_four_hours",
                    f"{fname} {format_time(value)} is after 24:00:00",
                    file=spec.name,
                    line=line,
                    field=fname,
                    value=format_time(value),
                )
            if late or not check_range(ctx, spec.name, line, start, end, "start_time", "timeframe"):
                return
        group, service = row[i_group], row[i_service]
        if group is not None and service is not None:
            self.timeframes.setdefault((group, service), []).append((start, end, line))

    def _timeframe_overlaps(self, spec: FileSpec) -> None:
        for (group, service), frames in self.timeframes.items():
            frames.sort()
            prev_end, prev_line = frames[0][1], frames[0][2]
            for start, end, line in frames[1:]:
                if start < prev_end:
                    self.ctx.error(
                        "timeframe_overlap",
                        f"timeframe group {group} overlaps itself on service {service}"
                        f" (line {prev_line})",
                        file=spec.name,
                        line=line,
                        field="start_time",
                        value=format_time(start),
                        prev_line=prev_line,
                    )
                if end > prev_end:
                    prev_end, prev_line = end, line

    # -- rider_categories.txt and fare_products.txt ----------------------------------------

    def _rider_category(self, spec: FileSpec, line: int, row: Row) -> None:  # noqa: ARG002
        category, default = row[self.i_rc[0]], row[self.i_rc[1]]
        if category is not None and default == 1:
            self.default_categories.add(category)

    def _fare_product(self, spec: FileSpec, line: int, row: Row) -> None:
        self.product_keys.check(self.ctx, spec, line, row)
        product, category = row[self.i_fp[0]], row[self.i_fp[1]]
        if product is None:
            return
        self.product_lines.setdefault(product, line)
        if category is None:
            return
        categories = self.product_categories.setdefault(product, set())
        if category not in categories and category in self.default_categories:
            self.product_defaults.setdefault(product, []).append((line, category))
        categories.add(category)

    def _default_categories(self, spec: FileSpec) -> None:
        for product, categories in self.product_categories.items():
            defaults = self.product_defaults.get(product, [])
            if len(defaults) > 1:
                self.ctx.error(
                    "fare_product_with_multiple_default_rider_categories",
                    f"fare product {product} has several default rider categories:"
                    f" {', '.join(c for _, c in defaults)}",
                    file=spec.name,
                    line=defaults[1][0],
                    field="rider_category_id",
                    value=defaults[1][1],
                    fare_product_id=product,
                )
            elif not defaults and len(categories) > 1 and self.ctx.present("rider_categories.txt"):
                # rider_categories.txt says "exactly one", fare_products.txt "only one": a
                # warning until the reference settles it.
                self.ctx.warning(
                    "fare_product_without_default_rider_category",
                    f"fare product {product} is open to {len(categories)} rider categories but"
                    " none of them is the default",
                    file=spec.name,
                    line=self.product_lines[product],
                    field="rider_category_id",
                    fare_product_id=product,
                )

    # -- fare_leg_rules.txt, fare_leg_join_rules.txt, fare_transfer_rules.txt --------------

    def _leg_rule(self, spec: FileSpec, line: int, row: Row) -> None:
        # The same rule in two leg groups is the same primary key, leg_group_id aside.
        self.leg_keys.check(self.ctx, spec, line, row)

    def _join_rule(self, spec: FileSpec, line: int, row: Row) -> None:
        from_stop, to_stop = row[self.i_jr[0]], row[self.i_jr[1]]
        if (from_stop is None) != (to_stop is None):
            missing = "from_stop_id" if from_stop is None else "to_stop_id"
            self.ctx.error(
                "missing_required_field",
                f"{missing} is required when the other stop of the join is given",
                file=spec.name,
                line=line,
                field=missing,
            )

    def _transfer_rule(self, spec: FileSpec, line: int, row: Row) -> None:
        ctx = self.ctx
        self.transfer_keys.check(ctx, spec, line, row)
        i_from, i_to, i_count, i_limit, i_type = self.i_tr
        from_group, to_group, count = row[i_from], row[i_to], row[i_count]
        where: dict[str, Any] = {"file": spec.name, "line": line, "field": "transfer_count"}
        if from_group is not None and from_group == to_group:
            if count is None:
                ctx.error(
                    "fare_transfer_rule_missing_transfer_count",
                    "transfer_count is required when from_leg_group_id equals to_leg_group_id",
                    **where,
                )
            elif count == 0:
                ctx.error(
                    "fare_transfer_rule_invalid_transfer_count",
                    "transfer_count must be -1 (no limit) or at least 1",
                    value=count,
                    **where,
                )
        elif count is not None:
            ctx.error(
                "fare_transfer_rule_with_forbidden_transfer_count",
                "transfer_count is forbidden when from_leg_group_id differs from to_leg_group_id",
                value=count,
                **where,
            )
        limit, limit_type = row[i_limit], row[i_type]
        if limit is not None and limit_type is None:
            ctx.error(
                "fare_transfer_rule_duration_limit_without_type",
                "duration_limit_type is required when duration_limit is given",
                file=spec.name,
                line=line,
                field="duration_limit_type",
            )
        elif limit is None and limit_type is not None:
            ctx.error(
                "fare_transfer_rule_duration_limit_type_without_duration_limit",
                "duration_limit_type is forbidden without duration_limit",
                file=spec.name,
                line=line,
                field="duration_limit_type",
                value=limit_type,
            )

    def on_file_end(self, spec: FileSpec) -> None:
        if spec.name == "timeframes.txt":
            self._timeframe_overlaps(spec)
        elif spec.name == "fare_products.txt":
            self._default_categories(spec)

    def on_feed_end(self) -> None:
        # networks.txt and route_networks.txt are forbidden when routes.txt has network_id.
        if not self.ctx.has_column("routes.txt", "network_id"):
            return
        for other in ("route_networks.txt", "networks.txt"):
            if self.ctx.present(other):
                self.ctx.error(
                    "route_networks_specified_in_more_than_one_file",
                    f"routes.txt has network_id, so {other} must not be given",
                    file="routes.txt",
                    field="network_id",
                    other_file=other,
                )
