"""HTTP routes of organisations: administrators create them, owners and admins manage members."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from mobility.deps import SessionDep
from mobility.errors import ValidationFailed
from mobility.problems import model_response, problem_responses

from . import organisations as orgs
from .deps import CurrentPrincipal
from .errors import (
    Forbidden,
    LastOwner,
    MemberExists,
    MemberNotFound,
    OrganisationExists,
    OrganisationNotFound,
    Unauthorized,
)
from .principals import Scope, ensure_scopes
from .schemas import MemberIn, MemberOut, OrganisationIn, OrganisationOut

router = APIRouter(prefix="/organisations", tags=["organisations"])
_AUTH_ERRORS = (Unauthorized, Forbidden)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=OrganisationOut,
    responses=problem_responses(*_AUTH_ERRORS, OrganisationExists, ValidationFailed),
)
def create_organisation(
    body: OrganisationIn, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """Create a logistics firm's or an operator's organisation (administrators)."""
    ensure_scopes(principal, Scope.ADMIN)
    try:
        created = orgs.create_organisation(
            session,
            body.id,
            body.name,
            body.kind,
            operator_id=body.operator_id,
            owner=body.owner,
        )
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from exc
    response = model_response(OrganisationOut.of(created))
    response.status_code = status.HTTP_201_CREATED
    return response


@router.get("", response_model=list[OrganisationOut], responses=problem_responses(*_AUTH_ERRORS))
def list_organisations(session: SessionDep, principal: CurrentPrincipal) -> list[OrganisationOut]:
    """Every organisation (administrators)."""
    ensure_scopes(principal, Scope.ADMIN)
    return [OrganisationOut.of(o) for o in orgs.list_organisations(session)]


@router.get(
    "/{organisation_id}",
    response_model=OrganisationOut,
    responses=problem_responses(*_AUTH_ERRORS, OrganisationNotFound),
)
def get_organisation(
    organisation_id: str, session: SessionDep, principal: CurrentPrincipal
) -> OrganisationOut:
    """An organisation, for administrators and its own members."""
    orgs.ensure_can_view(principal, organisation_id)
    return OrganisationOut.of(orgs.get_organisation(session, organisation_id))


@router.get(
    "/{organisation_id}/members",
    response_model=list[MemberOut],
    responses=problem_responses(*_AUTH_ERRORS, OrganisationNotFound),
)
def list_members(
    organisation_id: str, session: SessionDep, principal: CurrentPrincipal
) -> list[MemberOut]:
    """The members of an organisation and their roles, for administrators and its members."""
    orgs.ensure_can_view(principal, organisation_id)
    return [MemberOut.of(m) for m in orgs.members(session, organisation_id)]


@router.post(
    "/{organisation_id}/members",
    status_code=status.HTTP_201_CREATED,
    response_model=MemberOut,
    responses=problem_responses(*_AUTH_ERRORS, OrganisationNotFound, MemberExists),
)
def add_member(
    organisation_id: str, body: MemberIn, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """Add a member (administrators, the organisation's owners, its admins for plain members)."""
    orgs.ensure_can_manage(session, principal, organisation_id, body.role)
    try:
        member = orgs.add_member(session, organisation_id, body.subject, body.role)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from exc
    response = model_response(MemberOut.of(member))
    response.status_code = status.HTTP_201_CREATED
    return response


@router.delete(
    "/{organisation_id}/members/{subject}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(*_AUTH_ERRORS, OrganisationNotFound, MemberNotFound, LastOwner),
)
def remove_member(
    organisation_id: str, subject: str, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    """Remove a member, or leave (any member may); an organisation keeps at least one owner."""
    orgs.ensure_can_view(principal, organisation_id)
    member = orgs.membership(session, organisation_id, subject)
    if member is None:
        orgs.get_organisation(session, organisation_id)
        raise MemberNotFound(f"{subject!r} is not a member of {organisation_id!r}")
    orgs.ensure_can_remove(session, principal, organisation_id, member)
    orgs.remove_member(session, organisation_id, subject)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
