"""HTTP routes of ticketing.accounts: /v1/auth (register, token, logout), /v1/me, eligibility."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from mobility.auth.deps import CurrentPrincipal, require_scopes
from mobility.auth.errors import InsufficientScope, InvalidCredentials
from mobility.auth.principals import Principal, Scope, ensure_scopes
from mobility.deps import RedisDep, SessionDep
from mobility.errors import ValidationFailed
from mobility.problems import problem_response, problem_responses
from mobility.settings import get_settings

from . import service
from .access import (
    ensure_eligibility_verifier,
    ensure_own_account,
    is_account_holder,
    is_staff,
)
from .errors import (
    AccountNotFound,
    EmailAlreadyRegistered,
    InvalidEmail,
    InvalidLogin,
    InvalidRefreshToken,
    InvalidScope,
    RateLimited,
    RefreshTokenReused,
    WeakPassword,
)
from .ratelimit import AuthRateLimiter
from .schemas import (
    AccountOut,
    EligibilityDecisionIn,
    EligibilityOut,
    EligibilityRequestIn,
    LogoutIn,
    PasswordGrant,
    RegisterIn,
    TokenOut,
    TokenRequest,
)

router = APIRouter()

# RFC 6749 §5.1: token responses must not be cached anywhere.
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def get_auth_rate_limiter(client: RedisDep) -> AuthRateLimiter:
    """The limiter of the auth endpoints, on the application's Redis."""
    return AuthRateLimiter.build(client, get_settings().auth_rate_limit)


RateLimiterDep = Annotated[AuthRateLimiter, Depends(get_auth_rate_limiter)]


def _client_ip(request: Request) -> str:
    # The peer address. Behind a proxy, the ASGI server rewrites it from X-Forwarded-For for
    # trusted proxies only (uvicorn --forwarded-allow-ips); trusting the header here would let
    # any caller pick a fresh address per attempt.
    return request.client.host if request.client else "unknown"


def _email_key(email: str) -> str:
    try:
        return service.normalise_email(email)[1]
    except InvalidEmail:
        return email.strip().casefold()


def _ensure_account_reader(principal: Principal, account_id: str) -> None:
    """The traveller with account:read, or staff with operator:manage (admin holds it)."""
    ensure_own_account(principal, account_id)
    if is_account_holder(principal, account_id):
        ensure_scopes(principal, Scope.ACCOUNT_READ)
    else:
        ensure_scopes(principal, Scope.OPERATOR_MANAGE)


@router.post(
    "/auth/register",
    status_code=status.HTTP_201_CREATED,
    response_model=AccountOut,
    tags=["auth"],
    responses=problem_responses(EmailAlreadyRegistered, WeakPassword, RateLimited),
)
def register(
    body: RegisterIn, request: Request, session: SessionDep, limiter: RateLimiterDep
) -> AccountOut:
    """Create a traveller account (then log in at /v1/auth/token)."""
    limiter.hit("register", client_ip=_client_ip(request), account=_email_key(body.email))
    account = service.register(
        session,
        body.email,
        body.password,
        body.display_name,
        rider_category=body.rider_category,
    )
    return AccountOut.of(account)


@router.post(
    "/auth/token",
    response_model=TokenOut,
    tags=["auth"],
    responses=problem_responses(InvalidLogin, InvalidRefreshToken, InvalidScope, RateLimited),
)
def token(
    body: TokenRequest, request: Request, session: SessionDep, limiter: RateLimiterDep
) -> Response:
    """Log in (grant_type password) or rotate a refresh token (grant_type refresh_token)."""
    ip = _client_ip(request)
    if isinstance(body, PasswordGrant):
        limiter.hit("login", client_ip=ip, account=_email_key(body.email))
        account = service.authenticate(session, body.email, body.password)
        pair = service.issue_session(session, account, scope=body.scope)
    else:
        # Keyed by the token's id part: an attacker cycling random tokens meets the per-address
        # window; a leaked one being hammered meets its own.
        limiter.hit("refresh", client_ip=ip, account=body.refresh_token[:19])
        try:
            pair = service.refresh(session, body.refresh_token, scope=body.scope)
        except RefreshTokenReused as exc:
            # Returned, not raised: the family's revocation must be committed with the 401.
            return problem_response(exc.to_problem(instance=request.url.path), exc.headers)
    out = TokenOut(
        access_token=pair.access_token,
        expires_in=pair.expires_in,
        refresh_token=pair.refresh_token,
        scope=pair.scope,
    )
    return Response(out.model_dump_json(), media_type="application/json", headers=_NO_STORE)


