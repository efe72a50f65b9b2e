"""A scenario run goes through the long queue: created in a committed transaction, published to
`long`, run by a worker to done; its delivery sent once more changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from mobility.db import session_scope
from mobility.jobs import Queue, get_runtime, send
from mobility.outbox import DELIVER_JOB, OutboxMessage
from mobility.traffic import service as traffic
from mobility.traffic.scenarios import repository, service
from mobility.traffic.scenarios.models import ScenarioLinkResult, ScenarioStatus
from mobility.traffic.scenarios.schemas import ScenarioCreate
from services.wiring import install
from tests.mobility.jobs.workers import join, running_worker
from tests.mobility.traffic.conftest import NET, NODES, TRIPS


def _results(scenario_id: int) -> int:
    with session_scope() as session:
        query = select(func.count()).where(ScenarioLinkResult.scenario_id == scenario_id)
        return session.scalar(query) or 0


def test_a_scenario_run_is_a_long_job_run_once(settings_env: None) -> None:  # noqa: ARG001
    """The run is queued on `long` (nothing on `default`), a worker takes it to done, and the
    same delivery sent again leaves the results as they were."""
    install()
    with session_scope() as session:
        traffic.import_tntp_network(session, "sioux-falls", NET, NODES, crs="EPSG:4326")
        traffic.import_tntp_trips(session, "sioux-falls", TRIPS, "car", "am")
    body = ScenarioCreate.model_validate({"name": "s", "network": "sioux-falls", "period": "am"})
    with session_scope() as session:
        scenario_id = service.create_scenario(session, body, "planner@test").id
        message_id = session.scalars(select(OutboxMessage.id)).one()
    broker = get_runtime().broker
    assert (broker.do_qsize(Queue.LONG.value), broker.do_qsize(Queue.DEFAULT.value)) == (1, 0)
    with running_worker():
        join(Queue.LONG)
        with session_scope() as session:
            assert repository.get_scenario(session, scenario_id).status == ScenarioStatus.DONE
        links = _results(scenario_id)
        assert links > 0
        send(DELIVER_JOB[Queue.LONG], message_id)
        join(Queue.LONG)
    assert _results(scenario_id) == links
    with session_scope() as session:
        message = session.get_one(OutboxMessage, message_id)
        assert (message.attempts, message.delivered_at is not None) == (1, True)
