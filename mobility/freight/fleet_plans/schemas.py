"""Request and response bodies of fleet plans. Money is integer cents; times are
timezone-aware (answers in the freight data set's zone, Europe/Rome)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    UrlConstraints,
    field_validator,
    model_validator,
)

from mobility.freight.gate_slots.schemas import Moment

_ID = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
MAX_HORIZON = timedelta(days=7)
# Vehicles of one search: the routing model grows with vehicles x nodes.
MAX_TRUCKS = 500
WebhookUrl = Annotated[HttpUrl, UrlConstraints(max_length=2000)]  # the column's length


class Place(BaseModel):
    """A terminal of the freight network by code, or a point (a customer's yard)."""

    model_config = ConfigDict(extra="forbid")

    terminal: str | None = Field(default=None, min_length=1, max_length=32)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)

    @model_validator(mode="after")
    def _one_kind(self) -> Place:
        point = self.lat is not None and self.lon is not None
        if (self.terminal is not None) == point or (self.lat is None) != (self.lon is None):
            raise ValueError("give either a terminal code or both lat and lon")
        return self


class Window(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: Moment
    end: Moment

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end < self.start:
            raise ValueError("a window ends after it starts")
        return self


class JobEnd(BaseModel):
    """Where and when a container is picked up or delivered."""

    model_config = ConfigDict(extra="forbid")

    place: Place
    window: Window | None = Field(default=None, description="start of service within it")
    service_min: int | None = Field(
        default=None,
        ge=0,
        le=600,
        description="default: the terminal's handling time; 0 at a point",
    )
    gate_slot: str | None = Field(
        default=None,
        max_length=32,
        description="a booked gate slot of your organisation at this terminal: service starts "
        "within its window",
    )


class Job(BaseModel):
    """A container move: pickup, then delivery, by the same truck."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID)
    pickup: JobEnd
    delivery: JobEnd
    teu: int = Field(ge=1, le=4)
    gross_weight_kg: int = Field(ge=1, le=60_000)


class TruckGroup(BaseModel):
    """Identical trucks based at one depot, with one shift."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_ID)
    count: int = Field(ge=1, le=200)
    depot: Place
    capacity_teu: int = Field(ge=1, le=4)
    shift_start: Moment
    shift_end: Moment
    cost_per_km_cents: int = Field(ge=0, le=100_000)
    cost_per_hour_cents: int = Field(ge=0, le=1_000_000)
    fixed_cost_cents: int = Field(default=0, ge=0, le=10_000_000)

    @model_validator(mode="after")
    def _shift(self) -> TruckGroup:
        if self.shift_end <= self.shift_start:
            raise ValueError(f"truck group {self.id}: the shift ends before it starts")
        return self


class FleetPlanCreate(BaseModel):
    """A firm's trucks and jobs; the plan is computed on the worker within `time_budget_s`."""

    model_config = ConfigDict(extra="forbid")

    trucks: list[TruckGroup] = Field(min_length=1, max_length=50)
    jobs: list[Job] = Field(min_length=1, max_length=500)
    time_budget_s: int = Field(default=10, ge=1, le=3600)
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    webhook_url: WebhookUrl | None = Field(
        default=None, description="POSTed a signed notice when the plan is done or failed"
    )

    @field_validator("trucks")
    @classmethod
    def _distinct_trucks(cls, trucks: list[TruckGroup]) -> list[TruckGroup]:
        if len({t.id for t in trucks}) != len(trucks):
            raise ValueError("truck group ids must be distinct")
        if sum(t.count for t in trucks) > MAX_TRUCKS:
            raise ValueError(f"at most {MAX_TRUCKS} trucks in all")
        return trucks

    @field_validator("jobs")
    @classmethod
    def _distinct_jobs(cls, jobs: list[Job]) -> list[Job]:
        if len({j.id for j in jobs}) != len(jobs):
            raise ValueError("job ids must be distinct")
        return jobs

    @model_validator(mode="after")
    def _horizon(self) -> FleetPlanCreate:
        first = min(t.shift_start for t in self.trucks)
        last = max(t.shift_end for t in self.trucks)
        if last - first > MAX_HORIZON:
            raise ValueError("the trucks' shifts span more than 7 days")
        return self


class StopOut(BaseModel):
    job: str
    kind: Literal["pickup", "delivery"]
    place: Place
    arrival: datetime
    start: datetime
    departure: datetime
    load_teu: int = Field(description="on board after the stop")
    load_kg: int


class RouteOut(BaseModel):
    truck_group: str
    truck: int = Field(description="1-based number within the group")
    leave_at: datetime
    back_at: datetime
    km: float
    hours: float
    cost_cents: int
    tonne_km: float
    co2e_kg: float
    stops: list[StopOut]


class UnassignedOut(BaseModel):
    job: str
    reason: str


class TotalsOut(BaseModel):
    cost_cents: int
    currency: str
    km: float
    tonne_km: float
    co2e_kg: float
    trucks_used: int
    jobs_assigned: int
    jobs_unassigned: int


class PlanResultOut(BaseModel):
    routes: list[RouteOut]
    unassigned: list[UnassignedOut]
    totals: TotalsOut
    emission_factor: dict[str, str | float]
    engine: str
    engine_status: str
    solve_s: float


class WebhookOut(BaseModel):
    url: str
    status: str
    attempts: int


class FleetPlanOut(BaseModel):
    """A plan's state; `result` once done, `error` if it failed."""

    id: str
    status: str
    progress: float
    time_budget_s: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    webhook: WebhookOut | None
    result: PlanResultOut | None


class FleetPlanSummaryOut(BaseModel):
    """A plan in a list: its state and, once done, its totals (read the plan for its routes)."""

    id: str
    status: str
    progress: float
    created_at: datetime
    finished_at: datetime | None
    error: str | None
    totals: TotalsOut | None


class FleetPlanPage(BaseModel):
    items: list[FleetPlanSummaryOut]
    total: int
    offset: int
    limit: int
