"""Authentication and authorization of API callers: principals, tokens, API keys, dependencies.

Import the submodules (`mobility.auth.deps`, `mobility.auth.api_keys`, ...) for the API; this
package module stays light so that importing a principal does not pull in FastAPI or the ORM.
"""

from __future__ import annotations

from .errors import AuthError, Forbidden, InsufficientScope, InvalidCredentials, Unauthorized
from .principals import Principal, PrincipalKind, Scope, ensure_gate_access, ensure_scopes

__all__ = [
    "AuthError",
    "Forbidden",
    "InsufficientScope",
    "InvalidCredentials",
    "Principal",
    "PrincipalKind",
    "Scope",
    "Unauthorized",
    "ensure_gate_access",
    "ensure_scopes",
]
