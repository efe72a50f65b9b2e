"""A slow outbox job for the worker fault tests, installed into a `mobility worker` subprocess
before its command runs (see `worker_command`).

Each start leaves a mark file (outside any transaction, so a killed start stays visible); the
job then waits for a release file, and its visible effect is one outbox row of `DONE_TOPIC`
written in the delivery's transaction.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from mobility.outbox import enqueue, register_handler

TOPIC = "test.slow_job"
DONE_TOPIC = "test.slow_job.done"


def handle(session: Session, payload: Mapping[str, Any]) -> None:
    marks = Path(payload["marks"])
    (marks / f"start-{os.getpid()}-{uuid.uuid4().hex[:8]}").touch()
    while not (marks / "release").exists():
        time.sleep(0.05)
    enqueue(session, DONE_TOPIC, {"job": payload["job"]}, publish_after_commit=False)


def starts(marks: Path) -> int:
    return sum(1 for _ in marks.glob("start-*"))


def worker_command() -> list[str]:
    """`mobility worker`, with this module's handler registered first."""
    code = (
        "import sys; from tests.mobility.jobs import slow_job; "
        "from mobility.outbox import register_handler; "
        "register_handler(slow_job.TOPIC, slow_job.handle); "
        "from services.cli import main; sys.argv = ['mobility', 'worker']; main()"
    )
    return [sys.executable, "-c", code]


__all__ = ["DONE_TOPIC", "TOPIC", "handle", "register_handler", "starts", "worker_command"]
