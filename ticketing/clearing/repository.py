"""Queries of clearing: usage of each product on each operator in a period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ticketing.passes.models import Pass
from ticketing.usage.models import TravelRecord


@dataclass(frozen=True, slots=True)
class UsageRow:
    product_id: str
    operator_id: str
    entry_taps: int
    trips_measured: int
    distance_m: int


class ClearingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def usage(self, start: datetime, end: datetime) -> list[UsageRow]:
        """Entry taps, measured trips and their distance per product and operator in [start, end).

        A record's product is its own, or its pass's; records of neither (pay-as-you-go taps
        are cleared directly from their ledger postings) are left out.
        """
        product = func.coalesce(TravelRecord.product_id, Pass.product_id)
        query = (
            select(
                product,
                TravelRecord.operator_id,
                func.sum(case((TravelRecord.direction == "entry", 1), else_=0)),
                func.count(TravelRecord.distance_m),
                func.coalesce(func.sum(TravelRecord.distance_m), 0),
            )
            .outerjoin(Pass, Pass.id == TravelRecord.pass_id)
            .where(
                TravelRecord.tapped_at >= start,
                TravelRecord.tapped_at < end,
                product.is_not(None),
            )
            .group_by(product, TravelRecord.operator_id)
        )
        return [
            UsageRow(p, o, int(taps or 0), int(measured or 0), int(distance or 0))
            for p, o, taps, measured, distance in self.session.execute(query)
        ]
