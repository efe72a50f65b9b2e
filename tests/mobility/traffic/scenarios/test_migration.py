"""The scenarios migration creates exactly the tables the models declare, on both databases."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from mobility.db import make_engine
from mobility.migrate import alembic_config, upgrade
from mobility.traffic.scenarios.models import ScenarioLinkResult, TrafficScenario
from tests.schema_diffs import schema_diffs

TABLES = {TrafficScenario.__tablename__, ScenarioLinkResult.__tablename__}


def test_migration_matches_the_models(engine: Engine) -> None:
    """Alembic's comparison of the migrated schema with the models finds nothing to change in
    the scenario tables."""
    assert schema_diffs(engine, TABLES) == []


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    """The migration follows the freight one and downgrades cleanly (with what follows it)."""
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    assert script.get_revision("9b4d2f6e8a17").down_revision == "5e1a7c3d9f02"
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    upgrade(engine)
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "5e1a7c3d9f02")
        assert TrafficScenario.__tablename__ not in inspect(conn).get_table_names()
    upgrade(engine)
    with engine.connect() as conn:
        assert TrafficScenario.__tablename__ in inspect(conn).get_table_names()
    engine.dispose()
