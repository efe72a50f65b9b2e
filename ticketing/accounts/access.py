"""Who may see a traveller's things: the traveller, operator staff and administrators.

Orders and passes call `ensure_own_account` before reading or changing anything of an account.
Another traveller gets 404, not 403, so account ids (and their orders) cannot be probed.
"""

from __future__ import annotations

from mobility.auth.principals import Principal, PrincipalKind, Scope, ensure_scopes

from .errors import AccountNotFound

STAFF_KINDS = frozenset({PrincipalKind.OPERATOR_STAFF, PrincipalKind.ADMIN})


def is_staff(principal: Principal) -> bool:
    """True for operator staff and administrators (customer service acts on any account)."""
    return principal.kind in STAFF_KINDS or principal.is_admin


def is_account_holder(principal: Principal, account_id: str) -> bool:
    """True if the principal is the traveller who holds `account_id`."""
    return principal.kind is PrincipalKind.TRAVELLER and principal.subject == account_id


def is_customer_service(principal: Principal) -> bool:
    """Staff who may act on any traveller's account: administrators, and operator staff with
    `operator:manage` (a credential of an operator's gate or app must not read travellers)."""
    return principal.is_admin or (
        principal.kind is PrincipalKind.OPERATOR_STAFF
        and principal.has_scope(Scope.OPERATOR_MANAGE)
    )


def ensure_own_account(principal: Principal, account_id: str) -> None:
    """Raise AccountNotFound (404) unless the principal is that traveller or customer service.

    Scopes are the endpoint's business (`require_scopes`); this checks whose data it is.
    """
    if not (is_account_holder(principal, account_id) or is_customer_service(principal)):
        raise AccountNotFound(f"no account {account_id!r}")


def ensure_eligibility_verifier(principal: Principal) -> None:
    """Raise InsufficientScope (403) unless the principal may verify proof of eligibility:
    staff with `operator:manage`, or an administrator (whose `admin` scope holds it)."""
    if not is_staff(principal):
        ensure_scopes(principal, Scope.ADMIN)
    ensure_scopes(principal, Scope.OPERATOR_MANAGE)
