"""The gate registry: register a gate with its credential, look one up, and who may read it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from mobility.auth.api_keys import IssuedApiKey, create_api_credential
from mobility.auth.errors import Forbidden
from mobility.auth.models import ApiCredentialKind
from mobility.auth.principals import Principal, PrincipalKind, Scope, ensure_scopes
from mobility.errors import Conflict, NotFound, ValidationFailed

from .coverage import GatePlace
from .models import AccessGate
from .schemas import GateCreate, GateOut


def place_of(gate: AccessGate) -> GatePlace:
    return GatePlace(gate.operator_id, gate.network, gate.zone_list)


def gate_out(gate: AccessGate) -> GateOut:
    return GateOut(
        id=gate.id,
        operator_id=gate.operator_id,
        name=gate.name,
        location_kind=gate.location_kind,
        location_ref=gate.location_ref,
        direction=gate.direction,
        gate_group=gate.gate_group,
        network=gate.network,
        zones=list(gate.zone_list),
        active=gate.active,
        created_at=gate.created_at,
    )


def create_gate(
    session: Session, principal: Principal, body: GateCreate, *, now: datetime | None = None
) -> tuple[AccessGate, IssuedApiKey]:
    """Add the gate and its gate credential (scope gates:validate, this gate only); flushed."""
    ensure_scopes(principal, Scope.OPERATOR_MANAGE)
    if principal.is_admin:
        operator_id = body.operator_id or principal.operator_id
        if operator_id is None:
            raise ValidationFailed("an administrator must name the gate's operator_id")
    else:
        if principal.operator_id is None:
            raise Forbidden("this credential does not act for an operator")
        if body.operator_id not in (None, principal.operator_id):
            raise Forbidden("operator staff register gates of their own operator only")
        operator_id = principal.operator_id
    if session.get(AccessGate, body.id) is not None:
        raise Conflict(f"gate {body.id!r} already exists")
    moment = now or datetime.now(UTC)
    gate = AccessGate(
        id=body.id,
        operator_id=operator_id,
        name=body.name,
        location_kind=body.location_kind,
        location_ref=body.location_ref,
        direction=body.direction,
        gate_group=body.gate_group,
        network=body.network,
        zones=json.dumps(body.zones),
        active=body.active,
        created_at=moment,
    )
    session.add(gate)
    session.flush()
    issued = create_api_credential(
        session,
        kind=ApiCredentialKind.GATE,
        label=f"gate {body.id}",
        scopes=[Scope.GATES_VALIDATE],
        operator_id=operator_id,
        gate_ids=[body.id],
        now=moment,
    )
    return gate, issued


def get_gate(session: Session, gate_id: str, principal: Principal | None = None) -> AccessGate:
    """The gate; for a caller of another operator it does not exist (404, not 403), so gate
    ids cannot be enumerated across operators."""
    gate = session.get(AccessGate, gate_id)
    hidden = (
        gate is not None
        and principal is not None
        and not principal.is_admin
        and principal.operator_id != gate.operator_id
    )
    if gate is None or hidden:
        raise NotFound(f"no gate {gate_id!r}")
    return gate


def ensure_gate_reader(principal: Principal, gate: AccessGate) -> None:
    """Administrators, staff of the gate's operator (operator:manage), or the gate itself."""
    if principal.is_admin:
        return
    if principal.operator_id != gate.operator_id:
        raise Forbidden("this credential does not act for the gate's operator")
    if principal.kind is PrincipalKind.GATE or principal.gate_ids is not None:
        if principal.gate_ids is None or gate.id not in principal.gate_ids:
            raise Forbidden("this credential is not valid at this gate")
        ensure_scopes(principal, Scope.GATES_VALIDATE)
        return
    ensure_scopes(principal, Scope.OPERATOR_MANAGE)


def ensure_operator_staff(principal: Principal) -> str | None:
    """Operator staff or administrators (operator:manage); the operator they act for."""
    ensure_scopes(principal, Scope.OPERATOR_MANAGE)
    if not principal.is_admin and principal.kind is PrincipalKind.GATE:
        raise Forbidden("a gate credential cannot manage passes")
    return principal.operator_id
