"""The transactional outbox: a message exists exactly when its transaction commits, is
delivered after the commit, retried when its handler fails, and delivered once."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from mobility import outbox
from mobility.db import get_sessionmaker, session_scope
from mobility.outbox import OutboxMessage, dispatch_pending, enqueue, pending_count

TOPIC = "test.outbox"


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


def test_a_message_is_delivered_after_its_commit(received: list[Mapping[str, Any]]) -> None:
    """Enqueued in a committed transaction: delivered once the commit is done, not before."""
    with session_scope() as session:
        enqueue(session, TOPIC, {"n": 1})
        assert received == []
    assert received == [{"n": 1}]
    with session_scope() as session:
        assert pending_count(session) == 0


def test_a_rolled_back_message_never_exists(received: list[Mapping[str, Any]]) -> None:
    """A rollback takes the message with it: nothing delivered, nothing pending."""

    def failing_unit_of_work() -> None:
        with session_scope() as session:
            enqueue(session, TOPIC, {"n": 2})
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        failing_unit_of_work()
    assert received == []
    with session_scope() as session:
        assert pending_count(session) == 0


def test_a_failing_handler_is_retried_by_the_worker(received: list[Mapping[str, Any]]) -> None:
    """The handler fails at commit time: the message stays, backs off, and the worker's
    dispatch delivers it once the handler works and the back-off has passed."""
    with session_scope() as session:
        message = enqueue(session, TOPIC, {"n": 3, "fail": True})
        message_id = message.id
    assert received == []
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
    assert dispatch_pending(factory=get_sessionmaker()) == 1
    assert dispatch_pending() == 0  # delivered once
    assert received == [{"n": 3}]


def test_a_message_without_handler_waits(settings_env: None) -> None:  # noqa: ARG001
    """No handler in this process: the message waits for a process that has one."""
    with session_scope() as session:
        enqueue(session, "nobody.listens", {"n": 4})
    assert dispatch_pending() == 0
    with session_scope() as session:
        assert pending_count(session) == 1
