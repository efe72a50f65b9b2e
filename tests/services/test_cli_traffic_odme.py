"""`mobility traffic adjust-od`: TNTP files and a counts CSV in, an adjusted matrix out."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mobility.traffic.tntp import read_net, read_trips
from routing.algorithms.assignment import (
    StoppingCriterion,
    TrafficClass,
    assign,
    class_from_tntp,
    network_from_tntp,
)
from services.cli import app

SIOUX_FALLS = Path(__file__).resolve().parents[2] / "data" / "tntp" / "SiouxFalls"
NET = SIOUX_FALLS / "SiouxFalls_net.tntp"
TRIPS = SIOUX_FALLS / "SiouxFalls_trips.tntp"


@pytest.fixture(scope="module")
def counts_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Counts on 20 links of Sioux Falls from the seed scaled by factors in [0.7, 1.3]."""
    net, seed = read_net(NET), read_trips(TRIPS)
    rng = np.random.default_rng(11)
    true = class_from_tntp(seed, n_zones=net.n_zones).demand * rng.uniform(0.7, 1.3, (24, 24))
    volume = assign(
        network_from_tntp(net), [TrafficClass(true)], stop=StoppingCriterion(gap=1e-6)
    ).volume
    path = tmp_path_factory.mktemp("counts") / "counts.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["init_node", "term_node", "volume"])
        for a in rng.choice(net.n_links, 20, replace=False):
            writer.writerow([net.init_node[a], net.term_node[a], f"{volume[a]:.1f}"])
    return path


def run(*args: str | Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["traffic", "adjust-od", *map(str, args)])
    return result.exit_code, result.output


def test_adjust_od_writes_tntp_and_reports_fit(counts_csv: Path, tmp_path: Path) -> None:
    """Exit 0; one objective line per iteration, falling; a GEH summary before/after; the
    written trip table reads back with the seed's zero cells and a better fit."""
    out = tmp_path / "adjusted_trips.tntp"
    code, output = run(NET, TRIPS, counts_csv, "--iterations", "10", "--out", out)
    assert code == 0, output
    objectives = [float(line.split()[-1]) for line in output.splitlines() if "objective" in line]
    assert len(objectives) >= 2
    assert objectives == sorted(objectives, reverse=True)
    assert "GEH < 5 on 20 counts: before" in output
    assert "after 100.0%" in output or "after 9" in output
    adjusted, seed = read_trips(out).matrix, read_trips(TRIPS).matrix
    assert ((adjusted > 0) == (seed > 0)).all()
    assert not np.array_equal(adjusted, seed)


def test_adjust_od_writes_csv(counts_csv: Path, tmp_path: Path) -> None:
    """--out *.csv: origin,destination,trips rows of the non-zero cells, zones from 1."""
    out = tmp_path / "adjusted.csv"
    code, output = run(NET, TRIPS, counts_csv, "--iterations", "2", "--out", out)
    assert code == 0, output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert list(rows[0]) == ["origin", "destination", "trips"]
    assert len(rows) == int((read_trips(TRIPS).matrix > 0).sum())
    assert all(float(r["trips"]) > 0 for r in rows)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("init_node,term_node,volume\n1,5,100\n", "no link 1 -> 5"),
        ("init_node,term_node,volume\n1,2,100\n1,2,90\n", "counted twice"),
        ("init_node,term_node,volume\n1,2,-5\n", "is not one"),
        ("init_node,term_node,volume\n1,2,lots\n", "two node ids and a volume"),
        ("from,to,volume\n1,2,100\n", "no column 'init_node'"),
        ("init_node,term_node,volume\n", "no counts"),
    ],
)
def test_bad_counts_are_one_line_errors(tmp_path: Path, content: str, message: str) -> None:
    """Unknown link, duplicate, negative or malformed volume, missing column, empty file:
    exit 1 with one line naming the problem, no traceback, nothing written."""
    counts = tmp_path / "counts.csv"
    counts.write_text(content, encoding="utf-8")
    out = tmp_path / "adjusted.tntp"
    code, output = run(NET, TRIPS, counts, "--out", out)
    assert code == 1
    assert message in output
    assert "Traceback" not in output
    assert not out.exists()


def test_bad_output_name(counts_csv: Path, tmp_path: Path) -> None:
    """--out with another suffix than .tntp or .csv: exit 1 before any work."""
    code, output = run(NET, TRIPS, counts_csv, "--out", tmp_path / "adjusted.xlsx")
    assert code == 1
    assert "--out" in output
