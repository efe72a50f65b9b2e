"""HTTP routes of traffic counts: detectors push observations; planners read aggregates and
import batches (with every rejected row)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import AwareDatetime

from mobility.auth.deps import require_scopes
from mobility.auth.errors import InsufficientScope, Unauthorized
from mobility.auth.principals import Principal, Scope
from mobility.deps import SessionDep
from mobility.errors import BadRequest
from mobility.problems import model_response, problem_responses
from mobility.traffic.counts import service
from mobility.traffic.counts.aggregate import HOUR_S, QUARTER_HOUR_S
from mobility.traffic.counts.errors import BatchNotFound, DetectorNotFound
from mobility.traffic.counts.models import BatchChannel, TrafficCount15Min, TrafficCountHourly
from mobility.traffic.counts.quality import VehicleClass
from mobility.traffic.counts.repository import AggregateModel, CountsRepository
from mobility.traffic.counts.schemas import (
    AggregateList,
    AggregateOut,
    BatchOut,
    CountsIn,
    FindingOut,
    ImportSummaryOut,
)

router = APIRouter(prefix="/traffic/counts", tags=["traffic counts"])

Reader = Annotated[Principal, Depends(require_scopes(Scope.TRAFFIC_READ))]
Writer = Annotated[Principal, Depends(require_scopes(Scope.TRAFFIC_COUNTS_WRITE))]
MAX_RANGE = timedelta(days=366)
MULTI_STATUS = 207


@router.post(
    "",
    response_model=ImportSummaryOut,
    responses={
        MULTI_STATUS: {"model": ImportSummaryOut, "description": "Some observations rejected"},
        **problem_responses(Unauthorized, InsufficientScope, DetectorNotFound),
    },
)
def post_counts(body: CountsIn, session: SessionDep, principal: Writer) -> Response:
    """Store a detector's observations; 207 lists the rejected ones and why."""
    if service.detector_by_code(session, body.detector) is None:
        raise DetectorNotFound(f"detector {body.detector!r} is not registered")
    items = [o.model_dump(by_alias=True) for o in body.observations]
    report = service.import_rows(
        session,
        service.api_rows(items, body.detector),
        source=f"api:{body.detector}",
        channel=BatchChannel.API,
        submitted_by=principal.subject,
        options=service.ImportOptions(replace=body.replace),
    )
    response = model_response(ImportSummaryOut.of(report))
    if report.rejected:
        response.status_code = MULTI_STATUS
    return response


def _aggregates(
    session: SessionDep,
    model: AggregateModel,
    period_s: int,
    start: AwareDatetime,
    end: AwareDatetime,
    detector: list[str] | None,
    vehicle_class: VehicleClass | None,
    limit: int,
) -> Response:
    if end <= start or end - start > MAX_RANGE:
        raise BadRequest("`to` must be after `from`, at most 366 days later")
    repo = CountsRepository(session)
    if detector and (missing := set(detector) - repo.detectors_by_code(detector).keys()):
        raise DetectorNotFound(f"no detector {', '.join(sorted(missing))}")
    rows = repo.aggregates(
        model,
        detector_codes=detector,
        start=start,
        end=end,
        vehicle_class=vehicle_class,
        limit=limit,
    )
    return model_response(
        AggregateList(period_s=period_s, items=[AggregateOut.of(r) for r in rows])
    )


_FROM = Query(alias="from", description="Periods starting at or after (ISO 8601, with offset)")
_TO = Query(alias="to", description="Periods starting before")
_DETECTOR = Query(description="Detector code (repeat for several; default all)")
_CLASS = Query(alias="class", description="Only this vehicle class")
_LIMIT = Query(ge=1, le=100_000)
_ERRORS = problem_responses(Unauthorized, InsufficientScope, DetectorNotFound, BadRequest)


@router.get("/hourly", response_model=AggregateList, responses=_ERRORS)
def get_hourly(
    session: SessionDep,
    _principal: Reader,
    start: Annotated[AwareDatetime, _FROM],
    end: Annotated[AwareDatetime, _TO],
    detector: Annotated[list[str] | None, _DETECTOR] = None,
    vehicle_class: Annotated[VehicleClass | None, _CLASS] = None,
    limit: Annotated[int, _LIMIT] = 10_000,
) -> Response:
    """Hourly volumes, count-weighted mean speeds and completeness per detector and class."""
    return _aggregates(
        session, TrafficCountHourly, HOUR_S, start, end, detector, vehicle_class, limit
    )


@router.get("/15min", response_model=AggregateList, responses=_ERRORS)
def get_quarter_hours(
    session: SessionDep,
    _principal: Reader,
    start: Annotated[AwareDatetime, _FROM],
    end: Annotated[AwareDatetime, _TO],
    detector: Annotated[list[str] | None, _DETECTOR] = None,
    vehicle_class: Annotated[VehicleClass | None, _CLASS] = None,
    limit: Annotated[int, _LIMIT] = 10_000,
) -> Response:
    """15-minute volumes, count-weighted mean speeds and completeness per detector and class."""
    return _aggregates(
        session, TrafficCount15Min, QUARTER_HOUR_S, start, end, detector, vehicle_class, limit
    )


@router.get(
    "/batches/{batch_id}",
    response_model=BatchOut,
    responses=problem_responses(Unauthorized, InsufficientScope, BatchNotFound),
)
def get_batch(
    batch_id: int,
    session: SessionDep,
    _principal: Reader,
    limit: Annotated[int, Query(ge=1, le=100_000, description="Rejected rows at most")] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """An import batch: its tallies, gaps and runs found, and its rejected rows with reasons."""
    batch = service.get_batch(session, batch_id)
    repo = CountsRepository(session)
    findings = [FindingOut.of(f, code) for f, code in repo.findings(batch_id)]
    rows = repo.rejected_rows(batch_id, limit=limit, offset=offset)
    return model_response(BatchOut.of(batch, findings, rows))
