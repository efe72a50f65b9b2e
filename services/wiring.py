"""Start-up wiring shared by the API, the CLI and the worker: who handles which outbox topic.

Lower layers enqueue work for higher ones (`mobility.outbox`); only here, at the top, is each
topic bound to its handler and its job queue. Every process binds the same ones, so each
publishes a topic's messages to the right queue; only worker processes run them (and the
committing process itself for an `inline` topic).
"""

from __future__ import annotations

from access_control.pass_tokens import on_pass_changed
from mobility.freight.fleet_plans.service import FLEET_PLAN_RUN, FLEET_PLAN_WEBHOOK
from mobility.jobs import Queue
from mobility.outbox import register_handler
from mobility.traffic.congestion.publish import CONGESTION_PUBLISHED
from mobility.traffic.scenarios.service import SCENARIO_RUN
from routing.fleet.run import handle_fleet_plan_run
from routing.fleet.webhook import handle_fleet_plan_webhook
from routing.scenarios.run import handle_scenario_run
from ticketing.catalogue.congestion_feed import on_congestion_published
from ticketing.clearing.runs import CLEARING_RUN, handle_clearing_run
from ticketing.passes.service import PASS_CHANGED


def install() -> None:
    """Register every outbox handler (idempotent)."""
    # Inline: the next gate request after a refund must already see the pass revoked; the
    # default queue retries it when that fails.
    register_handler(PASS_CHANGED, on_pass_changed, inline=True)
    # Inline: the planner who publishes sees the fares change; the default queue retries.
    register_handler(CONGESTION_PUBLISHED, on_congestion_published, inline=True)
    install_worker_jobs()


def install_worker_jobs() -> None:
    """Register the handlers of long jobs (idempotent): the long queue, with its own time
    limit and retries; an API process only publishes them, never runs one in a request."""
    register_handler(SCENARIO_RUN, handle_scenario_run, queue=Queue.LONG)
    register_handler(FLEET_PLAN_RUN, handle_fleet_plan_run, queue=Queue.LONG)
    register_handler(CLEARING_RUN, handle_clearing_run, queue=Queue.LONG)
    # A POST with a short timeout: the default queue, which retries it with back-off.
    register_handler(FLEET_PLAN_WEBHOOK, handle_fleet_plan_webhook)
