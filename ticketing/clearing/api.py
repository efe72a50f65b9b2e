"""Clearing endpoint: each operator's share of the period's revenue, as JSON or CSV."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Response

from mobility.auth.deps import require_scopes
from mobility.auth.errors import Forbidden, Unauthorized
from mobility.auth.principals import Principal, Scope
from mobility.deps import SessionDep
from mobility.problems import model_response, problem_responses
from mobility.settings import get_settings

from .errors import InvalidPeriod
from .export import report_csv
from .schemas import ClearingReportOut, ClearingRowOut, OperatorTotalOut
from .service import ClearingReport, clearing_report, current_rules, parse_period

router = APIRouter(tags=["clearing"])

CSV_MEDIA_TYPE = "text/csv"


@router.get(
    "/clearing",
    response_model=ClearingReportOut,
    responses={
        200: {"content": {CSV_MEDIA_TYPE: {}}, "description": "The report (JSON or CSV)"},
        **problem_responses(Unauthorized, Forbidden, InvalidPeriod),
    },
)
def get_clearing(
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_scopes(Scope.CLEARING_READ))],
    period: Annotated[str, Query(description="A month, YYYY-MM (Europe/Rome)")],
    output: Annotated[Literal["json", "csv"] | None, Query(alias="format")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """The clearing report of a month; operator staff see their own operator's rows only."""
    settings = get_settings()
    parsed = parse_period(period, settings.timezone)
    rules, source = current_rules(session)
    report = clearing_report(session, parsed, rules, tz=settings.timezone)
    if principal.operator_id is not None and not principal.is_admin:
        report = report.for_operator(principal.operator_id)
    wants_csv = output == "csv" or (output is None and CSV_MEDIA_TYPE in (accept or ""))
    if wants_csv:
        filename = f"clearing-{parsed.label}.csv"
        return Response(
            report_csv(report),
            media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return model_response(report_out(report, source))


def report_out(report: ClearingReport, source: str) -> ClearingReportOut:
    return ClearingReportOut(
        period=report.period.label,
        start=report.period.start,
        end=report.period.end,
        rules=source,
        rows=[
            ClearingRowOut(
                operator_id=r.operator_id,
                product_id=r.product_id,
                currency=r.currency,
                method=r.method,
                share_bp=r.share_bp,
                gross=r.gross,
                vat=r.vat,
                net=r.net,
                refunds=r.refunds,
                fees=r.fees,
                taps=r.taps,
                passenger_km=r.passenger_km,
                posted=r.posted,
                note=r.note,
            )
            for r in report.rows
        ],
        operators=[
            OperatorTotalOut(
                operator_id=t.operator_id,
                currency=t.currency,
                gross=t.gross,
                vat=t.vat,
                net=t.net,
                refunds=t.refunds,
                fees=t.fees,
                taps=t.taps,
                passenger_km=f"{t.distance_m / 1000:.3f}",
                posted=t.posted,
            )
            for t in report.operators
        ],
        unallocated_fees=dict(report.unallocated_fees),
    )
