"""Passes as the API shows them to their holder."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from ticketing.passes.models import PassStatus


class PassOut(BaseModel):
    id: str
    order_id: str
    product_id: str
    product_kind: str
    rider_category: str
    operators: list[str]
    networks: list[str]
    zones: list[str]
    valid_from: datetime
    valid_until: datetime
    single_use: bool
    rides_total: int | None
    status: PassStatus
    price: int = Field(description="Minor units paid for this pass")
    currency: str
