"""Server-side access-control tables: gates, the revocation log, taps and single-use records."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from mobility.models import Base, UTCDateTime

_ID = 64


class AccessGate(Base):
    """A physical gate of an operator, at a GTFS stop (`FEED:STOP_ID`) or a terminal."""

    __tablename__ = "access_gates"

    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    operator_id: Mapped[str] = mapped_column(String(_ID), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    location_kind: Mapped[str] = mapped_column(String(16), nullable=False)  # stop | terminal
    location_ref: Mapped[str] = mapped_column(String(200), nullable=False)
    direction: Mapped[str] = mapped_column(String(8), nullable=False)  # entry | exit
    gate_group: Mapped[str] = mapped_column(String(_ID), nullable=False)
    network: Mapped[str] = mapped_column(String(_ID), nullable=False)
    zones: Mapped[str] = mapped_column(Text, nullable=False, default="[]")  # JSON array
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )

    @property
    def zone_list(self) -> tuple[str, ...]:
        return tuple(json.loads(self.zones))


class RevocationEvent(Base):
    """One revoke or restore; its `version` (the primary key) orders the log and never repeats."""

    __tablename__ = "access_revocation_events"
    __table_args__ = ({"sqlite_autoincrement": True},)

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    action: Mapped[str] = mapped_column(String(8), nullable=False)  # revoke | restore
    kind: Mapped[str] = mapped_column(String(8), nullable=False)  # pass | jti
    ident: Mapped[str] = mapped_column(String(_ID), nullable=False, index=True)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class AccessTap(Base):
    """One decision of one gate, online or uploaded; `tap_id` is the idempotency key."""

    __tablename__ = "access_taps"

    tap_id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    gate_id: Mapped[str] = mapped_column(ForeignKey("access_gates.id"), nullable=False, index=True)
    gate_group: Mapped[str] = mapped_column(String(_ID), nullable=False)
    direction: Mapped[str] = mapped_column(String(8), nullable=False)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    opened: Mapped[bool] = mapped_column(Boolean, nullable=False)
    code: Mapped[str] = mapped_column(String(32), nullable=False)
    pass_id: Mapped[str | None] = mapped_column(String(_ID), index=True)
    jti: Mapped[str | None] = mapped_column(String(_ID))
    offline: Mapped[bool] = mapped_column(Boolean, nullable=False)
    degraded: Mapped[bool] = mapped_column(Boolean, nullable=False)
    source: Mapped[str] = mapped_column(String(8), nullable=False)  # online | offline
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class SingleUse(Base):
    """The first entry a single-use pass made; the primary key makes the first writer win."""

    __tablename__ = "access_single_use"

    pass_id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    jti: Mapped[str | None] = mapped_column(String(_ID))
    gate_id: Mapped[str] = mapped_column(String(_ID), nullable=False)
    tap_id: Mapped[str] = mapped_column(String(_ID), nullable=False)
    consumed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


class PassToken(Base):
    """A token minted for a ticketing pass: its `jti` and expiry, never the token itself.

    When a pass is shortened, every token that outlives its new end is revoked by jti; the
    app then fetches a fresh one.
    """

    __tablename__ = "access_pass_tokens"

    jti: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    pass_id: Mapped[str] = mapped_column(String(_ID), nullable=False, index=True)
    kid: Mapped[str] = mapped_column(String(_ID), nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
