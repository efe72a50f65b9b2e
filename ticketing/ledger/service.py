"""Posting to the ledger: balanced, idempotent, append-only transactions of money movements.

Chart of accounts (an account is created on first use; its type follows from its code):

    cash:<provider>                   asset      money held at a payment provider (stripe, sandbox)
    receivable:account:<account>      asset      pay-as-you-go fares a traveller owes
    liability:vat                     liability  VAT collected, owed to the tax authority
    liability:refunds_due:<account>   liability  best-fare refunds owed to a traveller
    revenue:unallocated               revenue    net fare revenue (dimension: product), before
                                                 clearing apportions it among operators
    revenue:operator:<operator>       revenue    net revenue apportioned to an operator
    expense:payment_fees              expense    the payment provider's fees

Amounts are signed minor units, DEBIT POSITIVE and CREDIT NEGATIVE; every transaction's
postings sum to zero, so assets + expenses = -(liabilities + revenue) at every moment. Posting
the same (kind, reference) twice returns the first transaction (a retried webhook or job posts
nothing new); with different postings it is a LedgerReferenceConflict. Corrections are new
transactions. Services never commit: the caller's unit of work does.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mobility.money import Money, check_currency, vat_included

from .errors import InvalidPosting, LedgerReferenceConflict, UnbalancedTransaction
from .models import (
    ACCOUNT_CODE_LENGTH,
    REFERENCE_LENGTH,
    AccountType,
    LedgerPosting,
    LedgerTransaction,
    TransactionKind,
)
from .repository import LedgerRepository

VAT = "liability:vat"
UNALLOCATED_REVENUE = "revenue:unallocated"
PAYMENT_FEES = "expense:payment_fees"
PAYG_PRODUCT = "payg"  # the product dimension of pay-as-you-go fares

_ACCOUNT_CODE = re.compile(r"[a-z_]+(:[A-Za-z0-9_.@\-]+)+")
_TYPES_BY_PREFIX = {
    "cash": AccountType.ASSET,
    "receivable": AccountType.ASSET,
    "liability": AccountType.LIABILITY,
    "revenue": AccountType.REVENUE,
    "expense": AccountType.EXPENSE,
}


def cash_account(provider: str) -> str:
    return f"cash:{provider}"


def receivable_account(account_id: str) -> str:
    return f"receivable:account:{account_id}"


def refunds_due_account(account_id: str) -> str:
    return f"liability:refunds_due:{account_id}"


def operator_revenue_account(operator_id: str) -> str:
    return f"revenue:operator:{operator_id}"


def account_type(code: str) -> AccountType:
    """The type of account `code`, from its prefix; InvalidPosting for a code off the chart."""
    if len(code) > ACCOUNT_CODE_LENGTH or not _ACCOUNT_CODE.fullmatch(code):
        raise InvalidPosting(f"{code!r} is not a ledger account code such as 'cash:stripe'")
    prefix = code.split(":", 1)[0]
    if prefix not in _TYPES_BY_PREFIX:
        raise InvalidPosting(
            f"account {code!r}: the prefix is one of {', '.join(sorted(_TYPES_BY_PREFIX))}"
        )
    return _TYPES_BY_PREFIX[prefix]


@dataclass(frozen=True, slots=True)
class Posting:
    """One side of a transaction: `amount` is signed (debit positive, credit negative)."""

    account: str
    amount: Money
    product_id: str | None = None
    operator_id: str | None = None
    order_id: str | None = None

    @classmethod
    def debit(cls, account: str, amount: Money, **dimensions: str | None) -> Posting:
        return cls(account, amount, **dimensions)

    @classmethod
    def credit(cls, account: str, amount: Money, **dimensions: str | None) -> Posting:
        return cls(account, -amount, **dimensions)

    def key(self) -> tuple[str, int, str, str | None, str | None, str | None]:
        return (
            self.account,
            self.amount.amount,
            self.amount.currency,
            self.product_id,
            self.operator_id,
            self.order_id,
        )


@dataclass(frozen=True, slots=True)
class SaleLine:
    """A product's gross amount (VAT included) and the VAT in it, as sold or refunded."""

    product_id: str
    gross: Money
    vat: Money

    def __post_init__(self) -> None:
        if self.gross.currency != self.vat.currency:
            raise InvalidPosting("a line's gross and VAT are in one currency")
        if not 0 <= self.vat.amount <= self.gross.amount:
            raise InvalidPosting(
                f"line of {self.product_id}: VAT {self.vat} is not within gross {self.gross}"
            )

    @property
    def net(self) -> Money:
        return self.gross - self.vat


