"""Ledger endpoints for staff: the trial balance and an account's statement."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from mobility.auth.deps import require_scopes
from mobility.auth.errors import Forbidden, Unauthorized
from mobility.auth.principals import Principal, Scope
from mobility.deps import SessionDep
from mobility.errors import ValidationFailed
from mobility.problems import model_response, problem_responses

from . import service
from .errors import InvalidPosting, LedgerAccountNotFound
from .models import AccountType
from .repository import LedgerRepository
from .schemas import (
    AccountBalanceOut,
    AccountOut,
    CurrencyTotal,
    PostingOut,
    TrialBalanceLineOut,
    TrialBalanceOut,
)

router = APIRouter(prefix="/ledger", tags=["ledger"])

_Reader = Annotated[Principal, Depends(require_scopes(Scope.CLEARING_READ))]
_CREDIT_NORMAL = (AccountType.LIABILITY, AccountType.REVENUE)


def _normal(kind: AccountType, amount: int) -> int:
    return -amount if kind in _CREDIT_NORMAL else amount


@router.get(
    "/trial-balance",
    response_model=TrialBalanceOut,
    responses=problem_responses(Unauthorized, Forbidden, ValidationFailed),
)
def get_trial_balance(
    session: SessionDep,
    principal: _Reader,
    until: Annotated[datetime | None, Query(description="Postings before this instant")] = None,
) -> Response:
    """Every account's balance per currency (authority staff, not an operator's)."""
    if principal.operator_id is not None and not principal.is_admin:
        raise Forbidden("the trial balance is the authority's; operators read their own account")
    if until is not None and until.tzinfo is None:
        raise ValidationFailed("until needs a UTC offset, e.g. 2026-12-01T00:00:00+01:00")
    lines = service.trial_balance(session, until)
    totals: dict[str, int] = {}
    out = []
    for line in lines:
        kind = service.account_type(line.account)
        totals[line.balance.currency] = totals.get(line.balance.currency, 0) + line.balance.amount
        out.append(
            TrialBalanceLineOut(
                account=line.account,
                type=kind.value,
                currency=line.balance.currency,
                balance=line.balance.amount,
                normal_balance=_normal(kind, line.balance.amount),
            )
        )
    return model_response(
        TrialBalanceOut(
            until=until,
            lines=out,
            totals=[CurrencyTotal(currency=c, total=t) for c, t in sorted(totals.items())],
        )
    )


@router.get(
    "/accounts/{code}",
    response_model=AccountOut,
    responses=problem_responses(Unauthorized, Forbidden, LedgerAccountNotFound, ValidationFailed),
)
def get_account(
    code: str,
    session: SessionDep,
    principal: _Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    """An account's balances and postings, newest first (operators: their revenue account)."""
    if (
        principal.operator_id is not None
        and not principal.is_admin
        and code != service.operator_revenue_account(principal.operator_id)
    ):
        raise Forbidden("operator staff read only their operator's revenue account")
    try:
        kind = service.account_type(code)
    except InvalidPosting as exc:
        raise LedgerAccountNotFound(exc.detail) from exc
    repo = LedgerRepository(session)
    if repo.account(code) is None:
        raise LedgerAccountNotFound(f"no postings to {code} yet")
    balances = [
        AccountBalanceOut(currency=c, balance=service.balance(session, code, currency=c).amount)
        for c in repo.account_currencies(code)
    ]
    postings = [
        PostingOut(
            transaction_id=tx.id,
            kind=tx.kind.value,
            reference=tx.reference,
            occurred_at=tx.occurred_at,
            memo=tx.memo,
            amount=p.amount,
            currency=p.currency,
            product_id=p.product_id,
            operator_id=p.operator_id,
            order_id=p.order_id,
        )
        for p, tx in repo.statement(code, limit=limit, offset=offset)
    ]
    return model_response(
        AccountOut(code=code, type=kind.value, balances=balances, postings=postings)
    )
