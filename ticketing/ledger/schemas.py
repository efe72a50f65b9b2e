"""Response bodies of the ledger endpoints; amounts are signed minor units, debit positive."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class TrialBalanceLineOut(BaseModel):
    account: str
    type: str = Field(description="asset, liability, revenue or expense")
    currency: str
    balance: int = Field(description="Signed minor units: debit positive, credit negative")
    normal_balance: int = Field(
        description="The balance on the account's normal side (credit for liability and revenue)"
    )


class CurrencyTotal(BaseModel):
    currency: str
    total: int = Field(description="Sum of all balances: zero in a balanced ledger")


class TrialBalanceOut(BaseModel):
    until: datetime | None
    lines: list[TrialBalanceLineOut]
    totals: list[CurrencyTotal]


class AccountBalanceOut(BaseModel):
    currency: str
    balance: int


class PostingOut(BaseModel):
    transaction_id: str
    kind: str
    reference: str
    occurred_at: datetime
    memo: str
    amount: int
    currency: str
    product_id: str | None
    operator_id: str | None
    order_id: str | None


class AccountOut(BaseModel):
    code: str
    type: str
    balances: list[AccountBalanceOut]
    postings: list[PostingOut] = Field(description="Newest first, paged by limit and offset")