class TrialBalanceLine(NamedTuple):
    account: str
    balance: Money


# -- the one way in -------------------------------------------------------------------------


def post(
    session: Session,
    *,
    kind: TransactionKind | str,
    reference: str,
    occurred_at: datetime,
    postings: Sequence[Posting],
    memo: str = "",
) -> LedgerTransaction:
    """Append a balanced transaction, or return the one already posted under (kind, reference).

    Zero postings are dropped; at least two must remain, all in one currency, summing to zero
    (UnbalancedTransaction otherwise). The accounts are created on first use.
    """
    if kind not in set(TransactionKind):
        raise InvalidPosting(f"unknown transaction kind {kind!r}")
    kind = TransactionKind(kind)
    if not reference or len(reference) > REFERENCE_LENGTH:
        raise InvalidPosting(f"a reference is 1 to {REFERENCE_LENGTH} characters")
    if occurred_at.tzinfo is None:
        raise InvalidPosting("occurred_at must be timezone-aware")
    lines = [p for p in postings if p.amount.amount != 0]
    if len(lines) < 2:
        raise InvalidPosting("a transaction needs at least two non-zero postings")
    types = {p.account: account_type(p.account) for p in lines}
    currencies = {p.amount.currency for p in lines}
    if len(currencies) != 1:
        raise InvalidPosting(
            f"one currency per transaction, not {', '.join(sorted(currencies))}: an exchange "
            "is two transactions through an exchange account"
        )
    (currency,) = currencies
    imbalance = sum(p.amount.amount for p in lines)
    if imbalance != 0:
        raise UnbalancedTransaction(
            f"{kind} {reference}: postings sum to {Money(imbalance, currency)}, not zero",
            imbalance=imbalance,
            currency=currency,
        )

    repo = LedgerRepository(session)
    existing = repo.find_transaction(kind, reference)
    if existing is not None:
        return _same_or_conflict(repo, existing, lines)
    repo.ensure_accounts(types.items())
    transaction = LedgerTransaction(
        id=f"ltx_{uuid.uuid4().hex}",
        kind=kind,
        reference=reference,
        occurred_at=occurred_at,
        currency=currency,
        memo=memo,
    )
    try:
        # A savepoint: a concurrent poster of the same reference loses only this insert.
        with session.begin_nested():
            session.add(transaction)
            session.flush()
            session.add_all(
                LedgerPosting(
                    transaction_id=transaction.id,
                    account_code=p.account,
                    amount=p.amount.amount,
                    currency=currency,
                    product_id=p.product_id,
                    operator_id=p.operator_id,
                    order_id=p.order_id,
                )
                for p in lines
            )
            session.flush()
    except IntegrityError:
        existing = repo.find_transaction(kind, reference)
        if existing is None:
            raise
        return _same_or_conflict(repo, existing, lines)
    return transaction


def _same_or_conflict(
    repo: LedgerRepository, existing: LedgerTransaction, lines: Sequence[Posting]
) -> LedgerTransaction:
    stored = Counter(
        (p.account_code, p.amount, p.currency, p.product_id, p.operator_id, p.order_id)
        for p in repo.postings(existing.id)
    )
    if stored != Counter(p.key() for p in lines):
        raise LedgerReferenceConflict(
            f"{existing.kind} {existing.reference} is already posted as {existing.id} with "
            "other amounts; post a correction under a new reference",
            transaction_id=existing.id,
        )
    return existing


def postings_of(session: Session, transaction: LedgerTransaction) -> list[Posting]:
    """The postings of a stored transaction, as Posting values."""
    return [
        Posting(
            p.account_code, Money(p.amount, p.currency), p.product_id, p.operator_id, p.order_id
        )
        for p in LedgerRepository(session).postings(transaction.id)
    ]


# -- money movements ---------------------------------------------------------------------------


def _currency_of(lines: Sequence[SaleLine]) -> str:
    if not lines:
        raise InvalidPosting("a sale or refund has at least one line")
    currencies = {line.gross.currency for line in lines}
    if len(currencies) != 1:
        raise InvalidPosting("the lines of one order are in one currency")
    return currencies.pop()


