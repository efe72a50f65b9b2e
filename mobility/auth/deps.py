"""FastAPI dependencies: who is calling (`CurrentPrincipal`) and may they (`require_scopes`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from mobility.deps import SessionDep
from mobility.problems import problem_response
from mobility.redis_client import get_redis
from mobility.settings import get_settings

from .access_tokens import verify_access_token
from .api_keys import authenticate_api_key
from .errors import AuthError, InvalidCredentials, Unauthorized
from .principals import Principal, check_scopes, ensure_scopes
from .ratelimit import RateLimiter

# Declared for the OpenAPI security schemes; the headers are parsed below, strictly.
_bearer_scheme = HTTPBearer(
    auto_error=False, scheme_name="AccessToken", description="Authorization: Bearer <JWT>"
)
_api_key_scheme = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    scheme_name="ApiKey",
    description="X-API-Key: mob_<id>_<secret> (or Authorization: ApiKey mob_...)",
)


def client_address(request: Request) -> str:
    """The peer address. Behind a proxy, the ASGI server rewrites it from X-Forwarded-For for
    trusted proxies only (uvicorn --forwarded-allow-ips); trusting the header here would let
    any caller pick a fresh address per attempt."""
    return request.client.host if request.client else "unknown"


def _api_key_principal(request: Request, session: Session, presented: str) -> Principal:
    """Authenticate an API key; an address that keeps presenting bad keys meets a 429.

    Only failures touch the limiter, so a good key costs no Redis round trip and a gate keeps
    validating at full speed, and without waiting on Redis, when Redis is down.
    """
    try:
        return authenticate_api_key(session, presented)
    except InvalidCredentials:
        limiter = RateLimiter.build(get_redis(), get_settings().api_key_failure_rate_limit)
        limiter.hit("auth", "api-key-failure", [("ip", client_address(request))])
        raise


_UNAUTHENTICATED = object()


def authenticate(request: Request, session: Session) -> Principal | None:
    """The caller of this request, None if anonymous; InvalidCredentials (401) for a bad one.

    Memoised on the request: the access policy and the route's own dependency both ask, and
    an API key is looked up (and a failure counted) once.
    """
    cached = getattr(request.state, "auth_result", _UNAUTHENTICATED)
    if cached is not _UNAUTHENTICATED:
        assert cached is None or isinstance(cached, Principal)
        return cached
    principal = _authenticate(request, session)
    request.state.auth_result = principal
    return principal


def _authenticate(request: Request, session: Session) -> Principal | None:
    authorization = request.headers.get("authorization")
    x_api_key = request.headers.get("x-api-key")
    if authorization is not None and x_api_key is not None:
        raise InvalidCredentials("present one credential, not both", scheme="ApiKey")
    if authorization is None and x_api_key is None:
        return None
    if x_api_key is not None:
        principal = _api_key_principal(request, session, x_api_key)
    else:
        assert authorization is not None
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() == "bearer" and credential:
            principal = verify_access_token(credential)
        elif scheme.lower() == "apikey" and credential:
            principal = _api_key_principal(request, session, credential)
        else:
            raise Unauthorized("the Authorization header is not `Bearer <token>` or `ApiKey <key>`")
    # For access logs and audit: who, never the credential itself.
    request.state.principal = principal
    return principal


def current_principal(
    request: Request,
    session: SessionDep,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)],
    _api_key: Annotated[str | None, Depends(_api_key_scheme)],
) -> Principal:
    """The authenticated caller, from a bearer access token or an API key; 401 otherwise."""
    principal = authenticate(request, session)
    if principal is None:
        raise Unauthorized("this endpoint needs an access token or an API key")
    return principal


def optional_principal(
    request: Request,
    session: SessionDep,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer_scheme)],
    _api_key: Annotated[str | None, Depends(_api_key_scheme)],
) -> Principal | None:
    """The caller if a credential is presented (401 if it is invalid), None if anonymous."""
    return authenticate(request, session)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


def require_scopes(*scopes: str) -> Callable[[Principal], Principal]:
    """A dependency giving the caller if it holds every one of `scopes`; 401 or 403 otherwise.

    Use as `principal: Annotated[Principal, Depends(require_scopes(Scope.PASSES_READ))]`, or in
    a route's `dependencies=[...]`. An unknown scope fails here, at import time.
    """
    required = tuple(sorted(check_scopes(scopes)))

    def dependency(principal: CurrentPrincipal) -> Principal:
        ensure_scopes(principal, *required)
        return principal

    dependency.__name__ = f"require_scopes({', '.join(required)})"
    return dependency


async def _auth_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AuthError)
    return problem_response(exc.to_problem(instance=request.url.path), headers=exc.headers)


def install_auth_problem_handlers(app: FastAPI) -> None:
    """Render auth errors as problem+json with their `WWW-Authenticate` header.

    Registered for AuthError, it takes precedence over the MobilityError handler (Starlette
    picks the most specific class), which does not send headers.
    """
    app.add_exception_handler(AuthError, _auth_error)
