"""Fare engine tests; the small hand-made fare tables they share live here."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from ticketing.fares.model import FareProduct, FeedFares, Leg

DAY = date(2026, 3, 2)  # a Monday


def at(hhmm: str, day: date = DAY) -> datetime:
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(
        hours=hours, minutes=minutes
    )


def leg(
    route: str = "R1",
    start: str = "S1",
    end: str = "S2",
    dep: str = "08:00",
    arr: str = "08:20",
    **kw: Any,
) -> Leg:
    return Leg("f", route, start, end, at(dep), at(arr), DAY, **kw)


def products(*rows: tuple[str, int] | FareProduct) -> dict[str, tuple[FareProduct, ...]]:
    out: dict[str, list[FareProduct]] = {}
    for i, row in enumerate(rows, start=2):
        p = row if isinstance(row, FareProduct) else FareProduct(row[0], row[1], "EUR", line=i)
        out.setdefault(p.fare_product_id, []).append(p)
    return {k: tuple(v) for k, v in out.items()}


def fares(**kw: Any) -> FeedFares:
    kw.setdefault("timezone", "UTC")
    return FeedFares(feed="f", **kw)
