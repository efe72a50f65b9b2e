"""The ledger service on SQLite and PostgreSQL: balanced, idempotent, append-only postings."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from mobility.money import Money, vat_included
from ticketing.ledger import service as ledger
from ticketing.ledger.errors import (
    InvalidPosting,
    LedgerReferenceConflict,
    UnbalancedTransaction,
)
from ticketing.ledger.models import (
    AccountType,
    LedgerAccount,
    LedgerPosting,
    LedgerTransaction,
    TransactionKind,
)
from ticketing.ledger.service import Posting, SaleLine

T0 = datetime(2026, 10, 14, 9, 30, tzinfo=UTC)


def eur(cents: int) -> Money:
    return Money(cents, "EUR")


def line(product: str, gross: int, rate_bp: int = 1000) -> SaleLine:
    split = vat_included(eur(gross), rate_bp)
    return SaleLine(product, split.gross, split.vat)


def assert_ledger_balances(session: Session) -> None:
    """Every transaction's postings, and the whole trial balance, sum to zero per currency."""
    per_tx: dict[tuple[str, str], int] = defaultdict(int)
    for p in session.scalars(select(LedgerPosting)):
        per_tx[(p.transaction_id, p.currency)] += p.amount
    assert all(v == 0 for v in per_tx.values()), per_tx
    totals: dict[str, int] = defaultdict(int)
    for row in ledger.trial_balance(session):
        totals[row.balance.currency] += row.balance.amount
    assert all(v == 0 for v in totals.values()), totals


def test_balanced_transaction_is_stored_with_its_accounts(engine: Engine) -> None:
    """A balanced posting is stored, and its accounts are created with the type of their code."""
    with Session(engine) as session:
        tx = ledger.post(
            session,
            kind="fee",
            reference="payment:pay_1",
            occurred_at=T0,
            postings=[
                Posting.debit("expense:payment_fees", eur(35)),
                Posting.credit("cash:stripe", eur(35)),
            ],
        )
        session.commit()
        assert tx.id.startswith("ltx_")
        types = dict(session.execute(select(LedgerAccount.code, LedgerAccount.type)).all())
        assert types == {
            "expense:payment_fees": AccountType.EXPENSE,
            "cash:stripe": AccountType.ASSET,
        }
        assert ledger.balance(session, "cash:stripe") == eur(-35)
        assert ledger.balance(session, "expense:payment_fees") == eur(35)
        assert_ledger_balances(session)


def test_unbalanced_transaction_is_rejected_and_nothing_stored(engine: Engine) -> None:
    """Postings that do not sum to zero raise UnbalancedTransaction before any insert."""
    with Session(engine) as session:
        with pytest.raises(UnbalancedTransaction) as caught:
            ledger.post(
                session,
                kind="fee",
                reference="payment:pay_1",
                occurred_at=T0,
                postings=[
                    Posting.debit("expense:payment_fees", eur(35)),
                    Posting.credit("cash:stripe", eur(34)),
                ],
            )
        assert caught.value.extensions["imbalance"] == 1
        session.commit()
        assert session.scalar(select(func.count()).select_from(LedgerTransaction)) == 0
        assert session.scalar(select(func.count()).select_from(LedgerAccount)) == 0


@pytest.mark.parametrize(
    ("postings", "message"),
    [
        (
            [
                Posting("cash:stripe", eur(5)),
                Posting(
                    "liability:vat",
                    eur(-5),
                ),
            ],
            None,
        ),
        ([Posting("cash:stripe", eur(0)), Posting("liability:vat", eur(0))], "two non-zero"),
        ([Posting("cash:stripe", eur(5))], "two non-zero"),
        ([Posting("bank:x", eur(5)), Posting("liability:vat", eur(-5))], "prefix"),
        ([Posting("cash", eur(5)), Posting("liability:vat", eur(-5))], "account code"),
        (
            [Posting("cash:stripe", eur(5)), Posting("liability:vat", Money(-5, "USD"))],
            "one currency",
        ),
    ],
)
def test_invalid_postings_are_refused(
    engine: Engine, postings: list[Posting], message: str | None
) -> None:
    """Codes off the chart, single or zero postings and mixed currencies are refused."""
    with Session(engine) as session:
        if message is None:
            ledger.post(
                session, kind="sale", reference="order:ok", occurred_at=T0, postings=postings
            )
            return
        with pytest.raises(InvalidPosting, match=message):
            ledger.post(
                session, kind="sale", reference="order:x", occurred_at=T0, postings=postings
            )


