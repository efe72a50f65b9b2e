"""Loading tariff files: all or nothing, idempotent, product ids stable, nothing deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ticketing.catalogue import service
from ticketing.catalogue.loader import load_tariffs
from ticketing.catalogue.models import (
    CatalogueProduct,
    CatalogueProductPrice,
    CongestionBandSet,
    TariffVersion,
    TariffVersionStatus,
)
from ticketing.errors import TariffConfigInvalid

from .conftest import SAMPLE, SMALL

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_sample_loads(session: Session) -> None:
    """The sample file loads: one current version, every product priced and active."""
    result = load_tariffs(session, SAMPLE.read_text(encoding="utf-8"), source="sample")
    assert result.status == "loaded"
    assert result.counts["products"] == 20
    assert result.counts["rider_categories"] == 5
    assert "20 products" in result.summary_line()
    version = session.scalars(select(TariffVersion)).one()
    assert version.status is TariffVersionStatus.CURRENT
    assert version.checksum == result.checksum
    assert len(result.checksum) == 64
    products = service.list_products(session)
    assert len(products) == 20
    assert all("adult" in p.prices for p in products)
    assert result.congestion_set_id is not None
    assert len(service.congestion_bands(session, datetime.now(UTC)).bands) == 4


def test_same_configuration_is_unchanged(session: Session) -> None:
    """Reloading the same file, or one differing only in comments and layout, is a no-op."""
    first = load_tariffs(session, SMALL, source="a", now=NOW)
    again = load_tariffs(session, SMALL, source="a", now=NOW + timedelta(hours=1))
    relaid = load_tariffs(
        session,
        "# a comment\n" + SMALL.replace("prices = { adult = 600 }", "prices = {adult=600}"),
        source="b",
    )
    assert first.status == "loaded"
    assert (again.status, relaid.status) == ("unchanged", "unchanged")
    assert again.version_id == relaid.version_id == first.version_id
    assert "unchanged" in again.summary_line()
    assert count(session, TariffVersion) == 1
    assert count(session, CongestionBandSet) == 1


def test_invalid_file_changes_nothing(session: Session) -> None:
    """A file with an error leaves the catalogue exactly as it was (first load or later)."""
    broken = SMALL.replace("prices = { adult = 600 }", "prices = { adult = 600, nobody = 1 }")
    with pytest.raises(TariffConfigInvalid):
        load_tariffs(session, broken, source="bad")
    assert count(session, TariffVersion) == 0
    assert count(session, CatalogueProduct) == 0
    load_tariffs(session, SMALL, source="good")
    before = service.get_product(session, "DAY")
    with pytest.raises(TariffConfigInvalid):
        load_tariffs(session, broken.replace("= 600,", "= 650,"), source="bad")
    assert count(session, TariffVersion) == 1
    assert service.get_product(session, "DAY") == before


def test_products_stay_and_retire_across_reloads(session: Session) -> None:
    """Ids are stable: a changed product is updated in place, a dropped one becomes inactive
    (never deleted, its prices kept), and comes back active if the file brings it back."""
    first = load_tariffs(session, SMALL, source="v1", now=NOW)
    without_carnet = (
        SMALL[: SMALL.index('[[products]]\nid = "C10"')] + SMALL[SMALL.index("[capping]") :]
    )
    cheaper = without_carnet.replace(
        "prices = { adult = 180, student = 140 }", "prices = { adult = 170 }"
    )
    second = load_tariffs(session, cheaper, source="v2", now=NOW + timedelta(days=1))
    assert second.status == "loaded"
    assert second.version_id != first.version_id
    assert second.deactivated == {"products": ("C10",)}
    assert "deactivated 1 products" in second.summary_line()
    statuses = {
        row[0]: row[1] for row in session.execute(select(TariffVersion.id, TariffVersion.status))
    }
    assert statuses == {
        first.version_id: TariffVersionStatus.SUPERSEDED,
        second.version_id: TariffVersionStatus.CURRENT,
    }
    carnet = service.get_product(session, "C10")
    assert not carnet.active
    assert carnet.prices == {"adult": 1600}
    assert "C10" not in {p.product_id for p in service.list_products(session)}
    t90 = service.get_product(session, "T90")
    assert t90.active
    assert dict(t90.prices) == {"adult": 170}
    assert count(session, CatalogueProductPrice) == 5  # T90 1, DAY 1, W7 2, C10 kept 1
    third = load_tariffs(session, SMALL, source="v3", now=NOW + timedelta(days=2))
    assert third.status == "loaded"
    assert third.version_id not in (first.version_id, second.version_id)
    assert service.get_product(session, "C10").active
    assert dict(service.get_product(session, "T90").prices) == {"adult": 180, "student": 140}


def test_one_current_version_per_authority_is_enforced(session: Session) -> None:
    """The database itself refuses a second current version of an authority."""
    load_tariffs(session, SMALL, source="v1", now=NOW)
    session.add(
        TariffVersion(
            authority_id="test-auth", checksum="0" * 64, document="{}", source="x",
            loaded_at=NOW, status=TariffVersionStatus.CURRENT,
        )
    )  # fmt: skip
    with pytest.raises(IntegrityError):
        session.flush()


def test_another_authority_is_refused(session: Session) -> None:
    """A file of a different authority cannot replace this database's tariffs."""
    load_tariffs(session, SMALL, source="v1", now=NOW)
    with pytest.raises(TariffConfigInvalid) as caught:
        load_tariffs(session, SMALL.replace('id = "test-auth"', 'id = "other"'), source="o")
    assert caught.value.extensions["errors"][0]["path"] == "authority.id"


def test_file_bands_do_not_override_a_planner_unless_they_change(session: Session) -> None:
    """A reload whose congestion section is unchanged keeps the planner's bands; a reload that
    changes that section appends the file's bands as a new set."""
    load_tariffs(session, SMALL, source="v1", now=NOW)
    planner = service.set_congestion_bands(session, [], "planner@comune", now=NOW)
    later = NOW + timedelta(hours=2)
    load_tariffs(
        session,
        SMALL.replace("prices = { adult = 600 }", "prices = { adult = 650 }"),
        source="v2",
        now=later,
    )
    assert service.congestion_bands(session, later).set_id == planner.set_id
    changed = load_tariffs(
        session,
        SMALL.replace("adjustment_bp = 1000", "adjustment_bp = 1200"),
        source="v3",
        now=later + timedelta(hours=1),
    )
    in_force = service.congestion_bands(session, later + timedelta(hours=1))
    assert in_force.set_id == changed.congestion_set_id != planner.set_id
    assert [b.adjustment_bp for b in in_force.bands] == [1200]
    assert count(session, CongestionBandSet) == 3


def test_version_stored_under_an_older_schema(session: Session) -> None:
    """A stored document this code cannot read asks for a reload, and a reload repairs it."""
    load_tariffs(session, SMALL, source="v1", now=NOW)
    version = session.scalars(select(TariffVersion)).one()
    version.document = '{"authority": {"id": "test-auth"}, "legacy": true}'
    version.checksum = "f" * 64
    session.flush()
    with pytest.raises(TariffConfigInvalid, match="load the tariff file again"):
        service.current_config(session)
    result = load_tariffs(session, SMALL, source="v2", now=NOW)
    assert result.status == "loaded"
    assert service.current_config(session) is not None
