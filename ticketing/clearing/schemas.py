"""Response body of the clearing report; amounts are minor units (cents)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ClearingRowOut(BaseModel):
    operator_id: str = Field(description='"" for revenue that could not be apportioned')
    product_id: str
    currency: str
    method: str = Field(description="fixed, taps, passenger_km, direct (joined by +), none")
    share_bp: int | None
    gross: int
    vat: int
    net: int = Field(description="Net revenue allocated: what clearing posts to the operator")
    refunds: int = Field(description="Gross refunded in the period, already deducted")
    fees: int = Field(description="Provider fees in proportion to gross (information)")
    taps: int
    passenger_km: str
    posted: int = Field(description="Net already posted to the operator for this period")
    note: str


class OperatorTotalOut(BaseModel):
    operator_id: str
    currency: str
    gross: int
    vat: int
    net: int
    refunds: int
    fees: int
    taps: int
    passenger_km: str
    posted: int


class ClearingReportOut(BaseModel):
    period: str
    start: datetime
    end: datetime
    rules: str = Field(description="Where the sharing rules come from")
    rows: list[ClearingRowOut]
    operators: list[OperatorTotalOut]
    unallocated_fees: dict[str, int]
