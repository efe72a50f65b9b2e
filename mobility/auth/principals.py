"""Who is calling: the `Principal` every guarded endpoint receives, and the scope vocabulary."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from .errors import Forbidden, InsufficientScope


class PrincipalKind(StrEnum):
    """The kinds of API caller; a kind says who it is, the scopes say what it may do."""

    TRAVELLER = "traveller"
    PLANNER = "planner"
    GATE = "gate"
    LOGISTICS = "logistics"
    OPERATOR_STAFF = "operator_staff"
    ADMIN = "admin"
    INTEGRATION = "integration"


class Scope(StrEnum):
    """Every scope a credential may carry: the one list, so a typo fails at import time."""

    GATES_VALIDATE = "gates:validate"
    PASSES_READ = "passes:read"
    PASSES_ISSUE = "passes:issue"
    SCENARIOS_RUN = "scenarios:run"
    TRAFFIC_READ = "traffic:read"
    TRAFFIC_MANAGE = "traffic:manage"
    # Detectors and count systems pushing observations (POST /v1/traffic/counts).
    TRAFFIC_COUNTS_WRITE = "traffic:counts:write"
    FEEDS_IMPORT = "feeds:import"
    FREIGHT_PLAN = "freight:plan"
    OPERATOR_MANAGE = "operator:manage"
    ACCOUNT_READ = "account:read"
    ORDERS_READ = "orders:read"
    ORDERS_WRITE = "orders:write"
    REFUNDS_ISSUE = "refunds:issue"
    TARIFFS_MANAGE = "tariffs:manage"
    CLEARING_READ = "clearing:read"
    # Queue a month's clearing, which posts the operators' shares to the ledger.
    CLEARING_POST = "clearing:post"
    PAYMENTS_RECONCILE = "payments:reconcile"
    # Grants every other scope; only an administrator may hold it.
    ADMIN = "admin"


KNOWN_SCOPES: frozenset[str] = frozenset(s.value for s in Scope)


def check_scopes(scopes: Iterable[str]) -> frozenset[str]:
    """The scopes as a frozenset of plain strings; ValueError names any scope we do not know."""
    result = frozenset(str(s) for s in scopes)
    if unknown := result - KNOWN_SCOPES:
        raise ValueError(f"unknown scopes {sorted(unknown)}")
    return result


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: who (subject, kind), what (scopes), and where (operator, gates).

    `gate_ids` is None for a caller not restricted to particular gates; a gate controller always
    has its operator and its (possibly empty) set of gates. `credential_id` names the API key or
    the access token (jti) that authenticated the request, for audit logs.
    """

    subject: str
    kind: PrincipalKind
    scopes: frozenset[str] = frozenset()
    operator_id: str | None = None
    organisation_id: str | None = None
    gate_ids: frozenset[str] | None = None
    credential_id: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.subject:
            raise ValueError("a principal needs a subject")
        object.__setattr__(self, "kind", PrincipalKind(self.kind))
        object.__setattr__(self, "scopes", check_scopes(self.scopes))
        if self.gate_ids is not None:
            object.__setattr__(self, "gate_ids", frozenset(str(g) for g in self.gate_ids))
        if Scope.ADMIN in self.scopes and self.kind is not PrincipalKind.ADMIN:
            raise ValueError(f"the admin scope is for administrators, not {self.kind}")
        if self.kind is PrincipalKind.GATE and (self.operator_id is None or self.gate_ids is None):
            raise ValueError("a gate controller needs its operator and its gate ids")
        if self.kind is PrincipalKind.OPERATOR_STAFF and self.operator_id is None:
            raise ValueError("operator staff need an operator id")
        if self.kind is PrincipalKind.LOGISTICS and self.organisation_id is None:
            raise ValueError("a logistics caller needs an organisation id")

    @property
    def is_admin(self) -> bool:
        return Scope.ADMIN in self.scopes

    def has_scope(self, scope: str) -> bool:
        """True if the principal holds `scope` (the admin scope holds them all)."""
        return scope in self.scopes or self.is_admin

    def missing_scopes(self, scopes: Iterable[str]) -> frozenset[str]:
        """The scopes of `scopes` this principal lacks (empty if it may proceed)."""
        return frozenset(s for s in (str(x) for x in scopes) if not self.has_scope(s))


def ensure_scopes(principal: Principal, *scopes: str) -> None:
    """Raise InsufficientScope (403) unless the principal holds every one of `scopes`."""
    if missing := principal.missing_scopes(scopes):
        raise InsufficientScope(required=scopes, missing=missing)


def ensure_gate_access(principal: Principal, gate_id: str, operator_id: str) -> None:
    """Raise Forbidden (403) unless the principal may validate passes at `gate_id` of `operator_id`.

    An administrator may act anywhere. Anyone else needs `gates:validate`, must belong to the
    gate's operator, and, if restricted to gates (every gate controller is), must hold this gate.
    """
    ensure_scopes(principal, Scope.GATES_VALIDATE)
    if principal.is_admin:
        return
    if principal.operator_id is None or principal.operator_id != operator_id:
        raise Forbidden("this credential does not act for the gate's operator")
    if principal.gate_ids is not None and str(gate_id) not in principal.gate_ids:
        raise Forbidden("this credential is not valid at this gate")
