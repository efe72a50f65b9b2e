"""HTTP routes of fleet plans: create (solved on the worker), read state and result."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from mobility.auth.deps import require_scopes
from mobility.auth.errors import Forbidden
from mobility.auth.principals import Principal, Scope
from mobility.deps import SessionDep
from mobility.freight.fleet_plans import service
from mobility.freight.fleet_plans.errors import FleetPlanInvalid, FleetPlanNotFound
from mobility.freight.fleet_plans.schemas import FleetPlanCreate, FleetPlanOut, FleetPlanPage
from mobility.problems import model_response, problem_responses

router = APIRouter(prefix="/freight/fleet-plans", tags=["freight fleet plans"])
Planner = Annotated[Principal, Depends(require_scopes(Scope.FREIGHT_PLAN))]


@router.post(
    "", status_code=202, response_model=FleetPlanOut, responses=problem_responses(FleetPlanInvalid)
)
def create_fleet_plan(body: FleetPlanCreate, session: SessionDep, principal: Planner) -> Response:
    """Queue a fleet plan for your organisation's trucks and jobs; poll it or await the webhook."""
    plan = service.create_plan(session, principal, body)
    response = model_response(service.plan_out(plan))
    response.status_code = 202
    response.headers["Location"] = f"/v1/freight/fleet-plans/{plan.id}"
    return response


@router.get("", response_model=FleetPlanPage, responses=problem_responses(Forbidden))
def list_fleet_plans(
    session: SessionDep,
    principal: Planner,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    """Your organisation's plans, newest first, with their totals once done."""
    return model_response(service.plans_page(session, principal, offset, limit))


@router.get(
    "/{plan_id}", response_model=FleetPlanOut, responses=problem_responses(FleetPlanNotFound)
)
def get_fleet_plan(plan_id: str, session: SessionDep, principal: Planner) -> Response:
    """A plan of your organisation: status, progress, and the routes once done."""
    return model_response(service.plan_out(service.get_plan(session, plan_id, principal)))
