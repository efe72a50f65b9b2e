"""`HttpGateBackend` against the real app served by uvicorn on 127.0.0.1: an offline gate syncs."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from access_control.gate_client import GateConfig, GateStore, OfflineGate, RevocationSnapshot
from access_control.gate_client.http_backend import HttpGateBackend
from services.app import create_app
from tests.access_control.server.conftest import (
    AUDIENCE,
    ISSUER,
    Pass,
    RegisteredGate,
    admin,
)


@pytest.fixture
def base_url(client: TestClient) -> Iterator[str]:  # noqa: ARG001  (settings and schema ready)
    """The app served by uvicorn in a thread on a random port of 127.0.0.1."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(), log_config=None, access_log=False, lifespan="on")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def test_offline_gate_syncs_through_http(
    base_url: str,
    client: TestClient,
    register: Callable[..., RegisteredGate],
    issue_pass: Callable[..., Pass],
    engine: Engine,
    tmp_path: Path,
) -> None:
    """JWKS and a revocation reach the gate; its taps upload, and a replay is not duplicated."""
    registered = register()
    revoked, good = issue_pass(), issue_pass()
    until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    client.post(f"/v1/passes/{revoked.pass_id}/revoke", json={"until": until}, headers=admin())
    config = GateConfig(
        gate_id=registered.id,
        gate_group="molo-1",
        direction="entry",
        operator="ATL",
        network="LITO",
        zones=("Z1",),
        issuer=ISSUER,
        audience=AUDIENCE,
    )
    with (
        GateStore.open(tmp_path / "gate.sqlite") as store,
        HttpGateBackend(base_url, registered.api_key, registered.id, timeout=5) as backend,
    ):
        gate = OfflineGate(config, store)
        first = gate.sync(backend, datetime.now(UTC))
        assert first.ok, first.errors
        assert first.jwks_refreshed
        now = datetime.now(UTC)
        assert gate.decide(revoked.payload(now), now).code == "revoked"
        assert gate.decide(good.payload(now), now).opened
        second = gate.sync(backend, datetime.now(UTC))
        assert second.ok, second.errors
        assert second.uploaded == 2
        replay = backend.upload_taps(store.taps())
        assert len(replay.acknowledged) == 2
        assert isinstance(backend.fetch_revocations(None), RevocationSnapshot)
        assert "mob_" not in repr(backend)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM access_taps")).scalar() == 2


def test_wrong_key_raises_http_status_error(base_url: str) -> None:
    """A refused credential surfaces as httpx.HTTPStatusError (401)."""
    with HttpGateBackend(base_url, "mob_0000000000000000_" + "a" * 43, "G") as backend:
        with pytest.raises(httpx.HTTPStatusError) as raised:
            backend.fetch_revocations(None)
    assert raised.value.response.status_code == 401
