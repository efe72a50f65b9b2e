"""A transactional outbox: a lower layer asks for work of a higher one without importing it.

`enqueue(session, topic, payload)` writes a message in the caller's transaction, so it exists
exactly when the change that caused it commits: a rolled-back request sends nothing. Handlers
register per topic with their queue (the higher layer does so at start-up, see
`services.wiring`). Once the transaction commits the message's id is published to the job
queue of its topic (`mobility.jobs`), where a worker runs the handler and only then
acknowledges the job. A topic registered `inline` is first tried in the committing process
itself (a revoked pass must be refused by the very next gate request); it is published only
if that fails. Whatever was never published or delivered (a crash between commit and publish,
the broker down, jobs lost with an in-memory broker), the relay (`relay_pending`, a periodic
job) publishes again.

Delivery is at least once, and each delivery runs the handler in one transaction with the
message row: the handler's writes and `delivered_at` commit together, a delivery of a message
already delivered does nothing, and on PostgreSQL a second delivery running at the same time
skips the row the first holds. So a job runs to visible effect once.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Integer, String, Text, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from mobility.db import after_commit, get_sessionmaker
from mobility.jobs import Queue, register_job, send
from mobility.models import Base, UTCDateTime
from mobility.settings import get_settings

log = logging.getLogger(__name__)

Handler = Callable[[Session, Mapping[str, Any]], None]
_HANDLERS: dict[str, Handler] = {}
_IN_FLIGHT: set[int] = set()
_IN_FLIGHT_LOCK = threading.Lock()
_QUEUES: dict[str, Queue] = {}
_INLINE: set[str] = set()
# One generic job per queue delivers any topic's message by its id.
DELIVER_JOB = {Queue.DEFAULT: "outbox.deliver", Queue.LONG: "outbox.deliver_long"}
RELAY_JOB = "outbox.relay"
MAX_ATTEMPTS = 20
RETRY_BASE_S = 5.0
RELAY_BACKOFF_CAP = timedelta(hours=1)


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


def register_handler(
    topic: str, handler: Handler, *, queue: Queue = Queue.DEFAULT, inline: bool = False
) -> None:
    """Deliver messages of `topic` to `handler` through `queue`; `inline`: try it first in the
    committing process (one handler per topic; registering again replaces)."""
    _HANDLERS[topic] = handler
    _QUEUES[topic] = queue
    if inline:
        _INLINE.add(topic)
    else:
        _INLINE.discard(topic)


def registered_topics() -> frozenset[str]:
    return frozenset(_HANDLERS)


def queue_of(topic: str) -> Queue:
    return _QUEUES.get(topic, Queue.DEFAULT)


def enqueue(
    session: Session,
    topic: str,
    payload: Mapping[str, Any],
    *,
    deliver_after_commit: bool = True,
    publish_after_commit: bool = True,
) -> OutboxMessage:
    """Write a message in the session's transaction; publish it once the transaction commits.

    `deliver_after_commit=False`: never run it inline in this process, even for an inline
    topic. `publish_after_commit=False`: leave it to the relay (or `dispatch_pending`).
    """
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
    if publish_after_commit:
        message_id = message.id
        factory = _factory_of(session)
        inline = deliver_after_commit and topic in _INLINE and topic in _HANDLERS

        def after() -> None:
            if inline and deliver(message_id, factory):
                return
            publish(message_id, topic)

        after_commit(session, after)
    return message


def _factory_of(session: Session) -> sessionmaker[Session]:
    bind = session.get_bind()
    return sessionmaker(bind=bind, expire_on_commit=False)


def publish(message_id: int, topic: str) -> bool:
    """Send the delivery job of one message to its topic's queue; False if the broker could not
    take it (the relay sends it later)."""
    try:
        send(DELIVER_JOB[queue_of(topic)], message_id)
    except Exception as exc:  # the broker down must not fail a committed request
        log.warning("outbox message %d not published: %s", message_id, exc.__class__.__name__)
        return False
    return True


def deliver(
    message_id: int,
    factory: sessionmaker[Session] | None = None,
    *,
    lease_s: float | None = None,
    raise_errors: bool = False,
) -> bool:
    """Deliver one message if it is undelivered and has a handler here; True if delivered.

    `lease_s`: first mark the message as taken for that long, so the relay does not send it
    again while this delivery runs. `raise_errors`: a failing handler's exception propagates
    (to the job runner, which retries with backoff) once the failure is recorded.
    """
    factory = factory or get_sessionmaker()
    if lease_s is not None and not _take_lease(factory, message_id, lease_s):
        return False
    # SQLite has no row locks; it is the embedded default, one process, so a set of the
    # messages this process is delivering stands in for PostgreSQL's SKIP LOCKED: a second
    # delivery of a message in flight leaves it, and the handler runs once.
    with _IN_FLIGHT_LOCK:
        if message_id in _IN_FLIGHT:
            return False
        _IN_FLIGHT.add(message_id)
    try:
        return _deliver_once(factory, message_id, raise_errors=raise_errors)
    finally:
        with _IN_FLIGHT_LOCK:
            _IN_FLIGHT.discard(message_id)


def _deliver_once(factory: sessionmaker[Session], message_id: int, *, raise_errors: bool) -> bool:
    with factory() as session:
        query = select(OutboxMessage).where(
            OutboxMessage.id == message_id, OutboxMessage.delivered_at.is_(None)
        )
        if session.get_bind().dialect.name == "postgresql":
            # A delivery of the same message running now holds the row: this one leaves it.
            query = query.with_for_update(skip_locked=True)
        message = session.scalars(query).first()
        if message is None:
            return False
        handler = _HANDLERS.get(message.topic)
        if handler is None:
            log.warning("outbox message %d: no handler of %s here", message_id, message.topic)
            return False
        topic = message.topic
        try:
            handler(session, json.loads(message.payload))
        # BaseException too: the job runner's time limit interrupts a handler with one, and
        # the overrun must be on the message's record like any other failure.
        except BaseException as exc:
            session.rollback()
            _record_failure(factory, message_id, exc)
            log.warning("outbox message %d (%s) failed: %s", message_id, topic, exc)
            if raise_errors or not isinstance(exc, Exception):
                raise
            return False
        # Conditional, so that a delivery which overlapped this one unseen (SQLite has no row
        # locks; a handler that outran its lease) cannot commit the handler's effect twice.
        marked = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.delivered_at.is_(None))
            .values(delivered_at=datetime.now(UTC), attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if marked.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            log.warning("outbox message %d (%s) was delivered meanwhile", message_id, topic)
            return False
        session.commit()
        return True


def _take_lease(factory: sessionmaker[Session], message_id: int, lease_s: float) -> bool:
    with factory() as session:
        query = select(OutboxMessage.id).where(
            OutboxMessage.id == message_id, OutboxMessage.delivered_at.is_(None)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)  # held: being delivered right now
        if session.scalar(query) is None:
            return False
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(available_at=datetime.now(UTC) + timedelta(seconds=lease_s))
        )
        session.commit()
        return True


def _record_failure(factory: sessionmaker[Session], message_id: int, exc: BaseException) -> None:
    with factory() as session:
        message = session.get(OutboxMessage, message_id)
        if message is None:
            return
        message.attempts += 1
        backoff = RETRY_BASE_S * 2 ** min(message.attempts, 10)
        message.available_at = datetime.now(UTC) + timedelta(seconds=backoff)
        message.last_error = f"{exc.__class__.__name__}: {exc}"[:500]
        session.commit()


def _due(session: Session, before: datetime, limit: int) -> list[tuple[int, str, datetime]]:
    topics = sorted(_HANDLERS)
    if not topics:
        return []
    rows = session.execute(
        select(OutboxMessage.id, OutboxMessage.topic, OutboxMessage.created_at)
        .where(
            OutboxMessage.delivered_at.is_(None),
            OutboxMessage.available_at <= before,
            OutboxMessage.attempts < MAX_ATTEMPTS,
            OutboxMessage.topic.in_(topics),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    return [(row.id, row.topic, row.created_at) for row in rows]


def dispatch_pending(limit: int = 100, factory: sessionmaker[Session] | None = None) -> int:
    """Deliver due, undelivered messages with a handler here, in this process and now (the
    worker's `--once` round, tests); the count delivered."""
    factory = factory or get_sessionmaker()
    with factory() as session:
        due = _due(session, datetime.now(UTC), limit)
    return sum(deliver(message_id, factory) for message_id, _topic, _created in due)


def relay_pending(limit: int = 500, factory: sessionmaker[Session] | None = None) -> int:
    """Publish again the messages due for longer than the relay's grace and still undelivered
    (never published, lost by the broker, or their delivery's lease run out); the count sent.

    A message relayed may simply be waiting behind a long queue, so each is due again only
    after its age (at most RELAY_BACKOFF_CAP) plus a grace: a message waiting an hour is sent
    a handful of times, not once a grace, and a copy finds it delivered and does nothing.
    """
    factory = factory or get_sessionmaker()
    now = datetime.now(UTC)
    grace = timedelta(seconds=get_settings().jobs_relay_grace_s)
    with factory() as session:
        due = _due(session, now - grace, limit)
        if due:
            session.execute(
                update(OutboxMessage),
                [
                    {"id": message_id, "available_at": now + _relay_backoff(now - created)}
                    for message_id, _topic, created in due
                ],
            )
            session.commit()
    return sum(publish(message_id, topic) for message_id, topic, _created in due)


def _relay_backoff(age: timedelta) -> timedelta:
    return min(max(age, timedelta(0)), RELAY_BACKOFF_CAP)


def pending_count(session: Session) -> int:
    """Undelivered messages: a health figure (a growing number means a handler is failing)."""
    query = select(func.count()).where(OutboxMessage.delivered_at.is_(None))
    return session.scalar(query) or 0


def _deliver_job(message_id: int) -> None:
    settings = get_settings()
    deliver(message_id, lease_s=settings.jobs_time_limit_s, raise_errors=True)


def _deliver_long_job(message_id: int) -> None:
    settings = get_settings()
    deliver(message_id, lease_s=settings.jobs_long_time_limit_s, raise_errors=True)


def _relay_job() -> None:
    sent = relay_pending()
    if sent:
        log.info("outbox relay: %d message(s) published again", sent)


register_job(DELIVER_JOB[Queue.DEFAULT], _deliver_job, queue=Queue.DEFAULT)
register_job(DELIVER_JOB[Queue.LONG], _deliver_long_job, queue=Queue.LONG)
# The relay runs periodically: a failed or stale run is simply the next tick's work.
register_job(RELAY_JOB, _relay_job, max_retries=0, max_age_s=60.0)
