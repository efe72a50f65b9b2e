"""Response shapes of the road-network API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from mobility.traffic.models import TrafficNetwork


class NetworkOut(BaseModel):
    id: int
    name: str
    source_format: str = Field(description="tntp or gmns")
    source: str = Field(description="Provenance: the files it was imported from")
    crs: str = Field(description="What node coordinates are (empty: unknown)")
    units: str
    first_thru_node: int = Field(description="Nodes with lower ids are zones only")
    content_sha256: str
    created_at: datetime

    @classmethod
    def of(cls, network: TrafficNetwork) -> NetworkOut:
        return cls(
            id=network.id,
            name=network.name,
            source_format=network.source_format,
            source=network.source,
            crs=network.crs,
            units=network.units,
            first_thru_node=network.first_thru_node,
            content_sha256=network.content_sha256,
            created_at=network.created_at,
        )


class NetworkList(BaseModel):
    items: list[NetworkOut]


class DemandTotalOut(BaseModel):
    class_code: str
    period_code: str
    pce: float = Field(description="Passenger-car equivalents per vehicle of the class")
    od_pairs: int = Field(description="Origin-destination pairs with trips")
    total_trips: float = Field(description="Vehicles")
    total_pce: float


class NetworkDetail(NetworkOut):
    nodes: int
    links: int
    zones: int
    connectors: int
    demand: list[DemandTotalOut]


class LinkFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: int
    geometry: dict[str, Any]
    properties: dict[str, Any]


class LinkFeatureCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[LinkFeature]
