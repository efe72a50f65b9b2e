"""Request and response bodies of the freight endpoints (`services/freight_api.py`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

MAX_HORIZON = timedelta(days=21)  # bounds a search's dated departures


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlaceIn(_In):
    terminal: str | None = Field(default=None, max_length=32, description="Terminal code")
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _one_kind(self) -> PlaceIn:
        point = self.lat is not None and self.lon is not None
        if (self.terminal is None) == (not point):
            raise ValueError("give a terminal code, or lat and lon")
        return self


class CargoIn(_In):
    teu: int = Field(gt=0, le=10_000, description="TEU (a 40' container is 2)")
    gross_weight_t: float | None = Field(
        default=None, gt=0, le=400_000, description="Cargo mass; default: tonnes per TEU x TEU"
    )
    reefer: bool = False
    hazardous: bool = False

    def flags(self) -> frozenset[str]:
        return frozenset(
            name for name, on in (("reefer", self.reefer), ("hazardous", self.hazardous)) if on
        )


class WeightsIn(_In):
    cost: float = Field(default=1.0, ge=0)
    time: float = Field(default=1.0, ge=0)
    co2e: float = Field(default=1.0, ge=0)

    @model_validator(mode="after")
    def _some(self) -> WeightsIn:
        if self.cost == self.time == self.co2e == 0:
            raise ValueError("at least one weight is positive")
        return self


class _Shipment(_In):
    origin: PlaceIn
    destination: PlaceIn
    cargo: CargoIn
    earliest_departure: AwareDatetime
    deadline: AwareDatetime
    max_legs: int = Field(default=6, ge=1, le=12)

    @model_validator(mode="after")
    def _window(self) -> _Shipment:
        if self.deadline <= self.earliest_departure:
            raise ValueError("the deadline is not after the earliest departure")
        if self.deadline - self.earliest_departure > MAX_HORIZON:
            raise ValueError(f"the deadline is more than {MAX_HORIZON.days} days after departure")
        return self


class RouteRequest(_Shipment):
    weights: WeightsIn = Field(default_factory=WeightsIn, description="Orders the routes")
    candidates: int = Field(default=3, ge=1, le=10, description="Terminals tried near points")
    limit: int | None = Field(default=None, ge=1, le=100, description="Keep the best ranked")


class LegIn(_In):
    mode: Literal["road", "rail", "sea"]
    from_terminal: str | None = Field(max_length=32, description="None: the origin point")
    to_terminal: str | None = Field(max_length=32, description="None: the destination point")
    service: str | None = Field(default=None, max_length=32)
    departure: AwareDatetime | None = Field(default=None, description="Of the service")


class BookingRequest(_Shipment):
    legs: list[LegIn] = Field(min_length=1, max_length=12, description="A route's legs, as offered")


class MoneyOut(BaseModel):
    amount: int = Field(description="Minor units (cents)")
    currency: str


class HandlingOut(BaseModel):
    terminal: str
    start: datetime
    minutes: int
    cost: MoneyOut
    co2e_g: int


class LegOut(BaseModel):
    mode: str
    service: str | None
    from_terminal: str | None = Field(description="None: the origin point")
    to_terminal: str | None = Field(description="None: the destination point")
    departure: datetime
    arrival: datetime
    wait_min: int = Field(description="Waiting before the leg (train, ship, opening hours)")
    gate_wait_min: int = Field(description="A truck's wait at a closed gate on arrival")
    handling: HandlingOut | None = Field(description="Transshipment before this leg")
    distance_km: float
    cost: MoneyOut
    co2e_g: int
    description: str


class RouteOut(BaseModel):
    rank: int
    score: float = Field(description="Weighted sum of the scaled criteria; lower is better")
    cost: MoneyOut
    co2e_g: int
    departure: datetime
    arrival: datetime
    duration_min: int
    legs: list[LegOut]


class RoutesOut(BaseModel):
    dataset_version: str
    road_times: Literal["free_flow", "congested"]
    pareto_size: int = Field(description="Routes in the Pareto set before any limit")
    routes: list[RouteOut]


class ReservationOut(BaseModel):
    service: str
    departure: datetime
    teu: int


class BookingOut(BaseModel):
    id: str
    status: str
    organisation_id: str
    created_at: datetime
    cancelled_at: datetime | None
    teu: int
    cargo_flags: list[str]
    cost: MoneyOut
    co2e_g: int
    departure: datetime
    arrival: datetime
    route: RouteOut
    reservations: list[ReservationOut]
