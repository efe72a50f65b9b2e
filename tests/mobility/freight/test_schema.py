"""The freight data file's validation: the shipped file passes; each kind of breakage is
reported with the path of the field at fault."""

from __future__ import annotations

import pytest

from mobility.freight.errors import FreightDataInvalid
from mobility.freight.loader import counts
from mobility.freight.schema import Mode, TerminalKind, parse_freight

from .conftest import replace_after, shipped_text


def _problems(text: str) -> list[dict[str, str]]:
    with pytest.raises(FreightDataInvalid) as caught:
        parse_freight(text, source="broken.toml")
    assert caught.value.detail.startswith("broken.toml: ")
    problems: list[dict[str, str]] = caught.value.extensions["errors"]
    return problems


def test_the_shipped_file_is_valid_and_complete() -> None:
    """The shipped data set has every kind of terminal, links of every mode, rail and sea
    services, and a cited factor for every mode and terminal kind."""
    data = parse_freight(shipped_text())
    assert data.timezone == "Europe/Rome"
    assert {t.kind for t in data.terminals} == set(TerminalKind)
    assert {link.mode for link in data.links} == set(Mode)
    assert {s.mode for s in data.services} == {Mode.RAIL, Mode.SEA}
    assert {f.mode for f in data.emission_factors} == set(Mode)
    assert all(f.source and f.reference for f in data.emission_factors)
    assert counts(data) == {
        "terminals": 19,
        "opening_hours": 117,
        "links": 68,
        "services": 16,
        "departures": 82,
        "emission_factors": 5,
        "transshipment_factors": 4,
    }


@pytest.mark.parametrize(
    ("anchor", "old", "new", "path", "message"),
    [
        pytest.param(
            "[[links]]", 'to = "SSM-RETRO"', 'to = "NOWHERE"', "links[0].to",
            "unknown terminal 'NOWHERE'", id="unknown-terminal-in-link",
        ),
        pytest.param(
            'code = "R-SPE-MLZ"', 'time = "19:00"', 'time = "25:00"',
            "services[0].departures[1].time", "must be a local time of day", id="bad-time",
        ),
        pytest.param(
            'code = "R-SPE-RUB"', "capacity_teu = 60", "capacity_teu = -60",
            "services[2].capacity_teu", "greater than or equal to 1", id="negative-capacity",
        ),
        pytest.param(
            'code = "road-artic"', 'source = "GLEC3"\n', "", "emission_factors[0].source",
            "Field required", id="missing-citation",
        ),
        pytest.param(
            'code = "sea-roro"', 'source = "GLEC3"', 'source = "WIKI"',
            "emission_factors[3].source", "unknown source 'WIKI'", id="uncited-source",
        ),
        pytest.param(
            'code = "R-TDT-GUA"', 'to = "GUA"', 'to = "LIV-LOR"', "services[6].to",
            "terminal 'LIV-LOR' is not served by rail", id="mode-not-served",
        ),
        pytest.param(
            'code = "GUA"', 'close = "22:00"', 'close = "05:00"',
            "terminals[6].opening_hours[0]", "close 05:00 is not after open 06:00",
            id="closes-before-opening",
        ),
        pytest.param(
            'code = "R-GUA-BLQ"', 'time = "20:00"', 'time = "23:00"',
            "services[8].departures[0]", "terminal 'GUA' is closed on tue at 23:00",
            id="departure-when-closed",
        ),
        pytest.param(
            'code = "GUA"', 'open = "06:00", close = "14:00"',
            'open = "06:00", close = "14:00" }, '
            '{ days = ["sat"], open = "12:00", close = "13:00"',
            "terminals[6].opening_hours[2]", "overlaps other hours on sat", id="overlapping-hours",
        ),
        pytest.param(
            'code = "S-LIV-OLB"', 'cutoff_min = 120', 'cutoff_min = "2h"',
            "services[10].cutoff_min", "valid integer", id="cutoff-not-minutes",
        ),
        pytest.param(
            "[[links]]", 'estimated = ["distance_km"', 'estimated = ["speed"',
            "links[0]", "'speed', not fields of this item", id="estimated-unknown-field",
        ),
    ],
)  # fmt: skip
def test_a_broken_copy_names_the_path(
    anchor: str, old: str, new: str, path: str, message: str
) -> None:
    """Each breakage is reported at the path of the field, with what is wrong."""
    problems = _problems(replace_after(shipped_text(), anchor, old, new))
    assert any(p["path"] == path and message in p["message"] for p in problems), problems


def test_not_toml_is_one_problem_of_the_file() -> None:
    """A file that is not TOML is reported as such, at the file's level."""
    problems = _problems("terminals = [")
    assert problems[0]["path"] == "(file)"
    assert "not valid TOML" in problems[0]["message"]
