"""Scenario runs on both databases: Sioux Falls imported, the job delivered by the outbox."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from mobility import outbox
from mobility.traffic import service as traffic
from mobility.traffic.scenarios import repository, service
from mobility.traffic.scenarios.models import ScenarioLinkResult, ScenarioStatus
from mobility.traffic.scenarios.schemas import ScenarioCreate
from routing.scenarios.run import handle_scenario_run, run_scenario
from tests.mobility.traffic.conftest import NET, NODES, TRIPS


@pytest.fixture
def factory(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> sessionmaker[Session]:
    """Sioux Falls with its car trips in period "am"; the run handler registered."""
    monkeypatch.setitem(outbox._HANDLERS, service.SCENARIO_RUN, handle_scenario_run)
    made = sessionmaker(bind=engine, expire_on_commit=False)
    with made() as session:
        traffic.import_tntp_network(session, "sioux-falls", NET, NODES, crs="EPSG:4326")
        traffic.import_tntp_trips(session, "sioux-falls", TRIPS, "car", "am")
        traffic.ensure_vehicle_class(session, "truck", 2.5)
        session.commit()
    return made


def create(factory: sessionmaker[Session], *changes: dict[str, Any], **extra: Any) -> int:
    body = ScenarioCreate.model_validate(
        {"name": "s", "network": "sioux-falls", "period": "am", "changes": list(changes), **extra}
    )
    with factory() as session:
        scenario = service.create_scenario(session, body, "planner@test")
        session.commit()
        return scenario.id


def test_runs_close_and_surge_and_compare(factory: sessionmaker[Session]) -> None:
    """Base, closure and truck surge run to done via the outbox; the closed link carries
    nothing and VHT rises; the surge adds trucks weighted by their PCE; compare sees both."""
    base = create(factory)
    closed = create(factory, {"type": "close_link", "link": [10, 15]})
    surge = create(
        factory,
        {"type": "truck_surge", "zone": 1, "trucks": 500, "destinations": {20: 1}},
        classes=["car"],
    )
    assert outbox.dispatch_pending(factory=factory) == 3
    with factory() as session:
        scenarios = {i: repository.get_scenario(session, i) for i in (base, closed, surge)}
        assert {s.status for s in scenarios.values()} == {ScenarioStatus.DONE}
        assert scenarios[base].gap is not None
        assert scenarios[base].gap <= 1e-4
        assert scenarios[base].progress == 1.0
        results = {i: repository.results(session, i) for i in scenarios}
        assert len(results[base]) == 76
        [link] = [r for r in results[closed] if (r.from_node, r.to_node) == (10, 15)]
        assert link.closed
        assert link.volume == 0
        base_totals, closed_totals = scenarios[base].totals, scenarios[closed].totals
        assert base_totals is not None
        assert closed_totals is not None
        assert closed_totals["vht_h"] > base_totals["vht_h"]
        assert closed_totals["unreachable_trips"] == 0
        truck_volume = sum(r.class_volume["truck"] for r in results[surge])
        car_pce = sum(r.class_volume["car"] for r in results[surge])
        total_pce = sum(r.volume for r in results[surge])
        assert truck_volume > 0
        assert total_pce == pytest.approx(car_pce + 2.5 * truck_volume)

        comparison = service.compare(session, base, surge)
        assert comparison.totals_diff["vkt_km"] > 0
        assert comparison.totals_diff["co2_kg"] > 0
        assert comparison.top_links[0].volume_other > comparison.top_links[0].volume_base


def test_delivering_twice_or_restarting_is_idempotent(factory: sessionmaker[Session]) -> None:
    """A second delivery leaves a done scenario alone; one left running restarts cleanly."""
    scenario_id = create(factory)
    with factory() as session:
        assert run_scenario(session, scenario_id) == ScenarioStatus.DONE
        assert run_scenario(session, scenario_id) == ScenarioStatus.DONE
        count = select(func.count()).where(ScenarioLinkResult.scenario_id == scenario_id)
        assert session.scalar(count) == 76
        scenario = repository.get_scenario(session, scenario_id)
        scenario.status = ScenarioStatus.RUNNING
        session.commit()
        assert run_scenario(session, scenario_id) == ScenarioStatus.DONE
        assert session.scalar(count) == 76


def test_unreachable_demand_is_reported(factory: sessionmaker[Session]) -> None:
    """Closing both links out of zone 1 leaves its trips without a path: reported, not run."""
    scenario_id = create(
        factory,
        {"type": "close_link", "link": [1, 2]},
        {"type": "close_link", "link": [1, 3]},
    )
    with factory() as session:
        assert run_scenario(session, scenario_id) == ScenarioStatus.DONE
        totals = repository.get_scenario(session, scenario_id).totals
        assert totals is not None
        assert totals["unreachable_trips"] > 0


def test_progress_is_committed_while_running(factory: sessionmaker[Session]) -> None:
    """During the run another session sees the scenario running with its first iteration."""
    scenario_id = create(factory)
    seen: list[tuple[str, int | None, float]] = []

    def look(iteration: int, _gap: float, _fraction: float) -> None:
        if iteration == 1:
            with factory() as other:
                row = repository.get_scenario(other, scenario_id)
                seen.append((row.status.value, row.iterations, row.progress))

    with factory() as session:
        assert run_scenario(session, scenario_id, look) == ScenarioStatus.DONE
    [(status, iterations, progress)] = seen
    assert (status, iterations) == ("running", 1)
    assert 0 <= progress < 1


def test_a_failing_run_records_its_error(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An assignment that raises leaves the scenario failed with the error, no results, and
    the message delivered (a failed run is not retried)."""

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise ValueError("demand too large")

    monkeypatch.setattr("routing.scenarios.run.assign", broken)
    scenario_id = create(factory)
    assert outbox.dispatch_pending(factory=factory) == 1
    with factory() as session:
        scenario = repository.get_scenario(session, scenario_id)
        assert scenario.status == ScenarioStatus.FAILED
        assert scenario.error == "ValueError: demand too large"
        assert scenario.finished_at is not None
        assert repository.results(session, scenario_id) == []


def test_added_links_get_results(factory: sessionmaker[Session]) -> None:
    """An added link (a bypass 10 -> 16) gets a result after the base links, without a
    database id; an added link closed again gets none."""
    bypass = {"type": "add_link", "from_node": 10, "to_node": 16, "length": 2,
              "free_flow_time": 2, "capacity": 20000}  # fmt: skip
    scenario_id = create(factory, bypass, {**bypass, "to_node": 17}, {"type": "close_link",
                         "link": 77}, {"type": "close_link", "link": 5})  # fmt: skip
    with factory() as session:
        assert run_scenario(session, scenario_id) == ScenarioStatus.DONE
        results = repository.results(session, scenario_id)
        assert [r.link_index for r in results] == list(range(77))
        added = results[76]
        assert (added.link_id, added.from_node, added.to_node) == (None, 10, 16)
        assert added.volume > 0
        assert results[5].closed
