"""What Alembic would still change in some tables after the migrations: the check each
domain's `test_migration.py` makes that its migration creates exactly what its models declare."""

from __future__ import annotations

from collections.abc import Set
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from mobility.models import Base


def schema_diffs(engine: Engine, tables: Set[str]) -> list[Any]:
    """Alembic's differences between the migrated schema and the models, in `tables` only
    (columns, types, nullability, indexes, unique and foreign keys)."""

    def ours(obj: Any, name: str | None, kind: str, _reflected: bool, _other: Any) -> bool:
        table = name if kind == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table in tables

    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, kind, _parent: kind != "table" or name in tables,
                "include_object": ours,
            },
        )
        return list(compare_metadata(context, Base.metadata))
