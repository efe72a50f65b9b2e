"""Queries of the ledger tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import AccountType, LedgerAccount, LedgerPosting, LedgerTransaction, TransactionKind


@dataclass(frozen=True, slots=True)
class DimensionTotal:
    """The sum of an account's postings for one product/operator and transaction kind."""

    kind: TransactionKind
    product_id: str | None
    operator_id: str | None
    currency: str
    amount: int


class LedgerRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def find_transaction(self, kind: TransactionKind, reference: str) -> LedgerTransaction | None:
        return self.session.scalars(
            select(LedgerTransaction).where(
                LedgerTransaction.kind == kind, LedgerTransaction.reference == reference
            )
        ).one_or_none()

    def postings(self, transaction_id: str) -> Sequence[LedgerPosting]:
        return self.session.scalars(
            select(LedgerPosting)
            .where(LedgerPosting.transaction_id == transaction_id)
            .order_by(LedgerPosting.id)
        ).all()

    def ensure_accounts(self, accounts: Iterable[tuple[str, AccountType]]) -> None:
        """Create the accounts that do not exist yet; concurrent creators do not collide."""
        rows = [{"code": code, "type": kind.value} for code, kind in dict(accounts).items()]
        if not rows:
            return
        dialect = self.session.get_bind().dialect.name
        if dialect == "postgresql":
            pg = postgresql.insert(LedgerAccount).values(rows).on_conflict_do_nothing()
            self.session.execute(pg)
        elif dialect == "sqlite":
            lite = sqlite.insert(LedgerAccount).values(rows).on_conflict_do_nothing()
            self.session.execute(lite)
        else:  # pragma: no cover - the project runs on the two above
            known = set(
                self.session.scalars(
                    select(LedgerAccount.code).where(
                        LedgerAccount.code.in_([r["code"] for r in rows])
                    )
                )
            )
            self.session.add_all(
                LedgerAccount(code=r["code"], type=AccountType(r["type"]))
                for r in rows
                if r["code"] not in known
            )
            self.session.flush()

    def account(self, code: str) -> LedgerAccount | None:
        return self.session.get(LedgerAccount, code)

    def balance(self, code: str, currency: str, until: datetime | None) -> int:
        query = (
            select(func.coalesce(func.sum(LedgerPosting.amount), 0))
            .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
            .where(LedgerPosting.account_code == code, LedgerPosting.currency == currency)
        )
        if until is not None:
            query = query.where(LedgerTransaction.occurred_at < until)
        return int(self.session.scalar(query) or 0)

    def balances(self, until: datetime | None) -> list[tuple[str, str, int]]:
        """(account, currency, sum) for every account with postings, by account code."""
        query = (
            select(
                LedgerPosting.account_code, LedgerPosting.currency, func.sum(LedgerPosting.amount)
            )
            .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
            .group_by(LedgerPosting.account_code, LedgerPosting.currency)
            .order_by(LedgerPosting.account_code, LedgerPosting.currency)
        )
        if until is not None:
            query = query.where(LedgerTransaction.occurred_at < until)
        return [(code, cur, int(total)) for code, cur, total in self.session.execute(query)]

    def account_currencies(self, code: str) -> list[str]:
        return list(
            self.session.scalars(
                select(LedgerPosting.currency)
                .where(LedgerPosting.account_code == code)
                .distinct()
                .order_by(LedgerPosting.currency)
            )
        )

    def statement(
        self, code: str, *, limit: int, offset: int
    ) -> list[tuple[LedgerPosting, LedgerTransaction]]:
        """An account's postings, newest first."""
        rows = self.session.execute(
            select(LedgerPosting, LedgerTransaction)
            .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
            .where(LedgerPosting.account_code == code)
            .order_by(LedgerTransaction.occurred_at.desc(), LedgerPosting.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [(posting, tx) for posting, tx in rows]

    def totals_by_dimension(
        self, code: str, start: datetime, end: datetime, kinds: Iterable[TransactionKind]
    ) -> list[DimensionTotal]:
        """Sums of `code`'s postings in [start, end) per kind, product, operator and currency."""
        query = (
            select(
                LedgerTransaction.kind,
                LedgerPosting.product_id,
                LedgerPosting.operator_id,
                LedgerPosting.currency,
                func.sum(LedgerPosting.amount),
            )
            .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
            .where(
                LedgerPosting.account_code == code,
                LedgerTransaction.occurred_at >= start,
                LedgerTransaction.occurred_at < end,
                LedgerTransaction.kind.in_(list(kinds)),
            )
            .group_by(
                LedgerTransaction.kind,
                LedgerPosting.product_id,
                LedgerPosting.operator_id,
                LedgerPosting.currency,
            )
        )
        return [
            DimensionTotal(TransactionKind(kind), product, operator, currency, int(total))
            for kind, product, operator, currency, total in self.session.execute(query)
        ]

    def apportioned(
        self, start: datetime, end: datetime
    ) -> list[tuple[str, str | None, str | None, str, int]]:
        """(account, product, operator, currency, sum) of apportionment postings in [start, end)."""
        query = (
            select(
                LedgerPosting.account_code,
                LedgerPosting.product_id,
                LedgerPosting.operator_id,
                LedgerPosting.currency,
                func.sum(LedgerPosting.amount),
            )
            .join(LedgerTransaction, LedgerTransaction.id == LedgerPosting.transaction_id)
            .where(
                LedgerTransaction.kind == TransactionKind.APPORTIONMENT,
                LedgerTransaction.occurred_at >= start,
                LedgerTransaction.occurred_at < end,
            )
            .group_by(
                LedgerPosting.account_code,
                LedgerPosting.product_id,
                LedgerPosting.operator_id,
                LedgerPosting.currency,
            )
        )
        return [(a, p, o, c, int(t)) for a, p, o, c, t in self.session.execute(query)]

    def references(self, kind: TransactionKind, start: datetime, end: datetime) -> list[str]:
        """References of the `kind` transactions that occurred in [start, end)."""
        return list(
            self.session.scalars(
                select(LedgerTransaction.reference).where(
                    LedgerTransaction.kind == kind,
                    LedgerTransaction.occurred_at >= start,
                    LedgerTransaction.occurred_at < end,
                )
            )
        )
