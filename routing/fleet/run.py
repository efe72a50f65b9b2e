"""The worker's run of a fleet plan: build the problem, solve within the budget, store.

Delivered by the outbox at least once, so a run is idempotent: a plan already done (or failed)
is left alone, never solved again nor overwritten. A plan `running` belongs to the run that
started it (its `started_at` is the run's stamp): a second delivery while that run is alive
raises `PlanRunning`, so the outbox delivers it again later instead of solving twice; once the
run is overdue (its budget plus `STALE_AFTER_BUDGET`: its worker died) a delivery takes the
plan over. Every later write of a run is conditional on its stamp, so a run that was taken
over (but was not dead after all) changes nothing. Progress commits in short transactions of
its own, so `GET` shows it while the search runs; the result, the final state and the
webhook's message commit together.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from mobility.db import lock_row
from mobility.freight.fleet_plans import repository
from mobility.freight.fleet_plans.models import FleetPlan, PlanStatus
from mobility.freight.fleet_plans.service import FLEET_PLAN_WEBHOOK
from mobility.freight.gate_slots.repository import network_zone
from mobility.outbox import enqueue
from mobility.settings import get_settings
from routing.algorithms.fleet import SolveParams, solve
from routing.fleet.plan import NetworkData, build_problem, drop_penalty, plan_result

log = logging.getLogger(__name__)
PROGRESS_EVERY_S = 0.5
BUILT = 0.1  # progress once the matrices are built; the search fills the rest
# Beyond its time budget a run needs seconds to store its result; one silent this long past
# its budget is dead (matrices of the largest request build in well under a minute).
STALE_AFTER_BUDGET = timedelta(minutes=10)


class NoFreightNetwork(RuntimeError):
    pass


class PlanRunning(RuntimeError):
    """Another run holds the plan and is not overdue: the outbox delivers this again later."""


def network_data(session: Session) -> NetworkData:
    """The freight data set as a plan reads it."""
    factor = repository.road_emission_factor(session)
    if factor is None:
        raise NoFreightNetwork("no freight data set is loaded (mobility freight load)")
    zone: ZoneInfo = network_zone(session)
    return NetworkData(
        terminals={t.code: t for t in repository.active_terminals(session)},
        links=repository.road_links(session),
        hours=repository.hours_by_terminal(session),
        zone=zone,
        factor_code=factor.code,
        g_co2e_per_tkm=factor.g_co2e_per_tkm,
        factor_citation=factor.reference,
    )


def _start(factory: sessionmaker[Session], plan_id: str, now: datetime) -> datetime | None:
    """Mark the plan running for this run; the run's stamp, or None when there is nothing to
    do (done, failed, unknown). PlanRunning when another run holds it and is not overdue."""
    with factory() as session:
        lock_row(session, FleetPlan.id, plan_id)
        plan = session.get(FleetPlan, plan_id)
        if plan is None or plan.status in (PlanStatus.DONE, PlanStatus.FAILED):
            return None
        if plan.status == PlanStatus.RUNNING and plan.started_at is not None:
            overdue = plan.started_at + timedelta(seconds=plan.time_budget_s) + STALE_AFTER_BUDGET
            if now < overdue:
                raise PlanRunning(f"fleet plan {plan_id} is being run since {plan.started_at}")
            log.warning("fleet plan %s: its run is overdue, starting it again", plan_id)
        plan.status = PlanStatus.RUNNING
        plan.started_at = now
        plan.progress = 0.0
        plan.result = plan.error = None
        session.commit()
    return now


def _set(factory: sessionmaker[Session], plan_id: str, stamp: datetime, **values: Any) -> None:
    with factory() as session:
        session.execute(
            update(FleetPlan)
            .where(
                FleetPlan.id == plan_id,
                FleetPlan.status == PlanStatus.RUNNING,
                FleetPlan.started_at == stamp,
            )
            .values(**values)
        )
        session.commit()


def _finish(
    factory: sessionmaker[Session], plan_id: str, stamp: datetime, **values: Any
) -> PlanStatus:
    """Store the final state, once, if this run still holds the plan: a plan another run
    finished or took over is not overwritten. The plan's status afterwards."""
    with factory() as session:
        lock_row(session, FleetPlan.id, plan_id)
        plan = session.get_one(FleetPlan, plan_id)
        if plan.status is not PlanStatus.RUNNING or plan.started_at != stamp:
            log.warning("fleet plan %s: another run holds it; this one's end is dropped", plan_id)
            return plan.status
        for name, value in values.items():
            setattr(plan, name, value)
        plan.finished_at = datetime.now(UTC)
        if plan.webhook_url is not None:
            enqueue(session, FLEET_PLAN_WEBHOOK, {"plan_id": plan_id})
        session.commit()
        return plan.status


def run_plan(session: Session, plan_id: str) -> PlanStatus | None:
    """Run plan `plan_id`; its final status (None when there is no such plan).

    `session` gives the database; the run writes in short transactions of its own, so the
    outbox delivery's transaction holds no lock while the search runs.
    """
    factory = sessionmaker(bind=session.get_bind(), expire_on_commit=False)
    stamp = _start(factory, plan_id, datetime.now(UTC))
    if stamp is None:
        with factory() as s:
            found = s.get(FleetPlan, plan_id)
            return found.status if found is not None else None
    try:
        settings = get_settings()
        with factory() as s:
            plan = s.get_one(FleetPlan, plan_id)
            data = network_data(s)
            document, budget = plan.request, plan.time_budget_s
        built = build_problem(
            document,
            data,
            circuity=settings.fleet_circuity,
            speed_kmh=settings.fleet_offnet_speed_kmh,
        )
        _set(factory, plan_id, stamp, progress=BUILT)
        last = [time.monotonic()]

        def on_progress(share: float) -> None:
            if time.monotonic() - last[0] >= PROGRESS_EVERY_S:
                last[0] = time.monotonic()
                _set(factory, plan_id, stamp, progress=round(BUILT + (0.99 - BUILT) * share, 3))

        params = SolveParams(
            time_limit_s=float(budget), engine="ortools", drop_penalty=drop_penalty(built.problem)
        )
        solution = solve(built.problem, params, progress=on_progress)
        result = plan_result(built, solution, data)
    except Exception as exc:  # recorded on the plan: the firm sees that (and why) it failed
        log.exception("fleet plan %s failed", plan_id)
        # Our own errors explain themselves; anything else (a database error quoting SQL and
        # parameters, say) is for the log, not for the firm.
        reason = str(exc) if isinstance(exc, NoFreightNetwork | ValueError) else "internal error"
        return _finish(factory, plan_id, stamp, status=PlanStatus.FAILED, error=reason[:2000])
    return _finish(
        factory,
        plan_id,
        stamp,
        status=PlanStatus.DONE,
        progress=1.0,
        result=result.model_dump(mode="json"),
    )


def handle_fleet_plan_run(session: Session, payload: Mapping[str, Any]) -> None:
    """The outbox handler of `mobility.freight.fleet_plans.service.FLEET_PLAN_RUN`."""
    run_plan(session, str(payload["plan_id"]))
