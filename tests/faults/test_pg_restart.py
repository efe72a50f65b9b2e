"""PostgreSQL crashes and restarts under purchase load: no order that was answered 2xx is lost,
no request retried with its Idempotency-Key makes a second order, and the ledger balances.

The database is a private cluster of this test (initdb into a temporary directory as the
`postgres` OS user, on a free port): the shared server on 5432 serves other runs and is never
touched. Two API processes serve the purchases, as in production; clients retry what failed
(5xx, a dropped connection) with the same key, as a real app does.
"""

from __future__ import annotations

import base64
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import func, select

from access_control.keys import KeyRing, generate_key, write_keyring_file
from access_control.proof import DeviceKey
from mobility.db import make_engine, reset_engine_cache, session_scope
from mobility.migrate import upgrade
from mobility.redis_client import reset_redis_cache
from mobility.settings import get_settings
from tests.conftest import REQUIRE_SERVICES
from tests.faults.processes import ApiProcess, free_port
from tests.ticketing.shop import JWT_SECRET, TARIFFS, steady_tariffs
from ticketing.accounts import service as accounts
from ticketing.catalogue.loader import load_tariffs
from ticketing.ledger.service import trial_balance
from ticketing.orders.models import Order, OrderStatus, Payment

CLIENTS = 6
ORDERS_PER_CLIENT = 6
RESTARTS = 2
# Bounds on waits (a hang fails the test), not speed requirements.
WAIT_S = 120.0
RETRY_PAUSE_S = 0.2


def _postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


class PrivatePostgres:
    """A PostgreSQL cluster of this test alone: initdb, start, crash-restart, remove."""

    def __init__(self) -> None:
        bindir = _postgres_bin()
        reason = None
        if os.geteuid() != 0:
            reason = "the test runs initdb as the postgres OS user, which needs root"
        elif bindir is None:
            reason = "no PostgreSQL server binaries under /usr/lib/postgresql"
        else:
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                reason = "no postgres OS user to own the cluster"
        if reason is not None:
            if REQUIRE_SERVICES:
                pytest.fail(f"private PostgreSQL cluster impossible: {reason}")
            pytest.skip(f"private PostgreSQL cluster impossible: {reason}")
        assert bindir is not None
        self.bindir = bindir
        # Not under pytest's tmp_path: its parents are private to root, and the server runs as
        # postgres.
        self.directory = Path(tempfile.mkdtemp(prefix="mobility-pg-"))
        os.chown(self.directory, self.user.pw_uid, self.user.pw_gid)
        self.data = self.directory / "data"
        self.port = free_port()
        self.log = self.directory / "server.log"

    def _as_postgres(self, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            check=True,
            capture_output=True,
            timeout=WAIT_S,
        )

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def init_and_start(self) -> None:
        self._as_postgres(
            str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"
        )
        self._pg_ctl("start")

    def _pg_ctl(self, *action: str) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
            "-c max_connections=200"
        )
        self._as_postgres(
            str(self.bindir / "pg_ctl"),
            "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", *action,
        )  # fmt: skip

    def crash_restart(self) -> None:
        """Stop as a crash does (`immediate`: no checkpoint, recovery from the WAL at start)."""
        self._pg_ctl("restart", "-m", "immediate")

    def remove(self) -> None:
        try:
            self._pg_ctl("stop", "-m", "immediate")
        except subprocess.CalledProcessError:
            pass  # already down
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    try:
        server.init_and_start()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        server.remove()
        detail = getattr(exc, "stderr", b"") or b""
        pytest.fail(f"private PostgreSQL cluster did not start: {detail.decode()[-2000:]}")
    with psycopg.connect(server.admin_url, autocommit=True) as conn:
        conn.execute("CREATE DATABASE mobility")
    yield server
    server.remove()


@dataclass
class Rider:
    headers: dict[str, str]
    device_key: str


@dataclass
class Outcome:
    """What one client saw of one purchase, retries included."""

    key: str
    rider: Rider
    order_ids: set[str] = field(default_factory=set)
    paid: bool = False
    retries: int = 0
    unexpected: list[str] = field(default_factory=list)


def _riders(count: int) -> list[Rider]:
    riders = []
    with session_scope() as session:
        for n in range(count):
            account = accounts.register(
                session,
                f"pg-rider{n}-{uuid.uuid4().hex[:6]}@example.it",
                "a long passphrase 42",
                f"Rider {n}",
            )
            token = accounts.issue_session(session, account).access_token
            device = DeviceKey.generate()
            key = base64.urlsafe_b64encode(device.public_bytes).rstrip(b"=").decode()
            riders.append(Rider({"Authorization": f"Bearer {token}"}, key))
    return riders


