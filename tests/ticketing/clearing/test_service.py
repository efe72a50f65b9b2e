"""The clearing report and its posting, on SQLite and PostgreSQL, against hand-computed cents.

October 2026 (see factories.seed_october), VAT 10% included:
- SETT7 (passenger-km, ATL and CTT): three sales of 15.00 (VAT 1.36 each) less a refund of
  5.00 (VAT 0.45): net 36.37, VAT 3.63. Trips: ATL 3 km + 3 km, CTT 2 km -> 3:1, so ATL
  27.28 (27.2775 rounded up: largest remainder) and CTT 9.09; VAT 2.72 and 0.91.
- MARE (fixed 60/40 ATL/NAV): 10.01 (VAT 0.91, net 9.10): net 5.46 / 3.64, VAT 0.55 / 0.36.
- BIGL (taps): 1.70 but no tap in October: left unallocated.
- pay-as-you-go: 1.70 on ATL, directly (net 1.55).
- fees 1.00 split by gross 6.01, 4.00, 30.00, 10.00, 1.70: 0.12, 0.08, 0.58, 0.19, 0.03.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from mobility.money import Money
from ticketing.catalogue.validation import parse_tariffs
from ticketing.clearing.apportion import Method, RuleBook, SharingRule
from ticketing.clearing.errors import ClearingPeriodOpen, InvalidPeriod
from ticketing.clearing.export import report_csv
from ticketing.clearing.service import (
    ClearingRow,
    clearing_report,
    current_rules,
    parse_period,
    post_clearing,
    rules_from_tariffs,
)
from ticketing.ledger import service as ledger

from .factories import TARIFFS, refund, rome, seed_october

AFTER = datetime(2026, 11, 5, tzinfo=UTC)


def rows_by_key(rows: list[ClearingRow]) -> dict[tuple[str, str], ClearingRow]:
    return {(r.product_id, r.operator_id): r for r in rows}


def test_period_boundaries_follow_rome_time() -> None:
    """A month starts and ends at local midnight: October 2026 is 31 days and one hour long."""
    october = parse_period("2026-10")
    assert october.start == datetime(2026, 9, 30, 22, tzinfo=UTC)
    assert october.end == datetime(2026, 10, 31, 23, tzinfo=UTC)
    december = parse_period("2026-12")
    assert december.end == datetime(2026, 12, 31, 23, tzinfo=UTC)
    for bad in ("2026-13", "2026-1", "26-10", "2026-10-01", "", "0000-01", "9999-12"):
        with pytest.raises(InvalidPeriod):
            parse_period(bad)


def test_rules_from_the_tariff_file() -> None:
    """The tariff file's revenue_sharing section, each product limited to its operators."""
    rules = rules_from_tariffs(parse_tariffs(TARIFFS))
    assert rules.rule_for("SETT7") == SharingRule(Method.PASSENGER_KM, operators=("ATL", "CTT"))
    assert rules.rule_for("MARE") == SharingRule(
        Method.FIXED, {"ATL": 6000, "NAV": 4000}, operators=("ATL", "NAV")
    )
    assert rules.rule_for("BIGL") == SharingRule(Method.TAPS)
    assert rules.rule_for("unknown") == SharingRule(Method.TAPS)


def test_current_rules_read_the_current_tariff_version(engine: Engine) -> None:
    """Without a tariff file the default (taps); once loaded, the file's rules."""
    with Session(engine) as session:
        assert current_rules(session) == (RuleBook(), "default rule (no tariff file loaded): taps")
        seed_october(session)
        rules, source = current_rules(session)
    assert source.startswith("tariff version ")
    assert rules == rules_from_tariffs(parse_tariffs(TARIFFS))


def test_october_report_hand_computed(engine: Engine) -> None:
    """Every row of the October report matches the cents computed by hand (module docstring)."""
    with Session(engine) as session:
        seed_october(session)
        report = clearing_report(session, "2026-10", current_rules(session)[0])
    rows = rows_by_key(report.rows)
    assert sorted(rows) == [
        ("BIGL", ""),
        ("MARE", "ATL"),
        ("MARE", "NAV"),
        ("SETT7", "ATL"),
        ("SETT7", "CTT"),
        ("payg", "ATL"),
    ]
    sett_atl, sett_ctt = rows[("SETT7", "ATL")], rows[("SETT7", "CTT")]
    assert (sett_atl.net, sett_atl.vat, sett_atl.gross) == (2728, 272, 3000)
    assert (sett_ctt.net, sett_ctt.vat, sett_ctt.gross) == (909, 91, 1000)
    assert (sett_atl.refunds, sett_ctt.refunds) == (375, 125)
    assert (sett_atl.taps, sett_atl.distance_m, sett_atl.passenger_km) == (2, 6000, "6.000")
    assert (sett_ctt.taps, sett_ctt.distance_m) == (1, 2000)
    assert (sett_atl.method, sett_atl.share_bp, sett_ctt.share_bp) == ("passenger_km", 7500, 2500)
    assert "1 taps on operators the product does not cover ignored" in sett_atl.note
    mare_atl, mare_nav = rows[("MARE", "ATL")], rows[("MARE", "NAV")]
    assert (mare_atl.net, mare_atl.vat, mare_nav.net, mare_nav.vat) == (546, 55, 364, 36)
    assert (mare_atl.method, mare_atl.share_bp) == ("fixed", 6000)
    assert mare_nav.taps == 1
    bigl = rows[("BIGL", "")]
    assert (bigl.net, bigl.vat, bigl.method) == (155, 15, "none")
    assert "left unallocated" in bigl.note
    payg = rows[("payg", "ATL")]
    assert (payg.net, payg.vat, payg.method, payg.share_bp) == (155, 15, "direct", None)
    assert [rows[k].fees for k in sorted(rows)] == [0, 12, 8, 58, 19, 3]
    # The month's money is all there: net + VAT of the rows is the month's gross revenue.
    assert sum(r.gross for r in report.rows) == 3 * 1500 - 500 + 1001 + 170 + 170
    totals = {t.operator_id: t for t in report.operators}
    assert (totals["ATL"].net, totals["ATL"].fees, totals["ATL"].taps) == (3429, 73, 2)
    assert report.unallocated_fees == {}


