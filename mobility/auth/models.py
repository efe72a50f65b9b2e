"""Machine credentials (API keys) of gate controllers and integrations."""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mobility.models import Base, TimestampMixin, UTCDateTime, str_enum


class ApiCredentialKind(StrEnum):
    GATE = "gate"
    INTEGRATION = "integration"


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
