"""The fleet-plan table: a firm's request, the state of its run on the worker, the result.

`request` is the validated request with every reference resolved when the plan was created
(terminal codes checked, gate slots turned into their windows), so the run depends on nothing
that may change later but the road network. `result` is the plan as the API returns it.
The webhook's delivery is tracked on the row, apart from the plan's own status: a receiver
that is down never makes a plan fail.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mobility.models import Base, UTCDateTime, str_enum


class PlanStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class WebhookStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class FleetPlan(Base):
    __tablename__ = "freight_fleet_plans"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # uuid4 hex
    organisation_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    created_by: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    request: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    time_budget_s: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[PlanStatus] = mapped_column(str_enum(PlanStatus), nullable=False)
    progress: Mapped[float] = mapped_column(Float, nullable=False, default=0.0)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    webhook_url: Mapped[str | None] = mapped_column(String(2000))
    webhook_status: Mapped[WebhookStatus | None] = mapped_column(str_enum(WebhookStatus))
    webhook_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    webhook_error: Mapped[str | None] = mapped_column(String(500))
