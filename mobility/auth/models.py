"""Machine credentials (API keys); organisations (logistics firms, operators) and members."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mobility.models import Base, TimestampMixin, UTCDateTime, str_enum


class ApiCredentialKind(StrEnum):
    GATE = "gate"
    INTEGRATION = "integration"
    # A logistics firm's own systems, acting for its organisation.
    LOGISTICS = "logistics"


class OrganisationKind(StrEnum):
    LOGISTICS = "logistics"
    OPERATOR = "operator"


class MemberRole(StrEnum):
    """Owners manage the organisation and its roles; admins add and remove members."""

    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"


class Organisation(TimestampMixin, Base):
    """A logistics firm or a transport operator: the tenant its members' credentials act for.

    `id` is the short stable code credentials carry (`organisation_id`); an operator's
    organisation names its operator (`operator_id`, the code in tariffs and GTFS).
    """

    __tablename__ = "auth_organisations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[OrganisationKind] = mapped_column(str_enum(OrganisationKind), nullable=False)
    operator_id: Mapped[str | None] = mapped_column(String(64), index=True)

    def __repr__(self) -> str:
        return f"Organisation({self.id!r}, {self.kind.value})"


class OrganisationMember(TimestampMixin, Base):
    """A user (by the subject their credentials carry, e.g. an email) in an organisation."""

    __tablename__ = "auth_organisation_members"

    organisation_id: Mapped[str] = mapped_column(
        String(64), ForeignKey("auth_organisations.id", ondelete="CASCADE"), primary_key=True
    )
    subject: Mapped[str] = mapped_column(String(320), primary_key=True)
    role: Mapped[MemberRole] = mapped_column(str_enum(MemberRole), nullable=False)

    def __repr__(self) -> str:
        return f"OrganisationMember({self.organisation_id!r}, {self.subject!r}, {self.role.value})"


class ApiCredential(TimestampMixin, Base):
    """One API key. Only a hash of its secret is kept; the key itself is shown once, at creation.

    `scopes` and `gate_ids` are JSON arrays as text (portable across SQLite and PostgreSQL);
    `gate_ids` NULL means not restricted to gates. `revoked_at` may lie in the future: a rotated
    key keeps working until then, so the device can switch over.
    """

    __tablename__ = "auth_api_credentials"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[ApiCredentialKind] = mapped_column(
        str_enum(ApiCredentialKind),
        nullable=False,
    )
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    operator_id: Mapped[str | None] = mapped_column(String(64), index=True)
    organisation_id: Mapped[str | None] = mapped_column(
        String(64), ForeignKey("auth_organisations.id", ondelete="RESTRICT"), index=True
    )
    scopes: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    gate_ids: Mapped[str | None] = mapped_column(Text)
    secret_hash: Mapped[str] = mapped_column(String(128), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(json.loads(self.scopes))

    @property
    def gate_id_set(self) -> frozenset[str] | None:
        return None if self.gate_ids is None else frozenset(json.loads(self.gate_ids))

    def __repr__(self) -> str:
        return f"ApiCredential({self.id!r}, {self.kind.value}, {self.label!r})"
