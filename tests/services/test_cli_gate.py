"""`mobility gate simulate` decides QR payloads read from stdin, offline; `demo-pass` issues one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.services.test_cli import PROJECT_ROOT, run_cli


def test_simulated_gate_opens_once_for_a_single_use_pass(tmp_path: Path) -> None:
    """Open, then already_used for the same single-use pass, then a refused non-payload."""
    keys, jwks = tmp_path / "keys.json", tmp_path / "jwks.json"
    assert run_cli("keys", "generate", "--file", str(keys), "--kid", "k1").returncode == 0
    published = run_cli("keys", "jwks", "--file", str(keys)).stdout
    assert "PRIVATE" not in published
    assert '"d"' not in published
    jwks.write_text(published)
    payload = run_cli("gate", "demo-pass", "--keys", str(keys), "--single-use").stdout.strip()
    gate = subprocess.run(
        [sys.executable, "-m", "services.cli", "gate", "simulate", "--gate", "G1",
         "--jwks", str(jwks), "--store", str(tmp_path / "gate.sqlite3"), "--json"],
        input=f"{payload}\n{payload}\nnot a pass\n",
        cwd=PROJECT_ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert gate.returncode == 0, gate.stderr
    decisions = [json.loads(line) for line in gate.stdout.splitlines()]
    assert [(d["open"], d["code"]) for d in decisions] == [
        (True, "ok"),
        (False, "already_used"),
        (False, "proof_missing"),
    ]
    assert decisions[0]["display"] == "Buon viaggio"
    assert payload.split("~")[0] not in (tmp_path / "gate.sqlite3").read_bytes().decode("latin-1")


def test_simulate_without_keys_is_one_line_error(tmp_path: Path) -> None:
    """A missing JWK Set stops the gate with one line: it could only refuse everything."""
    r = run_cli("gate", "simulate", "--gate", "G1", "--jwks", str(tmp_path / "none.json"),
                "--store", str(tmp_path / "g.sqlite3"))  # fmt: skip
    assert r.returncode == 1
    assert "cannot load the JWK Set" in r.stderr
