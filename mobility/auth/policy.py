"""Who may call which route: a declared access policy, enforced before each route's own checks.

A policy maps every operation of the API (`"METHOD /path/{template}"`, as in the OpenAPI
document) to an `Access`: public, or the principal kinds that may call it, and optionally a
named rate limit. `AccessPolicy.dependency()` goes on the application, so it runs first on every
route: anonymous callers of a guarded route get 401, callers of another kind 403
(`role-forbidden`), before any body is read. Scopes and whose data it is stay the route's own
business; the policy is the coarse gate that a forgotten scope check cannot open.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import compile_path

from mobility.deps import SessionDep
from mobility.problems import PROBLEM_MEDIA_TYPE
from mobility.redis_client import get_redis
from mobility.settings import Settings, get_settings

from .deps import authenticate
from .errors import Forbidden, Unauthorized
from .principals import PrincipalKind
from .ratelimit import RateLimiter, digest

HTTP_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RoleForbidden(Forbidden):
    """The caller's kind (traveller, planner, ...) may not call this endpoint at all."""

    type_slug = "role-forbidden"
    title = "Not available to this kind of caller"


class UndeclaredOperation(Forbidden):
    """The operation has no access declaration: closed to everyone until it gets one."""

    type_slug = "undeclared-operation"
    title = "This operation has no access declaration"


@dataclass(frozen=True, slots=True)
class Access:
    """Who may call one operation: anyone (`public`), or principals of `roles`.

    `rate_limit` names a limit in the settings (`<name>_rate_limit`); the calls of every
    operation naming it share one window per caller.
    """

    roles: frozenset[PrincipalKind] = frozenset()
    public: bool = False
    rate_limit: str | None = None

    def __post_init__(self) -> None:
        if self.public == bool(self.roles):
            raise ValueError("an operation is either public or open to some roles")

    def describe(self) -> dict[str, Any]:
        """The `x-access` extension of the operation in the OpenAPI document."""
        out: dict[str, Any] = {"public": self.public, "roles": sorted(self.roles)}
        if self.rate_limit:
            out["rate_limit"] = self.rate_limit
        return out


def public() -> Access:
    """Anyone, without a credential (a credential, if presented, is still checked by routes
    that read it)."""
    return Access(public=True)


def roles(*kinds: PrincipalKind, rate_limit: str | None = None) -> Access:
    """Authenticated principals of these kinds."""
    if not kinds:
        raise ValueError("name at least one kind, or declare the operation public()")
    return Access(roles=frozenset(kinds), rate_limit=rate_limit)


