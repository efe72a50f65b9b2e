"""A transactional outbox: a lower layer asks for work of a higher one without importing it.

`enqueue(session, topic, payload)` writes a message in the caller's transaction, so it exists
exactly when the change that caused it commits. Handlers register per topic (the higher layer
does so at start-up, see `services.wiring`). After the commit the message is delivered in
process at once; whatever was not delivered (a crash, a handler that failed, no handler
registered in this process) the worker's `dispatch_pending` delivers later. Delivery is at
least once: handlers must be idempotent. Each delivery runs in its own transaction with the
message, so a handler's writes and the message's `delivered_at` commit together.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from mobility.db import after_commit, get_sessionmaker
from mobility.models import Base, UTCDateTime

log = logging.getLogger(__name__)

Handler = Callable[[Session, Mapping[str, Any]], None]
_HANDLERS: dict[str, Handler] = {}
MAX_ATTEMPTS = 20
RETRY_BASE_S = 5.0


class OutboxMessage(Base):
    __tablename__ = "mobility_outbox"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    topic: Mapped[str] = mapped_column(String(100), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    last_error: Mapped[str | None] = mapped_column(String(500))


def register_handler(topic: str, handler: Handler) -> None:
    """Deliver messages of `topic` to `handler` (one per topic; registering again replaces)."""
    _HANDLERS[topic] = handler


def registered_topics() -> frozenset[str]:
    return frozenset(_HANDLERS)


def enqueue(
    session: Session,
    topic: str,
    payload: Mapping[str, Any],
    *,
    deliver_after_commit: bool = True,
) -> OutboxMessage:
    """Write a message in the session's transaction; deliver it in process once it commits."""
    now = datetime.now(UTC)
    message = OutboxMessage(
        topic=topic,
        payload=json.dumps(dict(payload), sort_keys=True),
        created_at=now,
        available_at=now,
        attempts=0,
    )
    session.add(message)
    session.flush()
    if deliver_after_commit:
        message_id = message.id
        factory = _factory_of(session)

        def deliver_now() -> None:
            deliver(message_id, factory)

        after_commit(session, deliver_now)
    return message


def _factory_of(session: Session) -> sessionmaker[Session]:
    bind = session.get_bind()
    return sessionmaker(bind=bind, expire_on_commit=False)


def deliver(message_id: int, factory: sessionmaker[Session] | None = None) -> bool:
    """Deliver one message if it is due and has a handler here; True if it was delivered."""
    factory = factory or get_sessionmaker()
    with factory() as session:
        query = select(OutboxMessage).where(
            OutboxMessage.id == message_id, OutboxMessage.delivered_at.is_(None)
        )
        if session.get_bind().dialect.name == "postgresql":
            # Another process delivering the same message waits, then sees it delivered.
            query = query.with_for_update(skip_locked=True)
        message = session.scalars(query).first()
        if message is None:
            return False
        handler = _HANDLERS.get(message.topic)
        if handler is None:
            return False
        try:
            handler(session, json.loads(message.payload))
        except Exception as exc:  # a failing handler must not lose the message: retry later
            session.rollback()
            _record_failure(factory, message_id, exc)
            log.warning("outbox message %d (%s) failed: %s", message_id, message.topic, exc)
            return False
        message.delivered_at = datetime.now(UTC)
        message.attempts += 1
        session.commit()
        return True


def _record_failure(factory: sessionmaker[Session], message_id: int, exc: Exception) -> None:
    with factory() as session:
        message = session.get(OutboxMessage, message_id)
        if message is None:
            return
        message.attempts += 1
        backoff = RETRY_BASE_S * 2 ** min(message.attempts, 10)
        message.available_at = datetime.now(UTC) + timedelta(seconds=backoff)
        message.last_error = f"{exc.__class__.__name__}: {exc}"[:500]
        session.commit()


def dispatch_pending(limit: int = 100, factory: sessionmaker[Session] | None = None) -> int:
    """Deliver due, undelivered messages with a handler here (the worker's loop); the count."""
    factory = factory or get_sessionmaker()
    now = datetime.now(UTC)
    topics = sorted(_HANDLERS)
    if not topics:
        return 0
    with factory() as session:
        ids = session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.delivered_at.is_(None),
                OutboxMessage.available_at <= now,
                OutboxMessage.attempts < MAX_ATTEMPTS,
                OutboxMessage.topic.in_(topics),
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        ).all()
    return sum(deliver(message_id, factory) for message_id in ids)


def pending_count(session: Session) -> int:
    """Undelivered messages: a health figure (a growing number means a handler is failing)."""
    query = select(func.count()).where(OutboxMessage.delivered_at.is_(None))
    return session.scalar(query) or 0
