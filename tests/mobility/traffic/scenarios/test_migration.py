"""The scenarios migration creates exactly the tables the models declare, on both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from mobility.db import make_engine
from mobility.migrate import alembic_config, upgrade
from mobility.models import Base
from mobility.traffic.scenarios.models import ScenarioLinkResult, TrafficScenario

TABLES = {TrafficScenario.__tablename__, ScenarioLinkResult.__tablename__}


def _ours(obj: Any, name: str | None, kind: str, _reflected: bool, _other: Any) -> bool:
    table = name if kind == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in TABLES


def test_migration_matches_the_models(engine: Engine) -> None:
    """Alembic's comparison of the migrated schema with the models finds nothing to change in
    the scenario tables."""
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, _parent: kind != "table" or name in TABLES,
                "include_object": _ours,
            },
        )
        diffs = compare_metadata(context, Base.metadata)
    assert diffs == []


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    """The migration follows the freight one, is the head, and downgrades cleanly."""
    script = ScriptDirectory.from_config(alembic_config())
    assert script.get_heads() == ["9b4d2f6e8a17"]
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
