"""Tables of ticketing.accounts: traveller accounts, proof of eligibility, refresh tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from mobility.models import Base, UTCDateTime, str_enum


class EligibilityStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class Account(Base):
    """A traveller's account. The id is opaque (`acc_<hex>`) and is the access token's subject.

    `email` is the address as normalised by email-validator (domain lower-cased, Unicode NFC),
    kept for display and mail; `email_key` is its case-folded form, unique, so `Ann@x.it` and
    `ann@x.it` cannot be two accounts (no mailbox provider we serve tells them apart).
    `rider_category` is the traveller's default category, a code the catalogue owns; NULL
    means the catalogue's default.
    """

    __tablename__ = "ticketing_accounts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), nullable=False)
    email_key: Mapped[str] = mapped_column(String(320), nullable=False, unique=True)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    rider_category: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        # No email: reprs end up in logs.
        return f"Account({self.id!r})"


class AccountEligibility(Base):
    """A traveller's claim to a rider category that needs proof (student, senior, resident).

    One row per account and category holds the current state: a traveller's request makes it
    pending; staff verify (with an optional expiry, e.g. the end of the school year) or reject
    it; a rejected or expired claim may be requested again, which makes it pending anew.
    """

    __tablename__ = "ticketing_account_eligibility"
    __table_args__ = (UniqueConstraint("account_id", "rider_category"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("ticketing_accounts.id", ondelete="CASCADE"), nullable=False
    )
    rider_category: Mapped[str] = mapped_column(String(32), nullable=False)
    status: Mapped[EligibilityStatus] = mapped_column(
        str_enum(EligibilityStatus),
        nullable=False,
    )
    note: Mapped[str | None] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    verified_by: Mapped[str | None] = mapped_column(String(128))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str | None] = mapped_column(Text)


class RefreshToken(Base):
    """One refresh token of a login session (a family). Only SHA-256 of its secret is kept.

    Every refresh marks the presented token used and issues the next one in the same family;
    presenting a used token again means it was copied, so the whole family is revoked
    (OAuth 2.1 §6.1, RFC 6819 §5.2.2.3). `scopes` are the family's granted scopes,
    space-separated, so a refresh cannot widen what the login granted.
    """

    __tablename__ = "ticketing_refresh_tokens"
    __table_args__ = (Index("ix_ticketing_refresh_tokens_expires_at", "expires_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(
        ForeignKey("ticketing_accounts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    family_id: Mapped[str] = mapped_column(String(32), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    scopes: Mapped[str] = mapped_column(Text, nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"RefreshToken({self.id!r}, family={self.family_id!r})"
