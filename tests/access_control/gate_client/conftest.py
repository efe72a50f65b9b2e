"""Fixtures of the gate-client tests: an in-test server behind `GateBackend`, a synced gate."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from access_control.gate_client import (
    GateConfig,
    GateStore,
    OfflineGate,
    RevocationDelta,
    RevocationSnapshot,
    Tap,
    TapConflict,
    UploadAck,
)
from access_control.gate_client.backend import revocation_reply_from_json
from access_control.keys import KeyRing
from access_control.qr import format_payload
from tests.access_control.conftest import AUDIENCE, ISSUER, NOW, Issued

RevocationReply = RevocationDelta | RevocationSnapshot


def _wire(document: dict[str, Any]) -> dict[str, Any]:
    """Through JSON text and back, as over HTTP: the shapes must survive it."""
    result: dict[str, Any] = json.loads(json.dumps(document))
    return result


class FakeServer:
    """A `GateBackend` in memory: JWKS, revocation versions, idempotent tap storage by id."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self.jwks = jwks
        self.online = True
        self.snapshot = RevocationSnapshot(0)
        self.deltas: dict[int, RevocationReply] = {}  # the reply to `since` (gaps, tests decide)
        self.revocation_calls: list[int | None] = []
        self.received: list[str] = []  # every tap id as it arrived, repeats included
        self.stored: dict[str, Tap] = {}
        self.acks_to_lose = 0
        self.consumed_elsewhere: dict[str, TapConflict] = {}  # pass id -> who consumed it first
        self.upload_calls = 0

    def _check_online(self) -> None:
        if not self.online:
            raise ConnectionError("network is down")

    def fetch_jwks(self) -> dict[str, Any]:
        self._check_online()
        return _wire(self.jwks)

    def fetch_revocations(self, since_version: int | None) -> RevocationReply:
        self._check_online()
        self.revocation_calls.append(since_version)
        reply = self.snapshot if since_version is None else self.deltas.get(since_version)
        return revocation_reply_from_json(_wire((reply or self.snapshot).to_json()))

    def upload_taps(self, batch: Sequence[Tap]) -> UploadAck:
        self._check_online()
        self.upload_calls += 1
        conflicts = []
        for document in _wire({"taps": [tap.to_json() for tap in batch]})["taps"]:
            tap = Tap.from_json(document)
            self.received.append(tap.tap_id)
            self.stored.setdefault(tap.tap_id, tap)  # idempotent by tap id
            other = self.consumed_elsewhere.get(tap.pass_id or "")
            if other is not None and tap.opened:
                conflicts.append(
                    TapConflict(
                        tap.tap_id, other.pass_id, other.consumed_by_gate, other.consumed_at
                    )
                )
        if self.acks_to_lose:
            self.acks_to_lose -= 1
            raise ConnectionError("connection reset before the acknowledgement arrived")
        ack = UploadAck(tuple(tap.tap_id for tap in batch), tuple(conflicts))
        return UploadAck.from_json(_wire(ack.to_json()))


def gate_config(**overrides: Any) -> GateConfig:
    """An entry gate of operator ATL on network LITO, zone Z1, in gate group "molo-1"."""
    fields: dict[str, Any] = {
        "gate_id": "G-MOLO-1-E1",
        "gate_group": "molo-1",
        "direction": "entry",
        "operator": "ATL",
        "network": "LITO",
        "zones": ("Z1",),
        "issuer": ISSUER,
        "audience": AUDIENCE,
    }
    fields.update(overrides)
    return GateConfig(**fields)


def present(issued: Issued, now: datetime = NOW) -> str:
    """The QR text the app would show at `now`."""
    return format_payload(issued.token, issued.proof(now))


@pytest.fixture
def server(ring: KeyRing) -> FakeServer:
    return FakeServer(ring.jwks(NOW))


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "gate.sqlite"


@pytest.fixture
def store(store_path: Path) -> Iterator[GateStore]:
    with GateStore.open(store_path) as opened:
        yield opened


@pytest.fixture
def make_gate(store: GateStore) -> Callable[..., OfflineGate]:
    """A gate on the shared store, with config overrides."""

    def make(**overrides: Any) -> OfflineGate:
        return OfflineGate(gate_config(**overrides), store)

    return make


@pytest.fixture
def gate(make_gate: Callable[..., OfflineGate], server: FakeServer) -> OfflineGate:
    """An entry gate synced with the server at NOW."""
    made = make_gate()
    assert made.sync(server, NOW).ok
    return made
