"""The role matrix: every operation of the API, called anonymously and with a credential of
each kind of caller, against services/access_policy.py.

An operation without a declaration fails here, so a route cannot be added without saying who
may call it. Everything a role is not allowed is denied (401 anonymous, 403 `role-forbidden`
otherwise) as problem+json; everything it is allowed is not denied for want of authorisation.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from mobility.auth.access_tokens import issue_access_token
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.errors import PROBLEM_BASE
from services.access_policy import ACCESS_POLICY
from tests.services.roles import Caller, all_callers
from tests.ticketing.shop import Shop

# Stand-ins for path parameters: well-formed, naming nothing that exists.
_SAMPLE = {"integer": "987654", "number": "1.5", "boolean": "true"}
# The types of a denial for want of authorisation (as opposed to, say, not found).
_DENIALS = {
    f"{PROBLEM_BASE}{slug}"
    for slug in ("unauthorized", "invalid-credentials", "role-forbidden", "insufficient-scope")
}


def operations(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(METHOD, path template, operation) of every operation in the OpenAPI document."""
    return [
        (method.upper(), path, op)
        for path, item in openapi["paths"].items()
        for method, op in item.items()
        if method.upper() in {"GET", "POST", "PUT", "PATCH", "DELETE"}
    ]


def concrete_path(path: str, op: dict[str, Any]) -> str:
    for param in op.get("parameters", []):
        if param.get("in") == "path":
            kind = param.get("schema", {}).get("type", "string")
            path = path.replace("{" + param["name"] + "}", _SAMPLE.get(kind, "zz-matrix-9"))
    return path


def _problem(response: Any) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body: dict[str, Any] = response.json()
    assert {"type", "title", "status"} <= body.keys()
    assert body["status"] == response.status_code
    return body


def test_every_operation_is_declared(shop: Shop) -> None:
    """Each operation create_app() routes (those hidden from the OpenAPI document included) has
    an access declaration, each declaration names an operation that exists, nothing is
    mounted around the policy, and the OpenAPI document publishes each as `x-access`."""
    app = shop.client.app
    assert isinstance(app, FastAPI)
    keys = ACCESS_POLICY.operations_of(app)
    assert ACCESS_POLICY.undeclared(keys) == [], "declare these in services/access_policy.py"
    assert ACCESS_POLICY.stale(keys) == [], "these declarations name no operation"
    assert ACCESS_POLICY.unguarded(app) == [], "routes the access policy cannot guard"
    openapi = shop.client.get("/openapi.json").json()
    assert {f"{method} {path}" for method, path, _ in operations(openapi)} <= set(keys)
    for _, _, op in operations(openapi):
        assert "x-access" in op


def test_every_role_on_every_operation(shop: Shop) -> None:
    """Anonymous callers of a guarded operation get 401, other kinds than those declared 403
    `role-forbidden`, both problem+json; declared kinds and public operations are never
    denied for want of authorisation (they may still get 404, 422, ...)."""
    callers: dict[str, Caller] = all_callers()
    openapi = shop.client.get("/openapi.json").json()
    failures: list[str] = []
    checked = 0
    for method, path, op in operations(openapi):
        access = ACCESS_POLICY.rules.get(f"{method} {path}")
        if access is None:
            failures.append(f"{method} {path}: undeclared")
            continue
        url = concrete_path(path, op)
        for name, caller in callers.items():
            response = shop.client.request(method, url, headers=caller.headers)
            checked += 1
            status, where = response.status_code, f"{method} {path} as {name}"
            allowed = access.public or name in {str(r) for r in access.roles}
            if allowed:
                denied = status in (401, 403) and _problem(response)["type"] in _DENIALS
                if denied or status >= 500:
                    failures.append(f"{where}: {status} {response.text[:160]}")
            elif name == "anonymous":
                if status != 401 or _problem(response)["type"] != PROBLEM_BASE + "unauthorized":
                    failures.append(f"{where}: {status}, expected 401 unauthorized")
                elif "www-authenticate" not in response.headers:
                    failures.append(f"{where}: 401 without WWW-Authenticate")
            elif status != 403 or _problem(response)["type"] != PROBLEM_BASE + "role-forbidden":
                failures.append(f"{where}: {status}, expected 403 role-forbidden")
    assert failures == [], "\n".join(failures)
    assert checked >= 8 * 60


@pytest.mark.parametrize("kind", ["traveller", "planner", "gate", "logistics"])
def test_back_office_is_closed_to_other_kinds(shop: Shop, kind: str) -> None:
    """The back office (ledger, refunds, revocation, eligibility decisions) answers 403
    role-forbidden to every non-staff kind even when the credential is valid."""
    caller = all_callers()[kind]
    for method, url in [
        ("GET", "/v1/ledger/trial-balance"),
        ("POST", "/v1/orders/o-1/refunds"),
        ("POST", "/v1/passes/p-1/revoke"),
        ("GET", "/v1/eligibility-claims"),
    ]:
        response = shop.client.request(method, url, headers=caller.headers)
        assert response.status_code == 403, (method, url, response.text)
        assert _problem(response)["type"] == PROBLEM_BASE + "role-forbidden"


def test_operator_staff_are_not_declared_where_the_route_refuses_them(shop: Shop) -> None:
    """Refunds are the authority's: the route refuses any credential bound to an operator, and
    operators' staff always are, so the policy answers them 403 role-forbidden at once (even
    with refunds:issue and an Idempotency-Key), rather than declaring a kind that never passes."""
    staff = Principal(
        "desk-2", PrincipalKind.OPERATOR_STAFF, frozenset({Scope.REFUNDS_ISSUE}), operator_id="ATC"
    )
    headers = {"Authorization": f"Bearer {issue_access_token(staff)}", "Idempotency-Key": "k-1"}
    response = shop.client.post("/v1/orders/o-1/refunds", json={}, headers=headers)
    assert response.status_code == 403, response.text
    assert _problem(response)["type"] == PROBLEM_BASE + "role-forbidden"
