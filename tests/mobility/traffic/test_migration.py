"""The traffic migration creates exactly the tables the models declare, on both databases."""

from __future__ import annotations

from sqlalchemy import Engine

from mobility.traffic import models
from tests.schema_diffs import schema_diffs

TABLES = {
    models.TrafficNetwork.__tablename__,
    models.TrafficNode.__tablename__,
    models.TrafficLink.__tablename__,
    models.TrafficZone.__tablename__,
    models.VehicleClass.__tablename__,
    models.TimePeriod.__tablename__,
    models.DemandMatrix.__tablename__,
    models.DemandCell.__tablename__,
}


def test_migration_matches_the_models(engine: Engine) -> None:
    """Alembic's comparison of the migrated schema with the models finds nothing to change in
    the traffic tables (columns, types, nullability, indexes, unique and foreign keys)."""
    assert schema_diffs(engine, TABLES) == []