def _problem(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Problem"}
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": schema}}}


def operation_key(method: str, path: str) -> str:
    return f"{method.upper()} {path}"


@dataclass(frozen=True, slots=True)
class _Rule:
    key: str
    template: str
    pattern: re.Pattern[str]
    access: Access


class AccessPolicy:
    """The declared access of every operation, keyed `"METHOD /path"`."""

    def __init__(self, rules: Mapping[str, Access]) -> None:
        self.rules = dict(rules)
        self._by_method: dict[str, list[_Rule]] = {}
        for op_key, access in self.rules.items():
            method, _, template = op_key.partition(" ")
            if method not in HTTP_METHODS or not template.startswith("/"):
                raise ValueError(f"bad operation key {op_key!r}: want 'METHOD /path'")
            limit = access.rate_limit
            if limit is not None and f"{limit}_rate_limit" not in Settings.model_fields:
                raise ValueError(f"{op_key}: no setting {limit}_rate_limit")
            pattern = compile_path(template)[0]
            self._by_method.setdefault(method, []).append(_Rule(op_key, template, pattern, access))
        self._cache: dict[tuple[str, int], list[_Rule]] = {}

    def with_rules(self, extra: Mapping[str, Access]) -> AccessPolicy:
        """This policy plus `extra` declarations (for routes a test adds to the app)."""
        return AccessPolicy({**self.rules, **extra})

    @staticmethod
    def operations_of(app: FastAPI) -> list[str]:
        """Every operation (`"METHOD /path"`) the application routes, those left out of the
        OpenAPI document included (HEAD is served as GET, so it is not an operation of its own).
        """
        found = set()
        for context in iter_route_contexts(app.routes):
            if not isinstance(context.original_route, APIRoute) or context.path_format is None:
                continue
            for method in context.methods or ():
                if method != "HEAD":
                    found.add(operation_key(method, context.path_format))
        return sorted(found)

    @staticmethod
    def unguarded(app: FastAPI) -> list[str]:
        """Routes the policy cannot see: mounted applications and plain Starlette routes get
        no application dependency, so each would be an open door. FastAPI's own documentation
        routes (the schema and its viewers) are the only ones allowed."""
        own = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
        return sorted(
            f"{type(context.original_route).__name__} {context.path}"
            for context in iter_route_contexts(app.routes)
            if not isinstance(context.original_route, APIRoute) and context.path not in own
        )

    def undeclared(self, operations: Iterable[str]) -> list[str]:
        """The operations (`"METHOD /path"`) that have no declaration."""
        return sorted(op for op in operations if op not in self.rules)

    def stale(self, operations: Iterable[str]) -> list[str]:
        """Declarations of operations the application does not have (renamed or removed)."""
        return sorted(set(self.rules) - set(operations))

    def annotate(self, openapi: dict[str, Any]) -> None:
        """Put each declaration on its operation as `x-access`, for clients and auditors,
        with the problem responses the policy itself may answer (401, 403, 429)."""
        for path, item in openapi.get("paths", {}).items():
            for method, operation in item.items():
                access = self.rules.get(operation_key(method, path))
                if access is None or not isinstance(operation, dict):
                    continue
                operation["x-access"] = access.describe()
                responses = operation.setdefault("responses", {})
                if not access.public:
                    responses.setdefault("401", _problem("No or invalid credentials"))
                    responses.setdefault("403", _problem("Not allowed to this caller"))
                if access.rate_limit:
                    responses.setdefault("429", _problem("Too many requests; see Retry-After"))

    def match(self, request: Request) -> _Rule | None:
        """The declaration of the operation this request was routed to, if any."""
        route = request.scope.get("route")
        route_format = getattr(route, "path_format", None)
        if route_format is None:
            return None
        method = "GET" if request.method == "HEAD" else request.method
        cache_key = (method, id(route))
        candidates = self._cache.get(cache_key)
        if candidates is None:
            # The route object knows its own path; the router's prefix is what the full
            # template adds in front of it, so a declaration must end with that path.
            candidates = [
                rule
                for rule in self._by_method.get(method, [])
                if rule.template.endswith(route_format)
            ]
            self._cache[cache_key] = candidates
        # The (decoded) path the router matched, so the declaration is found the way the
        # route was: the URL's raw path would differ for an encoded "/" in a parameter.
        path = request.scope["path"]
        root = request.scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        for rule in candidates:
            if rule.pattern.match(path):
                return rule
        return None

    def dependency(self) -> Callable[[Request, SessionDep], None]:
        """The application-wide dependency enforcing this policy."""

        def enforce_access_policy(request: Request, session: SessionDep) -> None:
            rule = self.match(request)
            if rule is None:
                # Deny by default: nobody has said who may call this, so nobody may.
                raise UndeclaredOperation(
                    f"{request.method} {request.url.path} is closed: no access declaration"
                )
            if rule.access.public:
                return
            principal = authenticate(request, session)
            if principal is None:
                raise Unauthorized("this endpoint needs an access token or an API key")
            if principal.kind not in rule.access.roles:
                raise RoleForbidden(
                    f"not available to a {principal.kind.value} credential",
                    allowed_roles=sorted(rule.access.roles),
                )
            if rule.access.rate_limit:
                limit = getattr(get_settings(), f"{rule.access.rate_limit}_rate_limit")
                # Per caller, not per address: travellers behind one carrier NAT share an
                # address, and every purchase is authenticated anyway.
                RateLimiter.build(get_redis(), limit).hit(
                    "api", rule.access.rate_limit, [("caller", digest(principal.subject))]
                )

        return enforce_access_policy
