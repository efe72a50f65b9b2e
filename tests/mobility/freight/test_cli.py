"""`mobility freight load | terminals`: counts printed, a reload says unchanged, a bad file is
one line on stderr with a non-zero exit and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.cli_freight import app

from .conftest import FREIGHT_FILE, replace_after, shipped_text


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_check_validates_without_a_database(tmp_path: Path) -> None:
    """--check prints the counts of a valid file; a broken one fails with its path."""
    code, out, err = run("load", str(FREIGHT_FILE), "--check")
    assert code == 0, err
    assert "is valid (19 terminals, 117 opening hours, 68 links, 16 services" in out
    broken = tmp_path / "broken.toml"
    broken.write_text(
        replace_after(shipped_text(), "[[links]]", 'to = "SSM-RETRO"', 'to = "NOWHERE"'),
        encoding="utf-8",
    )
    code, out, err = run("load", str(broken), "--check")
    assert code == 1
    assert "links[0].to: unknown terminal 'NOWHERE'" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = run("load", str(tmp_path / "absent.toml"))
    assert code == 1
    assert "cannot read" in err


@pytest.mark.usefixtures("settings_env")
def test_load_then_list_terminals(tmp_path: Path) -> None:
    """load prints the counts, again it says unchanged; terminals lists them by code with the
    cargo each takes beyond dry containers; a broken file exits 1 and the listing is
    the same afterwards."""
    code, out, err = run("load", str(FREIGHT_FILE))
    assert code == 0, err
    assert "freight ligurian-tuscan-freight: version" in out
    assert "loaded" in out
    assert "19 terminals" in out
    assert "68 links, 16 services, 82 departures, 5 emission factors" in out
    code, out, _ = run("load", str(FREIGHT_FILE))
    assert code == 0
    assert "unchanged" in out

    code, listing, err = run("terminals")
    assert code == 0, err
    lines = listing.splitlines()
    assert len(lines) == 19
    assert lines[0].startswith("BLQ ")
    assert any(line.startswith("GUA ") and "Guasticce" in line for line in lines)
    accepts = {line.split()[0]: line.split()[7] for line in lines}
    assert accepts["LSP-LSCT"] == "hazardous+reefer"
    assert accepts["RUB"] == "hazardous"
    assert accepts["LSP-TDG"] == "reefer"

    broken = tmp_path / "broken.toml"
    text = shipped_text()
    broken.write_text(
        replace_after(text, 'code = "R-SPE-RUB"', "capacity_teu = 60", "capacity_teu = -5"),
        encoding="utf-8",
    )
    code, _, err = run("load", str(broken))
    assert code == 1
    assert "services[2].capacity_teu" in err
    assert run("terminals")[1] == listing
