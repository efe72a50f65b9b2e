"""The freight migration creates exactly the tables the models declare, on both databases."""

from __future__ import annotations

from sqlalchemy import Engine

from mobility.freight import models
from mobility.freight.bookings import models as bookings
from tests.schema_diffs import schema_diffs

TABLES = {
    models.FreightDatasetVersion.__tablename__,
    models.FreightTerminal.__tablename__,
    models.FreightTerminalHours.__tablename__,
    models.FreightLink.__tablename__,
    models.FreightService.__tablename__,
    models.FreightServiceDeparture.__tablename__,
    models.FreightEmissionFactor.__tablename__,
    models.FreightTransshipmentFactor.__tablename__,
    bookings.FreightDepartureCapacity.__tablename__,
    bookings.FreightBooking.__tablename__,
    bookings.FreightBookingReservation.__tablename__,
}


def test_migration_matches_the_models(engine: Engine) -> None:
    """Alembic's comparison of the migrated schema with the models finds nothing to change in
    the freight tables (columns, types, nullability, indexes, unique and foreign keys)."""
    assert schema_diffs(engine, TABLES) == []
