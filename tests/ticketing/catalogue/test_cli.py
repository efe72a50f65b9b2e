"""`mobility ticketing load-tariffs FILE`: one line on success, one line and exit 1 on error."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from mobility.db import session_scope
from services.cli import app
from ticketing.catalogue.models import TariffVersion

from .conftest import SAMPLE, SMALL

runner = CliRunner()


def versions() -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(TariffVersion)) or 0


@pytest.mark.usefixtures("settings_env")
def test_load_then_unchanged() -> None:
    """The sample loads (exit 0, one summary line on stdout); loading it again reports
    unchanged; GTFS references no imported feed has are warnings on stderr."""
    first = runner.invoke(app, ["ticketing", "load-tariffs", str(SAMPLE)])
    assert first.exit_code == 0, first.output
    lines = first.stdout.strip().splitlines()
    assert len(lines) == 1
    assert "tariffs costa-lt: version" in lines[0]
    assert "20 products" in lines[0]
    assert "loaded" in lines[0]
    again = runner.invoke(app, ["ticketing", "load-tariffs", str(SAMPLE)])
    assert again.exit_code == 0
    assert len(again.stdout.strip().splitlines()) == 1
    # The sample's feeds are not imported here: each reference is a warning on stderr.
    assert again.stderr.startswith("warning: operators[1].gtfs[0]: feed 'golfo' is not imported")
    assert "unchanged" in again.stdout
    assert versions() == 1


@pytest.mark.usefixtures("settings_env")
def test_bad_file_is_one_line_and_exit_1(tmp_path: Path) -> None:
    """An invalid file exits 1 with one error line naming the field; nothing is stored."""
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.replace("prices = { adult = 600 }", "prices = { adult = 600, kid = 1 }"))
    result = runner.invoke(app, ["ticketing", "load-tariffs", str(bad)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "error:" in result.stderr
    assert "products[1].prices.kid" in result.stderr
    assert versions() == 0


@pytest.mark.usefixtures("settings_env")
def test_missing_file_exits_1(tmp_path: Path) -> None:
    """A path that does not exist is an error line, not a traceback."""
    result = runner.invoke(app, ["ticketing", "load-tariffs", str(tmp_path / "none.toml")])
    assert result.exit_code == 1
    assert "cannot read" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.usefixtures("settings_env")
def test_check_validates_without_loading(tmp_path: Path) -> None:
    """--check reports a valid file and stores nothing; an invalid one still exits 1."""
    result = runner.invoke(app, ["ticketing", "load-tariffs", "--check", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "is valid" in result.stdout
    assert "20 products" in result.stdout
    assert versions() == 0
    bad = tmp_path / "bad.toml"
    bad.write_text(SMALL.replace('kind = "day"', 'kind = "year"'))
    failed = runner.invoke(app, ["ticketing", "load-tariffs", "--check", str(bad)])
    assert failed.exit_code == 1
    assert "products[1].kind" in failed.stderr
