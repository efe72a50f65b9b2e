"""`mobility traffic counts import FILE` and `rejected BATCH`: tallies and batch id on stdout,
reasons listed later, one line and exit 1 for a file that cannot be read (nothing stored)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from mobility.db import session_scope
from mobility.traffic.counts.models import TrafficCount, TrafficCountBatch
from services.cli import app

runner = CliRunner()
COUNTS = (
    "\ufeffdetector;timestamp;class;count;speed\n"
    "A12;2026-11-20 08:00;car;100;50,5\n"
    "A12;2026-11-20 08:15;car;-4;\n"
    "A12;2026-11-20 08:30;lorry;7;\n"
    "A12;2026-11-20 08:45;car;90;48\n"
)


def rows(model: type) -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def counts_file(tmp_path: Path) -> Path:
    path = tmp_path / "a12.csv"
    path.write_text(COUNTS, encoding="utf-8")
    return path


@pytest.mark.usefixtures("settings_env")
def test_import_then_list_rejected(counts_file: Path) -> None:
    """Import prints one summary line with the batch id (reasons on stderr); `rejected`
    lists each rejected row with line, reason and the raw text; re-import is all duplicates."""
    args = ["traffic", "counts", "import", str(counts_file)]
    result = runner.invoke(app, [*args, "--timezone", "Europe/Rome", "--register-detectors"])
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.strip().splitlines()
    assert "4 rows, 2 accepted (0 replaced), 2 rejected" in line
    assert "1 detectors registered" in line
    match = re.match(r"batch (\d+) ", line)
    assert match is not None
    batch = match[1]
    assert f"negative_count 1, unknown_class 1 (mobility traffic counts rejected {batch})" in (
        result.stderr
    )
    listed = runner.invoke(app, ["traffic", "counts", "rejected", batch])
    assert listed.exit_code == 0
    assert listed.stdout.splitlines() == [
        "line 3\trejected\tnegative_count\tcount -4 is negative\tA12;2026-11-20 08:15;car;-4;",
        "line 4\trejected\tunknown_class\tvehicle class 'lorry' is not one of car, truck, bus, "
        "motorcycle, all\tA12;2026-11-20 08:30;lorry;7;",
    ]
    again = runner.invoke(app, [*args, "--timezone", "Europe/Rome"])
    assert "0 accepted (0 replaced), 2 rejected, 2 duplicates ignored" in again.stdout
    report = runner.invoke(app, ["traffic", "counts", "report", batch])
    assert report.exit_code == 0
    assert "gap\tA12\tcar" in report.stdout  # 08:15 and 08:30 are missing for cars
    assert rows(TrafficCount) == 2


@pytest.mark.usefixtures("settings_env")
def test_naive_times_without_timezone_are_rejected_rows(counts_file: Path) -> None:
    """Without --timezone, offset-less times are rejected rows (exit 0), not guessed."""
    result = runner.invoke(
        app, ["traffic", "counts", "import", str(counts_file), "--register-detectors"]
    )
    assert result.exit_code == 0
    assert "0 accepted" in result.stdout
    assert "naive_timestamp 3, unknown_class 1" in result.stderr


@pytest.mark.usefixtures("settings_env")
def test_file_level_error_exits_1_and_stores_nothing(tmp_path: Path) -> None:
    """A file missing a required column: one error line, exit 1, no batch recorded."""
    bad = tmp_path / "bad.csv"
    bad.write_text("detector,timestamp,count\nA12,2026-11-20T08:00:00Z,4\n")
    result = runner.invoke(app, ["traffic", "counts", "import", str(bad)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "bad.csv: missing column 'class'" in result.stderr
    assert rows(TrafficCountBatch) == 0
    missing = runner.invoke(app, ["traffic", "counts", "import", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 1
    unknown = runner.invoke(app, ["traffic", "counts", "rejected", "999"])
    assert unknown.exit_code == 1
    assert "no traffic count batch 999" in unknown.stderr
    zone = runner.invoke(app, ["traffic", "counts", "import", str(bad), "--timezone", "Mars/X"])
    assert zone.exit_code == 1
    assert "unknown time zone 'Mars/X'" in zone.stderr


@pytest.mark.usefixtures("settings_env")
def test_detector_command() -> None:
    """`detector CODE` registers or updates a detector; a bad value is one line and exit 1."""
    made = runner.invoke(app, ["traffic", "counts", "detector", "A12", "--lanes", "2"])
    assert made.exit_code == 0, made.output
    assert made.stdout.strip() == "detector A12 registered: 900 s intervals, 2 lanes, no link"
    off = runner.invoke(app, ["traffic", "counts", "detector", "A12", "--inactive"])
    assert off.stdout.strip().endswith("no link, inactive")
    bad = runner.invoke(app, ["traffic", "counts", "detector", "A12", "--interval", "7"])
    assert bad.exit_code == 1
    assert "does not divide the hour" in bad.stderr


@pytest.mark.usefixtures("settings_env")
def test_api_key_command() -> None:
    """`api-key` prints a key once, which authenticates with traffic:counts:write."""
    from mobility.auth.api_keys import authenticate_api_key

    result = runner.invoke(app, ["traffic", "counts", "api-key", "--label", "loop A12"])
    assert result.exit_code == 0
    key = result.stdout.strip()
    with session_scope() as session:
        principal = authenticate_api_key(session, key)
    assert principal.scopes == {"traffic:counts:write"}


@pytest.mark.usefixtures("settings_env")
def test_check_stores_nothing(counts_file: Path) -> None:
    """--check answers as the import would (rejected rows listed) and writes nothing, not even
    the detectors it would register."""
    result = runner.invoke(
        app,
        ["traffic", "counts", "import", str(counts_file), "--check", "--register-detectors",
         "--timezone", "Europe/Rome"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("check only, nothing stored: 4 rows, 2 accepted")
    assert [line.split("\t")[2] for line in lines[1:]] == ["negative_count", "unknown_class"]
    assert rows(TrafficCountBatch) == 0
    assert rows(TrafficCount) == 0
