"""Loading the freight data file on both databases: counts, no-op reload, replacement with
stable terminal ids, and a broken file that writes nothing."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mobility.freight import models
from mobility.freight.errors import FreightDataInvalid
from mobility.freight.loader import load_freight

from .conftest import replace_after, shipped_text

TABLES = (
    models.FreightDatasetVersion,
    models.FreightTerminal,
    models.FreightTerminalHours,
    models.FreightLink,
    models.FreightService,
    models.FreightServiceDeparture,
    models.FreightEmissionFactor,
    models.FreightTransshipmentFactor,
)


def _counts(session: Session) -> dict[str, int]:
    return {
        model.__tablename__: session.scalar(select(func.count()).select_from(model)) or 0
        for model in TABLES
    }


def _terminal_ids(session: Session) -> dict[str, int]:
    query = select(models.FreightTerminal.code, models.FreightTerminal.id)
    return dict(session.execute(query).all())


def test_load_the_shipped_file(session: Session) -> None:
    """Every row of the file is stored, money as cents with the currency, departures as local
    times of their weekday; the same file again (comments aside) changes nothing."""
    result = load_freight(session, shipped_text(), source="shipped.toml")
    session.commit()
    assert result.status == "loaded"
    assert _counts(session) == {
        "freight_dataset_versions": 1,
        "freight_terminals": 19,
        "freight_terminal_hours": 117,
        "freight_links": 68,
        "freight_services": 16,
        "freight_service_departures": 82,
        "freight_emission_factors": 5,
        "freight_transshipment_factors": 4,
    }
    version = session.scalars(select(models.FreightDatasetVersion)).one()
    assert (version.timezone, version.currency, version.tonnes_per_teu) == (
        "Europe/Rome",
        "EUR",
        10.0,
    )
    service = session.scalars(
        select(models.FreightService).where(models.FreightService.code == "R-SPE-MLZ")
    ).one()
    assert (service.capacity_teu, service.cutoff_min, service.cost_per_teu_cents) == (
        64,
        240,
        28000,
    )
    assert service.emission_factor == "rail-electric"  # the mode's default
    first = session.execute(
        select(
            models.FreightServiceDeparture.weekday, models.FreightServiceDeparture.departure_time
        )
        .where(models.FreightServiceDeparture.service_id == service.id)
        .order_by(models.FreightServiceDeparture.weekday, "departure_time")
        .limit(2)
    ).all()
    assert [tuple(row) for row in first] == [(0, time(6, 30)), (0, time(19, 0))]
    shuttle = session.scalars(
        select(models.FreightService).where(models.FreightService.code == "R-TDT-GUA")
    ).one()
    assert shuttle.emission_factor == "rail-diesel"
    road = session.get(models.FreightEmissionFactor, "road-artic")
    assert road is not None
    assert "GLEC" in road.citation
    assert road.data_quality == "default"

    again = load_freight(
        session, "# a comment changes nothing\n" + shipped_text(), source="copy.toml"
    )
    session.commit()
    assert again.status == "unchanged"
    assert again.version_id == result.version_id
    assert _counts(session)["freight_dataset_versions"] == 1


def test_a_changed_file_replaces_the_network_keeping_terminal_ids(session: Session) -> None:
    """A changed file is a new version: its links and services replace the old ones, terminals
    keep their ids by code, and a terminal the new file lacks stays, inactive."""
    load_freight(session, shipped_text(), source="v1.toml")
    session.commit()
    ids = _terminal_ids(session)
    changed = replace_after(
        shipped_text(), 'code = "R-SPE-RUB"', "capacity_teu = 60", "capacity_teu = 72"
    )
    # Drop Verona: its terminal and the one service and rail link that reach it.
    start = changed.index('[[terminals]]\ncode = "VRN"')
    changed = changed[:start] + changed[changed.index("[[terminals]]", start + 1) :]
    start = changed.index('[[services]]\ncode = "R-SPE-VRN"')
    changed = changed[:start] + changed[changed.index("[[services]]", start + 1) :]
    link = changed.index('to = "VRN"')
    start = changed.rindex("[[links]]", 0, link)
    changed = changed[:start] + changed[changed.index("[[links]]", link) :]

    result = load_freight(session, changed, source="v2.toml")
    session.commit()
    assert result.status == "loaded"
    assert result.deactivated == ("VRN",)
    assert _terminal_ids(session) == ids
    counts = _counts(session)
    assert counts["freight_dataset_versions"] == 2
    assert counts["freight_services"] == 15
    assert counts["freight_links"] == 66
    rubiera = session.scalars(
        select(models.FreightService).where(models.FreightService.code == "R-SPE-RUB")
    ).one()
    assert rubiera.capacity_teu == 72
    assert rubiera.version_id == result.version_id
    verona = session.get(models.FreightTerminal, ids["VRN"])
    assert verona is not None
    assert not verona.active


@pytest.mark.parametrize(
    ("anchor", "old", "new", "path"),
    [
        ("[[links]]", 'to = "SSM-RETRO"', 'to = "NOWHERE"', "links[0].to"),
        ('code = "R-SPE-MLZ"', 'time = "19:00"', 'time = "7pm"', "services[0].departures[1].time"),
        ('code = "R-SPE-RUB"', "capacity_teu = 60", "capacity_teu = -1",
         "services[2].capacity_teu"),
        ('code = "road-artic"', 'source = "GLEC3"\n', "", "emission_factors[0].source"),
    ],
)  # fmt: skip
def test_a_broken_file_writes_nothing(
    session: Session, anchor: str, old: str, new: str, path: str
) -> None:
    """A broken copy fails naming the path, and neither an empty database nor a loaded one is
    changed by it."""
    broken = replace_after(shipped_text(), anchor, old, new)
    with pytest.raises(FreightDataInvalid) as caught:
        load_freight(session, broken, source="broken.toml")
    assert caught.value.detail.startswith("broken.toml: ")
    assert f"{path}: " in caught.value.detail
    session.rollback()
    assert set(_counts(session).values()) == {0}

    load_freight(session, shipped_text(), source="shipped.toml")
    session.commit()
    before = _counts(session)
    with pytest.raises(FreightDataInvalid):
        load_freight(session, broken, source="broken.toml")
    session.rollback()
    assert _counts(session) == before
