"""Fixtures of the GTFS-Realtime tests: the FGC snapshot, both Redis kinds, both databases, HTTP.

Real Redis and PostgreSQL skip when unreachable, and fail instead under REQUIRE_SERVICES=1.
Each test writes under its own Redis key prefix (deleted after) and the run uses its own
PostgreSQL database (dropped after), so other users of those servers are never disturbed.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import psycopg
import pytest
import redis
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from gtfs.realtime.models import TABLES
from gtfs.realtime.store import RedisLayout
from mobility.db import make_engine
from mobility.models import Base
from mobility.redis_client import make_redis

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "gtfs"
FGC_RT = DATA / "rt" / "es_catalunya_fgc_tripupdates_2025-08-21T144503Z.pb"
FGC_STATIC = DATA / "es_catalunya_fgc_2025-08.zip"
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def unavailable(what: str) -> None:
    """Skip, or fail under REQUIRE_SERVICES=1 (CI must not pass by skipping)."""
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but unavailable")
    pytest.skip(f"{what} unavailable")


@pytest.fixture(scope="session")
def fgc_bytes() -> bytes:
    if not FGC_RT.exists():
        pytest.skip(f"{FGC_RT} is absent (../shared/data is not beside the repository)")
    return FGC_RT.read_bytes()


# -- Redis ---------------------------------------------------------------------------------


@pytest.fixture
def layout() -> RedisLayout:
    return RedisLayout(prefix=f"test-gtfsrt:{uuid.uuid4().hex[:10]}:", ttl_s=900)


@pytest.fixture(params=["fakeredis", pytest.param("redis", marks=pytest.mark.redis)])
def rt_redis(request: pytest.FixtureRequest, layout: RedisLayout) -> Iterator[redis.Redis]:
    """The embedded fakeredis, then the real Redis; this test's keys are deleted after."""
    client = make_redis("" if request.param == "fakeredis" else REDIS_URL)
    if request.param == "redis":
        try:
            client.ping()
        except redis.RedisError as exc:
            unavailable(f"Redis at {REDIS_URL} ({exc.__class__.__name__})")
    yield client
    for key in client.scan_iter(match=layout.prefix + "*", count=1000):
        client.delete(key)
    if request.param == "redis":
        client.close()


# -- databases -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def rt_postgresql_engine() -> Iterator[Engine]:
    """A PostgreSQL database of this run's own, holding the real-time tables; dropped after."""
    admin = os.environ.get("TEST_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/test"
    admin_url = make_url(admin.replace("postgresql+psycopg://", "postgresql://"))
    dsn = admin_url.render_as_string(hide_password=False)
    name = f"test_gtfsrt_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        unavailable(f"PostgreSQL at {admin_url.host} ({exc.__class__.__name__})")
    url = admin_url.set(drivername="postgresql+psycopg", database=name)
    engine = make_engine(url.render_as_string(hide_password=False))
    Base.metadata.create_all(engine, tables=TABLES)
    yield engine
    engine.dispose()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def rt_sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'rt.sqlite3'}")
    Base.metadata.create_all(engine, tables=TABLES)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def rt_session(request: pytest.FixtureRequest) -> Iterator[Session]:
    """A session in a transaction rolled back after the test (commits become savepoints)."""
    engine: Engine = request.getfixturevalue(f"rt_{request.param}_engine")
    with engine.connect() as conn:
        outer = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


# -- a local HTTP server -------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, Callable[[_Handler], None]]] = {}

    def do_GET(self) -> None:
        route = self.routes.get(self.path.split("?", 1)[0])
        if route is None:
            self.send_error(404, "Not Found")
            return
        route(self)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep pytest output clean


def _send(handler: BaseHTTPRequestHandler, body: bytes, delay_s: float = 0.0) -> None:
    time.sleep(delay_s)
    try:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/x-protobuf")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up first: what the timeout test wants


@pytest.fixture
def http_base(fgc_bytes: bytes) -> Iterator[str]:
    """http://127.0.0.1:PORT serving /fgc.pb, /slow.pb (after 2 s) and 404 elsewhere."""
    handler = type(
        "Handler",
        (_Handler,),
        {
            "routes": {
                "/fgc.pb": lambda h: _send(h, fgc_bytes),
                "/slow.pb": lambda h: _send(h, fgc_bytes, delay_s=2.0),
                "/html": lambda h: _send(h, b"<html><body>502 Bad Gateway</body></html>"),
            }
        },
    )
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host!s}:{port}"
    server.shutdown()
    server.server_close()
