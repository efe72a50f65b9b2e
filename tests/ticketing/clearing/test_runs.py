"""Clearing runs on the worker: queued by the API or the monthly tick, delivered through the
outbox on the long queue, posted to the ledger once however often they are delivered."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mobility import outbox
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.db import get_sessionmaker, session_scope
from mobility.jobs import Queue
from mobility.outbox import OutboxMessage
from tests.ticketing.ledger.support import admin, bearer, clearing_staff, traveller
from ticketing.clearing import runs
from ticketing.clearing.errors import ClearingPeriodOpen, InvalidPeriod
from ticketing.clearing.models import ClearingRun, ClearingRunStatus, ClearingRunTrigger
from ticketing.clearing.runs import CLEARING_RUN, auto_post_tick, handle_clearing_run, request_run
from ticketing.ledger.models import LedgerTransaction, TransactionKind

from .factories import rome, seed_october

AFTER = datetime(2026, 11, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _handler(monkeypatch: pytest.MonkeyPatch) -> None:
    """The run's handler registered as services.wiring does (on the long queue)."""
    monkeypatch.setitem(outbox._HANDLERS, CLEARING_RUN, handle_clearing_run)
    monkeypatch.setitem(outbox._QUEUES, CLEARING_RUN, Queue.LONG)


def integration(*scopes: Scope) -> dict[str, str]:
    return bearer(Principal("accounting", PrincipalKind.INTEGRATION, frozenset(scopes)))


def apportionments(session: Session) -> int:
    query = select(func.count()).where(LedgerTransaction.kind == TransactionKind.APPORTIONMENT)
    return session.scalar(query) or 0


def message_of(session: Session, run_id: int) -> int:
    ids = [
        m.id
        for m in session.scalars(select(OutboxMessage).where(OutboxMessage.topic == CLEARING_RUN))
        if f'"run_id": {run_id}' in m.payload
    ]
    assert len(ids) == 1
    return ids[0]


def test_api_queues_and_the_worker_posts(client: TestClient) -> None:
    """POST queues a run (202, the API computes nothing); a second POST while it is queued
    returns the same run (200); the worker's delivery posts the month and records its totals."""
    with session_scope() as session:
        seed_october(session)
    created = client.post("/v1/clearing/runs", json={"period": "2026-10"}, headers=admin())
    assert created.status_code == 202, created.text
    run = created.json()
    assert (run["status"], run["trigger"], run["requested_by"]) == ("queued", "api", "root")
    assert created.headers["location"] == f"/v1/clearing/runs/{run['id']}"
    again = client.post("/v1/clearing/runs", json={"period": "2026-10"}, headers=admin())
    assert (again.status_code, again.json()["id"]) == (200, run["id"])
    with session_scope() as session:
        assert apportionments(session) == 0

    assert outbox.dispatch_pending() == 1
    done = client.get(f"/v1/clearing/runs/{run['id']}", headers=admin()).json()
    assert (done["status"], done["attempts"], done["error"]) == ("done", 1, None)
    atl = next(t for t in done["totals"] if t["operator_id"] == "ATL")
    assert (atl["net"], atl["gross"], atl["posted"]) == (3429, 3771, 3429)
    assert done["transactions_posted"] == 3  # SETT7, MARE, payg: BIGL stays unallocated
    assert done["ledger_references"] == [
        "clearing:2026-10:product:MARE",
        "clearing:2026-10:product:SETT7",
        "clearing:2026-10:product:payg",
    ]
    listed = client.get("/v1/clearing/runs", params={"period": "2026-10"}, headers=admin())
    assert [r["id"] for r in listed.json()["runs"]] == [run["id"]]


def test_the_same_message_delivered_twice_posts_once(engine: object, settings_env: None) -> None:  # noqa: ARG001
    """A second delivery of the run's message, and the handler called again on a done run,
    leave the ledger and the run as the first delivery left them."""
    with session_scope() as session:
        seed_october(session)
        run, created = request_run(session, "2026-10", "root", now=AFTER)
        assert created
        message_id = message_of(session, run.id)
    assert outbox.deliver(message_id) is True
    assert outbox.deliver(message_id) is False
    with session_scope() as session:
        handle_clearing_run(session, {"run_id": run.id})
    with session_scope() as session:
        assert apportionments(session) == 3
        again = session.get(ClearingRun, run.id)
        assert again is not None
        assert (again.status, again.attempts, again.transactions_posted) == (
            ClearingRunStatus.DONE,
            1,
            3,
        )