def test_operator_view_has_only_its_rows(engine: Engine) -> None:
    """for_operator keeps the operator's rows only (no other operator, no unallocated)."""
    with Session(engine) as session:
        seed_october(session)
        report = clearing_report(session, "2026-10", current_rules(session)[0])
    ctt = report.for_operator("CTT")
    assert [(r.product_id, r.operator_id) for r in ctt.rows] == [("SETT7", "CTT")]
    assert [t.operator_id for t in ctt.operators] == ["CTT"]


def test_post_clearing_moves_revenue_to_operators_once(engine: Engine) -> None:
    """Posting moves each share to revenue:operator:<id>; a second run posts nothing."""
    with Session(engine) as session:
        seed_october(session)
        rules = current_rules(session)[0]
        posted = post_clearing(session, "2026-10", rules, now=AFTER)
        assert sorted(t.reference for t in posted) == [
            "clearing:2026-10:product:MARE",
            "clearing:2026-10:product:SETT7",
            "clearing:2026-10:product:payg",
        ]
        assert post_clearing(session, "2026-10", rules, now=AFTER) == []
        session.commit()
        october = parse_period("2026-10")
        assert ledger.balance(session, "revenue:operator:ATL") == Money(-(546 + 2728 + 155))
        assert ledger.balance(session, "revenue:operator:CTT") == Money(-909)
        assert ledger.balance(session, "revenue:operator:NAV") == Money(-364)
        # What remains unallocated in October is BIGL's, which had no taps.
        assert ledger.balance(session, "revenue:unallocated", until=october.end) == Money(
            -155 - 1364  # and September's sale, never cleared here
        )
        report = clearing_report(session, "2026-10", rules)
        assert all(r.posted == r.net for r in report.rows if r.operator_id)
        assert sum(line.balance.amount for line in ledger.trial_balance(session)) == 0


def test_late_refund_posts_a_numbered_correction(engine: Engine) -> None:
    """A refund dated in an already-cleared month is apportioned by a second transaction."""
    with Session(engine) as session:
        seed_october(session)
        rules = current_rules(session)[0]
        post_clearing(session, "2026-10", rules, now=AFTER)
        refund(session, "r2", "o4", "MARE", 1001, rome(10, 30, 10))
        corrections = post_clearing(session, "2026-10", rules, now=AFTER)
        assert [t.reference for t in corrections] == ["clearing:2026-10:product:MARE#2"]
        assert ledger.balance(session, "revenue:operator:NAV") == Money(0)
        rows = rows_by_key(clearing_report(session, "2026-10", rules).rows)
        assert (rows[("MARE", "NAV")].net, rows[("MARE", "NAV")].posted) == (0, 0)
        assert rows[("MARE", "NAV")].refunds == 400


def test_open_period_cannot_be_posted(engine: Engine) -> None:
    """A month not yet over is not final: posting it is refused, reporting it is not."""
    with Session(engine) as session:
        seed_october(session)
        with pytest.raises(ClearingPeriodOpen):
            post_clearing(
                session, "2026-10", RuleBook(), now=datetime(2026, 10, 31, 22, tzinfo=UTC)
            )
        assert clearing_report(session, "2026-10", RuleBook()).rows


def test_csv_export(engine: Engine) -> None:
    """The CSV has a header and one line per row, amounts as decimals, parseable by csv."""
    import csv
    import io

    with Session(engine) as session:
        seed_october(session)
        report = clearing_report(session, "2026-10", current_rules(session)[0])
    text = report_csv(report)
    assert text.startswith("period,operator_id,product_id,currency,method,")
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert len(parsed) == len(report.rows)
    first = next(r for r in parsed if (r["product_id"], r["operator_id"]) == ("SETT7", "ATL"))
    assert (first["net"], first["vat"], first["gross"], first["passenger_km"]) == (
        "27.28",
        "2.72",
        "30.00",
        "6.000",
    )
    assert first["note"] == "1 taps on operators the product does not cover ignored"
