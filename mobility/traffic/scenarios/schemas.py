"""Scenario changes (a discriminated union on `type`), the create body and the responses."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# A link by its end nodes (the network's node ids) or by its 0-based index in the file.
LinkRef = tuple[int, int] | Annotated[int, Field(ge=0)]
LengthUnit = Literal["km", "m", "mi", "ft"]
TimeUnit = Literal["min", "h", "s"]


class _Change(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CloseLink(_Change):
    """Take the link out of the network; demand left without a path is reported, not assigned."""

    type: Literal["close_link"]
    link: LinkRef


class SetCapacity(_Change):
    """Multiply the capacity by `factor`, or set it to `value` (PCE per hour)."""

    type: Literal["set_capacity"]
    link: LinkRef
    factor: float | None = Field(default=None, gt=0)
    value: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one_of(self) -> SetCapacity:
        if (self.factor is None) == (self.value is None):
            raise ValueError("give exactly one of factor and value")
        return self


class SetSpeed(_Change):
    """Set the free-flow speed: the free-flow time becomes length / speed."""

    type: Literal["set_speed"]
    link: LinkRef
    kmh: float = Field(gt=0, le=200)


class AddLink(_Change):
    """A new link between two existing nodes, with BPR parameters (time in network units)."""

    type: Literal["add_link"]
    from_node: int
    to_node: int
    length: float = Field(ge=0)
    free_flow_time: float = Field(gt=0)
    capacity: float = Field(gt=0)
    b: float = Field(default=0.15, ge=0)
    power: float = Field(default=4.0, ge=0)


class ScaleDemand(_Change):
    """Multiply trips by `factor`, from the given origin zones and of the given classes (all if
    omitted)."""

    type: Literal["scale_demand"]
    factor: float = Field(ge=0)
    zones: list[int] | None = None
    classes: list[str] | None = None


class TruckSurge(_Change):
    """Extra vehicles of `class` from `zone` (a ship call at the port), spread over
    `destinations` by share, or in proportion to the zone's present trips of the class."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    type: Literal["truck_surge"]
    zone: int
    trips: float = Field(gt=0, alias="trucks")
    destinations: dict[int, float] | Literal["proportional"] = "proportional"
    class_code: str = Field(default="truck", alias="class")

    @model_validator(mode="after")
    def _shares(self) -> TruckSurge:
        if isinstance(self.destinations, dict):
            if not self.destinations or any(s < 0 for s in self.destinations.values()):
                raise ValueError("destinations need non-negative shares")
            if sum(self.destinations.values()) <= 0:
                raise ValueError("the destination shares must not all be zero")
        return self


Change = Annotated[
    CloseLink | SetCapacity | SetSpeed | AddLink | ScaleDemand | TruckSurge,
    Field(discriminator="type"),
]


class ScenarioCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    network: int | str = Field(description="The network's id or name")
    period: str = Field(description="Period code of the demand")
    classes: list[str] | None = Field(
        default=None, description="Vehicle classes to assign (default: all with demand)"
    )
    changes: list[Change] = Field(default_factory=list)
    gap: float = Field(default=1e-4, gt=0, le=0.1, description="Target relative gap")
    length_unit: LengthUnit = Field(default="mi", description="Unit of the network's lengths")
    time_unit: TimeUnit = Field(default="min", description="Unit of the network's times")


class ScenarioOut(BaseModel):
    id: int
    name: str
    network_id: int
    period: str
    classes: list[str]
    changes: list[dict[str, Any]]
    gap_target: float
    length_unit: str
    time_unit: str
    created_by: str
    created_at: datetime
    status: str
    progress: float
    iterations: int | None
    gap: float | None
    gap_history: list[float] | None
    error: str | None
    started_at: datetime | None
    finished_at: datetime | None
    totals: dict[str, Any] | None = Field(description="Totals of the results, once done")


class LinkResultOut(BaseModel):
    link_index: int
    link_id: int | None
    from_node: int
    to_node: int
    closed: bool
    volume: float = Field(description="PCE per period")
    class_volume: dict[str, float] = Field(description="Vehicles per class")
    travel_time: float
    free_flow_time: float
    capacity: float
    length: float
    voc: float = Field(description="Volume over capacity")
    speed_kmh: float | None
    vht: float = Field(description="Vehicle-hours travelled")
    vkt: float = Field(description="Vehicle-kilometres travelled")
    delay_h: float = Field(description="Vehicle-hours beyond those at free-flow times")
    co2_kg: float = Field(description="Estimate; see routing.scenarios.metrics for the source")
    nox_kg: float = Field(description="Estimate; see routing.scenarios.metrics for the source")


class LinkResultPage(BaseModel):
    items: list[LinkResultOut]
    total: int
    offset: int
    limit: int


class LinkDifferenceOut(BaseModel):
    link_index: int
    from_node: int
    to_node: int
    volume_base: float
    volume_other: float
    volume_diff: float
    vht_diff: float
    co2_kg_diff: float


class ComparisonOut(BaseModel):
    base: int
    other: int
    totals_base: dict[str, float]
    totals_other: dict[str, float]
    totals_diff: dict[str, float]
    top_links: list[LinkDifferenceOut]