def _sale_postings(
    order_id: str, provider: str, lines: Sequence[SaleLine], sign: int
) -> list[Posting]:
    currency = _currency_of(lines)
    gross = sum(line.gross.amount for line in lines)
    postings = [Posting(cash_account(provider), Money(sign * gross, currency), order_id=order_id)]
    for line in lines:
        dims = {"product_id": line.product_id, "order_id": order_id}
        postings.append(Posting(VAT, Money(-sign * line.vat.amount, currency), **dims))
        postings.append(
            Posting(UNALLOCATED_REVENUE, Money(-sign * line.net.amount, currency), **dims)
        )
    return postings


def post_sale(
    session: Session,
    *,
    order_id: str,
    occurred_at: datetime,
    provider: str,
    lines: Sequence[SaleLine],
    memo: str = "",
) -> LedgerTransaction:
    """A paid order: Dr cash:<provider> gross; Cr liability:vat; Cr revenue:unallocated net."""
    return post(
        session,
        kind=TransactionKind.SALE,
        reference=f"order:{order_id}",
        occurred_at=occurred_at,
        postings=_sale_postings(order_id, provider, lines, +1),
        memo=memo or f"sale of order {order_id}",
    )


def post_refund(
    session: Session,
    *,
    refund_id: str,
    order_id: str,
    occurred_at: datetime,
    provider: str,
    lines: Sequence[SaleLine],
    memo: str = "",
) -> LedgerTransaction:
    """A refund (full or partial) of an order: the sale's postings reversed for `lines`."""
    return post(
        session,
        kind=TransactionKind.REFUND,
        reference=f"refund:{refund_id}",
        occurred_at=occurred_at,
        postings=_sale_postings(order_id, provider, lines, -1),
        memo=memo or f"refund {refund_id} of order {order_id}",
    )


def post_fee(
    session: Session,
    *,
    reference: str,
    occurred_at: datetime,
    provider: str,
    amount: Money,
    order_id: str | None = None,
    memo: str = "",
) -> LedgerTransaction:
    """A provider's fee, e.g. reference "payment:pay_x": Dr expense:payment_fees; Cr cash.

    A negative amount is a fee returned by the provider (it refunds its fee on a refund).
    """
    return post(
        session,
        kind=TransactionKind.FEE,
        reference=reference,
        occurred_at=occurred_at,
        postings=[
            Posting.debit(PAYMENT_FEES, amount, order_id=order_id),
            Posting.credit(cash_account(provider), amount, order_id=order_id),
        ],
        memo=memo or f"{provider} fee",
    )


def _vat_rate(rate_bp: int | None) -> int:
    if rate_bp is not None:
        return rate_bp
    from mobility.settings import get_settings

    return get_settings().vat_rate_bp


def _revenue_split(
    amount: Money, vat_rate_bp: int, product_id: str, operator_id: str | None
) -> list[Posting]:
    """Credit postings of a VAT-inclusive `amount`: VAT and net revenue."""
    split = vat_included(amount, vat_rate_bp)
    dims = {"product_id": product_id, "operator_id": operator_id}
    return [
        Posting.credit(VAT, split.vat, **dims),
        Posting.credit(UNALLOCATED_REVENUE, split.net, **dims),
    ]


def post_payg_charge(
    session: Session,
    *,
    tap_id: str,
    account_id: str,
    occurred_at: datetime,
    base_fare: Money,
    charged: Money,
    operator_id: str,
    vat_rate_bp: int | None = None,
    product_id: str = PAYG_PRODUCT,
) -> list[LedgerTransaction]:
    """A pay-as-you-go tap: the base fare owed (payg_charge), then what capping took off it.

    payg_charge "tap:<id>": Dr receivable:account:<id> base; Cr VAT and revenue:unallocated
    (dimensions product and operator, so clearing gives it to the tap's operator).
    cap_adjustment "tap:<id>", when base > charged: the difference reversed, its VAT being the
    VAT of the base minus the VAT of the charged amount, so the VAT owed is that of the fare paid.
    `vat_rate_bp` defaults to the configured VAT_RATE_BP.
    """
    vat_rate_bp = _vat_rate(vat_rate_bp)
    if base_fare.currency != charged.currency:
        raise InvalidPosting("base fare and charged amount are in one currency")
    if not 0 <= charged.amount <= base_fare.amount:
        raise InvalidPosting(f"charged {charged} is not within the base fare {base_fare}")
    reference = f"tap:{tap_id}"
    receivable = receivable_account(account_id)
    posted: list[LedgerTransaction] = []
    if base_fare.amount > 0:
        posted.append(
            post(
                session,
                kind=TransactionKind.PAYG_CHARGE,
                reference=reference,
                occurred_at=occurred_at,
                postings=[
                    Posting.debit(receivable, base_fare),
                    *_revenue_split(base_fare, vat_rate_bp, product_id, operator_id),
                ],
                memo=f"pay-as-you-go fare of tap {tap_id}",
            )
        )
    discount = base_fare - charged
    if discount.amount > 0:
        full = vat_included(base_fare, vat_rate_bp)
        paid = vat_included(charged, vat_rate_bp)
        dims = {"product_id": product_id, "operator_id": operator_id}
        posted.append(
            post(
                session,
                kind=TransactionKind.CAP_ADJUSTMENT,
                reference=reference,
                occurred_at=occurred_at,
                postings=[
                    Posting.credit(receivable, discount),
                    Posting.debit(VAT, full.vat - paid.vat, **dims),
                    Posting.debit(UNALLOCATED_REVENUE, full.net - paid.net, **dims),
                ],
                memo=f"fare cap on tap {tap_id}: charged {charged} of {base_fare}",
            )
        )
    return posted


