"""The fleet-plan and gate-slot migration creates exactly the tables the models declare, on
both databases, and downgrades cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from mobility.db import make_engine
from mobility.freight.fleet_plans.models import FleetPlan
from mobility.freight.gate_slots.models import GateSlot, GateSlotBooking
from mobility.migrate import alembic_config, upgrade
from tests.schema_diffs import schema_diffs

REVISION = "d5b2f9a31c42"
TABLES = {FleetPlan.__tablename__, GateSlot.__tablename__, GateSlotBooking.__tablename__}


def test_migration_matches_the_models(engine: Engine) -> None:
    """Alembic's comparison of the migrated schema with the models finds nothing to change in
    the fleet-plan and gate-slot tables."""
    assert schema_diffs(engine, TABLES) == []


def test_downgrade_and_upgrade_again(tmp_path: Path) -> None:
    """The migration follows the freight bookings one; downgrading below it drops its tables,
    upgrading brings them back."""
    script = ScriptDirectory.from_config(alembic_config())
    revision = script.get_revision(REVISION)
    assert revision is not None
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    upgrade(engine)
    cfg = alembic_config()
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, str(revision.down_revision))
        assert not TABLES & set(inspect(conn).get_table_names())
    upgrade(engine)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) >= TABLES
    engine.dispose()
