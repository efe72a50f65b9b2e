"""Authentication (401) and authorization (403) errors, as problem+json with `WWW-Authenticate`.

The detail never echoes a presented credential: it is a bearer secret bound for logs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mobility.errors import Conflict, MobilityError, NotFound

REALM = "mobility"


def _challenge(scheme: str, **params: str) -> str:
    # Values are ours (fixed texts, scope names), never caller input, so quoting is enough.
    parts = [f'realm="{REALM}"', *(f'{k}="{v}"' for k, v in params.items())]
    return f"{scheme} " + ", ".join(parts)


class AuthError(MobilityError):
    """Base of the auth errors; `headers` go on the problem response."""

    def __init__(
        self, detail: str = "", *, headers: dict[str, str] | None = None, **ext: Any
    ) -> None:
        super().__init__(detail, **ext)
        self.headers: dict[str, str] = headers or {}


class Unauthorized(AuthError):
    """No credential was presented (or the request cannot be authenticated at all)."""

    type_slug = "unauthorized"
    title = "Authentication required"
    status = 401

    def __init__(
        self, detail: str = "", *, headers: dict[str, str] | None = None, **ext: Any
    ) -> None:
        challenge = ", ".join((_challenge("Bearer"), _challenge("ApiKey")))
        super().__init__(detail, headers=headers or {"WWW-Authenticate": challenge}, **ext)


class InvalidCredentials(Unauthorized):
    """A credential was presented but is malformed, forged, expired or revoked."""

    type_slug = "invalid-credentials"
    title = "Invalid credentials"

    def __init__(self, detail: str = "", *, scheme: str = "Bearer", **ext: Any) -> None:
        challenge = _challenge(scheme, error="invalid_token", error_description=detail or "")
        super().__init__(detail, headers={"WWW-Authenticate": challenge}, **ext)


class Forbidden(AuthError):
    """The caller is authenticated but may not do this."""

    type_slug = "forbidden"
    title = "Forbidden"
    status = 403


class InsufficientScope(Forbidden):
    """The caller's credential lacks a scope the endpoint requires (RFC 6750 §3.1)."""

    type_slug = "insufficient-scope"
    title = "Insufficient scope"

    def __init__(self, required: Iterable[str], missing: Iterable[str]) -> None:
        required_list, missing_list = sorted(required), sorted(missing)
        challenge = _challenge("Bearer", error="insufficient_scope", scope=" ".join(required_list))
        super().__init__(
            f"requires scopes {', '.join(missing_list)}",
            headers={"WWW-Authenticate": challenge},
            required_scopes=required_list,
            missing_scopes=missing_list,
        )


class AnyScopeRequired(InsufficientScope):
    """The caller holds none of several scopes, any one of which would do."""

    def __init__(self, scopes: Iterable[str]) -> None:
        scopes = sorted(scopes)
        super().__init__(required=scopes, missing=scopes)
        self.detail = "requires one of the scopes " + " or ".join(scopes)
        self.args = (self.detail,)


class AuthNotConfigured(MobilityError):
    """The server lacks a secret it needs to issue or check credentials (a deployment error)."""

    type_slug = "auth-not-configured"
    title = "Authentication is not configured"
    status = 503


class RateLimited(MobilityError):
    """Too many attempts (RFC 6585 §4); `Retry-After` says when to try again."""

    type_slug = "rate-limited"
    title = "Too many requests"
    status = 429

    def __init__(self, retry_after_s: int, **extensions: Any) -> None:
        super().__init__(
            f"too many attempts; retry after {retry_after_s} s",
            retry_after=retry_after_s,
            **extensions,
        )
        # The problem handler puts these on the response.
        self.headers = {"Retry-After": str(retry_after_s)}


class OrganisationNotFound(NotFound):
    type_slug = "organisation-not-found"
    title = "Organisation not found"


class OrganisationExists(Conflict):
    type_slug = "organisation-exists"
    title = "An organisation with this id exists"


class MemberNotFound(NotFound):
    type_slug = "member-not-found"
    title = "No such member of the organisation"


class MemberExists(Conflict):
    type_slug = "member-exists"
    title = "Already a member of the organisation"


class LastOwner(Conflict):
    """An organisation keeps at least one owner, who can manage it without an administrator."""

    type_slug = "last-owner"
    title = "The organisation's last owner cannot be removed"
