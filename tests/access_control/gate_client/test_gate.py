"""Decisions of an entry or exit gate, made offline from the local store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from access_control.gate_client import (
    GateStore,
    OfflineGate,
    RevocationDelta,
    RevokedEntry,
)
from access_control.reasons import Reason
from tests.access_control.conftest import NOW, Issued
from tests.access_control.gate_client.conftest import FakeServer, gate_config, present


def test_good_pass_opens(gate: OfflineGate, issued: Issued) -> None:
    """A valid pass covering the gate opens, online and not degraded, with the 'ok' code."""
    decision = gate.decide(present(issued), NOW)
    assert decision.opened
    assert decision.reason is None
    assert decision.code == "ok"
    assert (decision.display("it"), decision.display("en")) == ("Buon viaggio", "Have a good trip")
    assert not decision.offline
    assert not decision.degraded
    assert (decision.pass_id, decision.jti) == (issued.claims.pass_id, issued.jti)


def test_token_fault_is_refused_with_its_reason(gate: OfflineGate, issued: Issued) -> None:
    """A payload whose proof is missing is refused with the access_control reason, no pass id."""
    decision = gate.decide(issued.token, NOW)
    assert not decision.opened
    assert decision.reason == Reason.PROOF_MISSING
    assert decision.code == "proof_missing"
    assert decision.display("en") == "Open the pass in the app"
    assert decision.pass_id is None


def test_revoked_pass_after_delta_sync(
    gate: OfflineGate, server: FakeServer, issued: Issued
) -> None:
    """A pass revoked in a delta is refused 'revoked' once the gate has synced it."""
    entry = RevokedEntry("pass", issued.claims.pass_id, issued.claims.valid_until)
    server.deltas[0] = RevocationDelta(0, 1, revoked=(entry,))
    later = NOW + timedelta(minutes=1)
    assert gate.sync(server, later).ok
    decision = gate.decide(present(issued, later), later)
    assert decision.reason == Reason.REVOKED
    assert decision.code == "revoked"
    assert decision.display("it") == "Titolo revocato"


def test_revoked_jti_refuses_that_token_only(
    gate: OfflineGate, server: FakeServer, issue: Callable[..., Issued]
) -> None:
    """Revoking a jti refuses that token; another token of the same pass still opens."""
    old, new = issue(), issue()
    server.deltas[0] = RevocationDelta(
        0, 1, revoked=(RevokedEntry("jti", old.jti, NOW + timedelta(days=8)),)
    )
    assert gate.sync(server, NOW).ok
    assert gate.decide(present(old), NOW).reason == Reason.REVOKED
    assert gate.decide(present(new), NOW).opened


def test_old_jwks_copy_flags_degraded_but_decides(
    gate: OfflineGate, server: FakeServer, issued: Issued
) -> None:
    """Past jwks_max_age without a refresh the gate still opens, flagged degraded and offline."""
    server.online = False
    later = NOW + timedelta(hours=25)
    report = gate.sync(server, later)
    assert not report.ok
    decision = gate.decide(present(issued, later), later)
    assert decision.opened
    assert decision.degraded
    assert "jwks" in decision.stale
    assert decision.offline


def test_stale_revocations_flag_degraded(gate: OfflineGate, issued: Issued) -> None:
    """A revocation list not synced within revocations_max_age flags 'revocations', not 'jwks'."""
    later = NOW + timedelta(hours=2)
    decision = gate.decide(present(issued, later), later)
    assert decision.opened
    assert decision.stale == ("revocations",)
    assert decision.offline  # no sync succeeded within offline_after either


def test_gate_without_jwks_refuses(make_gate: Callable[..., OfflineGate], issued: Issued) -> None:
    """A gate that never fetched a JWKS refuses every pass as unknown_kid, and is degraded."""
    decision = make_gate().decide(present(issued), NOW)
    assert decision.reason == Reason.UNKNOWN_KID
    assert decision.degraded
    assert decision.offline


def test_passback_within_the_window(gate: OfflineGate, issued: Issued) -> None:
    """A second entry of the same pass in the same group within the window is 'passback'."""
    assert gate.decide(present(issued), NOW).opened
    later = NOW + timedelta(minutes=19)
    decision = gate.decide(present(issued, later), later)
    assert decision.reason == Reason.PASSBACK
    assert decision.display("en") == "Already entered"


def test_passback_ends_after_the_window(gate: OfflineGate, issued: Issued) -> None:
    """Once the window has passed since the last entry, the pass enters again."""
    assert gate.decide(present(issued), NOW).opened
    later = NOW + timedelta(minutes=20)
    assert gate.decide(present(issued, later), later).opened


def test_refused_entry_does_not_extend_the_window(gate: OfflineGate, issued: Issued) -> None:
    """A passback refusal is not an entry: the window still counts from the opened one."""
    assert gate.decide(present(issued), NOW).opened
    refused_at = NOW + timedelta(minutes=15)
    assert not gate.decide(present(issued, refused_at), refused_at).opened
    later = NOW + timedelta(minutes=21)
    assert gate.decide(present(issued, later), later).opened


def test_exit_clears_passback(gate: OfflineGate, store: GateStore, issued: Issued) -> None:
    """After an exit recorded by an exit gate of the group, the pass may enter again at once."""
    exit_gate = OfflineGate(gate_config(gate_id="G-MOLO-1-X1", direction="exit"), store)
    assert gate.decide(present(issued), NOW).opened
    out = NOW + timedelta(minutes=2)
    assert exit_gate.decide(present(issued, out), out).opened
    back = NOW + timedelta(minutes=3)
    assert gate.decide(present(issued, back), back).opened


def test_passback_is_per_gate_group(gate: OfflineGate, store: GateStore, issued: Issued) -> None:
    """An entry in one gate group does not block an entry in another."""
    other = OfflineGate(gate_config(gate_id="G-STAZ-E1", gate_group="stazione"), store)
    assert gate.decide(present(issued), NOW).opened
    assert other.decide(present(issued), NOW).opened


def test_single_use_twice_at_the_same_gate(gate: OfflineGate, issue: Callable[..., Issued]) -> None:
    """A single-use pass opens once; presented again (even after the window) it is already_used."""
    ticket = issue(single_use=True)
    assert gate.decide(present(ticket), NOW).opened
    later = NOW + timedelta(hours=1)
    decision = gate.decide(present(ticket, later), later)
    assert decision.reason == Reason.ALREADY_USED
    assert decision.display("it") == "Titolo già utilizzato"


def test_zone_not_covered(
    make_gate: Callable[..., OfflineGate], server: FakeServer, issued: Issued
) -> None:
    """A gate in a zone (or on a network) the pass does not cover refuses wrong_gate_zone."""
    for overrides in ({"zones": ("Z4",)}, {"zones": ("Z1", "Z4")}, {"network": "PORTO"}):
        gate = make_gate(**overrides)
        assert gate.sync(server, NOW).ok
        assert gate.decide(present(issued), NOW).reason == Reason.WRONG_GATE_ZONE


def test_operator_not_covered(
    make_gate: Callable[..., OfflineGate], server: FakeServer, issued: Issued
) -> None:
    """A gate of an operator the pass does not include refuses wrong_operator."""
    gate = make_gate(operator="NAV")
    assert gate.sync(server, NOW).ok
    assert gate.decide(present(issued), NOW).reason == Reason.WRONG_OPERATOR


def test_wildcard_pass_covers_any_gate(
    make_gate: Callable[..., OfflineGate], server: FakeServer, issue: Callable[..., Issued]
) -> None:
    """A pass for any operator, network and zone opens a gate of any of them."""
    gate = make_gate(operator="NAV", network="PORTO", zones=("Z9",))
    assert gate.sync(server, NOW).ok
    anywhere = issue(operators=("*",), networks=("*",), zones=("*",))
    assert gate.decide(present(anywhere), NOW).opened
