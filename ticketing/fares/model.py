"""A feed's fare data in memory (GTFS Fares v2 and v1), the legs to price, and the quote."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from ticketing.fares.errors import InvalidItinerary


@dataclass(frozen=True)
class RuleRef:
    """Where an amount comes from: a GTFS file and its line (or the row's key)."""

    file: str
    line: int | None = None
    key: str = ""

    def __str__(self) -> str:
        where = f":{self.line}" if self.line is not None else ""
        return f"{self.file}{where}" + (f" ({self.key})" if self.key else "")


@dataclass(frozen=True)
class FareProduct:
    """One row of fare_products.txt: a product for a rider category and a fare medium."""

    fare_product_id: str
    amount: int  # minor units
    currency: str
    name: str = ""
    rider_category_id: str | None = None
    fare_media_id: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class FareLegRule:
    fare_product_id: str
    leg_group_id: str | None = None
    network_id: str | None = None
    from_area_id: str | None = None
    to_area_id: str | None = None
    from_timeframe_group_id: str | None = None
    to_timeframe_group_id: str | None = None
    rule_priority: int | None = None
    line: int | None = None

    @property
    def ref(self) -> RuleRef:
        return RuleRef("fare_leg_rules.txt", self.line, self.leg_group_id or "")


@dataclass(frozen=True)
class FareTransferRule:
    fare_transfer_type: int  # 0: A+AB, 1: A+AB+B, 2: AB
    from_leg_group_id: str | None = None
    to_leg_group_id: str | None = None
    transfer_count: int | None = None  # -1: unlimited; only when from == to
    duration_limit: int | None = None  # seconds
    duration_limit_type: int | None = None  # 0..3, see v2.transfer_window_ok
    fare_product_id: str | None = None
    line: int | None = None

    def __post_init__(self) -> None:
        if self.fare_transfer_type not in (0, 1, 2):
            raise ValueError(f"fare_transfer_type must be 0, 1 or 2, not {self.fare_transfer_type}")
        if self.duration_limit is not None and self.duration_limit_type not in (0, 1, 2, 3):
            raise ValueError("duration_limit needs a duration_limit_type of 0..3")

    @property
    def ref(self) -> RuleRef:
        key = f"{self.from_leg_group_id or '*'}->{self.to_leg_group_id or '*'}"
        return RuleRef("fare_transfer_rules.txt", self.line, key)


@dataclass(frozen=True)
class FareLegJoinRule:
    """One row of fare_leg_join_rules.txt: consecutive legs that form one effective fare leg."""

    from_network_id: str
    to_network_id: str
    from_stop_id: str | None = None  # where the first leg alights (a stop or its station)
    to_stop_id: str | None = None  # where the next leg boards
    line: int | None = None


@dataclass(frozen=True)
class Timeframe:
    """One row of timeframes.txt: seconds after local midnight, start inclusive, end exclusive."""

    timeframe_group_id: str
    service_id: str
    start_time: int = 0
    end_time: int = 86_400


@dataclass(frozen=True)
class ServiceCalendar:
    """The dates a service_id is active (calendar.txt plus calendar_dates.txt)."""

    weekdays: tuple[bool, ...] = (False,) * 7  # Monday first
    start: date | None = None
    end: date | None = None
    added: frozenset[date] = frozenset()
    removed: frozenset[date] = frozenset()

    def active(self, day: date) -> bool:
        if day in self.removed:
            return False
        if day in self.added:
            return True
        if self.start is None or self.end is None:
            return False
        return self.start <= day <= self.end and self.weekdays[day.weekday()]


@dataclass(frozen=True)
class RiderCategory:
    rider_category_id: str
    name: str = ""
    is_default: bool = False


@dataclass(frozen=True)
class FareMedia:
    fare_media_id: str
    name: str = ""
    fare_media_type: int = 0


@dataclass(frozen=True)
class FareAttribute:
    """One row of fare_attributes.txt (Fares v1)."""

    fare_id: str
    price: int  # minor units
    currency: str
    transfers: int | None = None  # None: unlimited
    transfer_duration: int | None = None  # seconds

    @property
    def ref(self) -> RuleRef:
        return RuleRef("fare_attributes.txt", None, self.fare_id)


@dataclass(frozen=True)
class FareRuleV1:
    """One row of fare_rules.txt (Fares v1)."""

    fare_id: str
    route_id: str | None = None
    origin_id: str | None = None
    destination_id: str | None = None
    contains_id: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class FeedFares:
    """Everything the engine reads of one feed version: pure data, no database."""

    feed: str = ""
    timezone: str = "UTC"
    products: Mapping[str, tuple[FareProduct, ...]] = field(default_factory=dict)
    leg_rules: tuple[FareLegRule, ...] = ()
    transfer_rules: tuple[FareTransferRule, ...] = ()
    leg_join_rules: tuple[FareLegJoinRule, ...] = ()
    stop_areas: Mapping[str, frozenset[str]] = field(default_factory=dict)
    parent_station: Mapping[str, str] = field(default_factory=dict)
    route_networks: Mapping[str, frozenset[str]] = field(default_factory=dict)
    timeframes: Mapping[str, tuple[Timeframe, ...]] = field(default_factory=dict)
    services: Mapping[str, ServiceCalendar] = field(default_factory=dict)
    rider_categories: Mapping[str, RiderCategory] = field(default_factory=dict)
    fare_media: Mapping[str, FareMedia] = field(default_factory=dict)
    attributes: Mapping[str, FareAttribute] = field(default_factory=dict)
    fare_rules: tuple[FareRuleV1, ...] = ()
    stop_zones: Mapping[str, str] = field(default_factory=dict)

    @property
    def default_rider_category(self) -> str | None:
        return next((c for c, r in self.rider_categories.items() if r.is_default), None)


@dataclass(frozen=True)
class Leg:
    """One ride: its feed, route, boarding and alighting stops and (timezone-aware) times."""

    feed: str
    route_id: str
    from_stop_id: str
    to_stop_id: str
    departure: datetime
    arrival: datetime
    service_date: date
    via_stop_ids: tuple[str, ...] = ()  # stops passed between the two (for v1 contains_id)

    def __post_init__(self) -> None:
        if self.departure.tzinfo is None or self.arrival.tzinfo is None:
            raise InvalidItinerary("a leg's departure and arrival must be timezone-aware")
        if self.arrival < self.departure:
            raise InvalidItinerary(
                f"leg on route '{self.route_id}' arrives before it departs "
                f"({self.arrival.isoformat()} < {self.departure.isoformat()})"
            )


@dataclass(frozen=True)
class QuoteLine:
    """One amount of a quote: the legs it covers, the product, and the rule that produced it."""

    legs: tuple[int, ...]
    amount: int
    rule: RuleRef
    fare_product_id: str | None = None
    product_name: str = ""
    rider_category_id: str | None = None
    fare_media_id: str | None = None
    product_line: int | None = None
    currency: str = ""


@dataclass(frozen=True)
class FareQuote:
    total: int  # minor units
    currency: str
    lines: tuple[QuoteLine, ...]
    rider_category_id: str | None = None
    fares_version: str = ""  # "v2" or "v1"