def test_unknown_kind_is_refused(engine: Engine) -> None:
    """A transaction kind off the list is an InvalidPosting, not a stored surprise."""
    with Session(engine) as session, pytest.raises(InvalidPosting, match="kind"):
        ledger.post(
            session,
            kind="gift",
            reference="x:1",
            occurred_at=T0,
            postings=[Posting("cash:stripe", eur(5)), Posting("liability:vat", eur(-5))],
        )


def test_naive_time_is_refused(engine: Engine) -> None:
    """occurred_at must carry its offset: a naive time is ambiguous for period boundaries."""
    with Session(engine) as session, pytest.raises(InvalidPosting, match="timezone"):
        ledger.post_fee(
            session,
            reference="payment:p",
            occurred_at=T0.replace(tzinfo=None),
            provider="stripe",
            amount=eur(10),
        )


def test_posting_twice_returns_the_first_transaction(engine: Engine) -> None:
    """The same (kind, reference) with the same postings is a no-op returning the original."""
    with Session(engine) as session:
        first = ledger.post_sale(
            session, order_id="ord_1", occurred_at=T0, provider="stripe", lines=[line("BIGL", 170)]
        )
        session.commit()
        first_id = first.id
    with Session(engine) as session:
        again = ledger.post_sale(
            session,
            order_id="ord_1",
            occurred_at=T0 + timedelta(hours=1),
            provider="stripe",
            lines=[line("BIGL", 170)],
        )
        session.commit()
        assert again.id == first_id
        assert session.scalar(select(func.count()).select_from(LedgerTransaction)) == 1
        assert ledger.balance(session, "cash:stripe") == eur(170)


def test_same_reference_with_other_amounts_conflicts(engine: Engine) -> None:
    """Reusing a reference for different postings is a conflict, not a silent no-op."""
    with Session(engine) as session:
        ledger.post_sale(
            session, order_id="ord_1", occurred_at=T0, provider="stripe", lines=[line("BIGL", 170)]
        )
        with pytest.raises(LedgerReferenceConflict):
            ledger.post_sale(
                session,
                order_id="ord_1",
                occurred_at=T0,
                provider="stripe",
                lines=[line("BIGL", 180)],
            )


def test_concurrent_duplicate_insert_returns_the_winner(engine: Engine) -> None:
    """A duplicate that passed the pre-check (a racing session) still ends in one transaction."""
    with Session(engine) as winner:
        tx = ledger.post_fee(
            winner, reference="payment:p", occurred_at=T0, provider="stripe", amount=eur(10)
        )
        winner.commit()
        tx_id = tx.id
    with Session(engine) as loser:
        repo_find = ledger.LedgerRepository.find_transaction
        calls = {"n": 0}

        def blind_first(
            self: ledger.LedgerRepository, kind: TransactionKind, reference: str
        ) -> LedgerTransaction | None:
            calls["n"] += 1
            return None if calls["n"] == 1 else repo_find(self, kind, reference)

        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(ledger.LedgerRepository, "find_transaction", blind_first)
            same = ledger.post_fee(
                loser, reference="payment:p", occurred_at=T0, provider="stripe", amount=eur(10)
            )
        loser.commit()
        assert same.id == tx_id
        assert calls["n"] == 2
        assert loser.scalar(select(func.count()).select_from(LedgerTransaction)) == 1


