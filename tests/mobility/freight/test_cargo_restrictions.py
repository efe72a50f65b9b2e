"""Cargo restrictions and the first/last-mile formula in the data file: validated with paths,
stored by the loader, read back into the route search's network."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mobility.freight.errors import FreightDataInvalid
from mobility.freight.loader import load_freight
from mobility.freight.models import FreightDatasetVersion, FreightService, FreightTerminal
from mobility.freight.schema import parse_freight

from .conftest import replace_after, shipped_text


def _problems(text: str) -> list[dict[str, str]]:
    with pytest.raises(FreightDataInvalid) as caught:
        parse_freight(text, source="broken.toml")
    problems: list[dict[str, str]] = caught.value.extensions["errors"]
    return problems


def test_shipped_restrictions() -> None:
    """Every terminal and service of the shipped file says what it takes, marked an estimate;
    the island ro-pax ferries take reefers but no dangerous goods."""
    data = parse_freight(shipped_text())
    assert all("accepts" in t.estimated for t in data.terminals)
    assert all("accepts" in s.estimated for s in data.services)
    services = {s.code: s for s in data.services}
    assert services["S-LIV-OLB"].accepts == ["reefer"]
    assert services["S-LIV-PMO"].accepts == ["reefer", "hazardous"]
    assert all(link.accepts == ["reefer", "hazardous"] for link in data.links)
    assert data.road_access is not None
    assert data.road_access.circuity_factor == 1.3


@pytest.mark.parametrize(
    ("anchor", "old", "new", "path", "message"),
    [
        pytest.param(
            'code = "R-SPE-RUB"', 'accepts = ["hazardous"]',
            'accepts = ["reefer", "hazardous"]', "services[2].accepts",
            "takes reefer but terminal 'RUB' does not", id="service-vs-terminal",
        ),
        pytest.param(
            'code = "LSP-LSCT"', 'accepts = ["reefer", "hazardous"]', 'accepts = ["frozen"]',
            "terminals[0].accepts[0]", "reefer", id="unknown-kind",
        ),
        pytest.param(
            'code = "LSP-LSCT"', 'accepts = ["reefer", "hazardous"]',
            'accepts = ["reefer", "reefer"]', "terminals[0].accepts", "twice", id="twice",
        ),
        pytest.param(
            'code = "S-SPE-GOA"', 'to = "GOA-PRA"', 'to = "LIV-TDT"',
            "services[14]", "no sea link from 'LSP-LSCT' to 'LIV-TDT'", id="service-without-link",
        ),
        pytest.param(
            "[road_access]", "circuity_factor = 1.3", "circuity_factor = 0.8",
            "road_access.circuity_factor", "greater than or equal to 1", id="circuity-below-one",
        ),
    ],
)  # fmt: skip
def test_broken_restrictions_are_reported(
    anchor: str, old: str, new: str, path: str, message: str
) -> None:
    """Each inconsistency is reported at the path of the field at fault."""
    problems = _problems(replace_after(shipped_text(), anchor, old, new))
    assert any(p["path"] == path and message in p["message"] for p in problems), problems


def test_loader_stores_restrictions_and_road_access(session: Session) -> None:
    """The loader writes each terminal's and service's cargo kinds and the version's road
    access formula."""
    load_freight(session, shipped_text(), source="shipped.toml")
    session.commit()
    terminals = {t.code: t.accepts for t in session.scalars(select(FreightTerminal))}
    services = {s.code: s.accepts for s in session.scalars(select(FreightService))}
    assert terminals["RUB"] == "hazardous"
    assert terminals["LSP-LSCT"] == "reefer,hazardous"
    assert services["S-OLB-LIV"] == "reefer"
    version = session.scalars(select(FreightDatasetVersion)).one()
    assert version.road_access is not None
    assert version.road_access["max_distance_km"] == 150.0