def _until_2xx(
    client: httpx.Client, outcome: Outcome, path: str, body: dict[str, Any], headers: dict[str, str]
) -> dict[str, Any]:
    """POST until a 2xx: a 5xx or a dropped connection is retried, anything else recorded."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        try:
            response = client.post(path, json=body, headers=headers)
        except httpx.TransportError:
            outcome.retries += 1
            time.sleep(RETRY_PAUSE_S)
            continue
        if response.is_success:
            result: dict[str, Any] = response.json()
            return result
        if response.status_code >= 500 or response.status_code in (409, 429):
            outcome.retries += 1
            time.sleep(RETRY_PAUSE_S)
            continue
        outcome.unexpected.append(f"{path}: {response.status_code} {response.text[:300]}")
        return {}
    outcome.unexpected.append(f"{path}: no 2xx within {WAIT_S} s")
    return {}


def _purchase(client: httpx.Client, outcome: Outcome) -> None:
    headers = {**outcome.rider.headers, "Idempotency-Key": outcome.key}
    body = {"lines": [{"product_id": "SP-90"}], "device_key": outcome.rider.device_key}
    created = _until_2xx(client, outcome, "/v1/orders", body, headers)
    if "id" not in created:
        return
    outcome.order_ids.add(created["id"])
    confirm = {"payment_method": "pm_card_visa"}
    paid = _until_2xx(
        client, outcome, f"/v1/orders/{created['id']}/confirm", confirm, outcome.rider.headers
    )
    outcome.paid = bool(paid.get("pass_ids"))
    # The same request once more, as an app that lost the answer would: the same order.
    again = _until_2xx(client, outcome, "/v1/orders", body, headers)
    if "id" in again:
        outcome.order_ids.add(again["id"])


@pytest.fixture
def api_env(
    private_postgres: PrivatePostgres,
    redis_url: str,
    key_prefix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[dict[str, str]]:
    """The private database migrated, tariffs loaded; the settings of this process and of the
    API processes pointing at it."""
    url = private_postgres.url("mobility")
    upgrade(make_engine(url))
    keys = tmp_path / "keys.json"
    write_keyring_file(
        keys, KeyRing([generate_key("t1", not_before=datetime.now(UTC) - timedelta(days=1))])
    )
    env = {
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": key_prefix,
        "LOAD_SAMPLE_DATA": "false",
        "JWT_SECRET": JWT_SECRET,
        "SIGNING_KEY_FILE": str(keys),
        "PAYMENT_PROVIDER": "sandbox",
        # Every client here shares one address: the purchase limit is not what is tested.
        "PURCHASE_RATE_LIMIT": "100000/minute",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for reset in (get_settings.cache_clear, reset_engine_cache, reset_redis_cache):
        reset()
    with session_scope() as session:
        load_tariffs(session, steady_tariffs(), source=str(TARIFFS))
    yield env
    for reset in (get_settings.cache_clear, reset_engine_cache, reset_redis_cache):
        reset()


def test_purchases_survive_a_postgres_crash_restart(
    private_postgres: PrivatePostgres, api_env: dict[str, str], tmp_path: Path
) -> None:
    """Concurrent purchases while PostgreSQL crashes and restarts twice: every key answered
    2xx has exactly its one order (paid, one payment), none has two, the ledger balances."""
    apis = [ApiProcess(api_env, tmp_path / f"api{n}.log") for n in range(2)]
    try:
        for api in apis:
            api.wait_ready()
        riders = _riders(CLIENTS)
        outcomes = [
            Outcome(uuid.uuid4().hex, riders[c])
            for c in range(CLIENTS)
            for _ in range(ORDERS_PER_CLIENT)
        ]
        started = threading.Semaphore(0)

        def client_loop(c: int) -> None:
            with httpx.Client(base_url=f"http://127.0.0.1:{apis[c % 2].port}", timeout=30) as http:
                for outcome in outcomes[c * ORDERS_PER_CLIENT : (c + 1) * ORDERS_PER_CLIENT]:
                    started.release()
                    _purchase(http, outcome)

        threads = [threading.Thread(target=client_loop, args=(c,)) for c in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for _restart in range(RESTARTS):
            # Restart once purchases are under way: a third, then two thirds, of them begun.
            for _ in range(len(outcomes) // (RESTARTS + 1)):
                started.acquire(timeout=WAIT_S)
            private_postgres.crash_restart()
        for thread in threads:
            thread.join(timeout=WAIT_S * 4)
            assert not thread.is_alive()
    finally:
        for api in apis:
            api.stop()

    assert [o.unexpected for o in outcomes if o.unexpected] == []
    assert sum(o.retries for o in outcomes) > 0, "the restarts interrupted no request"
    assert all(len(o.order_ids) == 1 and o.paid for o in outcomes)
    answered = {next(iter(o.order_ids)): o.key for o in outcomes}
    with session_scope() as session:
        orders = session.execute(select(Order.id, Order.idempotency_key, Order.status)).all()
        payments = session.execute(
            select(Payment.order_id, func.count()).group_by(Payment.order_id)
        ).all()
        balance = sum(line.balance.amount for line in trial_balance(session))
    assert {row.id: row.idempotency_key for row in orders} == answered
    assert {row.status for row in orders} == {OrderStatus.FULFILLED}
    assert all(count == 1 for _order, count in payments)
    assert balance == 0
