"""Organisations (logistics firms, operators) and their members: who acts for which tenant.

A member is known by the subject their credentials carry (an e-mail, say) and has a role:
owners manage the organisation, admins add and remove plain members. Credentials issued to a
member carry the organisation's id, and every tenant check compares against it. Service
functions take the session and never commit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import (
    Forbidden,
    LastOwner,
    MemberExists,
    MemberNotFound,
    OrganisationExists,
    OrganisationNotFound,
)
from .models import MemberRole, Organisation, OrganisationKind, OrganisationMember
from .principals import Principal, PrincipalKind

# Short and URL-safe: the id is in every member's credential and in paths.
_ID = re.compile(r"[a-z0-9][a-z0-9_-]{1,63}")
_MANAGERS = frozenset({MemberRole.OWNER, MemberRole.ADMIN})


def create_organisation(
    session: Session,
    organisation_id: str,
    name: str,
    kind: OrganisationKind,
    *,
    operator_id: str | None = None,
    owner: str | None = None,
) -> Organisation:
    """A new organisation (with its first owner, if given); ValueError for a bad id or name."""
    if not _ID.fullmatch(organisation_id):
        raise ValueError("an organisation id is 2-64 of a-z, 0-9, '-', '_', starting alphanumeric")
    if not name.strip():
        raise ValueError("an organisation needs a name")
    kind = OrganisationKind(kind)
    if kind is OrganisationKind.OPERATOR and not operator_id:
        raise ValueError("an operator's organisation names its operator id")
    if kind is OrganisationKind.LOGISTICS and operator_id:
        raise ValueError("a logistics firm is not a transport operator")
    if session.get(Organisation, organisation_id) is not None:
        raise OrganisationExists(f"organisation {organisation_id!r} exists")
    organisation = Organisation(
        id=organisation_id, name=name.strip(), kind=kind, operator_id=operator_id
    )
    session.add(organisation)
    session.flush()
    if owner is not None:
        add_member(session, organisation_id, owner, MemberRole.OWNER)
    return organisation


def get_organisation(session: Session, organisation_id: str) -> Organisation:
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise OrganisationNotFound(f"no organisation {organisation_id!r}")
    return organisation


def list_organisations(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.id)))


def members(session: Session, organisation_id: str) -> list[OrganisationMember]:
    get_organisation(session, organisation_id)
    query = (
        select(OrganisationMember)
        .where(OrganisationMember.organisation_id == organisation_id)
        .order_by(OrganisationMember.subject)
    )
    return list(session.scalars(query))


def membership(session: Session, organisation_id: str, subject: str) -> OrganisationMember | None:
    return session.get(OrganisationMember, (organisation_id, subject))


def add_member(
    session: Session, organisation_id: str, subject: str, role: MemberRole
) -> OrganisationMember:
    """Add `subject` with `role`; MemberExists if already a member."""
    get_organisation(session, organisation_id)
    subject = subject.strip()
    if not subject or len(subject) > 320:
        raise ValueError("a member's subject is 1-320 characters")
    if membership(session, organisation_id, subject) is not None:
        raise MemberExists(f"{subject!r} is already a member of {organisation_id!r}")
    member = OrganisationMember(
        organisation_id=organisation_id, subject=subject, role=MemberRole(role)
    )
    session.add(member)
    session.flush()
    return member


def remove_member(session: Session, organisation_id: str, subject: str) -> None:
    """Remove a member; LastOwner rather than leave the organisation without an owner."""
    member = membership(session, organisation_id, subject)
    if member is None:
        get_organisation(session, organisation_id)
        raise MemberNotFound(f"{subject!r} is not a member of {organisation_id!r}")
    if member.role is MemberRole.OWNER:
        # The owners' rows stay locked until commit: two owners removing each other at once
        # must not both see the other one still there and leave the organisation with none.
        owners = session.scalars(
            select(OrganisationMember.subject)
            .where(
                OrganisationMember.organisation_id == organisation_id,
                OrganisationMember.role == MemberRole.OWNER,
            )
            .with_for_update()
        ).all()
        if len(owners) <= 1:
            raise LastOwner(f"{subject!r} is the last owner of {organisation_id!r}")
    session.delete(member)
    session.flush()


def member_principal(
    session: Session, organisation_id: str, subject: str, scopes: Iterable[str]
) -> Principal:
    """The principal a member's credential authenticates as: a logistics caller of a firm,
    or operator staff of an operator, carrying the organisation (and operator) id."""
    organisation = get_organisation(session, organisation_id)
    if membership(session, organisation_id, subject) is None:
        raise MemberNotFound(f"{subject!r} is not a member of {organisation_id!r}")
    is_operator = organisation.kind is OrganisationKind.OPERATOR
    return Principal(
        subject=subject,
        kind=PrincipalKind.OPERATOR_STAFF if is_operator else PrincipalKind.LOGISTICS,
        scopes=frozenset(scopes),
        operator_id=organisation.operator_id,
        organisation_id=organisation.id,
    )


def ensure_can_view(principal: Principal, organisation_id: str) -> None:
    """Administrators see every organisation, a member's credential its own; others get
    404, so organisation ids cannot be probed."""
    if not (principal.is_admin or principal.organisation_id == organisation_id):
        raise OrganisationNotFound(f"no organisation {organisation_id!r}")


def ensure_can_manage(
    session: Session, principal: Principal, organisation_id: str, role: MemberRole
) -> None:
    """May `principal` add or remove a member with `role`? Administrators may; so may the
    organisation's owners, and its admins for plain members. Membership is read now, not
    taken from the credential: a member removed or demoted manages nothing from then on."""
    ensure_can_view(principal, organisation_id)
    if principal.is_admin:
        return
    me = membership(session, organisation_id, principal.subject)
    if me is None or me.role not in _MANAGERS:
        raise Forbidden("only the organisation's owners and admins manage its members")
    if role in _MANAGERS and me.role is not MemberRole.OWNER:
        raise Forbidden("only the organisation's owners grant or remove owners and admins")


def ensure_can_remove(
    session: Session, principal: Principal, organisation_id: str, member: OrganisationMember
) -> None:
    """May `principal` remove `member`? Anyone may leave (it grants nothing; the last owner
    is kept by `remove_member`); otherwise as `ensure_can_manage` for the member's role."""
    ensure_can_view(principal, organisation_id)
    if not principal.is_admin and member.subject == principal.subject:
        return
    ensure_can_manage(session, principal, organisation_id, member.role)