def post_payg_settlement(
    session: Session,
    *,
    reference: str,
    account_id: str,
    occurred_at: datetime,
    provider: str,
    amount: Money,
) -> LedgerTransaction:
    """A pay-as-you-go balance collected: Dr cash:<provider>; Cr receivable:account:<id>."""
    return post(
        session,
        kind=TransactionKind.SETTLEMENT,
        reference=reference,
        occurred_at=occurred_at,
        postings=[
            Posting.debit(cash_account(provider), amount),
            Posting.credit(receivable_account(account_id), amount),
        ],
        memo=f"pay-as-you-go collection from account {account_id}",
    )


def post_best_fare_refund(
    session: Session,
    *,
    reference: str,
    account_id: str,
    occurred_at: datetime,
    amount: Money,
    product_id: str,
    vat_rate_bp: int | None = None,
    operator_id: str | None = None,
    against_receivable: bool = False,
) -> LedgerTransaction:
    """What a traveller paid above the best fare, given back: Dr revenue and VAT; Cr what we owe.

    The credit goes to liability:refunds_due:<account> (paid out later, `post_payout`), or,
    for a pay-as-you-go traveller not yet charged, reduces receivable:account:<account>.
    `vat_rate_bp` defaults to the configured VAT_RATE_BP.
    """
    vat_rate_bp = _vat_rate(vat_rate_bp)
    if amount.amount <= 0:
        raise InvalidPosting("a best-fare refund is a positive amount")
    owed = receivable_account(account_id) if against_receivable else refunds_due_account(account_id)
    split = vat_included(amount, vat_rate_bp)
    dims = {"product_id": product_id, "operator_id": operator_id}
    return post(
        session,
        kind=TransactionKind.BEST_FARE_REFUND,
        reference=reference,
        occurred_at=occurred_at,
        postings=[
            Posting.debit(VAT, split.vat, **dims),
            Posting.debit(UNALLOCATED_REVENUE, split.net, **dims),
            Posting.credit(owed, amount),
        ],
        memo=f"best-fare refund to account {account_id}",
    )


def post_payout(
    session: Session,
    *,
    reference: str,
    account_id: str,
    occurred_at: datetime,
    provider: str,
    amount: Money,
) -> LedgerTransaction:
    """Refunds due paid out to a traveller: Dr liability:refunds_due:<id>; Cr cash:<provider>."""
    return post(
        session,
        kind=TransactionKind.PAYOUT,
        reference=reference,
        occurred_at=occurred_at,
        postings=[
            Posting.debit(refunds_due_account(account_id), amount),
            Posting.credit(cash_account(provider), amount),
        ],
        memo=f"refunds paid out to account {account_id}",
    )


# -- reading ----------------------------------------------------------------------------------


def balance(
    session: Session, account_code: str, until: datetime | None = None, currency: str = "EUR"
) -> Money:
    """The signed balance (debit positive) of an account from postings before `until`."""
    currency = check_currency(currency)
    return Money(LedgerRepository(session).balance(account_code, currency, until), currency)


def trial_balance(session: Session, until: datetime | None = None) -> list[TrialBalanceLine]:
    """Every account's signed balance per currency; per currency they sum to zero."""
    return [
        TrialBalanceLine(code, Money(amount, currency))
        for code, currency, amount in LedgerRepository(session).balances(until)
    ]