def test_sale_refund_fee_scenario_balances_to_the_cent(engine: Engine) -> None:
    """A two-line sale, a partial refund and the provider's fee leave every account exact."""
    with Session(engine) as session:
        lines = [line("BIGL", 170), line("SETT7", 1333)]  # VAT 15 and 121 cents
        ledger.post_sale(session, order_id="ord_1", occurred_at=T0, provider="stripe", lines=lines)
        ledger.post_fee(
            session,
            reference="payment:pay_1",
            occurred_at=T0,
            provider="stripe",
            amount=eur(47),
            order_id="ord_1",
        )
        ledger.post_refund(
            session,
            refund_id="ref_1",
            order_id="ord_1",
            occurred_at=T0 + timedelta(days=1),
            provider="stripe",
            lines=[line("SETT7", 667)],
        )  # VAT 61
        session.commit()

        assert ledger.balance(session, "cash:stripe") == eur(1503 - 47 - 667)
        assert ledger.balance(session, "liability:vat") == eur(-(15 + 121 - 61))
        assert ledger.balance(session, "revenue:unallocated") == eur(-(155 + 1212 - 606))
        assert ledger.balance(session, "expense:payment_fees") == eur(47)
        # Before the refund the cash held the whole sale less the fee.
        assert ledger.balance(session, "cash:stripe", until=T0 + timedelta(hours=1)) == eur(1456)
        by_product = dict(
            session.execute(
                select(LedgerPosting.product_id, func.sum(LedgerPosting.amount))
                .where(LedgerPosting.account_code == "revenue:unallocated")
                .group_by(LedgerPosting.product_id)
            ).all()
        )
        assert {k: int(v) for k, v in by_product.items()} == {"BIGL": -155, "SETT7": -606}
        assert_ledger_balances(session)


def test_payg_charge_with_cap_adjustment(engine: Engine) -> None:
    """A capped tap posts the base fare, then a cap adjustment: receivable and VAT end at the
    amounts of the fare actually charged."""
    with Session(engine) as session:
        posted = ledger.post_payg_charge(
            session,
            tap_id="tap_9",
            account_id="acc_1",
            occurred_at=T0,
            base_fare=eur(170),
            charged=eur(55),
            operator_id="ATL",
            vat_rate_bp=1000,
        )
        assert [t.kind for t in posted] == [
            TransactionKind.PAYG_CHARGE,
            TransactionKind.CAP_ADJUSTMENT,
        ]
        assert {t.reference for t in posted} == {"tap:tap_9"}
        again = ledger.post_payg_charge(
            session,
            tap_id="tap_9",
            account_id="acc_1",
            occurred_at=T0,
            base_fare=eur(170),
            charged=eur(55),
            operator_id="ATL",
            vat_rate_bp=1000,
        )
        assert [t.id for t in again] == [t.id for t in posted]
        session.commit()
        assert ledger.balance(session, "receivable:account:acc_1") == eur(55)
        assert ledger.balance(session, "liability:vat") == eur(-5)  # VAT of 0.55
        assert ledger.balance(session, "revenue:unallocated") == eur(-50)
        operators = set(
            session.scalars(
                select(LedgerPosting.operator_id).where(
                    LedgerPosting.account_code == "revenue:unallocated"
                )
            )
        )
        assert operators == {"ATL"}
        assert_ledger_balances(session)


def test_payg_fully_capped_and_uncapped(engine: Engine) -> None:
    """An uncapped tap posts one transaction; a tap over the cap (charged 0) nets to zero."""
    with Session(engine) as session:
        one = ledger.post_payg_charge(
            session,
            tap_id="t1",
            account_id="a",
            occurred_at=T0,
            base_fare=eur(170),
            charged=eur(170),
            operator_id="ATL",
            vat_rate_bp=1000,
        )
        two = ledger.post_payg_charge(
            session,
            tap_id="t2",
            account_id="a",
            occurred_at=T0,
            base_fare=eur(170),
            charged=eur(0),
            operator_id="ATL",
            vat_rate_bp=1000,
        )
        assert len(one) == 1
        assert len(two) == 2
        assert ledger.balance(session, "receivable:account:a") == eur(170)
        assert ledger.balance(session, "liability:vat") == eur(-15)
        with pytest.raises(InvalidPosting):
            ledger.post_payg_charge(
                session,
                tap_id="t3",
                account_id="a",
                occurred_at=T0,
                base_fare=eur(100),
                charged=eur(101),
                operator_id="ATL",
                vat_rate_bp=1000,
            )


