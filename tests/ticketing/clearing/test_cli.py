"""`mobility ticketing clearing run`: exit codes, CSV file, posting once."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mobility.db import session_scope
from mobility.money import Money
from services.cli_clearing import app
from ticketing.ledger import service as ledger

from .factories import seed_october

runner = CliRunner()


@pytest.fixture
def seeded(settings_env: None) -> None:  # noqa: ARG001
    with session_scope() as session:
        seed_october(session)


@pytest.mark.usefixtures("seeded")
def test_run_prints_totals_and_writes_csv(tmp_path: Path) -> None:
    """run exits 0, prints a line per operator, and --csv FILE holds the rows."""
    target = tmp_path / "october.csv"
    result = runner.invoke(app, ["run", "--period", "2026-10", "--csv", str(target)])
    assert result.exit_code == 0, result.output
    for operator in ("ATL", "CTT", "NAV", "(unallocated)"):
        assert operator in result.stdout
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) == 6
    with session_scope() as session:  # a report alone posts nothing
        assert ledger.balance(session, "revenue:operator:ATL") == Money(0)


@pytest.mark.usefixtures("seeded")
def test_csv_to_stdout() -> None:
    """--csv - writes the CSV alone on stdout."""
    result = runner.invoke(app, ["run", "--period", "2026-10", "--csv", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("period,operator_id,")
    assert len(list(csv.DictReader(io.StringIO(result.stdout)))) == 6


@pytest.mark.usefixtures("seeded")
def test_post_then_post_again() -> None:
    """--post posts the apportionment; a second --post finds the ledger up to date."""
    first = runner.invoke(app, ["run", "--period", "2026-10", "--post"])
    assert first.exit_code == 0, first.output
    assert "posted 3 apportionment transaction(s)" in first.stdout
    with session_scope() as session:
        assert ledger.balance(session, "revenue:operator:CTT") == Money(-909)
    second = runner.invoke(app, ["run", "--period", "2026-10", "--post"])
    assert second.exit_code == 0
    assert "already up to date" in second.stdout


def test_exit_codes_of_errors(settings_env: None) -> None:  # noqa: ARG001
    """A malformed period exits 2; posting a month not yet over exits 1; neither posts."""
    bad = runner.invoke(app, ["run", "--period", "2026/10"])
    assert bad.exit_code == 2
    assert "not a month" in bad.stderr
    open_month = runner.invoke(app, ["run", "--period", "2999-01", "--post"])
    assert open_month.exit_code == 1
    assert "post its clearing after" in open_month.stderr
    missing = runner.invoke(app, ["run"])
    assert missing.exit_code == 2
