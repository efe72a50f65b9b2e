"""`mobility traffic import-network | import-demand | networks`: summaries, idempotence, and
one-line errors with a non-zero exit."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mobility.db import session_scope
from mobility.traffic.models import TimePeriod
from services.cli_traffic_data import register

from .conftest import NET, NODES, TRIPS


@pytest.fixture
def cli(settings_env: None) -> typer.Typer:  # noqa: ARG001
    # The commands on an app of their own: the same functions `mobility traffic` registers.
    app = typer.Typer()
    register(app)
    return app


def run(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_import_network_and_demand(cli: typer.Typer, tmp_path: Path) -> None:
    """A TNTP import prints its counts; again, it says unchanged; a truck CSV needs --pce."""
    args = ["import-network", "--name", "sf", "--tntp", str(NET), "--nodes", str(NODES),
            "--trips", str(TRIPS), "--period", "am"]  # fmt: skip
    code, out, err = run(cli, *args)
    assert code == 0, err
    assert "network sf (id" in out
    assert "created, 24 nodes, 76 links, 24 zones" in out
    assert "demand sf car/am: created, 528 OD pairs, 360,600.0 trips" in out
    code, out, _ = run(cli, *args)
    assert code == 0
    assert out.count("unchanged") == 2

    trucks = tmp_path / "trucks.csv"
    trucks.write_text("origin,destination,trips\n1,2,10\n", encoding="utf-8")
    code, _, err = run(cli, "import-demand", "--network", "sf", str(trucks), "--class", "truck")
    assert code == 1
    assert "give its passenger-car-equivalent factor" in err
    code, out, _ = run(
        cli, "import-demand", "--network", "sf", str(trucks), "--class", "truck", "--pce", "2.5"
    )
    assert code == 0
    assert "demand sf truck/day: created, 1 OD pairs" in out
    gmns_demand = tmp_path / "demand.csv"  # Path4GMNS column names
    gmns_demand.write_text("o_zone_id,d_zone_id,volume\n3,4,7\n", encoding="utf-8")
    code, out, err = run(
        cli, "import-demand", "--network", "sf", str(gmns_demand), "--period", "pm",
        "--period-start", "16:30", "--period-end", "19:00",
    )  # fmt: skip
    assert code == 0, err
    assert "demand sf car/pm: created, 1 OD pairs, 7.0 trips" in out
    with session_scope() as session:
        period = session.get(TimePeriod, "pm")
        assert period is not None
        assert (period.start_time, period.end_time) == (time(16, 30), time(19, 0))
    code, out, _ = run(cli, "networks")
    assert code == 0
    assert "sf\ttntp\t24 nodes\t76 links\t24 zones\tcar/am 360,600, car/pm 7, truck/day 10" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import-network", "--name", "x"], "give exactly one of --tntp NET and --gmns DIR"),
        (["import-network", "--name", "x", "--tntp", "/nonexistent_net.tntp"],
         "cannot read the file"),
        (["import-demand", "--network", "nowhere", "--tntp", str(TRIPS)],
         "no road network named 'nowhere'"),
        (["import-demand", "--network", "x", "--pce", "heavy", "--tntp", str(TRIPS)],
         "--pce 'heavy'"),
        (["import-demand", "--network", "x", "--period-start", "7h", "--tntp", str(TRIPS)],
         "--period-start '7h'"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_one(
    cli: typer.Typer, args: list[str], message: str
) -> None:
    """Bad input: exit 1 and one line on stderr naming the problem, no traceback."""
    code, _, err = run(cli, *args)
    assert code == 1
    assert message in err
    assert len(err.strip().splitlines()) == 1
