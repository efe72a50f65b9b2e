"""The organisations migration creates exactly the tables the models declare, on both databases."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Engine, inspect

from mobility.auth.models import ApiCredential, Organisation, OrganisationMember
from mobility.db import make_engine
from mobility.migrate import alembic_config, upgrade
from tests.schema_diffs import schema_diffs

TABLES = {
    Organisation.__tablename__,
    OrganisationMember.__tablename__,
    ApiCredential.__tablename__,
}
REVISION, PREVIOUS = "f7d4b1c53e64", "e6c3a0b42d53"


def test_migration_matches_the_models(engine: Engine) -> None:
    """Alembic's comparison of the migrated schema with the models finds nothing to change in
    the organisation tables nor in the API credentials that now name an organisation."""
    assert schema_diffs(engine, TABLES) == []


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    """Downgrading below the organisations revision drops its tables and the credentials'
    organisation column; upgrading again restores them."""
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    upgrade(engine)
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, PREVIOUS)
        assert Organisation.__tablename__ not in inspect(conn).get_table_names()
        columns = {c["name"] for c in inspect(conn).get_columns(ApiCredential.__tablename__)}
        assert "organisation_id" not in columns
    upgrade(engine)
    with engine.connect() as conn:
        names = inspect(conn).get_table_names()
        assert {Organisation.__tablename__, OrganisationMember.__tablename__} <= set(names)
    engine.dispose()
