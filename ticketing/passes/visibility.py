"""Whose pass is it: the holder and staff see it; anyone else is told it does not exist."""

from __future__ import annotations

from sqlalchemy.orm import Session

from mobility.auth.principals import Principal
from ticketing.accounts.access import ensure_own_account, is_account_holder
from ticketing.accounts.errors import AccountNotFound
from ticketing.errors import PassNotFound
from ticketing.passes.models import Pass
from ticketing.passes.service import get_pass


def owned_pass(
    session: Session, principal: Principal, pass_id: str, *, holder_only: bool = False
) -> Pass:
    """The pass if `principal` may see it; PassNotFound (404) otherwise, so ids can't be probed.

    `holder_only`: customer service may read a pass, but only its holder gets what presents
    it at a gate (a token, a QR code).
    """
    item = get_pass(session, pass_id)
    try:
        if holder_only and not is_account_holder(principal, item.account_id):
            raise AccountNotFound(f"no account {item.account_id!r}")
        ensure_own_account(principal, item.account_id)
    except AccountNotFound as exc:
        raise PassNotFound(f"no pass '{pass_id}'") from exc
    return item
