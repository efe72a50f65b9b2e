"""Shared fixtures: both databases (SQLite file, PostgreSQL database made for the run), real Redis.

A test that needs PostgreSQL or Redis skips when they are not reachable, and fails instead when
REQUIRE_SERVICES=1 (as in CI). Each run creates its own PostgreSQL database and Redis key prefix,
and removes them, so it never disturbs other users of those servers.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis as redis_lib
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from mobility.db import make_engine, reset_engine_cache
from mobility.migrate import load_model_modules, upgrade
from mobility.models import Base
from mobility.redis_client import reset_redis_cache
from mobility.settings import get_settings

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
GTFS_DIR = SHARED_DATA / "gtfs"
SAMPLE_FEED = Path(__file__).resolve().parents[1] / "data" / "sample" / "it_prato_cap_2016.zip"
RUN_ID = uuid.uuid4().hex[:8]


def service_unavailable(what: str) -> None:
    """Skip, or fail under REQUIRE_SERVICES=1: CI must not pass by skipping."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but unavailable")
    pytest.skip(f"{what} unavailable")


def shared_feed(name: str) -> Path:
    path = GTFS_DIR / name
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared/data is not beside the repository)")
    return path


# -- PostgreSQL --------------------------------------------------------------------------


def _postgres_admin_url() -> str:
    url = os.environ.get("TEST_POSTGRES_URL") or os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        url = "postgresql://postgres@127.0.0.1:5432/postgres"
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """A database of its own for this run, on the PostgreSQL server; dropped at the end."""
    admin = make_url(_postgres_admin_url()).set(database="postgres")
    name = f"mobility_test_{RUN_ID}_{os.getpid()}"
    dsn = admin.render_as_string(hide_password=False)
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        service_unavailable(f"PostgreSQL ({exc.__class__.__name__})")
    url = admin.set(database=name, drivername="postgresql+psycopg").render_as_string(
        hide_password=False
    )
    yield url
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'mobility.sqlite3'}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Every database test runs twice: on SQLite and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_url")


_migrated: dict[str, Engine] = {}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated database (Alembic, as in production), emptied after each test."""
    if database_url not in _migrated:
        eng = make_engine(database_url)
        upgrade(eng)
        _migrated[database_url] = eng
    eng = _migrated[database_url]
    yield eng
    empty_database(eng)


def empty_database(eng: Engine) -> None:
    load_model_modules()
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))


# -- Redis -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        redis_lib.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis_lib.RedisError as exc:
        service_unavailable(f"Redis ({exc.__class__.__name__})")
    return url


@pytest.fixture
def key_prefix() -> str:
    return f"test:{RUN_ID}:{uuid.uuid4().hex[:6]}:"


@pytest.fixture
def redis_client(redis_url: str, key_prefix: str) -> Iterator[redis_lib.Redis]:
    """A real Redis client; the keys this test wrote (under its prefix) are deleted after."""
    client = redis_lib.Redis.from_url(redis_url)
    yield client
    for key in client.scan_iter(match=key_prefix + "*", count=1000):
        client.delete(key)


# -- configured application ---------------------------------------------------------------


@pytest.fixture
def settings_env(
    monkeypatch: pytest.MonkeyPatch, engine: Engine, redis_url: str, key_prefix: str
) -> Iterator[None]:
    """Point the settings object at this test's database and Redis prefix."""
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("REDIS_KEY_PREFIX", key_prefix)
    monkeypatch.setenv("LOAD_SAMPLE_DATA", "false")
    get_settings.cache_clear()
    reset_engine_cache()
    reset_redis_cache()
    yield
    get_settings.cache_clear()
    reset_engine_cache()
    reset_redis_cache()
