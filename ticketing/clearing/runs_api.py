"""Clearing runs: queue a month's clearing and posting on a worker, follow it.

For the authority's administrators and accounting system (integration keys issued
clearing:post to queue, clearing:read to read): a run's totals cover every operator, so
operators' staff read their own share through GET /v1/clearing instead.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from mobility.auth.deps import require_scopes
from mobility.auth.errors import Forbidden, Unauthorized
from mobility.auth.principals import Principal, Scope
from mobility.deps import SessionDep
from mobility.problems import model_response, problem_responses
from mobility.settings import get_settings

from .errors import ClearingPeriodOpen, InvalidPeriod
from .models import ClearingRun
from .runs import ClearingRunNotFound, get_run, list_runs, request_run

router = APIRouter(prefix="/clearing/runs", tags=["clearing"])
_AUTH = (Unauthorized, Forbidden)


def _authority(principal: Principal) -> Principal:
    """A run covers every operator: a credential bound to one operator (an operator's
    accounting system with clearing:read) reads its share at GET /v1/clearing instead, as it
    reads its own revenue account and not the trial balance."""
    if principal.operator_id is not None and not principal.is_admin:
        raise Forbidden("clearing runs cover every operator; read your share at /v1/clearing")
    return principal


def _poster(
    principal: Annotated[Principal, Depends(require_scopes(Scope.CLEARING_POST))],
) -> Principal:
    return _authority(principal)


def _reader(
    principal: Annotated[Principal, Depends(require_scopes(Scope.CLEARING_READ))],
) -> Principal:
    return _authority(principal)


Poster = Annotated[Principal, Depends(_poster)]
Reader = Annotated[Principal, Depends(_reader)]


class ClearingRunIn(BaseModel):
    period: str = Field(description="The month to clear and post, YYYY-MM (Europe/Rome)")


class ClearingRunOut(BaseModel):
    id: int
    period: str
    status: str = Field(description="queued, running, done or failed")
    trigger: str = Field(description="api or schedule")
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    attempts: int
    rules: str | None
    totals: list[dict[str, Any]] | None = Field(
        description="Per operator and currency, minor units (the report's operators) once done"
    )
    ledger_references: list[str] | None = Field(
        description="The period's apportionment transactions, earlier runs' included"
    )
    transactions_posted: int | None = Field(description="Of those, how many this run posted")
    error: str | None


class ClearingRunList(BaseModel):
    runs: list[ClearingRunOut]


def run_out(run: ClearingRun) -> ClearingRunOut:
    return ClearingRunOut(
        id=run.id,
        period=run.period,
        status=run.status.value,
        trigger=run.trigger.value,
        requested_by=run.requested_by,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
        attempts=run.attempts,
        rules=run.rules,
        totals=run.totals,
        ledger_references=run.ledger_references,
        transactions_posted=run.transactions_posted,
        error=run.error,
    )


@router.post(
    "",
    status_code=202,
    response_model=ClearingRunOut,
    responses={
        200: {"model": ClearingRunOut, "description": "A run of this month is already queued"},
        **problem_responses(*_AUTH, InvalidPeriod, ClearingPeriodOpen),
    },
)
def create_run(body: ClearingRunIn, session: SessionDep, principal: Poster) -> Response:
    """Queue the clearing and posting of an ended month; a worker runs it (poll the run).
    While a run of the month is queued or running, that run is returned (200)."""
    run, created = request_run(session, body.period, principal.subject, tz=get_settings().timezone)
    session.refresh(run)
    response = model_response(run_out(run))
    response.status_code = 202 if created else 200
    response.headers["Location"] = f"/v1/clearing/runs/{run.id}"
    return response


@router.get(
    "",
    response_model=ClearingRunList,
    responses=problem_responses(*_AUTH, InvalidPeriod),
)
def get_runs(
    session: SessionDep,
    _principal: Reader,
    period: Annotated[str | None, Query(description="Only runs of this month")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before_id: Annotated[int | None, Query(ge=1, description="Runs older than this id")] = None,
) -> Response:
    """Clearing runs, newest first."""
    runs = list_runs(session, period=period, limit=limit, before_id=before_id)
    return model_response(ClearingRunList(runs=[run_out(r) for r in runs]))


@router.get(
    "/{run_id}",
    response_model=ClearingRunOut,
    responses=problem_responses(*_AUTH, ClearingRunNotFound),
)
def get_one(run_id: int, session: SessionDep, _principal: Reader) -> Response:
    """One clearing run: its state and, once done, the month's totals."""
    return model_response(run_out(get_run(session, run_id)))