def test_best_fare_refund_settlement_and_payout(engine: Engine) -> None:
    """Best-fare refunds owed, paid out and a pay-as-you-go collection all balance."""
    with Session(engine) as session:
        ledger.post_payg_charge(
            session,
            tap_id="t1",
            account_id="a",
            occurred_at=T0,
            base_fare=eur(300),
            charged=eur(300),
            operator_id="ATL",
            vat_rate_bp=1000,
        )
        ledger.post_best_fare_refund(
            session,
            reference="bestfare:a:2026-10-14",
            account_id="a",
            occurred_at=T0,
            amount=eur(100),
            product_id="payg",
            vat_rate_bp=1000,
            operator_id="ATL",
            against_receivable=True,
        )
        ledger.post_payg_settlement(
            session,
            reference="collection:c1",
            account_id="a",
            occurred_at=T0,
            provider="stripe",
            amount=eur(200),
        )
        ledger.post_sale(
            session, order_id="o", occurred_at=T0, provider="stripe", lines=[line("SETT7", 1000)]
        )
        ledger.post_best_fare_refund(
            session,
            reference="bestfare:b:2026-10",
            account_id="b",
            occurred_at=T0,
            amount=eur(250),
            product_id="SETT7",
            vat_rate_bp=1000,
        )
        ledger.post_payout(
            session,
            reference="payout:po1",
            account_id="b",
            occurred_at=T0,
            provider="stripe",
            amount=eur(250),
        )
        assert ledger.balance(session, "receivable:account:a") == eur(0)
        assert ledger.balance(session, "liability:refunds_due:b") == eur(0)
        assert ledger.balance(session, "cash:stripe") == eur(200 + 1000 - 250)
        # VAT owed is that of what was finally paid: 2.00 (18) and 7.50 (68).
        assert ledger.balance(session, "liability:vat") == eur(-(18 + 68))
        assert_ledger_balances(session)


def test_trial_balance_lists_every_account_and_sums_to_zero(engine: Engine) -> None:
    """The trial balance has one line per account and currency, and they sum to zero."""
    with Session(engine) as session:
        ledger.post_sale(
            session, order_id="o1", occurred_at=T0, provider="stripe", lines=[line("BIGL", 170)]
        )
        ledger.post_sale(
            session,
            order_id="o2",
            occurred_at=T0,
            provider="sandbox",
            lines=[SaleLine("CH", Money(500, "CHF"), Money(37, "CHF"))],
        )
        lines = ledger.trial_balance(session)
        assert [(ln.account, ln.balance.currency) for ln in lines] == [
            ("cash:sandbox", "CHF"),
            ("cash:stripe", "EUR"),
            ("liability:vat", "CHF"),
            ("liability:vat", "EUR"),
            ("revenue:unallocated", "CHF"),
            ("revenue:unallocated", "EUR"),
        ]
        assert ledger.balance(session, "liability:vat", currency="CHF") == Money(-37, "CHF")
        assert_ledger_balances(session)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_ledger_is_append_only_on_postgresql(engine: Engine) -> None:
    """On PostgreSQL a trigger refuses UPDATE and DELETE of postings, transactions, accounts."""
    assert engine.dialect.name == "postgresql"
    with Session(engine) as session:
        tx = ledger.post_fee(
            session, reference="payment:p", occurred_at=T0, provider="stripe", amount=eur(10)
        )
        session.commit()
        tx_id = tx.id
    statements = [
        f"UPDATE ticketing_ledger_postings SET amount = amount * 2 "
        f"WHERE transaction_id = '{tx_id}'",
        f"DELETE FROM ticketing_ledger_postings WHERE transaction_id = '{tx_id}'",
        f"UPDATE ticketing_ledger_transactions SET memo = 'x' WHERE id = '{tx_id}'",
        "DELETE FROM ticketing_ledger_accounts WHERE code = 'cash:stripe'",
    ]
    for statement in statements:
        with engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(statement))
    with Session(engine) as session:
        assert ledger.balance(session, "cash:stripe") == eur(-10)
