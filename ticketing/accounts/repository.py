"""Queries of ticketing.accounts, built from the caller's session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.orm import Session

from .models import Account, AccountEligibility, EligibilityStatus, RefreshToken


class AccountRepository:
    """Accounts, their eligibility claims and refresh tokens."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- accounts -------------------------------------------------------------------------

    def get(self, account_id: str) -> Account | None:
        return self.session.get(Account, account_id)

    def by_email_key(self, email_key: str) -> Account | None:
        return self.session.scalars(select(Account).where(Account.email_key == email_key)).first()

    def add(self, account: Account) -> Account:
        self.session.add(account)
        self.session.flush()
        return account

    # -- eligibility ----------------------------------------------------------------------

    def eligibility(self, account_id: str, rider_category: str) -> AccountEligibility | None:
        return self.session.scalars(
            select(AccountEligibility).where(
                AccountEligibility.account_id == account_id,
                AccountEligibility.rider_category == rider_category,
            )
        ).first()

    def eligibilities(self, account_id: str) -> Sequence[AccountEligibility]:
        return self.session.scalars(
            select(AccountEligibility)
            .where(AccountEligibility.account_id == account_id)
            .order_by(AccountEligibility.rider_category)
        ).all()

    def verified_categories(self, account_id: str, at: datetime) -> Sequence[str]:
        """Categories verified at `at` and not expired by then."""
        return self.session.scalars(
            select(AccountEligibility.rider_category).where(
                AccountEligibility.account_id == account_id,
                AccountEligibility.status == EligibilityStatus.VERIFIED,
                AccountEligibility.verified_at <= at,
                or_(AccountEligibility.expires_at.is_(None), AccountEligibility.expires_at > at),
            )
        ).all()

    def pending_eligibilities(self, limit: int) -> Sequence[AccountEligibility]:
        """The oldest pending claims first: the staff's work queue."""
        return self.session.scalars(
            select(AccountEligibility)
            .where(AccountEligibility.status == EligibilityStatus.PENDING)
            .order_by(AccountEligibility.requested_at, AccountEligibility.id)
            .limit(limit)
        ).all()

    # -- refresh tokens -------------------------------------------------------------------

    def refresh_token(self, token_id: str) -> RefreshToken | None:
        return self.session.get(RefreshToken, token_id)

    def mark_used(self, token_id: str, at: datetime) -> bool:
        """Mark the token used if no one has (atomic: of two concurrent refreshes, one wins)."""
        result = self.session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.id == token_id,
                RefreshToken.used_at.is_(None),
                RefreshToken.revoked_at.is_(None),
            )
            .values(used_at=at)
            .execution_options(synchronize_session="fetch")
        )
        assert isinstance(result, CursorResult)
        return result.rowcount == 1

    def revoke_family(self, family_id: str, at: datetime) -> int:
        """Revoke every live token of a family; the number revoked."""
        result = self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=at)
            .execution_options(synchronize_session="fetch")
        )
        assert isinstance(result, CursorResult)
        return result.rowcount

    def revoke_account_tokens(self, account_id: str, at: datetime) -> int:
        """Revoke every live refresh token of an account; the number revoked."""
        result = self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.account_id == account_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=at)
            .execution_options(synchronize_session="fetch")
        )
        assert isinstance(result, CursorResult)
        return result.rowcount

    def delete_refresh_tokens_expired_before(self, before: datetime) -> int:
        result = self.session.execute(
            delete(RefreshToken)
            .where(RefreshToken.expires_at < before)
            .execution_options(synchronize_session=False)
        )
        assert isinstance(result, CursorResult)
        return result.rowcount
