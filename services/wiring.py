"""Start-up wiring shared by the API, the CLI and the worker: who handles which outbox topic.

Lower layers enqueue work for higher ones (`mobility.outbox`); only here, at the top, is each
topic bound to its handler, so every process that may deliver messages binds the same ones.
"""

from __future__ import annotations

from access_control.pass_tokens import on_pass_changed
from mobility.outbox import register_handler
from mobility.traffic.scenarios.service import SCENARIO_RUN
from routing.scenarios.run import handle_scenario_run
from ticketing.passes.service import PASS_CHANGED


def install() -> None:
    """Register every outbox handler (idempotent)."""
    register_handler(PASS_CHANGED, on_pass_changed)


def install_worker_jobs() -> None:
    """Register the handlers of long jobs only the worker runs (idempotent): an API process
    never runs a traffic assignment inside a request."""
    register_handler(SCENARIO_RUN, handle_scenario_run)
