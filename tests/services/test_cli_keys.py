"""`mobility keys`: generate, rotate, show; key material never printed."""

from __future__ import annotations

import stat
from pathlib import Path

from tests.services.test_cli import run_cli


def test_generate_rotate_show(tmp_path: Path) -> None:
    """A keyring is created 0600, rotated with overlap, and listed by kid only."""
    keyring = tmp_path / "keys.json"
    r = run_cli("keys", "generate", "--file", str(keyring), "--kid", "2026a")
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE(keyring.stat().st_mode) == 0o600
    r = run_cli("keys", "rotate", "--file", str(keyring), "--kid", "2026b")
    assert r.returncode == 0, r.stderr
    lines = run_cli("keys", "show", "--file", str(keyring)).stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["2026a", "2026b"]
    assert "retires -" not in lines[0]  # the old key now retires after the overlap
    everything = r.stdout + r.stderr + "".join(lines)
    assert "PRIVATE KEY" not in everything


def test_generate_refuses_to_overwrite(tmp_path: Path) -> None:
    """An existing keyring is never replaced by generate: one line, exit 1."""
    keyring = tmp_path / "keys.json"
    keyring.write_text("{}")
    r = run_cli("keys", "generate", "--file", str(keyring), "--kid", "x")
    assert r.returncode == 1
    assert "exists" in r.stderr
    assert keyring.read_text() == "{}"
