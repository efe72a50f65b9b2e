"""Fixtures of the catalogue tests: a small tariff file to vary, the sample file, sessions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

import ticketing.catalogue.models  # noqa: F401  (tables known to the engine fixture's cleanup)

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample" / "tariffs.toml"

# A small, valid file. Tests vary it with str.replace or by appending tables, so each one
# reads as the difference from a file that loads.
SMALL = """
[authority]
id = "test-auth"
name = "Test authority"

[[operators]]
id = "BUS"
name = "Bus company"
modes = ["bus"]
gtfs = [{ feed = "city", agency_id = "B1" }]

[[operators]]
id = "BOAT"
name = "Boat company"
modes = ["ferry"]

[[networks]]
id = "URBAN"
name = "Urban buses"
operators = ["BUS"]

[[zones]]
id = "Z1"
name = "Centre"
gtfs = [{ feed = "city", areas = ["centre"] }]

[[zones]]
id = "Z2"
name = "Port"

[[rider_categories]]
id = "adult"
name = "Adult"
is_default = true

[[rider_categories]]
id = "student"
name = "Student"
requires_proof = true

[[products]]
id = "T90"
name = "90 minutes"
kind = "time_based"
duration_minutes = 90
prices = { adult = 180, student = 140 }
operators = ["BUS"]

[[products]]
id = "DAY"
name = "Day pass"
kind = "day"
prices = { adult = 600 }

[[products]]
id = "W7"
name = "Week pass"
kind = "week"
prices = { adult = 2000, student = 1500 }
operators = ["BUS"]
zones = ["Z1"]

[[products]]
id = "C10"
name = "Carnet"
kind = "carnet"
rides = 10
duration_minutes = 90
prices = { adult = 1600 }

[capping]
day_start = "04:00"
caps.adult = { daily = 600, weekly = 2000 }

[congestion]
max_surcharge_bp = 3000

[[congestion.bands]]
zone = "Z2"
weekdays = ["mon", "tue"]
start = "07:00"
end = "09:00"
adjustment_bp = 1000

[revenue_sharing]
default = { method = "taps" }

[[revenue_sharing.rules]]
product = "DAY"
method = "fixed"
shares = { BUS = 7000, BOAT = 3000 }
"""


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the migrated test database, rolled back at the end."""
    with Session(engine) as opened:
        yield opened
        opened.rollback()
