"""Revenue clearing: a period's net revenue per product, apportioned among operators.

A period is a calendar month in the authority's time zone (Europe/Rome). Revenue is what the
ledger recognised in the period on `revenue:unallocated` (sales and pay-as-you-go fares less
refunds, cap adjustments and best-fare refunds), per product; VAT comes from `liability:vat`
postings of the same products. Revenue posted with an operator dimension (pay-as-you-go taps)
belongs to that operator directly; the rest of a product's revenue is split by its sharing rule
(`apportion.py`) using the period's travel records. Provider fees of the period are shown per
operator in proportion to gross revenue, for information (they are not apportioned in the
ledger).

`post_clearing` moves each operator's share from `revenue:unallocated` to
`revenue:operator:<id>`, once per period and product; running it again posts only the
difference from what was already apportioned (a late refund), under a numbered reference
(`clearing:2026-11:product:P#2`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from mobility.money import BASIS_POINTS, Money, allocate, round_div
from ticketing.catalogue import service as catalogue
from ticketing.catalogue.config import ALL, TariffConfig
from ticketing.ledger import service as ledger
from ticketing.ledger.models import LedgerTransaction, TransactionKind
from ticketing.ledger.repository import LedgerRepository

from .apportion import Method, OperatorUsage, RuleBook, SharingRule, apportion, split
from .errors import ClearingPeriodOpen, InvalidPeriod
from .repository import ClearingRepository

DEFAULT_TIMEZONE = "Europe/Rome"
_PERIOD = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
_REVENUE_KINDS = tuple(k for k in TransactionKind if k is not TransactionKind.APPORTIONMENT)
UNALLOCATED = ""  # the operator id of a row nobody could be given


@dataclass(frozen=True, slots=True)
class Period:
    """A calendar month in a time zone: [start, end) as UTC instants."""

    label: str
    start: datetime
    end: datetime

    @property
    def last_instant(self) -> datetime:
        """When the period's apportionment is dated: inside the period, after all its sales."""
        return self.end - timedelta(microseconds=1)


def parse_period(text: str, tz: str = DEFAULT_TIMEZONE) -> Period:
    """'2026-11' as the month of November 2026 in `tz`; InvalidPeriod otherwise."""
    match = _PERIOD.fullmatch(text.strip())
    if not match:
        raise InvalidPeriod(f"period {text!r} is not a month such as 2026-11")
    year, month = int(match.group(1)), int(match.group(2))
    zone = ZoneInfo(tz)
    if not 1 <= year < 9999:  # datetime has no year 0, and December 9999 would end in 10000
        raise InvalidPeriod(f"period {text!r} is out of range")
    start = datetime(year, month, 1, tzinfo=zone)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return Period(f"{year:04d}-{month:02d}", start.astimezone(UTC), end.astimezone(UTC))


@dataclass(frozen=True, slots=True)
class ClearingRow:
    """One operator's part of one product's revenue in the period (minor units)."""

    operator_id: str  # "" for revenue that could not be apportioned
    product_id: str
    currency: str
    method: str  # fixed, taps, passenger_km, direct (or several joined by "+"), none
    share_bp: int | None  # of the product's apportioned revenue, for usage and fixed methods
    gross: int  # net + VAT: revenue after refunds and adjustments, VAT included
    vat: int
    net: int  # what is (or will be) posted to revenue:operator:<id>
    refunds: int  # gross refunded in the period (already deducted above)
    fees: int  # provider fees attributed in proportion to gross (information only)
    taps: int  # entry taps of the product's passes on this operator
    distance_m: int  # measured passenger distance
    posted: int  # net already posted by post_clearing for this period
    note: str = ""

    @property
    def passenger_km(self) -> str:
        return f"{self.distance_m / 1000:.3f}"


@dataclass(frozen=True, slots=True)
class OperatorTotal:
    operator_id: str
    currency: str
    gross: int
    vat: int
    net: int
    refunds: int
    fees: int
    taps: int
    distance_m: int
    posted: int


@dataclass(frozen=True, slots=True)
class ClearingReport:
    period: Period
    rows: list[ClearingRow]
    unallocated_fees: dict[str, int] = field(default_factory=dict)

    @property
    def operators(self) -> list[OperatorTotal]:
        """Totals per operator and currency (revenue not apportioned under operator "")."""
        sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * 8)
        for r in self.rows:
            acc = sums[(r.operator_id, r.currency)]
            for i, v in enumerate(
                (r.gross, r.vat, r.net, r.refunds, r.fees, r.taps, r.distance_m, r.posted)
            ):
                acc[i] += v
        return [OperatorTotal(op, cur, *values) for (op, cur), values in sorted(sums.items())]

    def for_operator(self, operator_id: str) -> ClearingReport:
        """Only `operator_id`'s rows: what operator staff may see."""
        return ClearingReport(self.period, [r for r in self.rows if r.operator_id == operator_id])


