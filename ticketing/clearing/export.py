"""The clearing report as CSV (one line per operator and product), via the csv module."""

from __future__ import annotations

import csv
import io

from .service import ClearingReport

COLUMNS = (
    "period",
    "operator_id",
    "product_id",
    "currency",
    "method",
    "share_bp",
    "gross",
    "vat",
    "net",
    "refunds",
    "fees",
    "taps",
    "passenger_km",
    "posted",
    "note",
)


def decimal_amount(minor: int) -> str:
    """Minor units as a decimal with two places, e.g. -1234 -> '-12.34'."""
    sign = "-" if minor < 0 else ""
    units, cents = divmod(abs(minor), 100)
    return f"{sign}{units}.{cents:02d}"


def report_csv(report: ClearingReport) -> str:
    """RFC 4180 CSV (CRLF line ends); amounts are decimals in the row's currency."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in report.rows:
        writer.writerow(
            (
                report.period.label,
                r.operator_id,
                r.product_id,
                r.currency,
                r.method,
                "" if r.share_bp is None else r.share_bp,
                decimal_amount(r.gross),
                decimal_amount(r.vat),
                decimal_amount(r.net),
                decimal_amount(r.refunds),
                decimal_amount(r.fees),
                r.taps,
                r.passenger_km,
                decimal_amount(r.posted),
                r.note,
            )
        )
    return out.getvalue()
