"""Request and response bodies of the organisation endpoints."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from .models import MemberRole, Organisation, OrganisationKind, OrganisationMember

ORGANISATION_ID = r"^[a-z0-9][a-z0-9_-]{1,63}$"


class OrganisationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=ORGANISATION_ID, description="Short code credentials carry")
    name: str = Field(min_length=1, max_length=200, pattern=r"\S")
    kind: OrganisationKind
    operator_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="For an operator: its code"
    )
    owner: str | None = Field(
        default=None, min_length=1, max_length=320, pattern=r"\S", description="First owner"
    )


class OrganisationOut(BaseModel):
    id: str
    name: str
    kind: OrganisationKind
    operator_id: str | None
    created_at: datetime

    @classmethod
    def of(cls, organisation: Organisation) -> OrganisationOut:
        return cls(
            id=organisation.id,
            name=organisation.name,
            kind=organisation.kind,
            operator_id=organisation.operator_id,
            created_at=organisation.created_at,
        )


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=320, pattern=r"\S", description="e.g. e-mail")
    role: MemberRole = MemberRole.MEMBER


class MemberOut(BaseModel):
    organisation_id: str
    subject: str
    role: MemberRole
    created_at: datetime

    @classmethod
    def of(cls, member: OrganisationMember) -> MemberOut:
        return cls(
            organisation_id=member.organisation_id,
            subject=member.subject,
            role=member.role,
            created_at=member.created_at,
        )