def test_a_month_cleared_twice_posts_nothing_the_second_time(
    engine: object,  # noqa: ARG001
    settings_env: None,  # noqa: ARG001
) -> None:
    """A second run of a month already posted posts no transaction and reports the existing
    apportionment's references."""
    with session_scope() as session:
        seed_october(session)
        first, _ = request_run(session, "2026-10", "root", now=AFTER)
    assert outbox.dispatch_pending() == 1
    with session_scope() as session:
        second, created = request_run(session, "2026-10", "root", now=AFTER)
        assert created
        assert second.id != first.id
    assert outbox.dispatch_pending() == 1
    with session_scope() as session:
        done_first = session.get(ClearingRun, first.id)
        done_second = session.get(ClearingRun, second.id)
        assert done_first is not None
        assert done_second is not None
        assert done_second.status is ClearingRunStatus.DONE
        assert done_second.transactions_posted == 0
        assert done_second.ledger_references == done_first.ledger_references
        assert done_second.totals == done_first.totals
        assert apportionments(session) == 3


def test_a_domain_error_fails_the_run_for_good(engine: object, settings_env: None) -> None:  # noqa: ARG001
    """A run whose month is not over when the worker takes it (queued with a clock ahead)
    fails with the reason, its message is delivered (not retried) and nothing is posted."""
    with session_scope() as session:
        seed_october(session)
        run, _ = request_run(session, "2027-01", "root", now=datetime(2027, 3, 1, tzinfo=UTC))
    assert outbox.dispatch_pending() == 1
    with session_scope() as session:
        failed = session.get(ClearingRun, run.id)
        assert failed is not None
        assert failed.status is ClearingRunStatus.FAILED
        assert failed.error is not None
        assert "2027-01" in failed.error
        assert failed.active_period is None
        assert apportionments(session) == 0


