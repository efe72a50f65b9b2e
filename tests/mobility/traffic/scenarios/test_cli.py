"""`mobility traffic scenario create | run | list | show | compare | publish`, `period-band`
and `fare-zone-map`: the whole planner's loop from the command line, and one-line errors with
a non-zero exit."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mobility.db import session_scope
from mobility.settings import get_settings
from mobility.traffic import service as traffic
from mobility.traffic.congestion.repository import CongestionRepository
from services.cli_traffic_scenarios import register
from tests.mobility.traffic.conftest import NET, NODES, TRIPS

SCENARIO = """
name = "{name}"
network = "sioux-falls"
period = "am"
gap = 1e-3
{changes}
"""
CLOSURE = """
[[changes]]
type = "close_link"
link = [10, 15]
"""


@pytest.fixture
def cli(settings_env: None, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:  # noqa: ARG001
    """The commands on an app of their own, on the embedded default (no Redis: runs here)."""
    with session_scope() as session:
        traffic.import_tntp_network(session, "sioux-falls", NET, NODES, crs="EPSG:4326")
        traffic.import_tntp_trips(session, "sioux-falls", TRIPS, "car", "am")
    monkeypatch.setenv("REDIS_URL", "")
    get_settings.cache_clear()
    app = typer.Typer()
    register(app)
    return app


def run(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, name: str, changes: str = "") -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(SCENARIO.format(name=name, changes=changes), encoding="utf-8")
    return str(path)


def test_create_run_compare_publish(cli: typer.Typer, tmp_path: Path) -> None:
    """Two scenarios created from files run in process; list, show (with congestion), compare
    (text and JSON) and publish after setting the period's band and the fare zone map."""
    code, out, err = run(cli, "scenario", "create", write(tmp_path, "base"))
    assert code == 0, err
    assert re.match(r"scenario \d+ \(base\): queued", out)
    base = out.split()[1]
    code, out, err = run(cli, "scenario", "create", write(tmp_path, "closure", CLOSURE))
    assert code == 0, err
    closure = out.split()[1]
    for scenario in (base, closure):
        code, out, err = run(cli, "scenario", "run", scenario)
        assert code == 0, err
        assert f"scenario {scenario} " in out
        assert ": done, " in out
    code, out, _ = run(cli, "scenario", "list")
    assert out.splitlines()[1].split()[:2] == [closure, "done"]
    code, out, _ = run(cli, "scenario", "show", closure)
    assert '"type": "close_link"' in out
    assert "congestion: " in out
    code, out, _ = run(cli, "scenario", "compare", base, closure, "--json")
    assert code == 0
    assert json.loads(out)["totals_diff"]["vht_h"] > 0
    code, out, _ = run(cli, "scenario", "compare", base, closure)
    assert out.startswith("total")

    code, _, err = run(cli, "scenario", "publish", base)
    assert code == 1
    assert "no time band" in err
    code, out, err = run(cli, "period-band", "am", "07:00", "09:00")
    assert code == 0, err
    csv = tmp_path / "map.csv"
    csv.write_text(
        "zone_id,fare_zone\n" + "".join(f"{z},{'Z1' if z <= 12 else 'Z2'}\n" for z in range(1, 25)),
        encoding="utf-8",
    )
    with session_scope() as session:
        network_id = traffic.get_network(session, "sioux-falls").id
    code, out, err = run(cli, "fare-zone-map", str(network_id), str(csv))
    assert code == 0, err
    assert "24 zones mapped to 2 fare zones" in out
    code, out, err = run(cli, "scenario", "publish", closure, "--severe", "2500")
    assert code == 0, err
    assert re.match(rf"publication \d+: scenario {closure} active for period am", out)
    with session_scope() as session:
        [active] = CongestionRepository(session).active()
        assert active.scenario.id == int(closure)
        assert active.publication.policy["severe"] == 2500


def test_errors_are_one_line(cli: typer.Typer, tmp_path: Path) -> None:
    """A change the network lacks, an unknown scenario, a scenario not run yet, a falling
    policy and a bad weekday each exit 1 with one line naming the problem."""
    bad = write(tmp_path, "bad", '[[changes]]\ntype = "close_link"\nlink = [1, 24]\n')
    code, _, err = run(cli, "scenario", "create", bad)
    assert code == 1
    assert "change 0" in err
    assert len(err.strip().splitlines()) == 1
    code, out, err = run(cli, "scenario", "create", write(tmp_path, "queued"))
    assert code == 0, err
    queued = out.split()[1]
    unknown = str(int(queued) + 1)  # ids are not reused, and this test made the last one
    code, _, err = run(cli, "scenario", "run", unknown)
    assert (code, f"no traffic scenario with id {unknown}" in err) == (1, True)
    code, _, err = run(cli, "scenario", "publish", queued, "--free", "500", "--severe", "0")
    assert code == 1
    assert "must not fall" in err
    code, _, err = run(cli, "scenario", "publish", queued)
    assert code == 1
    assert f"scenario {queued} is queued" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run(cli, "period-band", "am", "07:00", "09:00", "--weekdays", "mon,funday")
    assert code == 1
    assert "weekdays" in err
