"""Errors of traveller accounts, each with its HTTP status and a stable problem type."""

from __future__ import annotations

from mobility.auth.errors import InvalidCredentials
from mobility.auth.errors import RateLimited as RateLimited  # the 429 of every rate limit
from mobility.errors import BadRequest, Conflict, NotFound, ValidationFailed


class EmailAlreadyRegistered(Conflict):
    type_slug = "email-already-registered"
    title = "An account with this email already exists"


class InvalidEmail(ValidationFailed):
    type_slug = "invalid-email"
    title = "The email address is not valid"


class WeakPassword(ValidationFailed):
    type_slug = "weak-password"
    title = "The password does not meet the password policy"


class AccountNotFound(NotFound):
    type_slug = "account-not-found"
    title = "Account not found"


class InvalidLogin(InvalidCredentials):
    """Wrong email or password, or a disabled account: one message for all (no enumeration)."""

    type_slug = "invalid-login"
    title = "Invalid email or password"

    def __init__(self) -> None:
        super().__init__("the email or password is not correct", error="invalid_grant")


class InvalidRefreshToken(InvalidCredentials):
    """A refresh token that is malformed, unknown, expired, revoked or already used."""

    type_slug = "invalid-refresh-token"
    title = "Invalid refresh token"

    def __init__(self, detail: str = "the refresh token is not valid") -> None:
        super().__init__(detail, error="invalid_grant")


class RefreshTokenReused(InvalidRefreshToken):
    """A used refresh token came back: its family has been revoked (the caller must commit)."""

    def __init__(self, family_id: str) -> None:
        super().__init__()
        # Not an extension member: the family id is for our logs, not the caller.
        self.family_id = family_id


class InvalidScope(BadRequest):
    """RFC 6749 §5.2 invalid_scope: more scopes asked than the grant may carry."""

    type_slug = "invalid-scope"
    title = "The requested scope is not allowed"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, error="invalid_scope")


class EligibilityNotFound(NotFound):
    type_slug = "eligibility-not-found"
    title = "No eligibility claim for this category"


class EligibilityConflict(Conflict):
    type_slug = "eligibility-conflict"
    title = "The eligibility claim is not in a state that allows this"
