"""Short-lived first-party access tokens: HS256 JWTs (RFC 9068 profile) issued to API callers.

The algorithm is pinned, never read from the token (RFC 8725 §3.1): a token saying `none`, any
other algorithm, or pointing at its own key (jku, x5u, jwk, ...) is refused before any
cryptography. `typ` must be `at+jwt`, so no other JWT of ours (a pass token, say) passes as one.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from mobility.settings import Settings, get_settings

from .errors import AuthNotConfigured, InvalidCredentials
from .principals import Principal, PrincipalKind

ALGORITHM = "HS256"
TOKEN_TYPE = "at+jwt"
MIN_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key at least as long as the hash output
MAX_TOKEN_CHARS = 8192  # untrusted input: refuse before parsing
REQUIRED_CLAIMS = ("iss", "aud", "sub", "kind", "jti", "iat", "exp")
DEFAULT_ISSUER = "mobility"
DEFAULT_AUDIENCE = "mobility-api"
DEFAULT_TTL_S = 900
DEFAULT_LEEWAY_S = 5.0
_ALLOWED_HEADER = frozenset({"alg", "typ"})
_KEY_REFERENCES = frozenset({"jku", "x5u", "jwk", "x5c", "x5t", "x5t#S256"})

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AccessTokenConfig:
    """Secret, issuer, audience and lifetime of access tokens; checks itself on creation."""

    secret: str = field(repr=False)
    issuer: str = DEFAULT_ISSUER
    audience: str = DEFAULT_AUDIENCE
    ttl_s: int = DEFAULT_TTL_S
    leeway_s: float = DEFAULT_LEEWAY_S

    def __post_init__(self) -> None:
        if len(self.secret.encode()) < MIN_SECRET_BYTES:
            raise AuthNotConfigured(
                f"JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
            )
        if not self.issuer or not self.audience:
            raise ValueError("access token issuer and audience must be non-empty")
        if not 0 < self.ttl_s <= 24 * 3600:
            raise ValueError("access token lifetime must be between 1 s and 24 h")
        if not 0 <= self.leeway_s <= 60:
            raise ValueError("access token leeway must be between 0 and 60 s")

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> AccessTokenConfig:
        """The configuration from settings."""
        s = settings or get_settings()
        return cls(
            secret=s.jwt_secret.get_secret_value(),
            issuer=s.access_token_issuer,
            audience=s.access_token_audience,
            ttl_s=s.access_token_ttl_s,
            leeway_s=s.access_token_leeway_s,
        )


def _numeric_date(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give times in UTC")
    return int(moment.timestamp())


def issue_access_token(
    principal: Principal,
    *,
    config: AccessTokenConfig | None = None,
    now: datetime | None = None,
    ttl_s: int | None = None,
) -> str:
    """A signed access token for `principal`, valid for `ttl_s` (default: the configured TTL)."""
    cfg = config or AccessTokenConfig.from_settings()
    issued = now or datetime.now(UTC)
    lifetime = cfg.ttl_s if ttl_s is None else ttl_s
    if not 0 < lifetime <= cfg.ttl_s:
        raise ValueError(f"lifetime {lifetime} s outside 1..{cfg.ttl_s} s")
    claims: dict[str, Any] = {
        "iss": cfg.issuer,
        "aud": cfg.audience,
        "sub": principal.subject,
        "kind": principal.kind.value,
        "scope": " ".join(sorted(principal.scopes)),
        "jti": secrets.token_urlsafe(16),
        "iat": _numeric_date(issued),
        "exp": _numeric_date(issued + timedelta(seconds=lifetime)),
    }
    if principal.operator_id is not None:
        claims["op"] = principal.operator_id
    if principal.organisation_id is not None:
        claims["org"] = principal.organisation_id
    if principal.gate_ids is not None:
        claims["gates"] = sorted(principal.gate_ids)
    return jwt.encode(claims, cfg.secret, algorithm=ALGORITHM, headers={"typ": TOKEN_TYPE})


def _invalid(why: str) -> InvalidCredentials:
    # The reason goes to the debug log; the caller learns only that the token is not valid.
    log.debug("access token rejected: %s", why)
    return InvalidCredentials("the access token is not valid")


def _check_header(token: str) -> None:
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError as exc:
        raise _invalid(f"header: {exc.__class__.__name__}") from exc
    alg = header.get("alg")
    if alg != ALGORITHM:
        raise _invalid(f"alg {str(alg)[:16]!r} is not {ALGORITHM}")
    if refs := _KEY_REFERENCES & header.keys():
        raise _invalid(f"key reference headers {sorted(refs)}")
    if header.keys() - _ALLOWED_HEADER:
        raise _invalid("header members beyond alg and typ")
    if header.get("typ") != TOKEN_TYPE:
        raise _invalid(f"typ is not {TOKEN_TYPE}")


def _check_times(claims: dict[str, Any], now: datetime, leeway_s: float) -> None:
    exp, iat = claims["exp"], claims["iat"]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (exp, iat)):
        raise _invalid("exp/iat not numeric")
    t = now.timestamp()
    if exp <= t - leeway_s:
        log.debug("access token rejected: expired")
        raise InvalidCredentials("the access token has expired")
    if iat > t + leeway_s:
        raise _invalid("issued in the future")
    if exp <= iat:
        raise _invalid("exp not after iat")


def _principal(claims: dict[str, Any]) -> Principal:
    scope, gates = claims.get("scope", ""), claims.get("gates")
    if not isinstance(scope, str) or (gates is not None and not isinstance(gates, list)):
        raise _invalid("scope or gates malformed")
    try:
        return Principal(
            subject=str(claims["sub"]),
            kind=PrincipalKind(claims["kind"]),
            scopes=frozenset(scope.split()),
            operator_id=claims.get("op"),
            organisation_id=claims.get("org"),
            gate_ids=None if gates is None else frozenset(gates),
            credential_id=str(claims["jti"]),
        )
    except (ValueError, TypeError) as exc:
        raise _invalid(f"claims: {exc}") from exc


def verify_access_token(
    token: str, *, config: AccessTokenConfig | None = None, now: datetime | None = None
) -> Principal:
    """The principal a valid access token names; InvalidCredentials (401) for any other token."""
    cfg = config or AccessTokenConfig.from_settings()
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise _invalid("empty, oversized or not text")
    _check_header(token)
    try:
        claims = jwt.decode(
            token,
            cfg.secret,
            algorithms=[ALGORITHM],
            audience=cfg.audience,
            issuer=cfg.issuer,
            # Times are ours to check against `now` (PyJWT reads the wall clock).
            options={
                "require": list(REQUIRED_CLAIMS),
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "strict_aud": True,
            },
        )
    except (jwt.InvalidTokenError, json.JSONDecodeError) as exc:
        raise _invalid(exc.__class__.__name__) from exc
    _check_times(claims, now or datetime.now(UTC), cfg.leeway_s)
    return _principal(claims)
