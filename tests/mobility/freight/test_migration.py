"""The freight migration creates exactly the tables the models declare, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from mobility.freight import models
from mobility.models import Base

TABLES = {
    models.FreightDatasetVersion.__tablename__,
    models.FreightTerminal.__tablename__,
    models.FreightTerminalHours.__tablename__,
    models.FreightLink.__tablename__,
    models.FreightService.__tablename__,
    models.FreightServiceDeparture.__tablename__,
    models.FreightEmissionFactor.__tablename__,
    models.FreightTransshipmentFactor.__tablename__,
}


def _ours(obj: Any, name: str | None, kind: str, _reflected: bool, _other: Any) -> bool:
    table = name if kind == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in TABLES


def test_migration_matches_the_models(engine: Engine) -> None:
    """Alembic's comparison of the migrated schema with the models finds nothing to change in
    the freight tables (columns, types, nullability, indexes, unique and foreign keys)."""
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
