"""The accounts migration creates exactly the tables the models declare, on both databases."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.schema_diffs import schema_diffs
from ticketing.accounts import models

TABLES = {
    models.Account.__tablename__,
    models.AccountEligibility.__tablename__,
    models.RefreshToken.__tablename__,
}


def test_migration_matches_the_models(engine: Engine) -> None:
    """Alembic's comparison of the migrated schema with the models finds nothing to change in
    the accounts tables (columns, types, nullability, indexes, unique and foreign keys)."""
    assert schema_diffs(engine, TABLES) == []
