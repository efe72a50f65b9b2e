"""A credential of each kind of caller, as each really authenticates: travellers by logging in,
staff, planners and administrators with access tokens, machines (gates, detectors, a logistics
firm's systems) with API keys. Used by the role matrix, the schemathesis run and the
cross-tenant tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from mobility.auth.access_tokens import issue_access_token
from mobility.auth.api_keys import create_api_credential
from mobility.auth.models import ApiCredentialKind, MemberRole, OrganisationKind
from mobility.auth.organisations import create_organisation, member_principal
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.db import session_scope
from ticketing.accounts import service as accounts

# What a credential of each kind carries in practice (a traveller: what login grants).
PLANNER_SCOPES = {
    Scope.TRAFFIC_READ,
    Scope.TRAFFIC_MANAGE,
    Scope.SCENARIOS_RUN,
    # Planners study intermodal freight routes too (POST /v1/freight/routes).
    Scope.FREIGHT_PLAN,
}
STAFF_SCOPES = {
    Scope.OPERATOR_MANAGE,
    Scope.REFUNDS_ISSUE,
    Scope.CLEARING_READ,
    Scope.PASSES_READ,
    Scope.ORDERS_READ,
    Scope.ACCOUNT_READ,
}
GATE_SCOPES = {Scope.GATES_VALIDATE}
LOGISTICS_SCOPES = {Scope.FREIGHT_PLAN, Scope.TRAFFIC_READ}
INTEGRATION_SCOPES = {
    Scope.TRAFFIC_COUNTS_WRITE,
    Scope.TRAFFIC_READ,
    Scope.FEEDS_IMPORT,
    # The authority's accounting system reads the ledger and clearing.
    Scope.CLEARING_READ,
    # ... and queues a month's clearing run (POST /v1/clearing/runs).
    Scope.CLEARING_POST,
}


@dataclass(frozen=True)
class Caller:
    """A named credential: the headers that present it, and who it is."""

    role: str
    headers: dict[str, str]
    subject: str = ""


def _bearer(principal: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_access_token(principal)}"}


def traveller(email: str | None = None) -> Caller:
    """A new traveller account, logged in."""
    with session_scope() as session:
        account = accounts.register(
            session,
            email or f"rider-{uuid.uuid4().hex[:8]}@example.it",
            "a long passphrase 42",
            "Rider",
        )
        token = accounts.issue_session(session, account).access_token
        account_id = account.id
    return Caller("traveller", {"Authorization": f"Bearer {token}"}, account_id)


def logistics_firm(organisation_id: str | None = None) -> tuple[Caller, Caller]:
    """A logistics firm: its owner's access token, and an API key of its own systems."""
    org = organisation_id or f"firm-{uuid.uuid4().hex[:8]}"
    owner = f"owner@{org}.example"
    with session_scope() as session:
        create_organisation(session, org, f"Firm {org}", OrganisationKind.LOGISTICS, owner=owner)
        principal = member_principal(session, org, owner, LOGISTICS_SCOPES)
        issued = create_api_credential(
            session,
            kind=ApiCredentialKind.LOGISTICS,
            label=f"{org} TMS",
            scopes=LOGISTICS_SCOPES,
            organisation_id=org,
        )
        key = issued.key
    return (
        Caller("logistics", _bearer(principal), owner),
        Caller("logistics", {"Authorization": f"ApiKey {key}"}, f"apikey:{org}"),
    )


def all_callers() -> dict[str, Caller]:
    """One credential of every kind, plus an anonymous caller."""
    with session_scope() as session:
        gate = create_api_credential(
            session,
            kind=ApiCredentialKind.GATE,
            label="role matrix gate",
            scopes=GATE_SCOPES,
            operator_id="ATC",
            gate_ids=["G-MATRIX"],
        ).key
        integration = create_api_credential(
            session,
            kind=ApiCredentialKind.INTEGRATION,
            label="role matrix detector",
            scopes=INTEGRATION_SCOPES,
        ).key
    _, logistics_key = logistics_firm()
    return {
        "anonymous": Caller("anonymous", {}),
        "traveller": traveller(),
        "planner": Caller(
            "planner",
            _bearer(Principal("planner@comune.sp.it", PrincipalKind.PLANNER, PLANNER_SCOPES)),
        ),
        "gate": Caller("gate", {"X-API-Key": gate}),
        "logistics": logistics_key,
        "operator_staff": Caller(
            "operator_staff",
            _bearer(
                Principal("desk@atc.example", PrincipalKind.OPERATOR_STAFF, STAFF_SCOPES, "ATC")
            ),
        ),
        "admin": Caller(
            "admin", _bearer(Principal("root@authority.example", PrincipalKind.ADMIN, {"admin"}))
        ),
        "integration": Caller("integration", {"Authorization": f"ApiKey {integration}"}),
    }


def member_token(organisation_id: str, subject: str, role: MemberRole | None = None) -> Caller:
    """An access token of a member of an organisation (added with `role` first, if given)."""
    from mobility.auth.organisations import add_member

    with session_scope() as session:
        if role is not None:
            add_member(session, organisation_id, subject, role)
        principal = member_principal(session, organisation_id, subject, LOGISTICS_SCOPES)
    return Caller("logistics", _bearer(principal), subject)
