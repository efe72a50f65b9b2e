"""Organisations and their members: created by administrators, managed by owners and admins,
seen only by their own members; credentials issued to a member carry the organisation."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from mobility.auth.api_keys import authenticate_api_key, create_api_credential
from mobility.auth.errors import (
    LastOwner,
    MemberExists,
    MemberNotFound,
    OrganisationExists,
    OrganisationNotFound,
)
from mobility.auth.models import ApiCredentialKind, MemberRole, OrganisationKind
from mobility.auth.organisations import (
    add_member,
    create_organisation,
    member_principal,
    members,
    remove_member,
)
from mobility.auth.principals import PrincipalKind, Scope
from mobility.errors import PROBLEM_BASE
from tests.services.roles import all_callers, logistics_firm, member_token
from tests.ticketing.shop import Shop


def _problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == PROBLEM_BASE + slug
    return body


def test_members_and_their_principals(session: Session) -> None:
    """A firm's member authenticates as a logistics caller of that firm, an operator's member
    as operator staff of that operator; a non-member gets no principal."""
    create_organisation(session, "rossi", "Trasporti Rossi", OrganisationKind.LOGISTICS,
                        owner="anna@rossi.example")  # fmt: skip
    create_organisation(session, "atc-org", "ATC", OrganisationKind.OPERATOR, operator_id="ATC")
    add_member(session, "atc-org", "desk@atc.example", MemberRole.MEMBER)

    firm = member_principal(session, "rossi", "anna@rossi.example", {Scope.FREIGHT_PLAN})
    assert (firm.kind, firm.organisation_id) == (PrincipalKind.LOGISTICS, "rossi")
    staff = member_principal(session, "atc-org", "desk@atc.example", {Scope.OPERATOR_MANAGE})
    assert (staff.kind, staff.operator_id) == (PrincipalKind.OPERATOR_STAFF, "ATC")
    with pytest.raises(MemberNotFound):
        member_principal(session, "rossi", "desk@atc.example", {Scope.FREIGHT_PLAN})
    with pytest.raises(OrganisationNotFound):
        member_principal(session, "bianchi", "anna@rossi.example", {Scope.FREIGHT_PLAN})


def test_bad_organisations_and_duplicates_are_refused(session: Session) -> None:
    """Ids must be short codes, operators name their operator, logistics firms do not; an id
    or a membership is never created twice."""
    with pytest.raises(ValueError, match="organisation id"):
        create_organisation(session, "Has Spaces", "X", OrganisationKind.LOGISTICS)
    with pytest.raises(ValueError, match="operator id"):
        create_organisation(session, "ctt", "CTT", OrganisationKind.OPERATOR)
    with pytest.raises(ValueError, match="not a transport operator"):
        create_organisation(session, "verdi", "V", OrganisationKind.LOGISTICS, operator_id="X")
    create_organisation(session, "verdi", "Verdi", OrganisationKind.LOGISTICS, owner="o@v.it")
    with pytest.raises(OrganisationExists):
        create_organisation(session, "verdi", "Verdi 2", OrganisationKind.LOGISTICS)
    with pytest.raises(MemberExists):
        add_member(session, "verdi", "o@v.it", MemberRole.MEMBER)


def test_the_last_owner_stays(session: Session) -> None:
    """Removing the only owner is refused; with a second owner, either may go."""
    create_organisation(session, "neri", "Neri", OrganisationKind.LOGISTICS, owner="a@neri.it")
    with pytest.raises(LastOwner):
        remove_member(session, "neri", "a@neri.it")
    add_member(session, "neri", "b@neri.it", MemberRole.OWNER)
    remove_member(session, "neri", "a@neri.it")
    assert [m.subject for m in members(session, "neri")] == ["b@neri.it"]


def test_api_keys_of_a_firm_carry_it(session: Session) -> None:
    """A logistics key authenticates as the firm; a key for an unknown organisation is not
    created."""
    create_organisation(session, "gialli", "Gialli", OrganisationKind.LOGISTICS)
    issued = create_api_credential(
        session,
        kind=ApiCredentialKind.LOGISTICS,
        label="TMS",
        scopes=[Scope.FREIGHT_PLAN],
        organisation_id="gialli",
    )
    principal = authenticate_api_key(session, issued.key)
    assert (principal.kind, principal.organisation_id) == (PrincipalKind.LOGISTICS, "gialli")
    with pytest.raises(OrganisationNotFound):
        create_api_credential(
            session,
            kind=ApiCredentialKind.LOGISTICS,
            label="TMS",
            scopes=[Scope.FREIGHT_PLAN],
            organisation_id="nobody",
        )


def test_administrators_create_and_list_organisations(shop: Shop) -> None:
    """POST /v1/organisations creates one (201) with its owner; a duplicate is 409, a bad id
    422; the list has it."""
    admin = all_callers()["admin"].headers
    body = {"id": "blu-cargo", "name": "Blu Cargo", "kind": "logistics", "owner": "o@blu.it"}
    created = shop.client.post("/v1/organisations", json=body, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["kind"] == "logistics"
    _problem(shop.client.post("/v1/organisations", json=body, headers=admin), 409,
             "organisation-exists")  # fmt: skip
    bad = {**body, "id": "Not A Code"}
    assert shop.client.post("/v1/organisations", json=bad, headers=admin).status_code == 422
    listed = shop.client.get("/v1/organisations", headers=admin).json()
    assert "blu-cargo" in [o["id"] for o in listed]
    members_now = shop.client.get("/v1/organisations/blu-cargo/members", headers=admin).json()
    assert [(m["subject"], m["role"]) for m in members_now] == [("o@blu.it", "owner")]


def test_owners_and_admins_manage_members(shop: Shop) -> None:
    """An owner adds an admin; the admin adds plain members but not owners or admins; a plain
    member manages nobody; the last owner cannot be removed (409)."""
    owner_token, _ = logistics_firm("viola")
    owner = owner_token.headers
    url = "/v1/organisations/viola/members"
    added = shop.client.post(url, json={"subject": "capo@viola.it", "role": "admin"}, headers=owner)
    assert added.status_code == 201, added.text
    admin = member_token("viola", "capo@viola.it").headers
    ok = shop.client.post(url, json={"subject": "autista@viola.it"}, headers=admin)
    assert ok.status_code == 201, ok.text
    _problem(shop.client.post(url, json={"subject": "x@viola.it", "role": "owner"},
                              headers=admin), 403, "forbidden")  # fmt: skip
    plain = member_token("viola", "autista@viola.it").headers
    _problem(shop.client.post(url, json={"subject": "y@viola.it"}, headers=plain), 403,
             "forbidden")  # fmt: skip
    gone = shop.client.delete(f"{url}/autista@viola.it", headers=admin)
    assert gone.status_code == 204, gone.text
    _problem(shop.client.delete(f"{url}/{owner_token.subject}", headers=owner), 409, "last-owner")


def test_members_leave_and_removed_managers_manage_nothing(shop: Shop) -> None:
    """An organisation admin cannot remove an owner nor another admin (403); a plain member may
    leave (204); an admin removed by the owner manages nothing afterwards, though the access
    token issued while a member is still unexpired (membership is read on every call)."""
    owner_token, _ = logistics_firm("ocra")
    owner = owner_token.headers
    url = "/v1/organisations/ocra/members"
    for subject, role in [("capo@ocra.it", "admin"), ("vice@ocra.it", "admin")]:
        added = shop.client.post(url, json={"subject": subject, "role": role}, headers=owner)
        assert added.status_code == 201, added.text
    capo = member_token("ocra", "capo@ocra.it").headers
    _problem(shop.client.delete(f"{url}/{owner_token.subject}", headers=capo), 403, "forbidden")
    _problem(shop.client.delete(f"{url}/vice@ocra.it", headers=capo), 403, "forbidden")
    plain = member_token("ocra", "mozzo@ocra.it", MemberRole.MEMBER).headers
    assert shop.client.delete(f"{url}/mozzo@ocra.it", headers=plain).status_code == 204
    assert shop.client.delete(f"{url}/capo@ocra.it", headers=owner).status_code == 204
    refused = shop.client.post(url, json={"subject": "nuovo@ocra.it"}, headers=capo)
    _problem(refused, 403, "forbidden")
    members_now = shop.client.get(url, headers=owner).json()
    assert sorted(m["subject"] for m in members_now) == [owner_token.subject, "vice@ocra.it"]
