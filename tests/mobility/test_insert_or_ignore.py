"""`mobility.db.insert_or_ignore` tells an insert from an ignored duplicate on both databases."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from mobility.db import insert_or_ignore
from mobility.traffic.models import VehicleClass


def test_a_duplicate_is_ignored_and_said_so(engine: Engine) -> None:
    """The first insert is reported, the same key again is not and leaves the first row."""
    with Session(engine) as session:
        first = {"code": "truck", "name": "Truck", "pce": 2.5}
        assert insert_or_ignore(session, VehicleClass, first, ["code"]) is True
        again = {"code": "truck", "name": "Lorry", "pce": 3.0}
        assert insert_or_ignore(session, VehicleClass, again, ["code"]) is False
        rows = session.execute(select(VehicleClass.name, func.count()).group_by(VehicleClass.name))
        assert rows.all() == [("Truck", 1)]
