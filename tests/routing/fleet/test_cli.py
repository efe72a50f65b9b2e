"""`mobility fleet solve FILE --format solomon`: text, JSON, and one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from services.cli import app
from tests.routing.fleet.factories import C101_25

runner = CliRunner()
ARGS = ["fleet", "solve", str(C101_25), "--format", "solomon", "--time-limit", "0.5"]


def test_text_output() -> None:
    """A header with vehicles and distance, then one 'Route #k:' line per vehicle."""
    result = runner.invoke(app, [*ARGS, "--engine", "ortools"])
    assert result.exit_code == 0, result.output
    header, *routes = result.stdout.strip().splitlines()
    assert header.startswith(f"C101: {len(routes)} vehicles, distance ")
    assert "(ortools, " in header
    served = sorted(int(c) for line in routes for c in line.split(":")[1].split())
    assert served == list(range(1, 26))


def test_json_output() -> None:
    """Exactly {"vehicles", "distance", "routes"}: every customer once, distance near 191.3."""
    result = runner.invoke(app, [*ARGS, "--json", "--seed", "3"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert set(body) == {"vehicles", "distance", "routes"}
    assert body["vehicles"] == len(body["routes"])
    assert sorted(c for route in body["routes"] for c in route) == list(range(1, 26))
    assert 191.3 <= body["distance"] <= 191.3 * 1.05


def test_bad_file_is_one_line(tmp_path: Path) -> None:
    """A missing file, a non-Solomon file and a bad --format: one error line, non-zero exit."""
    missing = runner.invoke(app, ["fleet", "solve", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 1
    assert missing.stderr.startswith("error: cannot read")
    junk = tmp_path / "junk.txt"
    junk.write_text("not a routing instance\n")
    bad = runner.invoke(app, ["fleet", "solve", str(junk)])
    assert bad.exit_code == 1
    assert len(bad.stderr.strip().splitlines()) == 1
    assert "no VEHICLE section" in bad.stderr
    wrong = runner.invoke(app, ["fleet", "solve", str(C101_25), "--format", "vrplib"])
    assert wrong.exit_code == 2
    assert "--format must be solomon" in wrong.stderr
