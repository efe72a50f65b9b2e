"""Table of clearing runs: a month's clearing computed and posted by a worker job.

`active_period` holds the period while the run is queued or running and is unique, so two
requests for the same month at once share one run. `scheduled_period` is set on the run the
monthly tick made and is unique too: two schedulers (or the same tick delivered twice) make
one run of a month.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from mobility.models import Base, UTCDateTime, str_enum


class ClearingRunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ClearingRunTrigger(StrEnum):
    API = "api"
    CLI = "cli"
    SCHEDULE = "schedule"


class ClearingRun(Base):
    __tablename__ = "ticketing_clearing_runs"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(String(7), nullable=False, index=True)
    status: Mapped[ClearingRunStatus] = mapped_column(str_enum(ClearingRunStatus), nullable=False)
    trigger: Mapped[ClearingRunTrigger] = mapped_column(
        str_enum(ClearingRunTrigger), nullable=False
    )
    requested_by: Mapped[str] = mapped_column(String(200), nullable=False)
    active_period: Mapped[str | None] = mapped_column(String(7), unique=True)
    scheduled_period: Mapped[str | None] = mapped_column(String(7), unique=True)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Once done: where the sharing rules came from, the totals per operator and currency (the
    # report's `operators`), the ledger references of the period's apportionment (those posted
    # by earlier runs included) and how many of them this run posted.
    rules: Mapped[str | None] = mapped_column(String(200))
    totals: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    ledger_references: Mapped[list[str] | None] = mapped_column(JSON)
    transactions_posted: Mapped[int | None] = mapped_column(Integer)
    # The failure of a run that failed, or of the last attempt of one that is being retried.
    error: Mapped[str | None] = mapped_column(Text)
