"""Tables of the double-entry ledger: accounts, transactions and their postings.

Sign convention: a posting's `amount` is signed minor units, a DEBIT POSITIVE and a CREDIT
NEGATIVE. The postings of a transaction sum to zero per currency, so the whole ledger does too.
Asset and expense accounts normally carry a positive (debit) balance, liability and revenue
accounts a negative (credit) one.

Nothing is updated in place: a correction is a new transaction. On PostgreSQL a trigger (see
the migration) refuses UPDATE and DELETE on these tables. Other tables are referred to by
`(kind, reference)` strings and plain id dimensions, not foreign keys: the ledger outlives and
never blocks the rows it records.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column

from mobility.models import Base, UTCDateTime, str_enum

_ID = 64
ACCOUNT_CODE_LENGTH = 200
REFERENCE_LENGTH = 200


def _enum(cls: type[StrEnum], length: int) -> Enum:
    return str_enum(cls, length)


class AccountType(StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    REVENUE = "revenue"
    EXPENSE = "expense"


class TransactionKind(StrEnum):
    SALE = "sale"
    REFUND = "refund"
    FEE = "fee"
    PAYG_CHARGE = "payg_charge"
    CAP_ADJUSTMENT = "cap_adjustment"
    BEST_FARE_REFUND = "best_fare_refund"
    SETTLEMENT = "settlement"  # a pay-as-you-go receivable collected by the provider
    PAYOUT = "payout"  # a refund owed to a traveller paid out by the provider
    APPORTIONMENT = "apportionment"


class LedgerAccount(Base):
    """An account of the chart, created on first use; its type follows from its code."""

    __tablename__ = "ticketing_ledger_accounts"

    code: Mapped[str] = mapped_column(String(ACCOUNT_CODE_LENGTH), primary_key=True)
    type: Mapped[AccountType] = mapped_column(_enum(AccountType, 16), nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )


class LedgerTransaction(Base):
    """One balanced money movement; (kind, reference) is unique, so posting twice is a no-op."""

    __tablename__ = "ticketing_ledger_transactions"
    __table_args__ = (UniqueConstraint("kind", "reference"),)

    id: Mapped[str] = mapped_column(String(_ID), primary_key=True)
    kind: Mapped[TransactionKind] = mapped_column(_enum(TransactionKind, 24), nullable=False)
    reference: Mapped[str] = mapped_column(String(REFERENCE_LENGTH), nullable=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    memo: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=func.now(), nullable=False
    )


class LedgerPosting(Base):
    """One side of a transaction: `amount` minor units, debit positive, credit negative."""

    __tablename__ = "ticketing_ledger_postings"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        Index("ix_ticketing_ledger_postings_account_code_currency", "account_code", "currency"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    transaction_id: Mapped[str] = mapped_column(
        ForeignKey("ticketing_ledger_transactions.id"), nullable=False, index=True
    )
    account_code: Mapped[str] = mapped_column(
        ForeignKey("ticketing_ledger_accounts.code"), nullable=False
    )
    # 64 bits: a month's apportionment of a large network exceeds 2^31 cents.
    amount: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    # Dimensions: what the amount is about, for reports (clearing reads product and operator).
    product_id: Mapped[str | None] = mapped_column(String(_ID), index=True)
    operator_id: Mapped[str | None] = mapped_column(String(_ID))
    order_id: Mapped[str | None] = mapped_column(String(_ID), index=True)
