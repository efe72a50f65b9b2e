"""The tap queue and the audit: durable, uploaded until acknowledged, never holding a token."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from access_control.gate_client import GateStore, OfflineGate, TapConflict
from access_control.reasons import Reason
from tests.access_control.conftest import NOW, Issued
from tests.access_control.gate_client.conftest import FakeServer, gate_config, present

# A gate process that decides one tap and dies without closing anything (no upload, no close).
CRASHING_GATE = """
import os, sys
from datetime import datetime
from access_control.gate_client import GateStore, OfflineGate
from tests.access_control.gate_client.conftest import gate_config
store = GateStore.open(sys.argv[1])
now = datetime.fromisoformat(sys.argv[3])
decision = OfflineGate(gate_config(), store).decide(sys.argv[2], now)
print(decision.tap_id, flush=True)
os._exit(9)
"""


def test_taps_survive_closing_and_reopening_the_store(
    gate: OfflineGate, server: FakeServer, store_path: Path, issue: Callable[..., Issued]
) -> None:
    """Taps decided offline and never uploaded are still queued after reopening, then uploaded."""
    server.online = False
    taps = [gate.decide(present(issue()), NOW).tap_id for _ in range(3)]
    assert not gate.sync(server, NOW).ok
    gate.store.close()
    with GateStore.open(store_path) as reopened:
        assert [tap.tap_id for tap in reopened.taps(pending_only=True)] == taps
        server.online = True
        report = OfflineGate(gate_config(), reopened).sync(server, NOW + timedelta(minutes=5))
        assert report.ok
        assert report.uploaded == 3
        assert reopened.pending_count() == 0
    assert sorted(server.stored) == sorted(taps)


def test_tap_survives_a_crash_of_the_gate_process(
    gate: OfflineGate, server: FakeServer, store_path: Path, issued: Issued
) -> None:
    """A process killed right after deciding (no close, no upload) leaves its tap queued."""
    gate.store.close()
    result = subprocess.run(
        [sys.executable, "-c", CRASHING_GATE, str(store_path), present(issued), NOW.isoformat()],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[3],
        check=False,
    )
    assert result.returncode == 9, result.stderr
    tap_id = result.stdout.strip()
    with GateStore.open(store_path) as reopened:
        assert [tap.tap_id for tap in reopened.taps(pending_only=True)] == [tap_id]
        assert OfflineGate(gate_config(), reopened).sync(server, NOW).uploaded == 1
    assert list(server.stored) == [tap_id]


def test_lost_acknowledgement_resends_without_duplicates(
    gate: OfflineGate, server: FakeServer, issue: Callable[..., Issued]
) -> None:
    """After a lost ack the batch is sent again; the server sees every id, the queue empties."""
    taps = [gate.decide(present(issue()), NOW).tap_id for _ in range(5)]
    server.acks_to_lose = 1
    first = gate.sync(server, NOW)
    assert [error.split(":")[0] for error in first.errors] == ["upload"]
    assert gate.store.pending_count() == 5
    assert gate.sync(server, NOW + timedelta(minutes=1)).ok
    assert set(server.received) == set(taps)  # each at least once (here: twice)
    assert sorted(server.stored) == sorted(taps)
    assert gate.store.pending_count() == 0
    local = [tap.tap_id for tap in gate.store.taps()]
    assert sorted(local) == sorted(taps)  # no tap duplicated or lost locally


def test_upload_goes_in_batches(
    make_gate: Callable[..., OfflineGate], server: FakeServer, issued: Issued
) -> None:
    """Seven taps with a batch size of three go up in three calls, oldest first."""
    gate = make_gate(upload_batch_size=3)
    times = [NOW + timedelta(seconds=s) for s in range(7)]
    taps = [gate.decide(present(issued, moment), moment).tap_id for moment in times]
    report = gate.sync(server, NOW + timedelta(minutes=1))
    assert report.uploaded == 7
    assert server.upload_calls == 3
    assert server.received == taps


def test_single_use_consumed_elsewhere_is_a_reported_conflict(
    gate: OfflineGate, server: FakeServer, issue: Callable[..., Issued]
) -> None:
    """When the server says another gate consumed the pass first, the conflict is kept and shown."""
    ticket = issue(single_use=True)
    decision = gate.decide(present(ticket), NOW)
    assert decision.opened
    elsewhere = TapConflict(
        "t-other", ticket.claims.pass_id, "G-STAZ-E2", NOW - timedelta(minutes=1)
    )
    server.consumed_elsewhere[ticket.claims.pass_id] = elsewhere
    report = gate.sync(server, NOW + timedelta(minutes=1))
    expected = TapConflict(
        decision.tap_id, ticket.claims.pass_id, "G-STAZ-E2", elsewhere.consumed_at
    )
    assert report.conflicts == (expected,)
    assert gate.store.conflicts() == [expected]
    assert gate.store.pending_count() == 0  # the tap is acknowledged; the conflict stays on record
    later = NOW + timedelta(minutes=2)
    assert gate.decide(present(ticket, later), later).reason == Reason.ALREADY_USED


def test_offline_flag_follows_the_last_sync(
    gate: OfflineGate, server: FakeServer, issued: Issued
) -> None:
    """A failed sync makes the next decisions offline; a successful one clears it."""
    server.online = False
    failed_at = NOW + timedelta(minutes=1)
    assert not gate.sync(server, failed_at).ok
    assert gate.decide(present(issued, failed_at), failed_at).offline
    server.online = True
    later = NOW + timedelta(minutes=30)
    assert gate.sync(server, later).ok
    decision = gate.decide(present(issued, later), later)
    assert not decision.offline
    assert not decision.degraded


def test_audit_records_each_decision_without_the_token(
    gate: OfflineGate, store_path: Path, issued: Issued
) -> None:
    """Each decision is audited by pass id, jti, code, time and gate; the token is nowhere."""
    payload = present(issued)
    gate.decide(payload, NOW)
    gate.decide(payload, NOW)  # passback
    gate.decide(issued.token, NOW)  # no proof
    rows = gate.store.query("SELECT gate_id, pass_id, jti, code, decided_us FROM taps")
    assert [row[:4] for row in rows] == [
        ("G-MOLO-1-E1", issued.claims.pass_id, issued.jti, "ok"),
        ("G-MOLO-1-E1", issued.claims.pass_id, issued.jti, "passback"),
        ("G-MOLO-1-E1", None, None, "proof_missing"),
    ]
    gate.store.close()
    stored = b"".join(path.read_bytes() for path in store_path.parent.glob(store_path.name + "*"))
    signature = issued.token.rsplit(".", 1)[1]
    for secret in (issued.token, signature, payload.split("~")[1]):
        assert secret.encode() not in stored
    assert issued.jti.encode() in stored  # the check itself can see what is in the file


def test_sync_forgets_only_what_no_decision_needs(
    make_gate: Callable[..., OfflineGate], server: FakeServer, issue: Callable[..., Issued]
) -> None:
    """Spent passes go after expiry, uploaded taps after retention; pending taps always stay."""
    gate = make_gate(audit_retention=timedelta(days=1))
    assert gate.sync(server, NOW).ok
    ticket = issue(single_use=True, valid_until=NOW + timedelta(hours=2))
    assert gate.decide(present(ticket), NOW).opened
    assert gate.sync(server, NOW).uploaded == 1
    pending = gate.decide(present(issue()), NOW).tap_id
    server.online = False
    gate.sync(server, NOW + timedelta(days=2))
    assert gate.store.query("SELECT count(*) FROM consumed") == [(0,)]
    assert [tap.tap_id for tap in gate.store.taps()] == [pending]


def test_offline_single_use_tap_says_so_on_the_wire(tmp_path: Path) -> None:
    """An offline entry with a single-use pass uploads single_use=true, so the server can
    record the first use and report a conflict with another gate."""
    from access_control.gate_client.backend import Tap

    store = GateStore.open(tmp_path / "g.sqlite3")
    tap = Tap(
        tap_id="t1", gate_id="G1", gate_group="G", direction="entry", decided_at=NOW,
        opened=True, code="ok", pass_id="P", jti="j", offline=True, degraded=False,
        single_use=True,
    )  # fmt: skip
    with store.transaction() as db:
        GateStore.add_tap(db, tap)
    [pending] = store.taps(pending_only=True)
    assert pending.single_use
    assert Tap.from_json(pending.to_json()).single_use