# -- rules ------------------------------------------------------------------------------------


def rules_from_tariffs(config: TariffConfig) -> RuleBook:
    """The tariff file's revenue_sharing section, each product limited to the operators it
    covers (its taps elsewhere are not its operators' revenue)."""
    sharing = config.revenue_sharing
    specific = {rule.product: rule for rule in sharing.rules}
    default = SharingRule(Method(sharing.default.method.value), dict(sharing.default.shares or {}))
    by_product: dict[str, SharingRule] = {}
    for product in config.products:
        chosen = specific.get(product.id, sharing.default)
        covered = (
            None if product.operators == ALL else config.resolve(product.operators, "operators")
        )
        by_product[product.id] = SharingRule(
            Method(chosen.method.value), dict(chosen.shares or {}), covered
        )
    return RuleBook(default, by_product)


def current_rules(session: Session) -> tuple[RuleBook, str]:
    """The sharing rules of the current tariff version and where they come from; with no
    tariff file loaded, the tariff schema's own default (taps for every product)."""
    config = catalogue.current_config(session)
    version = catalogue.current_version(session)
    if config is None or version is None:
        return RuleBook(), "default rule (no tariff file loaded): taps"
    return rules_from_tariffs(config), f"tariff version {version.version_id}"


# -- the report -------------------------------------------------------------------------------


@dataclass
class _Money:
    net: int = 0
    vat: int = 0
    refunds: int = 0

    def any(self) -> bool:
        return bool(self.net or self.vat or self.refunds)


def _revenue(
    repo: LedgerRepository, period: Period
) -> dict[tuple[str, str], dict[str | None, _Money]]:
    """(product, currency) -> operator dimension (None: to apportion) -> amounts."""
    out: dict[tuple[str, str], dict[str | None, _Money]] = defaultdict(lambda: defaultdict(_Money))
    for account, is_vat in ((ledger.UNALLOCATED_REVENUE, False), (ledger.VAT, True)):
        for t in repo.totals_by_dimension(account, period.start, period.end, _REVENUE_KINDS):
            cell = out[(t.product_id or "", t.currency)][t.operator_id]
            if is_vat:
                cell.vat -= t.amount  # credits are negative: revenue and VAT owed are -sum
            else:
                cell.net -= t.amount
            if t.kind is TransactionKind.REFUND:
                cell.refunds += t.amount
    return out


def _posted(repo: LedgerRepository, period: Period) -> dict[tuple[str, str], dict[str, int]]:
    """(product, currency) -> operator -> net already apportioned to it in the period."""
    out: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    prefix = ledger.operator_revenue_account("")
    for account, product, _operator, currency, amount in repo.apportioned(period.start, period.end):
        if account.startswith(prefix):
            out[(product or "", currency)][account[len(prefix) :]] -= amount
    return out


def clearing_report(
    session: Session, period: Period | str, rules: RuleBook, *, tz: str = DEFAULT_TIMEZONE
) -> ClearingReport:
    """Every operator's share of every product's revenue in `period`, by `rules`."""
    if isinstance(period, str):
        period = parse_period(period, tz)
    ledger_repo = LedgerRepository(session)
    revenue = _revenue(ledger_repo, period)
    posted = _posted(ledger_repo, period)
    usage: dict[str, list[OperatorUsage]] = defaultdict(list)
    for u in ClearingRepository(session).usage(period.start, period.end):
        usage[u.product_id].append(
            OperatorUsage(u.operator_id, u.entry_taps, u.trips_measured, u.distance_m)
        )

    rows: list[ClearingRow] = []
    for product, currency in sorted(set(revenue) | set(posted)):
        facts = {u.operator_id: u for u in usage.get(product, [])}
        parts: dict[str, _Money] = defaultdict(_Money)
        methods: dict[str, list[str]] = defaultdict(list)
        shares_bp: dict[str, int] = {}
        notes: dict[str, str] = {}
        by_operator = revenue.get((product, currency), {})
        for operator, money in sorted(by_operator.items(), key=lambda kv: kv[0] or ""):
            if operator is not None and money.any():
                _add(parts[operator], money.net, money.vat, money.refunds)
                methods[operator].append(Method.DIRECT.value)
        pooled = by_operator.get(None)
        if pooled is not None and pooled.any():
            rule = rules.rule_for(product)
            allocation = apportion(pooled.net, rule, list(facts.values()))
            if allocation.unallocated or not allocation.weights:
                _add(parts[UNALLOCATED], pooled.net, pooled.vat, pooled.refunds)
                methods[UNALLOCATED].append(Method.NONE.value)
                notes[UNALLOCATED] = allocation.note
            else:
                vats = split(pooled.vat, allocation.weights)
                refunds = split(pooled.refunds, allocation.weights)
                total_weight = sum(allocation.weights.values())
                for operator, net in allocation.shares.items():
                    _add(parts[operator], net, vats[operator], refunds[operator])
                    methods[operator].append(allocation.method.value)
                    shares_bp[operator] = round_div(
                        allocation.weights[operator] * BASIS_POINTS, total_weight
                    )
                    if allocation.note:
                        notes[operator] = allocation.note
        for operator in posted.get((product, currency), {}):
            parts.setdefault(operator, _Money())
        for operator in sorted(parts):
            money = parts[operator]
            fact = facts.get(operator)
            rows.append(
                ClearingRow(
                    operator_id=operator,
                    product_id=product,
                    currency=currency,
                    method="+".join(methods[operator]) or Method.NONE.value,
                    share_bp=shares_bp.get(operator),
                    gross=money.net + money.vat,
                    vat=money.vat,
                    net=money.net,
                    refunds=money.refunds,
                    fees=0,
                    taps=fact.entry_taps if fact else 0,
                    distance_m=fact.distance_m if fact else 0,
                    posted=posted.get((product, currency), {}).get(operator, 0),
                    note=notes.get(operator, ""),
                )
            )
    rows, unallocated_fees = _with_fees(rows, _fees(ledger_repo, period))
    return ClearingReport(period, rows, unallocated_fees)