def test_a_transient_error_is_retried_to_one_posting(
    engine: object,  # noqa: ARG001
    settings_env: None,  # noqa: ARG001
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An unexpected failure mid-run rolls the attempt back, notes it on the run, and the job
    runner's retry completes the run with one posting."""
    with session_scope() as session:
        seed_october(session)
        run, _ = request_run(session, "2026-10", "root", now=AFTER)
        message_id = message_of(session, run.id)
    real = runs.post_clearing

    def crash(*args: object, **kwargs: object) -> object:
        real(*args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("connection lost")

    monkeypatch.setattr(runs, "post_clearing", crash)
    with pytest.raises(RuntimeError):
        outbox.deliver(message_id, raise_errors=True)
    with session_scope() as session:
        retrying = session.get(ClearingRun, run.id)
        assert retrying is not None
        assert retrying.status is ClearingRunStatus.RUNNING
        assert retrying.error == "attempt failed, to be retried: RuntimeError"
        assert apportionments(session) == 0
    monkeypatch.setattr(runs, "post_clearing", real)
    assert outbox.deliver(message_id) is True
    with session_scope() as session:
        done = session.get(ClearingRun, run.id)
        assert done is not None
        assert (done.status, done.attempts, done.error) == (ClearingRunStatus.DONE, 2, None)
        assert apportionments(session) == 3


def test_bad_periods_are_refused_before_anything_is_written(client: TestClient) -> None:
    """A month not over is 409 clearing-period-open, a malformed one 422; no run, no message."""
    month = datetime.now(UTC).strftime("%Y-%m")
    open_month = client.post("/v1/clearing/runs", json={"period": month}, headers=admin())
    assert open_month.status_code == 409
    assert open_month.json()["type"].endswith(ClearingPeriodOpen.type_slug)
    bad = client.post("/v1/clearing/runs", json={"period": "2026-13"}, headers=admin())
    assert bad.status_code == 422
    assert bad.json()["type"].endswith(InvalidPeriod.type_slug)
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(ClearingRun)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_who_may_queue_and_read_runs(client: TestClient) -> None:
    """Only administrators and integration keys with clearing:post queue a run; reading needs
    clearing:read; operators' staff and travellers are refused; an unknown run is 404."""
    body = {"period": "2026-10"}
    assert client.post("/v1/clearing/runs", json=body).status_code == 401
    assert client.post("/v1/clearing/runs", json=body, headers=traveller()).status_code == 403
    staff = clearing_staff("ATL")
    assert client.post("/v1/clearing/runs", json=body, headers=staff).status_code == 403
    assert client.get("/v1/clearing/runs", headers=staff).status_code == 403
    reader = integration(Scope.CLEARING_READ)
    assert client.post("/v1/clearing/runs", json=body, headers=reader).status_code == 403
    poster = integration(Scope.CLEARING_POST)
    created = client.post("/v1/clearing/runs", json=body, headers=poster)
    assert created.status_code == 202, created.text
    assert created.json()["requested_by"] == "accounting"
    assert client.get("/v1/clearing/runs", headers=poster).status_code == 403
    got = client.get(f"/v1/clearing/runs/{created.json()['id']}", headers=reader)
    assert got.status_code == 200
    missing = client.get("/v1/clearing/runs/999999", headers=reader)
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("clearing-run-not-found")


def test_a_key_bound_to_one_operator_neither_queues_nor_reads_runs(client: TestClient) -> None:
    """A run's totals cover every operator: an integration key bound to one operator (its own
    accounting system) is refused here with clearing:read or clearing:post, as it is the trial
    balance, and still reads its own share at GET /v1/clearing."""
    everything = frozenset({Scope.CLEARING_READ, Scope.CLEARING_POST})
    bound = bearer(Principal("atl-books", PrincipalKind.INTEGRATION, everything, operator_id="ATL"))
    created = client.post("/v1/clearing/runs", json={"period": "2026-10"}, headers=admin())
    assert created.status_code == 202, created.text
    for response in (
        client.post("/v1/clearing/runs", json={"period": "2026-10"}, headers=bound),
        client.get("/v1/clearing/runs", headers=bound),
        client.get(f"/v1/clearing/runs/{created.json()['id']}", headers=bound),
    ):
        assert response.status_code == 403, response.text
        assert response.json()["type"].endswith("/forbidden")
    assert (
        client.get("/v1/clearing", params={"period": "2026-10"}, headers=bound).status_code == 200
    )


def test_the_monthly_tick(engine: object, settings_env: None) -> None:  # noqa: ARG001
    """Off without a day; before the day nothing; from the day on the previous month's run is
    queued once, however many ticks (or schedulers) follow, even after it is done."""
    with session_scope() as session:
        seed_october(session)
        assert auto_post_tick(session, None, rome(11, 20, 12)) is None
        assert auto_post_tick(session, 5, rome(11, 4, 23)) is None
        made = auto_post_tick(session, 5, rome(11, 5, 0, 30))
        assert made is not None
        assert (made.period, made.trigger, made.requested_by) == (
            "2026-10",
            ClearingRunTrigger.SCHEDULE,
            "scheduler",
        )
        assert auto_post_tick(session, 5, rome(11, 5, 1)) is None
    assert outbox.dispatch_pending() == 1
    with session_scope() as session:
        assert auto_post_tick(session, 5, rome(11, 28, 1)) is None
        january = auto_post_tick(session, 1, rome(1, 1, 0, 5, year=2027))
        assert january is not None
        assert january.period == "2026-12"
        assert session.scalar(select(func.count()).select_from(ClearingRun)) == 2
        assert apportionments(session) == 3


def test_the_worker_schedules_the_tick_only_when_configured(
    settings_env: None,  # noqa: ARG001
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """CLEARING_AUTO_POST_DAY empty (the default) adds no periodic entry; a day adds one."""
    from mobility.settings import get_settings
    from services.worker import Worker

    monkeypatch.setenv("CLEARING_AUTO_POST_DAY", "")
    get_settings.cache_clear()
    assert runs.AUTO_POST_JOB not in {e.job for e in Worker.from_settings().periodic()}
    monkeypatch.setenv("CLEARING_AUTO_POST_DAY", "3")
    get_settings.cache_clear()
    assert get_settings().clearing_auto_post_day == 3
    assert runs.AUTO_POST_JOB in {e.job for e in Worker.from_settings().periodic()}


def test_a_concurrent_request_shares_the_queued_run(
    engine: object,  # noqa: ARG001
    settings_env: None,  # noqa: ARG001
) -> None:
    """Two requests of one month from two sessions: the second finds the first's run by the
    unique active period instead of queueing a second one."""
    factory = get_sessionmaker()
    with factory() as one, factory() as two:
        first, created = request_run(one, "2026-10", "a", now=AFTER)
        second, created_again = request_run(two, "2026-10", "b", now=AFTER)
        assert created
        assert not created_again
        assert second.id == first.id


def test_the_cli_queues_a_run(engine: object, settings_env: None) -> None:  # noqa: ARG001
    """`clearing run --queue` queues a run for the worker (once while it waits) and posts
    nothing itself; a month not over is one line and exit 1."""
    from typer.testing import CliRunner

    from services.cli_clearing import app

    with session_scope() as session:
        seed_october(session)
    runner = CliRunner()
    first = runner.invoke(app, ["run", "--period", "2026-10", "--queue"])
    assert first.exit_code == 0, first.output
    assert re.search(r"clearing run \d+ of 2026-10: queued", first.stdout)
    again = runner.invoke(app, ["run", "--period", "2026-10", "--queue"])
    assert "already queued or running" in again.stdout
    with session_scope() as session:
        assert apportionments(session) == 0
        (run,) = session.scalars(select(ClearingRun)).all()
        assert (run.trigger, run.requested_by.startswith("cli:")) == (ClearingRunTrigger.CLI, True)
    assert outbox.dispatch_pending() == 1
    month = datetime.now(UTC).strftime("%Y-%m")
    refused = runner.invoke(app, ["run", "--period", month, "--queue"])
    assert refused.exit_code == 1
    assert len(refused.stderr.strip().splitlines()) == 1
    assert "clear it after" in refused.stderr
