"""`mobility traffic assign`: TNTP files in, a CSV of link flows out, one-line errors."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from services.cli import app

SIOUX_FALLS = Path(__file__).resolve().parents[2] / "data" / "tntp" / "SiouxFalls"
NET = SIOUX_FALLS / "SiouxFalls_net.tntp"
TRIPS = SIOUX_FALLS / "SiouxFalls_trips.tntp"
NODES = SIOUX_FALLS / "SiouxFalls_node.tntp"


def test_assign_writes_link_flows(tmp_path: Path) -> None:
    """Sioux Falls to gap 1e-5: exit 0, a summary line with iterations, gap and time, and a CSV
    row per link with volume and travel time (and coordinates with --nodes)."""
    out = tmp_path / "flows.csv"
    result = CliRunner().invoke(
        app,
        ["traffic", "assign", str(NET), str(TRIPS), "--nodes", str(NODES), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    summary = result.stdout.strip().splitlines()[-1]
    assert "iterations" in summary
    assert "relative gap" in summary
    assert "reached" in summary
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 76
    assert list(rows[0]) == [
        "init_node", "term_node", "volume", "travel_time", "init_x", "init_y", "term_x", "term_y",
    ]  # fmt: skip
    assert (rows[0]["init_node"], rows[0]["term_node"]) == ("1", "2")
    assert all(float(r["volume"]) >= 0 and float(r["travel_time"]) > 0 for r in rows)


def test_assign_bfw_with_iteration_limit(tmp_path: Path) -> None:
    """--method bfw --max-iter 3: the run stops at 3 iterations and says the target was not
    reached; the CSV is written all the same."""
    out = tmp_path / "flows.csv"
    result = CliRunner().invoke(
        app,
        ["traffic", "assign", str(NET), str(TRIPS), "--method", "bfw", "--max-iter", "3",
         "--gap", "1e-9", "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "3 iterations" in result.stdout
    assert "NOT reached" in result.stdout
    assert out.exists()


def test_bad_file_is_one_line_error(tmp_path: Path) -> None:
    """A broken network file: exit 1 and one line naming the file and the line."""
    bad = tmp_path / "bad_net.tntp"
    bad.write_text(NET.read_text().replace("<NUMBER OF LINKS> 76", "<NUMBER OF LINKS> 77"))
    result = CliRunner().invoke(
        app, ["traffic", "assign", str(bad), str(TRIPS), "--out", str(tmp_path / "f.csv")]
    )
    assert result.exit_code == 1
    assert "NUMBER OF LINKS" in result.output
    assert "bad_net.tntp" in result.output
    assert "Traceback" not in result.output
    unknown = CliRunner().invoke(
        app,
        ["traffic", "assign", str(NET), str(TRIPS), "--method", "msa", "--out", "f.csv"],
    )
    assert unknown.exit_code == 1
    assert "--method" in unknown.output