def _add(cell: _Money, net: int, vat: int, refunds: int) -> None:
    cell.net += net
    cell.vat += vat
    cell.refunds += refunds


def _fees(repo: LedgerRepository, period: Period) -> dict[str, int]:
    fees: dict[str, int] = defaultdict(int)
    for t in repo.totals_by_dimension(
        ledger.PAYMENT_FEES, period.start, period.end, (TransactionKind.FEE,)
    ):
        fees[t.currency] += t.amount
    return fees


def _with_fees(
    rows: list[ClearingRow], fees: Mapping[str, int]
) -> tuple[list[ClearingRow], dict[str, int]]:
    """Rows with the period's fees split in proportion to each operator row's positive gross."""
    out = list(rows)
    unallocated: dict[str, int] = {}
    for currency, amount in fees.items():
        weights = {
            i: r.gross
            for i, r in enumerate(rows)
            if r.currency == currency and r.operator_id != UNALLOCATED and r.gross > 0
        }
        if not amount:
            continue
        if not weights:
            unallocated[currency] = amount
            continue
        keys = sorted(weights)
        for i, part in zip(keys, allocate(amount, [weights[k] for k in keys]), strict=True):
            out[i] = replace(out[i], fees=part)
    return out, unallocated


# -- posting ----------------------------------------------------------------------------------


def post_clearing(
    session: Session,
    period: Period | str,
    rules: RuleBook,
    *,
    now: datetime | None = None,
    tz: str = DEFAULT_TIMEZONE,
) -> list[LedgerTransaction]:
    """Post each operator's share of each product (revenue:unallocated -> revenue:operator).

    Idempotent: what was already apportioned for the period is subtracted, and nothing is
    posted when nothing changed. Returns the transactions posted now. ClearingPeriodOpen if
    the period has not ended (its revenue is not final).
    """
    if isinstance(period, str):
        period = parse_period(period, tz)
    moment = now or datetime.now(UTC)
    if moment < period.end:
        raise ClearingPeriodOpen(
            f"period {period.label} ends at {period.end.isoformat()}; post its clearing after"
        )
    report = clearing_report(session, period, rules, tz=tz)
    pending: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for row in report.rows:
        if row.operator_id != UNALLOCATED and row.product_id and row.net != row.posted:
            pending[(row.product_id, row.currency)][row.operator_id] = row.net - row.posted
    references = LedgerRepository(session).references(
        TransactionKind.APPORTIONMENT, period.start, period.end
    )
    posted: list[LedgerTransaction] = []
    for (product, currency), diffs in sorted(pending.items()):
        base = f"clearing:{period.label}:product:{product}"
        reference = _next_reference(base, references)
        references.append(reference)
        postings: list[ledger.Posting] = []
        for operator, amount in sorted(diffs.items()):
            dims = {"product_id": product, "operator_id": operator}
            postings.append(
                ledger.Posting(ledger.UNALLOCATED_REVENUE, Money(amount, currency), **dims)
            )
            postings.append(
                ledger.Posting(
                    ledger.operator_revenue_account(operator), Money(-amount, currency), **dims
                )
            )
        posted.append(
            ledger.post(
                session,
                kind=TransactionKind.APPORTIONMENT,
                reference=reference,
                occurred_at=period.last_instant,
                postings=postings,
                memo=f"clearing {period.label} of product {product}",
            )
        )
    return posted


def _next_reference(base: str, existing: Iterable[str]) -> str:
    """base for the first apportionment, base#2, base#3 ... for later corrections ('#' is
    not in catalogue ids, so a correction never looks like another product's reference)."""
    taken = set(existing)
    if base not in taken:
        return base
    n = 2
    while f"{base}#{n}" in taken:
        n += 1
    return f"{base}#{n}"
