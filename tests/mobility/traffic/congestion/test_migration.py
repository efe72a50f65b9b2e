"""The congestion migration creates exactly the tables the models declare, on both databases."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from mobility.db import make_engine
from mobility.migrate import alembic_config, upgrade
from mobility.traffic.congestion.models import (
    CongestionPublication,
    FareZoneMapping,
    ZoneCongestion,
)
from mobility.traffic.models import TimePeriod
from tests.schema_diffs import schema_diffs

TABLES = {
    ZoneCongestion.__tablename__,
    CongestionPublication.__tablename__,
    FareZoneMapping.__tablename__,
    TimePeriod.__tablename__,
}


def test_migration_matches_the_models(engine: Engine) -> None:
    """Alembic's comparison of the migrated schema with the models finds nothing to change in
    the congestion tables nor in the periods it extends."""
    assert schema_diffs(engine, TABLES) == []


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    """The migration follows the fleet plans one and downgrades cleanly, dropping its tables
    and the periods' weekdays."""
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_revision("e6c3a0b42d53").down_revision == "d5b2f9a31c42"
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    upgrade(engine)
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "d5b2f9a31c42")
        inspector = inspect(conn)
        assert ZoneCongestion.__tablename__ not in inspector.get_table_names()
        assert "weekdays" not in {c["name"] for c in inspector.get_columns("traffic_periods")}
    upgrade(engine)
    with engine.connect() as conn:
        assert FareZoneMapping.__tablename__ in inspect(conn).get_table_names()
    engine.dispose()
