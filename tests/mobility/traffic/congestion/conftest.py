"""Sioux Falls (WGS 84 coordinates) with a run scenario in period "am" (weekdays 07-09)."""

from __future__ import annotations

from datetime import time

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from mobility.traffic import service as traffic
from mobility.traffic.congestion import service as congestion
from mobility.traffic.congestion.bands import parse_weekdays
from mobility.traffic.scenarios import service as scenarios
from mobility.traffic.scenarios.schemas import ScenarioCreate
from routing.scenarios.run import run_scenario
from tests.mobility.traffic.conftest import NET, NODES, TRIPS

WEEKDAYS = "mon,tue,wed,thu,fri"


def import_sioux_falls(session: Session) -> None:
    traffic.import_tntp_network(session, "sioux-falls", NET, NODES, crs="EPSG:4326")
    traffic.import_tntp_trips(session, "sioux-falls", TRIPS, "car", "am")
    congestion.set_period_band(session, "am", time(7), time(9), parse_weekdays(WEEKDAYS))


def run_new_scenario(factory: sessionmaker[Session], *changes: dict[str, object]) -> int:
    body = ScenarioCreate.model_validate(
        {"name": "s", "network": "sioux-falls", "period": "am", "changes": list(changes)}
    )
    with factory() as session:
        scenario_id = scenarios.create_scenario(session, body, "planner@test").id
        session.commit()
        run_scenario(session, scenario_id)
    return scenario_id


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    made = sessionmaker(bind=engine, expire_on_commit=False)
    with made() as session:
        import_sioux_falls(session)
        session.commit()
    return made


@pytest.fixture
def scenario_id(factory: sessionmaker[Session]) -> int:
    """A finished base scenario."""
    return run_new_scenario(factory)
