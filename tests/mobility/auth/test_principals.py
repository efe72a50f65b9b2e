"""Principals validate themselves; gate access follows scope, operator and gate."""

from __future__ import annotations

import pytest

from mobility.auth.errors import Forbidden, InsufficientScope
from mobility.auth.principals import Principal, PrincipalKind, Scope, ensure_gate_access

GATE = Principal(
    subject="gate-1",
    kind=PrincipalKind.GATE,
    scopes=frozenset({Scope.GATES_VALIDATE}),
    operator_id="op-a",
    gate_ids=frozenset({"g1"}),
)


def test_principal_rules() -> None:
    """Unknown scopes, admin scope on non-admins and gates without operator are refused."""
    with pytest.raises(ValueError, match="unknown scopes"):
        Principal(subject="u", kind=PrincipalKind.TRAVELLER, scopes=frozenset({"passes:write"}))
    with pytest.raises(ValueError, match="admin scope"):
        Principal(subject="u", kind=PrincipalKind.PLANNER, scopes=frozenset({Scope.ADMIN}))
    with pytest.raises(ValueError, match="gate controller"):
        Principal(subject="g", kind=PrincipalKind.GATE, gate_ids=frozenset({"g1"}))
    with pytest.raises(ValueError, match="organisation"):
        Principal(subject="l", kind=PrincipalKind.LOGISTICS)


def test_gate_access_own_gate_only() -> None:
    """A gate credential may act at its own gate of its operator, nowhere else."""
    ensure_gate_access(GATE, "g1", "op-a")
    with pytest.raises(Forbidden, match="operator"):
        ensure_gate_access(GATE, "g1", "op-b")
    with pytest.raises(Forbidden, match="gate"):
        ensure_gate_access(GATE, "g2", "op-a")


def test_gate_access_needs_scope_and_admin_goes_anywhere() -> None:
    """Without gates:validate it is 403 insufficient-scope; an administrator passes any gate."""
    staff = Principal(subject="s", kind=PrincipalKind.OPERATOR_STAFF, operator_id="op-a")
    with pytest.raises(InsufficientScope):
        ensure_gate_access(staff, "g1", "op-a")
    admin = Principal(subject="a", kind=PrincipalKind.ADMIN, scopes=frozenset({Scope.ADMIN}))
    ensure_gate_access(admin, "g9", "op-z")
