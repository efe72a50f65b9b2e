"""Travel records from gate taps, and pay-as-you-go charging with fare capping.

Access control calls `record_tap` in the transaction that stores a tap, so a travel record
exists exactly when its tap does (the tap id makes a repeat a no-op). A tap of a pay-as-you-go
pass is charged here: its base fare is the cheapest single ride the catalogue sells for that
operator and zone, capped by the day, week and month caps of the rider's category across every
operator (`ticketing.tariffs.capping`). Charges of one account are serialised by a lock of the
account's row, so two gates tapping at once cannot both use the same room under a cap.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gtfs.distances import ride_distance
from gtfs.errors import InvalidReference
from gtfs.refs import parse_ref
from mobility.db import lock_row
from mobility.money import Money
from ticketing.accounts.models import Account
from ticketing.catalogue import service as catalogue
from ticketing.ledger import service as ledger
from ticketing.passes.models import Pass
from ticketing.pricing import service as pricing
from ticketing.tariffs.capping import CapPolicy, Caps, Charge, Period, Tap, charge_tap
from ticketing.usage.models import TravelRecord

log = logging.getLogger(__name__)
PAYG = "payg"
ENTRY = "entry"
EXIT = "exit"


@dataclass(frozen=True)
class TapFacts:
    """What access control knows of an opened tap."""

    tap_id: str
    pass_id: str
    operator_id: str
    direction: str  # entry | exit
    tapped_at: datetime
    gate_id: str | None = None
    network_id: str | None = None
    zone_id: str | None = None
    stop_ref: str | None = None


def record_tap(session: Session, facts: TapFacts) -> TravelRecord | None:
    """Record an opened tap of a ticketing pass (None for passes ticketing did not issue)."""
    item = session.get(Pass, facts.pass_id)
    if item is None:
        return None
    existing = _by_tap(session, facts.tap_id)
    if existing is not None:
        return existing
    record = TravelRecord(
        tap_id=facts.tap_id,
        pass_id=item.id,
        account_id=item.account_id,
        product_id=item.product_id,
        rider_category_id=item.rider_category_id,
        operator_id=facts.operator_id,
        network_id=facts.network_id,
        zone_id=facts.zone_id,
        gate_id=facts.gate_id,
        stop_ref=facts.stop_ref,
        direction=facts.direction,
        tapped_at=facts.tapped_at,
    )
    if facts.direction == EXIT:
        record.distance_m = _ride_distance(session, item.id, facts)
    if item.product_kind == PAYG and facts.direction == ENTRY:
        lock_row(session, Account.id, item.account_id)
        try:
            _charge(session, record, item)
        except LookupError as exc:  # the gate has decided: keep the record, flag the pricing
            log.error("tap %s recorded without a charge: %s", facts.tap_id, exc)
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
    except IntegrityError:
        return _by_tap(session, facts.tap_id)  # the same tap, recorded concurrently
    if record.charged is not None and record.base_fare is not None:
        currency = record.currency or "EUR"
        ledger.post_payg_charge(
            session,
            tap_id=record.tap_id,
            account_id=item.account_id,
            occurred_at=record.tapped_at,
            base_fare=Money(record.base_fare, currency),
            charged=Money(record.charged, currency),
            operator_id=record.operator_id,
        )
    return record


def _ride_distance(session: Session, pass_id: str, exit_tap: TapFacts) -> int | None:
    """The distance from the pass's latest entry before this exit, along the GTFS shape of a
    trip serving both stops (passenger-km clearing); None when either stop is unknown."""
    entry = session.scalars(
        select(TravelRecord)
        .where(
            TravelRecord.pass_id == pass_id,
            TravelRecord.direction == ENTRY,
            TravelRecord.tapped_at <= exit_tap.tapped_at,
        )
        .order_by(TravelRecord.tapped_at.desc(), TravelRecord.id.desc())
        .limit(1)
    ).first()
    if entry is None or entry.stop_ref is None or exit_tap.stop_ref is None:
        return None
    try:
        board, alight = parse_ref(entry.stop_ref), parse_ref(exit_tap.stop_ref)
    except InvalidReference:  # a gate located at a terminal, not a GTFS stop
        return None
    if board.feed_id != alight.feed_id:
        return None
    measured = ride_distance(session, board.feed_id, board.id, alight.id)
    return None if measured is None else measured.meters


def _by_tap(session: Session, tap_id: str) -> TravelRecord | None:
    return session.scalars(select(TravelRecord).where(TravelRecord.tap_id == tap_id)).first()


def cap_policy(session: Session) -> CapPolicy | None:
    """The authority's capping policy from the current tariff file (None if it caps nothing)."""
    config = catalogue.current_config(session)
    if config is None or not config.capping.caps:
        return None
    caps = {
        category: Caps(daily=rule.daily, weekly=rule.weekly, monthly=rule.monthly)
        for category, rule in config.capping.caps.items()
    }
    return CapPolicy(
        caps=caps, currency=config.currency, timezone=config.timezone, day_start=config.day_start
    )


def base_fare(
    session: Session, operator_id: str, zone_id: str | None, category: str, at: datetime
) -> Money:
    """The cheapest single ride sold for this operator and zone to the rider's category, at
    its off-peak or congestion-adjusted price for the moment of the tap."""
    candidates = [
        product
        for product in catalogue.list_products(session, kind="single_ride")
        if product.active
        and category in product.prices
        and ("*" in product.operators or operator_id in product.operators)
        and (zone_id is None or "*" in product.zones or zone_id in product.zones)
    ]
    if not candidates:
        raise LookupError(f"no single ride of operator {operator_id} prices a tap")
    zones = [zone_id] if zone_id is not None else []
    return min(
        (pricing.adjusted_unit(session, p, category, at, zones).amount for p in candidates),
        key=lambda money: money.amount,
    )


def _history(
    session: Session, account_id: str, policy: CapPolicy, category: str, when: datetime
) -> Sequence[Charge]:
    since = policy.window_start(category, when)
    rows = session.scalars(
        select(TravelRecord)
        .where(
            TravelRecord.account_id == account_id,
            TravelRecord.charged.is_not(None),
            TravelRecord.tapped_at >= since,
        )
        .order_by(TravelRecord.tapped_at, TravelRecord.id)
    ).all()
    return [
        Charge(
            tap_id=row.tap_id,
            operator_id=row.operator_id,
            when=row.tapped_at,
            service_day=policy.service_day(row.tapped_at),
            base_fare=row.base_fare or 0,
            charged=row.charged or 0,
        )
        for row in rows
    ]


def _charge(session: Session, record: TravelRecord, item: Pass) -> None:
    category = item.rider_category_id
    fare = base_fare(session, record.operator_id, record.zone_id, category, record.tapped_at)
    record.base_fare, record.charged, record.currency = fare.amount, fare.amount, fare.currency
    policy = cap_policy(session)
    if policy is None:
        return
    history = _history(session, item.account_id, policy, category, record.tapped_at)
    charge = charge_tap(
        policy,
        category,
        history,
        Tap(record.tap_id, record.tapped_at, fare.amount, record.operator_id),
    )
    record.charged = charge.charged
    record.capped_by = ",".join(Period(p).value for p in charge.capped_by) or None
