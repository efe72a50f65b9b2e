"""Engine and session handling for SQLite and PostgreSQL alike."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from mobility.settings import get_settings

logger = logging.getLogger(__name__)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets the API read while an import writes; foreign keys are off by default in SQLite.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_savepoint(conn, _name) -> None:  # type: ignore[no-untyped-def]
    # pysqlite opens a transaction lazily, before the first DML statement only. A SAVEPOINT
    # issued first would start a transaction of its own, which its RELEASE commits: a later
    # rollback of the session would not undo it. Open the real transaction first.
    dbapi_conn = conn.connection.dbapi_connection
    if not dbapi_conn.in_transaction:
        dbapi_conn.execute("BEGIN")


def make_engine(
    url: str,
    *,
    echo: bool = False,
    pool_size: int = 10,
    max_overflow: int = 30,
    pool_timeout_s: float = 5.0,
) -> Engine:
    """An engine for `url`, with the per-dialect set-up both backends need."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "savepoint", _sqlite_savepoint)
        return engine
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout_s,
    )


_ENGINE_RESET_CALLBACKS: list[Callable[[], None]] = []


def on_engine_reset(callback: Callable[[], None]) -> None:
    """Run `callback` when the engine is reset: caches of a database's contents register here
    (domains above the kernel cannot be imported from it)."""
    _ENGINE_RESET_CALLBACKS.append(callback)


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    settings = get_settings()
    return make_engine(
        settings.effective_database_url,
        echo=settings.database_echo,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout_s=settings.db_pool_timeout_s,
    )


@lru_cache(maxsize=1)
def get_sessionmaker() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


_AFTER_COMMIT = "after_commit_callbacks"


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once `session` commits, and never if it rolls back: for side effects
    outside the database (Redis mirrors, job enqueues) that must not outlive a rollback."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    for callback in session.info.pop(_AFTER_COMMIT, []):
        try:
            callback()
        except Exception:  # the commit stands; the callback's owner must be able to repair
            logger.exception("an after-commit action failed")


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session: Session, _previous_transaction: object) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def lock_row(session: Session, column: Any, value: Any) -> None:
    """Hold the row where `column == value` until the transaction ends, so concurrent writers
    of it take turns. PostgreSQL: SELECT ... FOR UPDATE. SQLite locks the whole database, on a
    transaction's first write only (reads before it see no lock): a no-op UPDATE takes it now."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(column).where(column == value).with_for_update())
    else:
        session.execute(update(column.table).where(column == value).values({column: column}))


def insert_or_ignore(
    session: Session, entity: type[Any], values: Mapping[str, Any], keys: Sequence[str]
) -> bool:
    """INSERT one row unless a row with the same `keys` exists (a unique constraint); True if
    inserted. One statement on both databases (ON CONFLICT DO NOTHING): no savepoint, no read
    first, and a concurrent duplicate waits for the first and then is ignored."""
    dialect = session.get_bind().dialect.name
    build = postgresql_insert if dialect == "postgresql" else sqlite_insert
    # RETURNING says whether a row went in: the row count cannot, as the ORM may add its own
    # RETURNING of an autoincrement key, after which drivers report -1.
    key = next(iter(entity.__table__.primary_key.columns))
    statement = (
        build(entity)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(keys))
        .returning(key)
    )
    return session.execute(statement).first() is not None


@contextmanager
def session_scope() -> Iterator[Session]:
    """A unit of work for CLI commands and jobs: commit on success, roll back on error."""
    session = get_sessionmaker()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def reset_engine_cache() -> None:
    """Forget the cached engine (after settings change, e.g. in tests), and everything cached
    about the old database's contents (see `on_engine_reset`)."""
    for callback in _ENGINE_RESET_CALLBACKS:
        callback()
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
