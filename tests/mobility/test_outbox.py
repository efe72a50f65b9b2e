"""The transactional outbox: a message exists exactly when its transaction commits, is
published to its job queue after the commit and run there (or in the committing process for an
inline topic), retried when its handler fails, relayed when it was never published, and
delivered once."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from mobility import outbox
from mobility.db import get_sessionmaker, session_scope
from mobility.jobs import Queue, queue_sizes
from mobility.outbox import (
    OutboxMessage,
    deliver,
    dispatch_pending,
    enqueue,
    pending_count,
    relay_pending,
)
from mobility.settings import get_settings
from tests.mobility.jobs.workers import join, running_worker

TOPIC = "test.outbox"
WAIT_S = 60.0  # a bound on a hang, not a speed requirement


@pytest.fixture
def received(settings_env: None) -> Iterator[list[Mapping[str, Any]]]:  # noqa: ARG001
    seen: list[Mapping[str, Any]] = []

    def handler(_session: Session, payload: Mapping[str, Any]) -> None:
        if payload.get("fail"):
            raise RuntimeError("handler down")
        seen.append(payload)

    outbox.register_handler(TOPIC, handler)
    yield seen
    outbox._HANDLERS.pop(TOPIC, None)


def _queued(queue: Queue = Queue.DEFAULT) -> int:
    return queue_sizes()[queue.value]


def _delivered_at(message_id: int) -> datetime | None:
    with session_scope() as session:
        return session.scalar(
            select(OutboxMessage.delivered_at).where(OutboxMessage.id == message_id)
        )


def test_a_message_is_run_by_a_worker_after_its_commit(
    received: list[Mapping[str, Any]],
) -> None:
    """Enqueued in a committed transaction: published once the commit is done, not before,
    and run by a worker once."""
    # The queue is read with no worker running: a running one may already have taken the
    # message (or its relay re-sent one), which says nothing about when it was published.
    with session_scope() as session:
        message = enqueue(session, TOPIC, {"n": 1})
        assert _queued() == 0
    assert _queued() == 1
    with running_worker():
        join()
    assert received == [{"n": 1}]
    assert _delivered_at(message.id) is not None


def test_an_inline_topic_runs_in_the_committing_process(
    received: list[Mapping[str, Any]],
) -> None:
    """An inline topic is delivered as the commit ends, with no worker and nothing queued."""
    outbox.register_handler(TOPIC, outbox._HANDLERS[TOPIC], inline=True)
    with session_scope() as session:
        enqueue(session, TOPIC, {"n": 1})
        assert received == []
    assert received == [{"n": 1}]
    assert _queued() == 0
    with session_scope() as session:
        assert pending_count(session) == 0


def test_a_rolled_back_message_never_exists(received: list[Mapping[str, Any]]) -> None:
    """A rollback takes the message with it: nothing published, nothing pending."""

    def failing_unit_of_work() -> None:
        with session_scope() as session:
            enqueue(session, TOPIC, {"n": 2})
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        failing_unit_of_work()
    assert received == []
    assert _queued() == 0
    with session_scope() as session:
        assert pending_count(session) == 0


def test_a_failing_inline_handler_goes_to_the_queue(received: list[Mapping[str, Any]]) -> None:
    """The inline handler fails at commit time: the failure is recorded, the message backs
    off and is published for a worker; delivered once the handler works."""
    outbox.register_handler(TOPIC, outbox._HANDLERS[TOPIC], inline=True)
    with session_scope() as session:
        message = enqueue(session, TOPIC, {"n": 3, "fail": True})
        message_id = message.id
    assert received == []
    assert _queued() == 1
    assert dispatch_pending() == 0  # backing off
    with session_scope() as session:
        row = session.get(OutboxMessage, message_id)
        assert row is not None
        assert (row.attempts, row.delivered_at) == (1, None)
        assert row.last_error == "RuntimeError: handler down"
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(payload='{"n": 3}', available_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    with running_worker():
        join()
    assert dispatch_pending(factory=get_sessionmaker()) == 0  # delivered once
    assert received == [{"n": 3}]


def test_a_worker_retries_a_failing_handler(received: list[Mapping[str, Any]]) -> None:
    """A job whose handler fails is not acknowledged as done: the runner retries it with
    backoff, and once the handler works it is delivered exactly once."""
    failures = [RuntimeError("first try"), RuntimeError("second try")]

    def flaky(_session: Session, payload: Mapping[str, Any]) -> None:
        if failures:
            raise failures.pop(0)
        received.append(payload)

    outbox.register_handler(TOPIC, flaky)
    with running_worker():
        with session_scope() as session:
            message = enqueue(session, TOPIC, {"n": 5})
        join()
    assert received == [{"n": 5}]
    with session_scope() as session:
        row = session.get_one(OutboxMessage, message.id)
        assert row.attempts == 3
        assert row.delivered_at is not None


def test_the_relay_publishes_what_was_never_published(
    received: list[Mapping[str, Any]],
) -> None:
    """A message committed but never published (the process died right after the commit) is
    published by the relay once its grace has passed, and not again a grace later."""
    with session_scope() as session:
        message = enqueue(session, TOPIC, {"n": 6}, publish_after_commit=False)
    assert relay_pending() == 0  # within the grace: its publication may be on its way
    with session_scope() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id)
            .values(available_at=datetime.now(UTC) - timedelta(hours=1))
        )
    assert relay_pending() == 1
    assert relay_pending() == 0
    with running_worker():
        join()
    assert received == [{"n": 6}]
    assert _delivered_at(message.id) is not None


def test_a_message_without_handler_waits(settings_env: None) -> None:  # noqa: ARG001
    """No handler in this process: the message waits for a process that has one."""
    with session_scope() as session:
        enqueue(session, "nobody.listens", {"n": 4})
    assert dispatch_pending() == 0
    with session_scope() as session:
        assert pending_count(session) == 1


def test_the_relay_backs_off_by_the_message_age(received: list[Mapping[str, Any]]) -> None:
    """A message still undelivered (waiting behind a long queue, say) is sent again only after
    its age, at most an hour: the copies of a message grow rarer instead of one per grace."""
    now = datetime.now(UTC)
    ids = {}
    with session_scope() as session:
        for name, age in (("young", timedelta(minutes=10)), ("old", timedelta(days=1))):
            message = enqueue(session, TOPIC, {"n": name}, publish_after_commit=False)
            message.created_at = now - age
            message.available_at = now - age
            ids[name] = message.id
    assert relay_pending() == 2
    with session_scope() as session:
        young = session.get_one(OutboxMessage, ids["young"]).available_at - now
        old = session.get_one(OutboxMessage, ids["old"]).available_at - now
    assert timedelta(minutes=10) <= young < timedelta(minutes=12)
    assert timedelta(minutes=59) <= old < timedelta(minutes=62)
    assert relay_pending() == 0
    with running_worker():
        join()
    assert sorted(str(payload["n"]) for payload in received) == ["old", "young"]


def test_an_overlapping_delivery_does_not_take_effect_twice(
    received: list[Mapping[str, Any]],  # noqa: ARG001 - the fixture resets the handler after
    engine: Engine,
) -> None:
    """SQLite (no row locks): another delivery marks the message delivered while this one's
    handler runs; this one's effect is rolled back and it reports nothing delivered."""
    if engine.dialect.name == "postgresql":
        pytest.skip("PostgreSQL: the delivery's row lock keeps the other out (test_idempotency)")

    def overlapped(session: Session, payload: Mapping[str, Any]) -> None:
        with session_scope() as other:
            other.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id)
                .values(delivered_at=datetime.now(UTC), attempts=1)
            )
        enqueue(session, TOPIC + ".effect", dict(payload), publish_after_commit=False)

    outbox.register_handler(TOPIC, overlapped)
    with session_scope() as session:
        message_id = enqueue(session, TOPIC, {"n": 7}, publish_after_commit=False).id
    assert deliver(message_id) is False
    with session_scope() as session:
        effects = session.scalars(
            select(OutboxMessage).where(OutboxMessage.topic == TOPIC + ".effect")
        ).all()
        assert effects == []
        assert session.get_one(OutboxMessage, message_id).attempts == 1


def test_the_relay_leaves_a_delivery_that_is_running(
    received: list[Mapping[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job's delivery takes a lease (its time limit) before the handler runs: however short
    the relay's grace, a message being handled is not sent again meanwhile."""
    monkeypatch.setenv("JOBS_RELAY_GRACE_S", "0.001")
    get_settings.cache_clear()
    inside, release = threading.Event(), threading.Event()

    def slow(_session: Session, payload: Mapping[str, Any]) -> None:
        inside.set()
        release.wait(WAIT_S)
        received.append(payload)

    outbox.register_handler(TOPIC, slow)
    with session_scope() as session:
        message_id = enqueue(session, TOPIC, {"n": 8}, publish_after_commit=False).id
    delivery = threading.Thread(target=deliver, args=(message_id,), kwargs={"lease_s": 60})
    delivery.start()
    try:
        assert inside.wait(WAIT_S)
        assert relay_pending() == 0
    finally:
        release.set()
        delivery.join(WAIT_S)
    assert received == [{"n": 8}]
    assert relay_pending() == 0
