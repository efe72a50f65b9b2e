"""The wire shapes: JSON round trips and strict parsing of what the server sends."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from access_control.gate_client import (
    RestoredEntry,
    RevocationDelta,
    RevocationSnapshot,
    RevokedEntry,
    Tap,
    TapConflict,
    UploadAck,
    WireError,
)
from access_control.gate_client.backend import revocation_reply_from_json
from tests.access_control.conftest import NOW

UNTIL = NOW + timedelta(days=1)


def snapshot_of(*revoked: dict[str, Any]) -> dict[str, Any]:
    return {"type": "snapshot", "version": 1, "revoked": list(revoked)}


def test_revocation_shapes_round_trip_through_json() -> None:
    """A delta and a snapshot survive JSON text unchanged, with times as RFC 3339 'Z' strings."""
    delta = RevocationDelta(
        3, 5, (RevokedEntry("jti", "-x_9", UNTIL),), (RestoredEntry("pass", "P1"),)
    )
    snapshot = RevocationSnapshot(5, (RevokedEntry("pass", "P2", UNTIL),))
    for reply in (delta, snapshot):
        text = json.dumps(reply.to_json())
        assert revocation_reply_from_json(json.loads(text)) == reply
    assert delta.to_json()["revoked"][0]["until"] == "2025-06-03T08:00:07Z"


def test_tap_and_ack_round_trip_through_json() -> None:
    """A tap and an acknowledgement with a conflict survive JSON text unchanged."""
    tap = Tap("6f1c", "G1", "grp", "entry", NOW, True, "ok", "P1", "j1", False, True)
    ack = UploadAck(("6f1c",), (TapConflict("6f1c", "P1", "G2", NOW),))
    assert Tap.from_json(json.loads(json.dumps(tap.to_json()))) == tap
    assert UploadAck.from_json(json.loads(json.dumps(ack.to_json()))) == ack


@pytest.mark.parametrize(
    "document",
    [
        {"type": "snapshot", "version": True, "revoked": []},
        {"type": "snapshot", "version": -1, "revoked": []},
        {"type": "delta", "from_version": 4, "to_version": 3, "revoked": [], "restored": []},
        {"type": "patch", "version": 1, "revoked": []},
        snapshot_of({"kind": "user", "id": "A", "until": "2025-06-03T08:00:07Z"}),
        snapshot_of({"kind": "pass", "id": "A", "until": "2025-06-03T08:00:07"}),
        snapshot_of({"kind": "pass", "id": "a/b", "until": "2025-06-03T08:00:07Z"}),
        snapshot_of({"kind": "pass", "id": "A"}),
        {
            "type": "delta", "from_version": 1, "to_version": 2,
            "revoked": [{"kind": "pass", "id": "A", "until": "2025-06-03T08:00:07Z"}],
            "restored": [{"kind": "pass", "id": "A"}],
        },
    ],
)  # fmt: skip
def test_malformed_revocation_replies_are_refused(document: dict[str, Any]) -> None:
    """Bool versions, versions going down, odd kinds, ids or times, both lists: WireError."""
    with pytest.raises(WireError):
        revocation_reply_from_json(document)


def test_gate_client_imports_no_service_stack() -> None:
    """Importing the gate client loads no database, settings, web or HTTP library."""
    code = (
        "import sys, access_control.gate_client; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'sqlalchemy', 'pydantic', 'fastapi', 'httpx', 'redis', 'psycopg'} "
        "or m == 'mobility.settings'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        cwd=Path(__file__).parents[3],
    )  # fmt: skip
    assert result.stdout.strip() == "[]"
