"""The traffic-counts migration creates exactly the tables the models declare, on both
databases, and the migrations reach a single head."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from mobility.migrate import alembic_config
from mobility.traffic.counts import models
from tests.schema_diffs import schema_diffs

TABLES = {
    models.TrafficDetector.__tablename__,
    models.TrafficCountBatch.__tablename__,
    models.TrafficCount.__tablename__,
    models.TrafficCountRejectedRow.__tablename__,
    models.TrafficCountFinding.__tablename__,
    models.TrafficCount15Min.__tablename__,
    models.TrafficCountHourly.__tablename__,
}


def test_migration_matches_the_models(engine: Engine) -> None:
    """Alembic's comparison of the migrated schema with the models finds nothing to change in
    the traffic-count tables (columns, types, nullability, indexes, unique and foreign keys)."""
    assert schema_diffs(engine, TABLES) == []


def test_single_head() -> None:
    """The counts migration follows the road network's, and the history has one head."""
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    revision = script.get_revision("8d2f4b6a0c13")
    assert revision is not None
    assert revision.down_revision == "3c5e7a9b1d20"
