"""Passes: issue an order's passes exactly once; revoke or shorten them; read them.

A change of a pass's entitlement (revoked, shortened) enqueues a `PASS_CHANGED` outbox message
in the same transaction: access control, a higher layer, turns it into revocations that reach
the gates, and nothing is lost if the process dies before that.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from mobility.money import allocate
from mobility.outbox import enqueue
from ticketing.catalogue import service as catalogue
from ticketing.errors import PassNotFound
from ticketing.passes.models import Pass, PassStatus

if TYPE_CHECKING:
    from ticketing.orders.models import Order

PASS_CHANGED = "ticketing.pass_changed"
CARNET = "carnet"


def new_pass_id() -> str:
    return f"pas_{secrets.token_hex(10)}"


def _codes(values: Sequence[str]) -> str:
    return json.dumps(list(values) or ["*"])


def issue_passes(session: Session, order: Order, now: datetime) -> list[Pass]:
    """One pass per unit of each line of a paid order; the ones already issued are kept.

    The caller holds the order's lock; (order_line_id, seq) being unique is the last guard.
    """
    from ticketing.orders.repository import OrderRepository

    existing = {(p.order_line_id, p.seq) for p in passes_of_order(session, order.id)}
    issued: list[Pass] = []
    for line in OrderRepository(session).lines(order.id):
        product = catalogue.get_product(session, line.product_id)
        valid_from, valid_until = catalogue.validity_window(product, line.valid_from)
        # A carnet of N rides is N single-use passes: each ride is spent at a gate on its own.
        carnet = product.kind == CARNET and bool(product.rides)
        per_unit = product.rides if carnet and product.rides else 1
        units = line.quantity * per_unit
        # What each pass cost, to the cent: the line's amount shared over its passes.
        prices = allocate(line.amount, [1] * units) if line.amount else [0] * units
        for seq in range(1, units + 1):
            if (line.id, seq) in existing:
                continue
            issued.append(
                Pass(
                    id=new_pass_id(),
                    account_id=order.account_id,
                    order_id=order.id,
                    order_line_id=line.id,
                    seq=seq,
                    product_id=product.product_id,
                    product_kind=str(product.kind),
                    rider_category_id=line.rider_category_id,
                    operators=_codes(product.operators),
                    networks=_codes(product.networks),
                    zones=_codes(product.zones),
                    valid_from=valid_from,
                    valid_until=valid_until,
                    single_use=product.single_use or carnet,
                    rides_total=product.rides,
                    amount=prices[seq - 1],
                    currency=order.currency,
                    device_key=order.device_key,
                    status=PassStatus.ACTIVE,
                    issued_at=now,
                )
            )
    session.add_all(issued)
    session.flush()
    return issued


def passes_of_order(session: Session, order_id: str) -> Sequence[Pass]:
    return session.scalars(
        select(Pass).where(Pass.order_id == order_id).order_by(Pass.order_line_id, Pass.seq)
    ).all()


def passes_of_account(
    session: Session, account_id: str, *, active_at: datetime | None = None
) -> Sequence[Pass]:
    query = select(Pass).where(Pass.account_id == account_id)
    if active_at is not None:
        query = query.where(
            Pass.status == PassStatus.ACTIVE,
            Pass.valid_from <= active_at,
            Pass.valid_until > active_at,
        )
    return session.scalars(query.order_by(Pass.valid_from.desc(), Pass.id)).all()


def get_pass(session: Session, pass_id: str) -> Pass:
    found = session.get(Pass, pass_id)
    if found is None:
        raise PassNotFound(f"no pass '{pass_id}'")
    return found


def _announce(session: Session, item: Pass, reason: str) -> None:
    enqueue(
        session,
        PASS_CHANGED,
        {
            "pass_id": item.id,
            "status": item.status.value,
            "valid_until": item.valid_until.isoformat(),
            "reason": reason,
        },
    )


def revoke(session: Session, item: Pass, reason: str, now: datetime) -> bool:
    """Revoke an active pass (True), or do nothing to one already revoked (False)."""
    if item.status is PassStatus.REVOKED:
        return False
    item.status = PassStatus.REVOKED
    item.revoked_at = now
    item.revoke_reason = reason[:200]
    session.flush()
    _announce(session, item, reason)
    return True


def shorten(session: Session, item: Pass, until: datetime, reason: str, now: datetime) -> bool:
    """End an active pass at `until` (not before now); False if it already ends by then."""
    if item.status is PassStatus.REVOKED or item.valid_until <= until:
        return False
    item.valid_until = max(until, now, item.valid_from)
    session.flush()
    _announce(session, item, reason)
    return True
