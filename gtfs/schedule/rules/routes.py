"""routes.txt: names, agency, route_type codes, colours."""

from __future__ import annotations

from gtfs.schedule.context import Rule, ValidationContext
from gtfs.schedule.rules.index import Row, index_of
from gtfs.schedule.spec import FILES_BY_NAME, FileSpec

_ROUTES = FILES_BY_NAME["routes.txt"]
_BASIC_TYPES = frozenset((0, 1, 2, 3, 4, 5, 6, 7, 11, 12))
# Extended route types: the Hierarchical Vehicle Type codes listed by the reference's extension.
_EXTENDED_RANGES = (
    (100, 117),
    (200, 209),
    (300, 300),
    (400, 405),
    (500, 500),
    (600, 600),
    (700, 716),
    (800, 800),
    (900, 906),
    (1000, 1021),
    (1100, 1114),
    (1200, 1200),
    (1300, 1307),
    (1400, 1400),
    (1500, 1507),
    (1600, 1604),
    (1700, 1702),
)
ROUTE_TYPES = _BASIC_TYPES | frozenset(
    code for lo, hi in _EXTENDED_RANGES for code in range(lo, hi + 1)
)
MAX_SHORT_NAME_LENGTH = 12  # best practice: short names are badge-sized
MIN_LUMA_DIFFERENCE = 72  # as MobilityData's validator: below this, text is hard to read
# continuous_pickup/drop_off values that mean a continuous behaviour (1 or empty: none).
CONTINUOUS = (0, 2, 3)


def _luma(color: str) -> float:
    r, g, b = int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)
    return 0.299 * r + 0.587 * g + 0.114 * b  # Rec. 601


class RoutesRule(Rule):
    files = ("routes.txt",)

    def __init__(self, ctx: ValidationContext) -> None:
        super().__init__(ctx)
        self.index = index_of(ctx)
        ix = _ROUTES.index_of
        self.i_id, self.i_agency = ix("route_id"), ix("agency_id")
        self.i_short, self.i_long, self.i_desc = (
            ix("route_short_name"),
            ix("route_long_name"),
            ix("route_desc"),
        )
        self.i_type, self.i_color, self.i_text = (
            ix("route_type"),
            ix("route_color"),
            ix("route_text_color"),
        )
        self.i_cp, self.i_cd = ix("continuous_pickup"), ix("continuous_drop_off")

    def on_row(self, spec: FileSpec, line: int, row: Row) -> None:
        ctx, name = self.ctx, spec.name
        if row[self.i_agency] is None:
            if self.index.agency_count() > 1:
                ctx.error(
                    "missing_required_field",
                    "agency_id is required when agency.txt has more than one agency",
                    file=name,
                    line=line,
                    field="agency_id",
                )
            elif self.ctx.present("agency.txt"):
                ctx.warning(
                    "missing_recommended_field",
                    "agency_id is recommended",
                    file=name,
                    line=line,
                    field="agency_id",
                )
        short, long_, desc = row[self.i_short], row[self.i_long], row[self.i_desc]
        if short is None and long_ is None:
            ctx.error(
                "route_both_short_and_long_name_missing",
                "a route needs route_short_name, route_long_name or both",
                file=name,
                line=line,
                field="route_short_name",
            )
        if short is not None and len(short) > MAX_SHORT_NAME_LENGTH:
            ctx.warning(
                "route_short_name_too_long",
                f"route_short_name has {len(short)} characters, more than {MAX_SHORT_NAME_LENGTH}",
                file=name,
                line=line,
                field="route_short_name",
                value=short,
            )
        if short is not None and long_ is not None:
            low_long, low_short = long_.lower(), short.lower()
            rest = low_long[len(low_short) :]
            # As MobilityData: the long name starts with the short one, then a separator or nothing.
            if low_long.startswith(low_short) and (not rest or rest[0] in " \t-()"):
                ctx.warning(
                    "route_long_name_contains_short_name",
                    "route_long_name repeats route_short_name",
                    file=name,
                    line=line,
                    field="route_long_name",
                    value=long_,
                )
        if desc is not None:
            for value, fname in ((short, "route_short_name"), (long_, "route_long_name")):
                if value is not None and value.lower() == desc.lower():
                    ctx.warning(
                        "same_name_and_description_for_route",
                        f"route_desc repeats {fname}",
                        file=name,
                        line=line,
                        field="route_desc",
                        value=desc,
                    )
                    break
        route_type = row[self.i_type]
        if route_type is not None and route_type not in ROUTE_TYPES:
            ctx.error(
                "unexpected_enum_value",
                f"route_type={route_type} is neither a basic nor an extended route type",
                file=name,
                line=line,
                field="route_type",
                value=route_type,
            )
        color, text = row[self.i_color], row[self.i_text]
        if (
            color is not None
            and text is not None
            and abs(_luma(color) - _luma(text)) < (MIN_LUMA_DIFFERENCE)
        ):
            ctx.warning(
                "route_color_contrast",
                f"route_color {color} and route_text_color {text} do not contrast enough",
                file=name,
                line=line,
                field="route_text_color",
                value=text,
            )
        route_id = row[self.i_id]
        if route_id is not None and (row[self.i_cp] in CONTINUOUS or row[self.i_cd] in CONTINUOUS):
            self.index.continuous_routes.add(route_id)