@router.post(
    "/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["auth"],
    responses=problem_responses(RateLimited),
)
def logout(body: LogoutIn, request: Request, session: SessionDep, limiter: RateLimiterDep) -> None:
    """End the login session of a refresh token; 204 whether or not it was valid (RFC 7009)."""
    limiter.hit("logout", client_ip=_client_ip(request))
    service.logout(session, body.refresh_token)


@router.get(
    "/me",
    response_model=AccountOut,
    tags=["accounts"],
    responses=problem_responses(InvalidCredentials, InsufficientScope, AccountNotFound),
)
def me(
    principal: Annotated[Principal, Depends(require_scopes(Scope.ACCOUNT_READ))],
    session: SessionDep,
) -> AccountOut:
    """The caller's own traveller account."""
    if not is_account_holder(principal, principal.subject):
        raise AccountNotFound("this credential is not a traveller's")
    return AccountOut.of(service.get_account(session, principal.subject))


@router.get(
    "/accounts/{account_id}",
    response_model=AccountOut,
    tags=["accounts"],
    responses=problem_responses(InvalidCredentials, InsufficientScope, AccountNotFound),
)
def get_account(account_id: str, principal: CurrentPrincipal, session: SessionDep) -> AccountOut:
    """An account: its traveller's own, or any for staff."""
    _ensure_account_reader(principal, account_id)
    return AccountOut.of(service.get_account(session, account_id))


@router.get(
    "/accounts/{account_id}/eligibility",
    response_model=list[EligibilityOut],
    tags=["accounts"],
    responses=problem_responses(InvalidCredentials, InsufficientScope, AccountNotFound),
)
def list_eligibility(
    account_id: str, principal: CurrentPrincipal, session: SessionDep
) -> list[EligibilityOut]:
    """The account's claims to reduced-fare rider categories and their state."""
    _ensure_account_reader(principal, account_id)
    staff = is_staff(principal)
    return [
        EligibilityOut.of(c, for_staff=staff) for c in service.list_eligibility(session, account_id)
    ]


@router.post(
    "/accounts/{account_id}/eligibility",
    response_model=EligibilityOut,
    status_code=status.HTTP_201_CREATED,
    tags=["accounts"],
    responses=problem_responses(InvalidCredentials, InsufficientScope, AccountNotFound),
)
def request_eligibility(
    account_id: str,
    body: EligibilityRequestIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
) -> EligibilityOut:
    """Ask staff to verify a rider category (201 if filed, 200 if a claim already stands)."""
    _ensure_account_reader(principal, account_id)
    claim, filed = service.request_eligibility(
        session, account_id, body.rider_category, note=body.note
    )
    if not filed:
        response.status_code = status.HTTP_200_OK
    return EligibilityOut.of(claim, for_staff=is_staff(principal))


@router.post(
    "/accounts/{account_id}/eligibility/{rider_category}/verify",
    response_model=EligibilityOut,
    tags=["accounts"],
    responses=problem_responses(
        InvalidCredentials, InsufficientScope, AccountNotFound, ValidationFailed
    ),
)
def verify_eligibility(
    account_id: str,
    rider_category: str,
    body: EligibilityDecisionIn,
    principal: CurrentPrincipal,
    session: SessionDep,
) -> EligibilityOut:
    """Staff record their check of the proof: verified (until expires_at) or rejected."""
    ensure_eligibility_verifier(principal)
    claim = service.decide_eligibility(
        session,
        account_id,
        rider_category,
        verifier=principal,
        approve=body.decision == "verified",
        expires_at=body.expires_at,
        note=body.note,
    )
    return EligibilityOut.of(claim, for_staff=True)


@router.get(
    "/eligibility-claims",
    response_model=list[EligibilityOut],
    tags=["accounts"],
    responses=problem_responses(InvalidCredentials, InsufficientScope),
)
def pending_eligibility(
    principal: CurrentPrincipal,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[EligibilityOut]:
    """Staff's queue: pending eligibility claims, oldest first."""
    ensure_eligibility_verifier(principal)
    return [
        EligibilityOut.of(c, for_staff=True)
        for c in service.pending_eligibility(session, limit=limit)
    ]
