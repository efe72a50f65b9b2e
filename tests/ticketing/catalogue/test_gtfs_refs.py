"""GTFS references of a tariff file checked against the feeds imported: warnings, not errors."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gtfs.importer import import_feed
from tests.conftest import shared_feed
from ticketing.catalogue.loader import load_tariffs

from .conftest import SMALL

# Zakroczym (Poland, Fares v2): agency 0, areas 1..3, stops 100, 101, ...; no networks.
REFERENCES = SMALL.replace(
    'gtfs = [{ feed = "city", agency_id = "B1" }]',
    'gtfs = [{ feed = "zak", agency_id = "0" }, { feed = "zak", agency_id = "9" }]',
).replace(
    'gtfs = [{ feed = "city", areas = ["centre"] }]',
    'gtfs = [{ feed = "zak", areas = ["1", "99"], stops = ["100", "101"] },'
    ' { feed = "elsewhere", stops = ["A"] }]',
)
REFERENCES = REFERENCES.replace(
    'operators = ["BUS"]\n\n[[zones]]',
    'operators = ["BUS"]\ngtfs = [{ feed = "zak", network_id = "urban" }]\n\n[[zones]]',
)


def test_unresolved_references_are_warnings(engine: Engine, session: Session) -> None:
    """Agencies, networks, areas and stops missing from the current feed version, and feeds
    never imported, are listed with the path that names them; the load still succeeds."""
    assert REFERENCES.count('feed = "zak"') == 4
    version = import_feed(engine, shared_feed("pl_zakroczym_faresv2_2025-11.zip"), "zak")
    result = load_tariffs(session, REFERENCES, source="refs")
    assert result.status == "loaded"
    v = version.version_id
    assert list(result.warnings) == [
        f"operators[0].gtfs[1]: agency '9' is not in feed 'zak' (version {v})",
        f"zones[0].gtfs[0].areas: area '99' is not in feed 'zak' (version {v})",
        f"networks[0].gtfs[0]: network 'urban' is not in feed 'zak' (version {v})",
        "zones[0].gtfs[1].stops: feed 'elsewhere' is not imported (1 references)",
    ]
    assert result.summary_line().endswith("; 4 GTFS warnings")
