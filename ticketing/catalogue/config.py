"""The authority's tariff file (TOML): its schema as pydantic models.

Field types and ranges live here, with extra fields forbidden so a typo never passes
silently; the checks between sections, and `parse_tariffs` (the entry that reads a file),
are in `validation.py`. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from mobility.config_files import HHMM_PATTERN, Weekday
from mobility.money import BASIS_POINTS, check_currency

ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,32}$"
Ident = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Cents = Annotated[int, Field(ge=0, le=100_000_000, strict=True)]
Bp = Annotated[int, Field(ge=0, le=BASIS_POINTS, strict=True)]
ALL: Literal["*"] = "*"


class Mode(StrEnum):
    BUS = "bus"
    TRAM = "tram"
    RAIL = "rail"
    FERRY = "ferry"
    BIKE = "bike"
    PARKING = "parking"


class ProductKind(StrEnum):
    SINGLE_RIDE = "single_ride"
    TIME_BASED = "time_based"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    ZONE = "zone"
    ORIGIN_DESTINATION = "origin_destination"
    TOURIST = "tourist"
    CARNET = "carnet"
    PARK_AND_RIDE = "park_and_ride"
    # An account-based pass sold at no price: each entry tap is charged the cheapest single
    # ride of its operator and zone, capped by the day, week and month caps.
    PAYG = "payg"


# Passes whose validity is a number of service days, and the number when it is fixed.
FIXED_DAYS = {ProductKind.DAY: 1, ProductKind.WEEK: 7, ProductKind.MONTH: 30}
# Kinds a traveller may use once (by default): one boarding, no transfers.
SINGLE_USE_BY_DEFAULT = {ProductKind.SINGLE_RIDE, ProductKind.ORIGIN_DESTINATION}
# Default purchase validity, in service days, of kinds not bounded by minutes or fixed days.
DEFAULT_DAYS = {
    ProductKind.SINGLE_RIDE: 1,
    ProductKind.ORIGIN_DESTINATION: 1,
    ProductKind.CARNET: 365,
    ProductKind.PARK_AND_RIDE: 1,
    ProductKind.PAYG: 365,
}


def parse_hhmm(value: str) -> time:
    """'04:00' -> time(4, 0); ValueError otherwise."""
    if not isinstance(value, str) or not HHMM_PATTERN.match(value):
        raise ValueError(f"must be a time of day HH:MM (00:00..23:59), not {value!r}")
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _hhmm(value: str) -> str:
    parse_hhmm(value)
    return value


HHMM = Annotated[str, AfterValidator(_hhmm), Field(description="local time of day HH:MM")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Authority(_Model):
    id: Ident
    name: Name


class GtfsAgency(_Model):
    feed: Ident
    agency_id: Annotated[str, StringConstraints(min_length=1, max_length=255)]


class Operator(_Model):
    id: Ident
    name: Name
    modes: Annotated[list[Mode], Field(min_length=1)]
    gtfs: list[GtfsAgency] = []


class GtfsNetwork(_Model):
    feed: Ident
    network_id: Annotated[str, StringConstraints(min_length=1, max_length=255)]


class Network(_Model):
    id: Ident
    name: Name
    operators: Annotated[list[Ident], Field(min_length=1)]
    gtfs: list[GtfsNetwork] = []


class GtfsZone(_Model):
    """Where a zone comes from in a GTFS feed: Fares v2 areas and/or individual stops."""

    feed: Ident
    areas: list[Annotated[str, StringConstraints(min_length=1, max_length=255)]] = []
    stops: list[Annotated[str, StringConstraints(min_length=1, max_length=255)]] = []

    @model_validator(mode="after")
    def _names_something(self) -> GtfsZone:
        if not self.areas and not self.stops:
            raise ValueError("a GTFS zone reference names areas, stops or both")
        return self


class Zone(_Model):
    id: Ident
    name: Name
    gtfs: list[GtfsZone] = []


class RiderCategory(_Model):
    id: Ident
    name: Name
    requires_proof: bool = False
    is_default: bool = False
    gtfs_rider_category_id: str | None = None


class FareMedium(_Model):
    id: Ident
    name: Name
    type: Literal["app_qr"]


class Facility(_Model):
    """A park-and-ride car park: who runs it and the zone its shuttle or stop serves."""

    id: Ident
    name: Name
    operator: Ident
    zone: Ident
    spaces: Annotated[int, Field(ge=1, strict=True)] | None = None


Coverage = Literal["*"] | list[Ident]


class Product(_Model):
    id: Ident
    name: Name
    kind: ProductKind
    prices: Annotated[dict[str, Cents], Field(min_length=1)]
    duration_minutes: Annotated[int, Field(ge=1, le=7 * 24 * 60, strict=True)] | None = None
    service_days: Annotated[int, Field(ge=1, le=366, strict=True)] | None = None
    rides: Annotated[int, Field(ge=2, le=100, strict=True)] | None = None
    operators: Coverage = ALL
    networks: Coverage = ALL
    zones: Coverage = ALL
    from_zone: Ident | None = None
    to_zone: Ident | None = None
    single_use: bool | None = None
    facility: Ident | None = None
    fare_media: list[Ident] | None = None
    description: Annotated[str, StringConstraints(max_length=1000)] = ""

    @model_validator(mode="after")
    def _kind_fields(self) -> Product:
        kind = self.kind
        if kind is ProductKind.TIME_BASED and self.duration_minutes is None:
            raise ValueError("a time_based product needs duration_minutes")
        if kind is ProductKind.ZONE:
            if self.duration_minutes is None:
                raise ValueError("a zone product needs duration_minutes")
            if self.zones == ALL:
                raise ValueError("a zone product lists its zones (not '*')")
        if kind in FIXED_DAYS and self.service_days not in (None, FIXED_DAYS[kind]):
            raise ValueError(f"a {kind} product lasts {FIXED_DAYS[kind]} service days")
        if kind is ProductKind.TOURIST and self.service_days is None:
            raise ValueError("a tourist product needs service_days (N days)")
        if kind in FIXED_DAYS or kind is ProductKind.TOURIST:
            if self.duration_minutes is not None:
                raise ValueError(f"a {kind} product lasts whole service days, not minutes")
        if (kind is ProductKind.CARNET) != (self.rides is not None):
            raise ValueError("rides is required for a carnet and only for a carnet")
        if (kind is ProductKind.ORIGIN_DESTINATION) != (
            self.from_zone is not None and self.to_zone is not None
        ) or ((self.from_zone is None) != (self.to_zone is None)):
            raise ValueError(
                "from_zone and to_zone are required for origin_destination and only for it"
            )
        if self.from_zone is not None and self.from_zone == self.to_zone:
            raise ValueError("from_zone and to_zone differ (a trip within a zone is a zone ticket)")
        if kind is ProductKind.PAYG:
            if any(self.prices.values()):
                raise ValueError("a payg product costs nothing: its taps are charged")
            if self.duration_minutes is not None:
                raise ValueError("a payg product lasts service days, not minutes")
        if (kind is ProductKind.PARK_AND_RIDE) != (self.facility is not None):
            raise ValueError("facility is required for park_and_ride and only for it")
        if kind is not ProductKind.CARNET and None not in (
            self.duration_minutes,
            self.service_days,
        ):
            # Only a carnet has both: minutes per ride, service days for the whole carnet.
            raise ValueError("give duration_minutes or service_days, not both")
        return self

    @property
    def is_single_use(self) -> bool:
        if self.single_use is not None:
            return self.single_use
        return self.kind in SINGLE_USE_BY_DEFAULT

    @property
    def validity_days(self) -> int | None:
        """Service days the product lasts, None when it is bounded by minutes instead."""
        if self.kind in FIXED_DAYS:
            return FIXED_DAYS[self.kind]
        if self.service_days is not None:
            return self.service_days
        if self.duration_minutes is not None and self.kind is not ProductKind.CARNET:
            return None
        return DEFAULT_DAYS.get(self.kind)


class CategoryCaps(_Model):
    daily: Cents | None = None
    weekly: Cents | None = None
    monthly: Cents | None = None

    @model_validator(mode="after")
    def _ordered(self) -> CategoryCaps:
        given = [v for v in (self.daily, self.weekly, self.monthly) if v is not None]
        if not given:
            raise ValueError("a cap needs daily, weekly or monthly")
        if given != sorted(given):
            raise ValueError("caps must not decrease from daily to weekly to monthly")
        return self


class Capping(_Model):
    day_start: HHMM = "04:00"
    # Capping weeks are ISO weeks (ticketing.tariffs.capping): Monday to Sunday.
    week_start: Literal[Weekday.MON] = Weekday.MON
    caps: dict[str, CategoryCaps] = {}
    products: list[ProductKind] = [ProductKind.SINGLE_RIDE, ProductKind.TIME_BASED]


class _Band(_Model):
    weekdays: Annotated[list[Weekday], Field(min_length=1)]
    start: HHMM
    end: HHMM

    @model_validator(mode="after")
    def _not_empty(self) -> _Band:
        if self.start == self.end:
            raise ValueError("a band's start and end differ (end < start crosses midnight)")
        return self


class OffPeakBand(_Band):
    discount_bp: Annotated[int, Field(ge=1, le=BASIS_POINTS, strict=True)]
    products: Annotated[list[ProductKind], Field(min_length=1)] = [
        ProductKind.SINGLE_RIDE,
        ProductKind.TIME_BASED,
    ]


class OffPeak(_Model):
    bands: list[OffPeakBand] = []


class CongestionBand(_Band):
    zone: Ident
    adjustment_bp: Annotated[int, Field(ge=-BASIS_POINTS, le=BASIS_POINTS, strict=True)]


class Congestion(_Model):
    max_surcharge_bp: Bp = 5000
    products: Annotated[list[ProductKind], Field(min_length=1)] = [
        ProductKind.SINGLE_RIDE,
        ProductKind.TIME_BASED,
        ProductKind.ZONE,
    ]
    bands: list[CongestionBand] = []


class Eco(_Model):
    """Park-and-ride priced against the car: at most `max_share_of_car_bp` of the car trip's
    cost (distance x cost per km + parking), see ticketing.tariffs.eco."""

    car_cost_cents_per_km: Cents
    parking_cents: Cents = 0
    max_share_of_car_bp: Bp
    co2_grams_per_car_km: Annotated[int, Field(ge=0, le=1000, strict=True)] = 120
    min_trip_km: Annotated[float, Field(ge=0, le=500)] = 0.0
    monthly_credit_cap_cents: Cents | None = None


class Family(_Model):
    max_adults: Annotated[int, Field(ge=1, le=10, strict=True)]
    max_children: Annotated[int, Field(ge=0, le=20, strict=True)]
    child_max_age: Annotated[int, Field(ge=0, le=25, strict=True)] = 14
    price_cents: Cents
    products: Annotated[list[Ident], Field(min_length=1)]


class Group(_Model):
    min_size: Annotated[int, Field(ge=2, le=500, strict=True)]
    discount_bp: Annotated[int, Field(ge=1, le=BASIS_POINTS, strict=True)]
    products: Annotated[list[Ident], Field(min_length=1)]


class GroupRules(_Model):
    family: Family | None = None
    group: Group | None = None


class SharingMethod(StrEnum):
    FIXED = "fixed"
    TAPS = "taps"
    PASSENGER_KM = "passenger_km"


class SharingRule(_Model):
    method: SharingMethod
    shares: dict[str, Bp] | None = None

    @model_validator(mode="after")
    def _shares(self) -> SharingRule:
        if self.method is SharingMethod.FIXED:
            if not self.shares:
                raise ValueError("a fixed rule gives shares per operator")
            if sum(self.shares.values()) != BASIS_POINTS:
                raise ValueError(
                    f"fixed shares sum to {BASIS_POINTS} basis points, not "
                    f"{sum(self.shares.values())}"
                )
        elif self.shares is not None:
            raise ValueError(f"shares are only for the fixed method, not {self.method}")
        return self


class ProductSharingRule(SharingRule):
    product: Ident


class RevenueSharing(_Model):
    default: SharingRule = SharingRule(method=SharingMethod.TAPS)
    rules: list[ProductSharingRule] = []


class TariffConfig(_Model):
    """A whole tariff file, validated; `document()` is its canonical JSON form."""

    authority: Authority
    currency: str = "EUR"
    timezone: str = "Europe/Rome"
    vat_rate_bp: Bp = 1000
    operators: Annotated[list[Operator], Field(min_length=1)]
    networks: list[Network] = []
    zones: Annotated[list[Zone], Field(min_length=1)]
    rider_categories: Annotated[list[RiderCategory], Field(min_length=1)]
    fare_media: Annotated[list[FareMedium], Field(min_length=1)] = [
        FareMedium(id="app_qr", name="App QR", type="app_qr")
    ]
    facilities: list[Facility] = []
    products: Annotated[list[Product], Field(min_length=1)]
    capping: Capping = Capping()
    off_peak: OffPeak = OffPeak()
    congestion: Congestion = Congestion()
    eco: Eco | None = None
    group: GroupRules = GroupRules()
    revenue_sharing: RevenueSharing = RevenueSharing()

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return check_currency(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def day_start(self) -> time:
        """When a service day begins (local time): passes and caps count days from it."""
        return parse_hhmm(self.capping.day_start)

    @property
    def default_rider_category(self) -> RiderCategory:
        return next(c for c in self.rider_categories if c.is_default)

    def product(self, product_id: str) -> Product | None:
        return next((p for p in self.products if p.id == product_id), None)

    def sharing_rule(self, product_id: str) -> SharingRule:
        """How the revenue of `product_id` is apportioned: its own rule, else the default."""
        for rule in self.revenue_sharing.rules:
            if rule.product == product_id:
                return rule
        return self.revenue_sharing.default

    def document(self) -> dict[str, Any]:
        """The canonical form stored with a version (every default spelled out)."""
        return self.model_dump(mode="json")

    def resolve(self, coverage: Coverage, section: str) -> tuple[str, ...]:
        """Explicit ids of `coverage` in `section` ('*' means all of them), sorted."""
        if coverage == ALL:
            items: Iterable[Any] = getattr(self, section)
            return tuple(sorted(item.id for item in items))
        return tuple(sorted(set(coverage)))

    def coverage(self, product: Product) -> tuple[tuple[str, ...], ...]:
        """A product's (operators, networks, zones) as explicit ids; '*' networks are those
        run by one of the product's operators, not every network of the authority."""
        operators = self.resolve(product.operators, "operators")
        if product.networks == ALL:
            networks = tuple(
                sorted(n.id for n in self.networks if set(n.operators) & set(operators))
            )
        else:
            networks = self.resolve(product.networks, "networks")
        return operators, networks, self.resolve(product.zones, "zones")


def config_from_document(document: dict[str, Any]) -> TariffConfig:
    """A stored version's document back as a config (it was valid when stored)."""
    return TariffConfig.model_validate(document)
