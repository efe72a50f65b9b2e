"""The clearing-runs migration creates exactly the table the model declares, on both databases."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from mobility.db import make_engine
from mobility.migrate import alembic_config, upgrade
from tests.schema_diffs import schema_diffs
from ticketing.clearing.models import ClearingRun

REVISION = "c0a7e4f86b97"


def test_migration_matches_the_models(engine: Engine) -> None:
    """Alembic's comparison of the migrated schema with the model finds nothing to change."""
    assert schema_diffs(engine, {ClearingRun.__tablename__}) == []


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    """The migration downgrades cleanly (with what follows it) and upgrades again."""
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    down = script.get_revision(REVISION).down_revision
    assert isinstance(down, str)
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    upgrade(engine)
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, down)
        assert ClearingRun.__tablename__ not in inspect(conn).get_table_names()
    upgrade(engine)
    with engine.connect() as conn:
        assert ClearingRun.__tablename__ in inspect(conn).get_table_names()
    engine.dispose()
