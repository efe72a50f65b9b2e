"""Start-up wiring shared by the API, the CLI and the worker: who handles which outbox topic.

Lower layers enqueue work for higher ones (`mobility.outbox`); only here, at the top, is each
topic bound to its handler, so every process that may deliver messages binds the same ones.
"""

from __future__ import annotations

from access_control.pass_tokens import on_pass_changed
from mobility.outbox import register_handler
from ticketing.passes.service import PASS_CHANGED


def install() -> None:
    """Register every outbox handler (idempotent)."""
    register_handler(PASS_CHANGED, on_pass_changed)
