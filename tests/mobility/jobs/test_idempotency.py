"""A delivery job is idempotent: the same message delivered twice changes nothing the second
time, and on PostgreSQL a second delivery running at the same time as the first leaves it."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mobility import outbox
from mobility.db import session_scope
from mobility.jobs import Queue, send
from mobility.outbox import DELIVER_JOB, OutboxMessage, deliver, enqueue
from tests.mobility.jobs.workers import join, running_worker

TOPIC = "test.idempotent"
EFFECT = "test.idempotent.effect"
WAIT_S = 60.0  # a bound on a hang, not a speed requirement


@pytest.fixture
def handled(settings_env: None) -> Iterator[list[int]]:  # noqa: ARG001
    """A handler whose visible effect is an outbox row written in the delivery's transaction."""
    calls: list[int] = []

    def handler(session: Session, payload: Mapping[str, Any]) -> None:
        calls.append(int(payload["n"]))
        enqueue(session, EFFECT, {"n": payload["n"]}, publish_after_commit=False)

    outbox.register_handler(TOPIC, handler)
    yield calls
    outbox._HANDLERS.pop(TOPIC, None)


def _effects() -> int:
    with session_scope() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.topic == EFFECT)).all()
    return len(rows)


def test_the_same_message_sent_twice_takes_effect_once(handled: list[int]) -> None:
    """Two delivery jobs of one message (a relay and a requeue, say): the handler runs once."""
    with session_scope() as session:
        message = enqueue(session, TOPIC, {"n": 1}, publish_after_commit=False)
    with running_worker():
        send(DELIVER_JOB[Queue.DEFAULT], message.id)
        send(DELIVER_JOB[Queue.DEFAULT], message.id)
        join()
    assert handled == [1]
    assert _effects() == 1
    assert deliver(message.id) is False  # and by hand once more: nothing


def test_a_concurrent_second_delivery_leaves_the_message(
    handled: list[int], engine: Engine
) -> None:
    """PostgreSQL: while one delivery holds the message, another skips it at once and the
    handler's effect is there once."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no row locks: one process delivers at a time there")
    inside, release = threading.Event(), threading.Event()

    def slow(session: Session, payload: Mapping[str, Any]) -> None:
        inside.set()
        release.wait(WAIT_S)
        handled.append(int(payload["n"]))
        enqueue(session, EFFECT, {"n": payload["n"]}, publish_after_commit=False)

    outbox.register_handler(TOPIC, slow)
    with session_scope() as session:
        message = enqueue(session, TOPIC, {"n": 2}, publish_after_commit=False)
    results: list[bool] = []
    first = threading.Thread(target=lambda: results.append(deliver(message.id)))
    first.start()
    assert inside.wait(WAIT_S)
    assert deliver(message.id, lease_s=60) is False
    release.set()
    first.join(WAIT_S)
    assert results == [True]
    assert handled == [2]
    assert _effects() == 1
