"""Fleet-plan operations: create (references resolved, run queued for the worker), read.
Never commits.

The run itself (a vehicle routing search) belongs to a higher layer: creating a plan enqueues
`FLEET_PLAN_RUN` in the caller's transaction, for the worker (`routing.fleet.run`), which on
completion enqueues `FLEET_PLAN_WEBHOOK` when the request gave a webhook URL.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from mobility.auth.errors import Forbidden
from mobility.auth.principals import Principal
from mobility.freight.fleet_plans.errors import FleetPlanInvalid, FleetPlanNotFound
from mobility.freight.fleet_plans.models import FleetPlan, PlanStatus, WebhookStatus
from mobility.freight.fleet_plans.repository import (
    count_plans,
    plans_of,
    terminals_by_code,
)
from mobility.freight.fleet_plans.schemas import (
    FleetPlanCreate,
    FleetPlanOut,
    FleetPlanPage,
    FleetPlanSummaryOut,
    JobEnd,
    PlanResultOut,
    TotalsOut,
    WebhookOut,
)
from mobility.freight.fleet_plans.webhook_url import WebhookUrlRefused, check_webhook_url
from mobility.freight.gate_slots import service as gate_slots
from mobility.freight.gate_slots.models import BookingStatus, GateSlotBooking
from mobility.outbox import enqueue
from mobility.settings import get_settings

FLEET_PLAN_RUN = "freight.fleet_plan.run"
FLEET_PLAN_WEBHOOK = "freight.fleet_plan.webhook"


def _check_webhook(url: str | None) -> None:
    """A webhook needs the signing secret, and in production a public https host (see
    `webhook_url`; the name is resolved again before each delivery, not here: a request is
    not made to wait on DNS)."""
    if url is None:
        return
    settings = get_settings()
    if not settings.fleet_webhook_secret.get_secret_value():
        raise FleetPlanInvalid("webhooks are not configured on this server (poll the plan)")
    try:
        check_webhook_url(url, production=settings.is_production)
    except WebhookUrlRefused as exc:
        raise FleetPlanInvalid(str(exc)) from None


def _slot_window(
    session: Session, end: JobEnd, where: str, organisation_id: str
) -> dict[str, str] | None:
    """The window of the gate slot an end names, checked to be a booking of this organisation
    at this end's terminal."""
    if end.gate_slot is None:
        return None
    booking = session.get(GateSlotBooking, end.gate_slot)
    if booking is None or booking.organisation_id != organisation_id:
        raise FleetPlanInvalid(f"{where}: no gate slot booking {end.gate_slot!r} of yours")
    if booking.status is not BookingStatus.BOOKED:
        raise FleetPlanInvalid(f"{where}: gate slot {end.gate_slot!r} is {booking.status.value}")
    slot, terminal = gate_slots.slot_of(session, booking)
    if terminal.code != end.place.terminal:
        raise FleetPlanInvalid(
            f"{where}: gate slot {end.gate_slot!r} is at {terminal.code}, not at this end"
        )
    return {"start": slot.starts_at.isoformat(), "end": slot.ends_at.isoformat()}


def _resolved(session: Session, body: FleetPlanCreate, organisation_id: str) -> dict[str, Any]:
    """The request as the run reads it: every terminal known, gate slots as windows."""
    codes = [t.depot.terminal for t in body.trucks if t.depot.terminal] + [
        end.place.terminal
        for job in body.jobs
        for end in (job.pickup, job.delivery)
        if end.place.terminal
    ]
    known = terminals_by_code(session, [c for c in codes if c])
    if unknown := sorted({c for c in codes if c and c not in known}):
        raise FleetPlanInvalid(f"unknown or inactive terminals: {', '.join(unknown)}")
    document = body.model_dump(mode="json", exclude={"webhook_url"})
    for index, job in enumerate(body.jobs):
        for kind in ("pickup", "delivery"):
            end: JobEnd = getattr(job, kind)
            where = f"jobs[{index}].{kind}"
            if end.gate_slot is not None and end.place.terminal is None:
                raise FleetPlanInvalid(f"{where}: a gate slot needs a terminal place")
            window = _slot_window(session, end, where, organisation_id)
            document["jobs"][index][kind]["slot_window"] = window
    return document


def create_plan(session: Session, principal: Principal, body: FleetPlanCreate) -> FleetPlan:
    """Store the plan (queued) and enqueue its run; flushed."""
    if principal.organisation_id is None:
        raise Forbidden("fleet plans belong to a logistics organisation")
    settings = get_settings()
    if body.time_budget_s > settings.fleet_plan_max_budget_s:
        raise FleetPlanInvalid(
            f"time_budget_s is at most {settings.fleet_plan_max_budget_s} on this server"
        )
    webhook = str(body.webhook_url) if body.webhook_url is not None else None
    _check_webhook(webhook)
    plan = FleetPlan(
        id=uuid.uuid4().hex,
        organisation_id=principal.organisation_id,
        created_by=principal.subject,
        created_at=datetime.now(UTC),
        request=_resolved(session, body, principal.organisation_id),
        time_budget_s=body.time_budget_s,
        status=PlanStatus.QUEUED,
        progress=0.0,
        webhook_url=webhook,
        webhook_status=WebhookStatus.PENDING if webhook else None,
        webhook_attempts=0,
    )
    session.add(plan)
    session.flush()
    enqueue(session, FLEET_PLAN_RUN, {"plan_id": plan.id})
    return plan


def get_plan(session: Session, plan_id: str, principal: Principal) -> FleetPlan:
    """The plan; another organisation's is not found (404), like one that does not exist."""
    plan = session.get(FleetPlan, plan_id)
    if plan is None or not (
        principal.is_admin or plan.organisation_id == principal.organisation_id
    ):
        raise FleetPlanNotFound(f"no fleet plan {plan_id!r}")
    return plan


def plan_out(plan: FleetPlan) -> FleetPlanOut:
    webhook = None
    if plan.webhook_url is not None and plan.webhook_status is not None:
        webhook = WebhookOut(
            url=plan.webhook_url, status=plan.webhook_status.value, attempts=plan.webhook_attempts
        )
    return FleetPlanOut(
        id=plan.id,
        status=plan.status.value,
        progress=plan.progress,
        time_budget_s=plan.time_budget_s,
        created_at=plan.created_at,
        started_at=plan.started_at,
        finished_at=plan.finished_at,
        error=plan.error,
        webhook=webhook,
        result=PlanResultOut.model_validate(plan.result) if plan.result is not None else None,
    )


def plans_page(session: Session, principal: Principal, offset: int, limit: int) -> FleetPlanPage:
    """A page of the caller's organisation's plans, newest first, without their routes; an
    administrator acting for no organisation sees every organisation's."""
    if principal.organisation_id is None and not principal.is_admin:
        raise Forbidden("fleet plans are listed per logistics organisation")
    organisation = principal.organisation_id
    return FleetPlanPage(
        items=[_summary(plan) for plan in plans_of(session, organisation, offset, limit)],
        total=count_plans(session, organisation),
        offset=offset,
        limit=limit,
    )


def _summary(plan: FleetPlan) -> FleetPlanSummaryOut:
    totals = (plan.result or {}).get("totals")
    return FleetPlanSummaryOut(
        id=plan.id,
        status=plan.status.value,
        progress=plan.progress,
        created_at=plan.created_at,
        finished_at=plan.finished_at,
        error=plan.error,
        totals=TotalsOut.model_validate(totals) if totals is not None else None,
    )
