"""A worker killed mid-job loses nothing and runs nothing twice to visible effect: the job's
message stays unacknowledged in Redis, goes back to its queue once the dead worker's heartbeat
is stale, another worker runs it, and the first run's writes died with its transaction."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from mobility.db import session_scope
from mobility.jobs import Queue, get_runtime
from mobility.outbox import OutboxMessage, enqueue
from mobility.settings import get_settings
from tests.faults.processes import ROOT
from tests.mobility.jobs import slow_job

# Bounds of the wait loops (a hang fails the test), not speed requirements.
WAIT_S = 90.0


class WorkerProcess:
    """`mobility worker` in its own process group, so a SIGKILL takes its children too (as when
    a container or host dies)."""

    def __init__(self, env: dict[str, str], log_file: Path) -> None:
        self.log_file = log_file
        self._log = log_file.open("ab")
        self.process = subprocess.Popen(
            slow_job.worker_command(),
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # the supervisor passes it on to its children
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()
        self._log.close()


def wait_for(condition: Callable[[], bool], what: str, log_file: Path) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {WAIT_S} s\n{log_file.read_text()[-4000:]}")
        time.sleep(0.1)


@pytest.fixture
def worker_env(settings_env: None, engine: Engine) -> Iterator[dict[str, str]]:  # noqa: ARG001
    """The test's database and Redis prefix (its own queue namespace), a dead worker noticed
    after 2 s and looked for on every broker call, and no relay within the test: any second
    run can only be Dramatiq's requeue."""
    settings = get_settings()
    env = {
        **os.environ,
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "REDIS_URL": settings.redis_url,
        "REDIS_KEY_PREFIX": settings.redis_key_prefix,
        "LOAD_SAMPLE_DATA": "false",
        "REALTIME_FEEDS": "",
        "JOBS_PROCESSES": "1",
        "JOBS_THREADS": "2",
        "JOBS_HEARTBEAT_TIMEOUT_S": "2",
        "JOBS_MAINTENANCE_CHANCE": "1000000",
        "JOBS_RELAY_GRACE_S": "3600",
    }
    yield env
    for queue in Queue:
        get_runtime().broker.flush(queue.value)


def _done_rows(job: str) -> list[OutboxMessage]:
    with session_scope() as session:
        rows = session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == slow_job.DONE_TOPIC)
        ).all()
    return [row for row in rows if json.loads(row.payload)["job"] == job]


def _message(message_id: int) -> OutboxMessage:
    with session_scope() as session:
        return session.get_one(OutboxMessage, message_id)


def test_a_job_killed_midway_is_run_again_and_takes_effect_once(
    worker_env: dict[str, str], tmp_path: Path
) -> None:
    """SIGKILL of the worker during a job: the job is not lost (a second worker runs it once
    the first's heartbeat is stale) and its effect is there exactly once."""
    marks = tmp_path / "marks"
    marks.mkdir()
    log_file = tmp_path / "workers.log"
    first = WorkerProcess(worker_env, log_file)
    try:
        with session_scope() as session:
            message = enqueue(session, slow_job.TOPIC, {"job": "j1", "marks": str(marks)})
        wait_for(lambda: slow_job.starts(marks) == 1, "the first worker starts the job", log_file)
        first.kill()
    finally:
        first.stop()
    assert _message(message.id).delivered_at is None
    assert _done_rows("j1") == []

    second = WorkerProcess(worker_env, log_file)
    try:
        wait_for(lambda: slow_job.starts(marks) == 2, "the job runs again", log_file)
        (marks / "release").touch()
        wait_for(
            lambda: _message(message.id).delivered_at is not None, "the job completes", log_file
        )
        get_runtime().broker.join(Queue.DEFAULT.value, timeout=int(WAIT_S * 1000))
    finally:
        second.stop()
    assert slow_job.starts(marks) == 2
    assert len(_done_rows("j1")) == 1
    assert _message(message.id).attempts == 1
