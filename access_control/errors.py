"""Access-control errors, rendered as RFC 9457 problem+json through the `mobility.errors` base."""

from __future__ import annotations

from mobility.errors import MobilityError, ServiceUnavailable, ValidationFailed

from .reasons import Reason


class TokenRejected(MobilityError):
    """A presented pass (token, proof or QR payload) was refused; `reason` says why."""

    type_slug = "pass-rejected"
    title = "Pass rejected"
    status = 403

    def __init__(self, reason: Reason, detail: str = "") -> None:
        # The detail is for logs and operators; it never echoes the token (it is a bearer secret
        # until its proof expires) nor key material.
        super().__init__(detail or reason.display("en"), reason=reason.value)
        self.reason = reason

    def __repr__(self) -> str:
        return f"TokenRejected({self.reason!s}, {self.detail!r})"


class InvalidClaims(ValidationFailed, ValueError):
    """The claims of a pass to issue are not acceptable (a programming or input error)."""

    type_slug = "invalid-pass-claims"
    title = "Invalid pass claims"


class KeyRingInvalid(MobilityError, ValueError):
    """The signing-key configuration (key file, PEM, JWKS) cannot be used as it is."""

    type_slug = "key-ring-invalid"
    title = "Signing key configuration is invalid"
    status = 500


class SigningKeyUnavailable(ServiceUnavailable):
    """No signing key is active now, or none outlives the token to be issued."""

    type_slug = "signing-key-unavailable"
    title = "No signing key is available"
