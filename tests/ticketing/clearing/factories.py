"""Small factories of clearing tests: a catalogue, sold passes, taps, ledger sales."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from mobility.money import Money, vat_included
from ticketing.accounts.models import Account
from ticketing.catalogue.loader import load_tariffs
from ticketing.ledger import service as ledger
from ticketing.ledger.models import LedgerTransaction
from ticketing.orders.models import Order, OrderLine, OrderStatus
from ticketing.passes.models import Pass, PassStatus
from ticketing.usage.models import TravelRecord

# Three operators; SETT7 covers ATL and CTT and is shared by passenger-km, MARE by fixed
# shares, BIGL (every operator) by the default rule, taps.
TARIFFS = """
currency = "EUR"

[authority]
id = "ltc"
name = "Test transport authority"

[[operators]]
id = "ATL"
name = "ATL bus"
modes = ["bus"]

[[operators]]
id = "CTT"
name = "CTT bus"
modes = ["bus"]

[[operators]]
id = "NAV"
name = "Navigazione"
modes = ["ferry"]

[[zones]]
id = "Z1"
name = "Zone 1"

[[rider_categories]]
id = "ADU"
name = "Adult"
is_default = true

[[products]]
id = "BIGL"
name = "Single ride"
kind = "single_ride"
prices = { ADU = 170 }

[[products]]
id = "SETT7"
name = "Weekly bus pass"
kind = "week"
prices = { ADU = 1500 }
operators = ["ATL", "CTT"]

[[products]]
id = "MARE"
name = "Bus and ferry day"
kind = "day"
prices = { ADU = 1001 }
operators = ["ATL", "NAV"]

[revenue_sharing.default]
method = "taps"

[[revenue_sharing.rules]]
product = "SETT7"
method = "passenger_km"

