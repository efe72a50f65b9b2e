"""Pydantic shapes of congestion levels, publications, the fare zone map and period bands."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from mobility.config_files import Weekday
from mobility.traffic.congestion.models import CongestionLevel

Bp = Annotated[int, Field(ge=-10_000, le=10_000, strict=True)]
# A fare zone id of the tariff (ticketing's identifiers), as the fare zone map stores it.
FARE_ZONE_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"


class CongestionPolicy(BaseModel):
    """Basis points of the fare per congestion level: < 0 a discount, > 0 a surcharge.

    The defaults: free -500 (draw riders to quiet zones and hours), moderate 0, heavy +1000,
    severe +2000. Ticketing caps every surcharge at its tariff's `max_surcharge_bp`.
    """

    model_config = ConfigDict(extra="forbid")

    free: Bp = -500
    moderate: Bp = 0
    heavy: Bp = 1000
    severe: Bp = 2000

    @model_validator(mode="after")
    def _monotone(self) -> CongestionPolicy:
        if not self.free <= self.moderate <= self.heavy <= self.severe:
            raise ValueError("the basis points must not fall as congestion rises")
        return self

    def bp(self, level: CongestionLevel) -> int:
        return int(getattr(self, level.value))


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: CongestionPolicy = CongestionPolicy()


class PublishedBand(BaseModel):
    """A band as sent to ticketing: fare zone, local times and weekdays, basis points."""

    zone: str
    weekdays: list[str]
    start: str  # HH:MM local
    end: str
    adjustment_bp: int
    level: CongestionLevel
    voc: float
    scenario_id: int
    period: str


class PublicationOut(BaseModel):
    id: int
    scenario_id: int
    period: str
    policy: CongestionPolicy
    published_by: str
    published_at: datetime
    bands: list[PublishedBand] = Field(description="Every band sent: all active scenarios")


class ZoneLevelOut(BaseModel):
    zone_id: int
    fare_zone: str | None
    level: CongestionLevel
    voc: float
    travel_time_index: float
    links: int
    volume: float
    lon: float | None = Field(description="The centroid, when the network is geographic")
    lat: float | None


class CongestionOut(BaseModel):
    at: datetime
    scenario_id: int | None = Field(description="None: no published scenario covers `at`")
    period: str | None
    network_id: int | None
    zones: list[ZoneLevelOut]


class ScenarioCongestionOut(BaseModel):
    scenario_id: int
    period: str
    network_id: int
    zones: list[ZoneLevelOut]


class FareZoneEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zone_id: int
    fare_zone: Annotated[str, Field(pattern=FARE_ZONE_PATTERN)]


class FareZoneMapIn(BaseModel):
    """The complete map of one network's traffic zones to fare zones; it replaces the old one.
    Zones left out are in no fare zone."""

    model_config = ConfigDict(extra="forbid")

    network_id: int
    zones: Annotated[list[FareZoneEntry], Field(max_length=100_000)]


class FareZoneMapOut(BaseModel):
    network_id: int
    zones: list[FareZoneEntry]


class PeriodBandIn(BaseModel):
    """A period's local time band; an end at or before the start crosses midnight."""

    model_config = ConfigDict(extra="forbid")

    start: time
    end: time
    weekdays: Annotated[list[Weekday], Field(min_length=1)] = list(Weekday)

    @model_validator(mode="after")
    def _not_empty(self) -> PeriodBandIn:
        if self.start == self.end:
            raise ValueError("a band's start and end differ (end < start crosses midnight)")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("a band's times are local, without an offset")
        return self


class PeriodOut(BaseModel):
    code: str
    name: str
    start: time | None
    end: time | None
    weekdays: list[str]
