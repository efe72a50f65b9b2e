"""The GTFS Schedule reference as data: files, fields, types, keys and references.

The validator, the importer and the database tables are all derived from this module, so a
field is declared once. Source: https://gtfs.org/documentation/schedule/reference/ (2025 edition,
including Fares v2 and the GTFS-Flex booking rules; `locations.geojson` is not stored).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class FieldType(Enum):
    ID = "id"
    TEXT = "text"
    URL = "url"
    EMAIL = "email"
    PHONE = "phone"
    LANGUAGE = "language"
    TIMEZONE = "timezone"
    COLOR = "color"
    CURRENCY = "currency"
    AMOUNT = "amount"  # stored as integer minor units of the row's currency
    DATE = "date"
    TIME = "time"  # stored as integer seconds after the service day's noon-minus-12h
    LAT = "lat"
    LON = "lon"
    FLOAT = "float"
    INT = "int"
    ENUM = "enum"


class Presence(Enum):
    REQUIRED = "required"
    CONDITIONAL = "conditional"  # checked by a rule of its own in the validator
    OPTIONAL = "optional"


@dataclass(frozen=True)
class Ref:
    """A foreign reference: the value must appear in `file.field` (any of `alternatives`)."""

    file: str
    field: str
    alternatives: tuple[tuple[str, str], ...] = ()

    def targets(self) -> tuple[tuple[str, str], ...]:
        return ((self.file, self.field), *self.alternatives)


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    presence: Presence = Presence.OPTIONAL
    enum: tuple[int, ...] = ()
    min: float | None = None
    max: float | None = None
    ref: Ref | None = None

    @property
    def required(self) -> bool:
        return self.presence is Presence.REQUIRED


@dataclass(frozen=True)
class FileSpec:
    name: str  # e.g. "stop_times.txt"
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()  # empty: rows are keyed by their line number
    required: bool = False
    # Indexes the queries need, beyond the primary key (tuples of field names).
    indexes: tuple[tuple[str, ...], ...] = ()
    currency_field: str | None = None  # where AMOUNT fields take their currency from
    field_by_name: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "field_by_name", {f.name: f for f in self.fields})

    @property
    def stem(self) -> str:
        return self.name.removesuffix(".txt")

    @property
    def table_name(self) -> str:
        return "gtfs_" + self.stem

    @property
    def keyed_by_line(self) -> bool:
        return not self.primary_key

    def index_of(self, name: str) -> int:
        return next(i for i, f in enumerate(self.fields) if f.name == name)


REQ, COND, OPT = Presence.REQUIRED, Presence.CONDITIONAL, Presence.OPTIONAL
T = FieldType


def _f(name: str, type_: FieldType, presence: Presence = OPT, **kw: object) -> Field:
    return Field(name, type_, presence, **kw)  # type: ignore[arg-type]


def _enum(name: str, values: tuple[int, ...], presence: Presence = OPT) -> Field:
    return Field(name, T.ENUM, presence, enum=values)


INT32_MAX = 2_147_483_647  # INT columns are 32-bit integers in the database


def _int(
    name: str, presence: Presence = OPT, lo: float | None = 0, hi: float | None = INT32_MAX
) -> Field:
    return Field(name, T.INT, presence, min=lo, max=hi)


def _float(name: str, presence: Presence = OPT, lo: float | None = 0) -> Field:
    return Field(name, T.FLOAT, presence, min=lo)


def _ref(name: str, file: str, target: str | None = None, presence: Presence = OPT) -> Field:
    return Field(name, T.ID, presence, ref=Ref(file, target or name))


SERVICE_REF = Ref("calendar.txt", "service_id", (("calendar_dates.txt", "service_id"),))
ZONE_REF = Ref("stops.txt", "zone_id")
NETWORK_REF = Ref("networks.txt", "network_id", (("routes.txt", "network_id"),))
BOOL = (0, 1)
TRI = (0, 1, 2)
CONTINUOUS = (0, 1, 2, 3)

FILES: tuple[FileSpec, ...] = (
    FileSpec(
        "agency.txt",
        (
            _f("agency_id", T.ID, COND),
            _f("agency_name", T.TEXT, REQ),
            _f("agency_url", T.URL, REQ),
            _f("agency_timezone", T.TIMEZONE, REQ),
            _f("agency_lang", T.LANGUAGE),
            _f("agency_phone", T.PHONE),
            _f("agency_fare_url", T.URL),
            _f("agency_email", T.EMAIL),
        ),
        primary_key=("agency_id",),
        required=True,
    ),
    FileSpec(
        "levels.txt",
        (
            _f("level_id", T.ID, REQ),
            _float("level_index", REQ, lo=None),
            _f("level_name", T.TEXT),
        ),
        primary_key=("level_id",),
    ),
    FileSpec(
        "stops.txt",
        (
            _f("stop_id", T.ID, REQ),
            _f("stop_code", T.TEXT),
            _f("stop_name", T.TEXT, COND),
            _f("tts_stop_name", T.TEXT),
            _f("stop_desc", T.TEXT),
            _f("stop_lat", T.LAT, COND),
            _f("stop_lon", T.LON, COND),
            _f("zone_id", T.ID),
            _f("stop_url", T.URL),
            _enum("location_type", (0, 1, 2, 3, 4)),
            _ref("parent_station", "stops.txt", "stop_id", COND),
            _f("stop_timezone", T.TIMEZONE),
            _enum("wheelchair_boarding", TRI),
            _ref("level_id", "levels.txt"),
            _f("platform_code", T.TEXT),
            _enum("stop_access", BOOL),
        ),
        primary_key=("stop_id",),
        required=True,
        indexes=(("parent_station",), ("stop_lat", "stop_lon")),
    ),
    FileSpec(
        "networks.txt",
        (_f("network_id", T.ID, REQ), _f("network_name", T.TEXT)),
        primary_key=("network_id",),
    ),
    FileSpec(
        "routes.txt",
        (
            _f("route_id", T.ID, REQ),
            _ref("agency_id", "agency.txt", presence=COND),
            _f("route_short_name", T.TEXT, COND),
            _f("route_long_name", T.TEXT, COND),
            _f("route_desc", T.TEXT),
            _int("route_type", REQ, lo=0, hi=1702),
            _f("route_url", T.URL),
            _f("route_color", T.COLOR),
            _f("route_text_color", T.COLOR),
            _int("route_sort_order"),
            _enum("continuous_pickup", CONTINUOUS),
            _enum("continuous_drop_off", CONTINUOUS),
            _f("network_id", T.ID, COND),
        ),
        primary_key=("route_id",),
        required=True,
    ),
    FileSpec(
        "route_networks.txt",
        (
            _ref("network_id", "networks.txt", presence=REQ),
            _ref("route_id", "routes.txt", presence=REQ),
        ),
        primary_key=("route_id",),
    ),
    FileSpec(
        "calendar.txt",
        (
            _f("service_id", T.ID, REQ),
            *(
                _enum(day, BOOL, REQ)
                for day in (
                    "monday",
                    "tuesday",
                    "wednesday",
                    "thursday",
                    "friday",
                    "saturday",
                    "sunday",
                )
            ),
            _f("start_date", T.DATE, REQ),
            _f("end_date", T.DATE, REQ),
        ),
        primary_key=("service_id",),
    ),
    FileSpec(
        "calendar_dates.txt",
        (
            _f("service_id", T.ID, REQ),
            _f("date", T.DATE, REQ),
            _enum("exception_type", (1, 2), REQ),
        ),
        primary_key=("service_id", "date"),
        indexes=(("date",),),
    ),
    FileSpec(
        "shapes.txt",
        (
            _f("shape_id", T.ID, REQ),
            _f("shape_pt_lat", T.LAT, REQ),
            _f("shape_pt_lon", T.LON, REQ),
            _int("shape_pt_sequence", REQ),
            _float("shape_dist_traveled"),
        ),
        primary_key=("shape_id", "shape_pt_sequence"),
    ),
    FileSpec(
        "trips.txt",
        (
            _ref("route_id", "routes.txt", presence=REQ),
            Field("service_id", T.ID, REQ, ref=SERVICE_REF),
            _f("trip_id", T.ID, REQ),
            _f("trip_headsign", T.TEXT),
            _f("trip_short_name", T.TEXT),
            _enum("direction_id", BOOL),
            _f("block_id", T.ID),
            _ref("shape_id", "shapes.txt", presence=COND),
            _enum("wheelchair_accessible", TRI),
            _enum("bikes_allowed", TRI),
            _enum("cars_allowed", TRI),
        ),
        primary_key=("trip_id",),
        required=True,
        indexes=(("route_id",), ("service_id",)),
    ),
    FileSpec(
        "location_groups.txt",
        (_f("location_group_id", T.ID, REQ), _f("location_group_name", T.TEXT)),
        primary_key=("location_group_id",),
    ),
    FileSpec(
        "location_group_stops.txt",
        (
            _ref("location_group_id", "location_groups.txt", presence=REQ),
            _ref("stop_id", "stops.txt", presence=REQ),
        ),
        primary_key=("location_group_id", "stop_id"),
    ),
    FileSpec(
        "booking_rules.txt",
        (
            _f("booking_rule_id", T.ID, REQ),
            _enum("booking_type", TRI, REQ),
            _int("prior_notice_duration_min", COND),
            _int("prior_notice_duration_max", COND),
            _int("prior_notice_last_day", COND),
            _f("prior_notice_last_time", T.TIME, COND),
            _int("prior_notice_start_day", COND),
            _f("prior_notice_start_time", T.TIME, COND),
            Field("prior_notice_service_id", T.ID, COND, ref=SERVICE_REF),
            _f("message", T.TEXT),
            _f("pickup_message", T.TEXT),
            _f("drop_off_message", T.TEXT),
            _f("phone_number", T.PHONE),
            _f("info_url", T.URL),
            _f("booking_url", T.URL),
        ),
        primary_key=("booking_rule_id",),
    ),
    FileSpec(
        "stop_times.txt",
        (
            _ref("trip_id", "trips.txt", presence=REQ),
            _f("arrival_time", T.TIME, COND),
            _f("departure_time", T.TIME, COND),
            _ref("stop_id", "stops.txt", presence=COND),
            _ref("location_group_id", "location_groups.txt", presence=COND),
            _f("location_id", T.ID, COND),
            _int("stop_sequence", REQ),
            _f("stop_headsign", T.TEXT),
            _f("start_pickup_drop_off_window", T.TIME, COND),
            _f("end_pickup_drop_off_window", T.TIME, COND),
            _enum("pickup_type", CONTINUOUS),
            _enum("drop_off_type", CONTINUOUS),
            _enum("continuous_pickup", CONTINUOUS),
            _enum("continuous_drop_off", CONTINUOUS),
            _float("shape_dist_traveled"),
            _enum("timepoint", BOOL),
            _ref("pickup_booking_rule_id", "booking_rules.txt", "booking_rule_id"),
            _ref("drop_off_booking_rule_id", "booking_rules.txt", "booking_rule_id"),
        ),
        primary_key=("trip_id", "stop_sequence"),
        required=True,
        indexes=(("stop_id", "departure_time"),),
    ),
    FileSpec(
        "frequencies.txt",
        (
            _ref("trip_id", "trips.txt", presence=REQ),
            _f("start_time", T.TIME, REQ),
            _f("end_time", T.TIME, REQ),
            _int("headway_secs", REQ, lo=1),
            _enum("exact_times", BOOL),
        ),
        primary_key=("trip_id", "start_time"),
    ),
    FileSpec(
        "transfers.txt",
        (
            _ref("from_stop_id", "stops.txt", "stop_id", COND),
            _ref("to_stop_id", "stops.txt", "stop_id", COND),
            _ref("from_route_id", "routes.txt", "route_id"),
            _ref("to_route_id", "routes.txt", "route_id"),
            _ref("from_trip_id", "trips.txt", "trip_id", COND),
            _ref("to_trip_id", "trips.txt", "trip_id", COND),
            _enum("transfer_type", (0, 1, 2, 3, 4, 5), REQ),
            _int("min_transfer_time"),
        ),
        indexes=(("from_stop_id",),),
    ),
    FileSpec(
        "pathways.txt",
        (
            _f("pathway_id", T.ID, REQ),
            _ref("from_stop_id", "stops.txt", "stop_id", REQ),
            _ref("to_stop_id", "stops.txt", "stop_id", REQ),
            _enum("pathway_mode", (1, 2, 3, 4, 5, 6, 7), REQ),
            _enum("is_bidirectional", BOOL, REQ),
            _float("length"),
            _int("traversal_time", lo=1),
            _int("stair_count", lo=None),
            _float("max_slope", lo=None),
            Field("min_width", T.FLOAT, OPT, min=0),
            _f("signposted_as", T.TEXT),
            _f("reversed_signposted_as", T.TEXT),
        ),
        primary_key=("pathway_id",),
    ),
    FileSpec(
        "fare_attributes.txt",
        (
            _f("fare_id", T.ID, REQ),
            _f("price", T.AMOUNT, REQ),
            _f("currency_type", T.CURRENCY, REQ),
            _enum("payment_method", BOOL, REQ),
            # Required column, but an empty value means unlimited transfers.
            _enum("transfers", TRI, OPT),
            _ref("agency_id", "agency.txt", presence=COND),
            _int("transfer_duration"),
        ),
        primary_key=("fare_id",),
        currency_field="currency_type",
    ),
    FileSpec(
        "fare_rules.txt",
        (
            _ref("fare_id", "fare_attributes.txt", presence=REQ),
            _ref("route_id", "routes.txt"),
            Field("origin_id", T.ID, OPT, ref=ZONE_REF),
            Field("destination_id", T.ID, OPT, ref=ZONE_REF),
            Field("contains_id", T.ID, OPT, ref=ZONE_REF),
        ),
    ),
    FileSpec(
        "timeframes.txt",
        (
            _f("timeframe_group_id", T.ID, REQ),
            _f("start_time", T.TIME, COND),
            _f("end_time", T.TIME, COND),
            Field("service_id", T.ID, REQ, ref=SERVICE_REF),
        ),
    ),
    FileSpec(
        "rider_categories.txt",
        (
            _f("rider_category_id", T.ID, REQ),
            _f("rider_category_name", T.TEXT, REQ),
            _enum("is_default_fare_category", BOOL),
            _f("eligibility_url", T.URL),
        ),
        primary_key=("rider_category_id",),
    ),
    FileSpec(
        "fare_media.txt",
        (
            _f("fare_media_id", T.ID, REQ),
            _f("fare_media_name", T.TEXT),
            _enum("fare_media_type", (0, 1, 2, 3, 4), REQ),
        ),
        primary_key=("fare_media_id",),
    ),
    FileSpec(
        "fare_products.txt",
        (
            _f("fare_product_id", T.ID, REQ),
            _f("fare_product_name", T.TEXT),
            _ref("rider_category_id", "rider_categories.txt"),
            _ref("fare_media_id", "fare_media.txt"),
            _f("amount", T.AMOUNT, REQ),
            _f("currency", T.CURRENCY, REQ),
        ),
        indexes=(("fare_product_id",),),
        currency_field="currency",
    ),
    FileSpec(
        "areas.txt",
        (_f("area_id", T.ID, REQ), _f("area_name", T.TEXT)),
        primary_key=("area_id",),
    ),
    FileSpec(
        "stop_areas.txt",
        (_ref("area_id", "areas.txt", presence=REQ), _ref("stop_id", "stops.txt", presence=REQ)),
        primary_key=("area_id", "stop_id"),
    ),
    FileSpec(
        "fare_leg_rules.txt",
        (
            _f("leg_group_id", T.ID),
            Field("network_id", T.ID, OPT, ref=NETWORK_REF),
            _ref("from_area_id", "areas.txt", "area_id"),
            _ref("to_area_id", "areas.txt", "area_id"),
            _ref("from_timeframe_group_id", "timeframes.txt", "timeframe_group_id"),
            _ref("to_timeframe_group_id", "timeframes.txt", "timeframe_group_id"),
            _ref("fare_product_id", "fare_products.txt", presence=REQ),
            _int("rule_priority"),
        ),
    ),
    FileSpec(
        "fare_leg_join_rules.txt",
        (
            Field("from_network_id", T.ID, REQ, ref=NETWORK_REF),
            Field("to_network_id", T.ID, REQ, ref=NETWORK_REF),
            _ref("from_stop_id", "stops.txt", "stop_id", COND),
            _ref("to_stop_id", "stops.txt", "stop_id", COND),
        ),
    ),
    FileSpec(
        "fare_transfer_rules.txt",
        (
            _ref("from_leg_group_id", "fare_leg_rules.txt", "leg_group_id"),
            _ref("to_leg_group_id", "fare_leg_rules.txt", "leg_group_id"),
            _int("transfer_count", COND, lo=-1),
            _int("duration_limit", lo=1),
            _enum("duration_limit_type", (0, 1, 2, 3), COND),
            _enum("fare_transfer_type", TRI, REQ),
            _ref("fare_product_id", "fare_products.txt"),
        ),
    ),
    FileSpec(
        "feed_info.txt",
        (
            _f("feed_publisher_name", T.TEXT, REQ),
            _f("feed_publisher_url", T.URL, REQ),
            _f("feed_lang", T.LANGUAGE, REQ),
            _f("default_lang", T.LANGUAGE),
            _f("feed_start_date", T.DATE),
            _f("feed_end_date", T.DATE),
            _f("feed_version", T.TEXT),
            _f("feed_contact_email", T.EMAIL),
            _f("feed_contact_url", T.URL),
        ),
    ),
    FileSpec(
        "attributions.txt",
        (
            _f("attribution_id", T.ID),
            _ref("agency_id", "agency.txt"),
            _ref("route_id", "routes.txt"),
            _ref("trip_id", "trips.txt"),
            _f("organization_name", T.TEXT, REQ),
            _enum("is_producer", BOOL),
            _enum("is_operator", BOOL),
            _enum("is_authority", BOOL),
            _f("attribution_url", T.URL),
            _f("attribution_email", T.EMAIL),
            _f("attribution_phone", T.PHONE),
        ),
    ),
    FileSpec(
        "translations.txt",
        (
            _f("table_name", T.TEXT, REQ),
            _f("field_name", T.TEXT, REQ),
            _f("language", T.LANGUAGE, REQ),
            _f("translation", T.TEXT, REQ),
            _f("record_id", T.TEXT, COND),
            _f("record_sub_id", T.TEXT, COND),
            _f("field_value", T.TEXT, COND),
        ),
    ),
)

FILES_BY_NAME: dict[str, FileSpec] = {f.name: f for f in FILES}
# One of these must be present: the service calendar.
CALENDAR_FILES = ("calendar.txt", "calendar_dates.txt")
# Files of the reference we recognise but do not store (GeoJSON, not CSV).
KNOWN_UNSTORED = ("locations.geojson",)
