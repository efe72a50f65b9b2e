"""Access-control endpoints: keys, the gate registry, revocations, taps, online validation."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from access_control import gates, online, revocations, taps
from access_control.errors import KeyRingInvalid, SigningKeyUnavailable
from access_control.keyring_provider import configured_keyring
from access_control.models import AccessGate, RevocationEvent
from access_control.schemas import (
    Display,
    GateCreate,
    GateCreated,
    GateOut,
    RevocationOut,
    RevokeIn,
    TapBatchIn,
    ValidateIn,
    ValidateOut,
)
from mobility.auth.deps import CurrentPrincipal, require_scopes
from mobility.auth.errors import Forbidden, Unauthorized
from mobility.auth.principals import Principal, Scope, ensure_gate_access, ensure_scopes
from mobility.deps import RedisDep, SessionDep
from mobility.errors import Conflict, NotFound, ValidationFailed
from mobility.problems import model_response, problem_responses
from ticketing.passes.models import Pass as TicketingPass

router = APIRouter(tags=["access control"])

JWKS_MEDIA_TYPE = "application/jwk-set+json"


@router.get(
    "/keys",
    responses={
        200: {
            "description": "JWK Set (RFC 7517) of every key a valid pass may be signed with",
            "content": {JWKS_MEDIA_TYPE: {}},
        },
        **problem_responses(SigningKeyUnavailable, KeyRingInvalid),
    },
)
def get_keys() -> Response:
    """Public pass-signing keys as a JWK Set, including keys scheduled to activate soon."""
    jwks = configured_keyring().jwks(datetime.now(UTC))
    # Gates poll this; five minutes of caching keeps a rotation announced ahead of time in reach.
    return Response(
        json.dumps(jwks),
        media_type=JWKS_MEDIA_TYPE,
        headers={"Cache-Control": "public, max-age=300"},
    )


# -- gates, revocations, taps, online validation ----------------------------------------------

_GATE_ERRORS = (Unauthorized, Forbidden, NotFound)


@router.post(
    "/gates",
    status_code=201,
    response_model=GateCreated,
    responses=problem_responses(Unauthorized, Forbidden, Conflict, ValidationFailed),
)
def post_gate(
    body: GateCreate,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_scopes(Scope.OPERATOR_MANAGE))],
) -> Response:
    """Register a gate of your operator and create its credential; the API key is shown once."""
    gate, issued = gates.create_gate(session, principal, body)
    created = GateCreated(
        gate=gates.gate_out(gate), credential_id=issued.credential.id, api_key=issued.key
    )
    response = model_response(created)
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/gates/{gate_id}", response_model=GateOut, responses=problem_responses(*_GATE_ERRORS))
def get_gate(gate_id: str, session: SessionDep, principal: CurrentPrincipal) -> Response:
    """A gate, for staff of its operator or the gate itself."""
    gate = gates.get_gate(session, gate_id, principal)
    gates.ensure_gate_reader(principal, gate)
    return model_response(gates.gate_out(gate))


def _ensure_may_revoke(session: Session, principal: Principal, pass_id: str) -> None:
    """Administrators may revoke any pass; an operator's staff (operator:manage) only a pass
    that ticketing issued for their operator alone: a revocation reaches every operator's
    gates, so an integrated pass is the authority's to revoke."""
    if principal.is_admin:
        return
    ensure_scopes(principal, Scope.OPERATOR_MANAGE)
    item = session.get(TicketingPass, pass_id)
    if item is None or principal.operator_id is None:
        raise Forbidden("only an administrator may revoke this pass")
    if item.codes("operators") != (principal.operator_id,):
        raise Forbidden("the pass is not of your operator alone: ask the authority")


@router.post(
    "/passes/{pass_id}/revoke",
    status_code=201,
    response_model=RevocationOut,
    responses=problem_responses(Unauthorized, Forbidden, ValidationFailed),
)
def revoke_pass(
    pass_id: str,
    body: RevokeIn,
    session: SessionDep,
    client: RedisDep,
    principal: CurrentPrincipal,
) -> Response:
    """Refuse a pass at every gate until `until`: online at once, offline at the next sync
    (administrators; an operator's staff for passes of their operator alone)."""
    _ensure_may_revoke(session, principal, pass_id)
    event = revocations.revoke(session, client, "pass", pass_id, body.until, body.reason)
    return _created(event)


@router.post(
    "/passes/{pass_id}/restore",
    status_code=201,
    response_model=RevocationOut,
    responses=problem_responses(Unauthorized, Forbidden, ValidationFailed),
)
def restore_pass(
    pass_id: str,
    session: SessionDep,
    client: RedisDep,
    principal: CurrentPrincipal,
) -> Response:
    """Lift a pass's revocation (the same people who may revoke it)."""
    _ensure_may_revoke(session, principal, pass_id)
    event = revocations.restore(session, client, "pass", pass_id)
    return _created(event)


def _created(event: RevocationEvent) -> Response:
    """201 with the appended revocation event."""
    response = model_response(_revocation_out(event))
    response.status_code = 201
    return response


def _revocation_out(event: RevocationEvent) -> RevocationOut:
    return RevocationOut(
        version=event.version,
        action=event.action,
        kind=event.kind,
        id=event.ident,
        until=None if event.until is None else event.until,
    )


def _own_gate(session: Session, principal: Principal, gate_id: str) -> AccessGate:
    """The gate, if the caller may act at it (gates:validate, its operator, its gate ids)."""
    gate = gates.get_gate(session, gate_id, principal)
    ensure_gate_access(principal, gate.id, gate.operator_id)
    return gate


@router.get(
    "/gates/{gate_id}/revocations",
    responses={
        200: {"description": "A revocation delta or snapshot (see gate_client/backend.py)"},
        **problem_responses(*_GATE_ERRORS),
    },
)
def get_revocations(
    gate_id: str,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_scopes(Scope.GATES_VALIDATE))],
    since: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """The revocation changes since version `since`, or a snapshot."""
    _own_gate(session, principal, gate_id)
    reply = revocations.delta_since(session, since, datetime.now(UTC))
    return Response(json.dumps(reply.to_json()), media_type="application/json")


@router.post(
    "/gates/{gate_id}/taps",
    responses={
        200: {"description": '{"acknowledged": [tap_id, ...], "conflicts": [...]}'},
        **problem_responses(*_GATE_ERRORS, ValidationFailed),
    },
)
def post_taps(
    gate_id: str,
    body: TapBatchIn,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_scopes(Scope.GATES_VALIDATE))],
) -> Response:
    """Store a gate's taps idempotently by tap id; report single-use conflicts."""
    gate = _own_gate(session, principal, gate_id)
    ack = taps.store_batch(session, gate, taps.parse_batch(body.taps))
    return Response(json.dumps(ack.to_json()), media_type="application/json")


@router.post(
    "/gates/{gate_id}/validate",
    response_model=ValidateOut,
    responses=problem_responses(*_GATE_ERRORS, Conflict),
)
def post_validate(
    gate_id: str,
    body: ValidateIn,
    session: SessionDep,
    client: RedisDep,
    principal: Annotated[Principal, Depends(require_scopes(Scope.GATES_VALIDATE))],
) -> Response:
    """Decide online on a presented pass at this gate and record the tap."""
    gate = _own_gate(session, principal, gate_id)
    decision = online.validate(session, client, gate, body.payload, tap_id=body.tap_id)
    display = decision.display()
    return model_response(
        ValidateOut(
            tap_id=decision.tap_id,
            open=decision.opened,
            code=decision.code,
            display=Display(it=display["it"], en=display["en"]),
            degraded=decision.degraded,
        )
    )