[[revenue_sharing.rules]]
product = "MARE"
method = "fixed"
shares = { ATL = 6000, NAV = 4000 }
"""


def load_catalogue(session: Session) -> None:
    load_tariffs(session, TARIFFS, source="clearing-tests", now=datetime(2026, 9, 1, tzinfo=UTC))
    session.flush()


def account(session: Session, account_id: str = "acc_1") -> Account:
    row = Account(
        id=account_id,
        email=f"{account_id}@example.org",
        email_key=f"{account_id}@example.org",
        password_hash="x",
        display_name=account_id,
    )
    session.add(row)
    session.flush()
    return row


def sold_pass(
    session: Session,
    *,
    pass_id: str,
    product_id: str,
    account_id: str,
    at: datetime,
    amount: int = 1500,
) -> Pass:
    """An order of one line of `product_id`, paid, with its pass (no ledger posting)."""
    vat = vat_included(Money(amount), 1000).vat.amount
    order_id = f"ord_{pass_id}"
    session.add(
        Order(
            id=order_id,
            account_id=account_id,
            status=OrderStatus.FULFILLED,
            currency="EUR",
            total_amount=amount,
            vat_amount=vat,
            vat_rate_bp=1000,
            refunded_amount=0,
            idempotency_key=order_id,
            request_hash="0" * 64,
            device_key="d" * 43,
            created_at=at,
            paid_at=at,
            fulfilled_at=at,
        )
    )
    session.flush()
    line = OrderLine(
        order_id=order_id,
        line_no=1,
        product_id=product_id,
        product_name=product_id,
        rider_category_id="ADU",
        quantity=1,
        unit_amount=amount,
        amount=amount,
        vat_amount=vat,
        valid_from=at,
        pricing_note="",
    )
    session.add(line)
    session.flush()
    issued = Pass(
        id=pass_id,
        account_id=account_id,
        order_id=order_id,
        order_line_id=line.id,
        seq=1,
        product_id=product_id,
        product_kind="week",
        rider_category_id="ADU",
        operators=json.dumps(["ATL", "CTT"]),
        networks=json.dumps(["*"]),
        zones=json.dumps(["*"]),
        valid_from=at,
        valid_until=at + timedelta(days=7),
        single_use=False,
        rides_total=None,
        amount=amount,
        currency="EUR",
        device_key="d" * 43,
        status=PassStatus.ACTIVE,
        issued_at=at,
    )
    session.add(issued)
    session.flush()
    return issued


def tap(
    session: Session,
    tap_id: str,
    *,
    operator_id: str,
    at: datetime,
    pass_id: str | None = None,
    product_id: str | None = None,
    direction: str = "entry",
    distance_m: int | None = None,
) -> TravelRecord:
    record = TravelRecord(
        tap_id=tap_id,
        pass_id=pass_id,
        product_id=product_id,
        operator_id=operator_id,
        direction=direction,
        tapped_at=at,
        distance_m=distance_m,
    )
    session.add(record)
    session.flush()
    return record


def sale(
    session: Session,
    order_id: str,
    product_id: str,
    gross: int,
    at: datetime,
    provider: str = "stripe",
) -> LedgerTransaction:
    split = vat_included(Money(gross), 1000)
    return ledger.post_sale(
        session,
        order_id=order_id,
        occurred_at=at,
        provider=provider,
        lines=[ledger.SaleLine(product_id, split.gross, split.vat)],
    )


def refund(
    session: Session, refund_id: str, order_id: str, product_id: str, gross: int, at: datetime
) -> LedgerTransaction:
    split = vat_included(Money(gross), 1000)
    return ledger.post_refund(
        session,
        refund_id=refund_id,
        order_id=order_id,
        occurred_at=at,
        provider="stripe",
        lines=[ledger.SaleLine(product_id, split.gross, split.vat)],
    )


ROME = ZoneInfo("Europe/Rome")


def rome(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ROME)


def seed_october(session: Session) -> None:
    """October 2026, hand-computed in test_service.py: sales, a refund, a fee, a capped-free
    pay-as-you-go tap, and the taps of one weekly pass; plus sales just outside the month."""
    load_catalogue(session)
    account(session, "acc_1")
    weekly = sold_pass(
        session, pass_id="P1", product_id="SETT7", account_id="acc_1", at=rome(10, 1, 0, 10)
    )
    sale(session, "o0", "SETT7", 1500, rome(9, 30, 23, 59))  # September
    sale(session, "o1", "SETT7", 1500, rome(10, 1, 0, 10))
    sale(session, "o2", "SETT7", 1500, rome(10, 10, 12))
    sale(session, "o3", "SETT7", 1500, rome(10, 20, 12))
    refund(session, "r1", "o3", "SETT7", 500, rome(10, 21, 9))
    sale(session, "o4", "MARE", 1001, rome(10, 15, 8))
    sale(session, "o5", "BIGL", 170, rome(10, 16, 8))
    sale(session, "o6", "SETT7", 1500, rome(11, 1, 0, 30))  # November (after the DST change)
    ledger.post_fee(
        session,
        reference="payment:o1",
        occurred_at=rome(10, 1, 0, 10),
        provider="stripe",
        amount=Money(100),
    )
    ledger.post_payg_charge(
        session,
        tap_id="pg1",
        account_id="acc_1",
        occurred_at=rome(10, 12, 8),
        base_fare=Money(170),
        charged=Money(170),
        operator_id="ATL",
        vat_rate_bp=1000,
    )
    tap(session, "pg1", operator_id="ATL", at=rome(10, 12, 8))  # pay-as-you-go: no product
    for i, (operator, distance) in enumerate((("ATL", 3000), ("ATL", 3000), ("CTT", 2000))):
        tap(session, f"in{i}", operator_id=operator, at=rome(10, 2 + i, 8), pass_id=weekly.id)
        tap(
            session,
            f"out{i}",
            operator_id=operator,
            at=rome(10, 2 + i, 9),
            pass_id=weekly.id,
            direction="exit",
            distance_m=distance,
        )
    tap(session, "nav", operator_id="NAV", at=rome(10, 6, 8), pass_id=weekly.id)
    tap(session, "nov", operator_id="CTT", at=rome(11, 1, 0, 30), pass_id=weekly.id)
    tap(session, "mare", operator_id="NAV", at=rome(10, 15, 9), product_id="MARE")
