"""The access policy machinery: declarations are checked when made, matched to the route a
request took (under any router prefix), enforced before the route, and published."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from mobility.auth.access_tokens import issue_access_token
from mobility.auth.deps import CurrentPrincipal, install_auth_problem_handlers
from mobility.auth.policy import Access, AccessPolicy, public, roles
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.db import reset_engine_cache
from mobility.errors import PROBLEM_BASE
from mobility.problems import install_problem_handlers
from mobility.settings import get_settings

from .conftest import TEST_SECRET

POLICY = AccessPolicy(
    {
        "GET /v1/things": public(),
        "GET /v1/things/{thing_id}": roles(PrincipalKind.PLANNER),
        "GET /v1/things/special": roles(PrincipalKind.ADMIN),
        "GET /v1/things/{thing_id}/parts": roles(PrincipalKind.PLANNER),
        "POST /v1/things/{thing_id}": roles(PrincipalKind.PLANNER, PrincipalKind.ADMIN),
    }
)


def test_declarations_are_checked() -> None:
    """An operation is public or has roles, never both nor neither; keys are `METHOD /path`;
    a rate limit must name a setting."""
    with pytest.raises(ValueError, match="either public"):
        Access(roles=frozenset({PrincipalKind.ADMIN}), public=True)
    with pytest.raises(ValueError, match="either public"):
        Access()
    with pytest.raises(ValueError, match="at least one kind"):
        roles()
    with pytest.raises(ValueError, match="METHOD /path"):
        AccessPolicy({"/v1/x": public()})
    with pytest.raises(ValueError, match="no setting"):
        AccessPolicy({"POST /v1/x": roles(PrincipalKind.ADMIN, rate_limit="nonsense")})


def test_undeclared_and_stale_operations() -> None:
    """The policy names operations the app lacks, and the app's operations it lacks."""
    ops = ["GET /v1/things", "GET /v1/things/{thing_id}", "DELETE /v1/things/{thing_id}"]
    assert POLICY.undeclared(ops) == ["DELETE /v1/things/{thing_id}"]
    assert POLICY.stale(ops) == [
        "GET /v1/things/special",
        "GET /v1/things/{thing_id}/parts",
        "POST /v1/things/{thing_id}",
    ]


@pytest.fixture
def client(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, redis_url: str, key_prefix: str
) -> Iterator[TestClient]:
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("REDIS_KEY_PREFIX", key_prefix)
    monkeypatch.setenv("JWT_SECRET", TEST_SECRET)
    get_settings.cache_clear()
    reset_engine_cache()
    router = APIRouter()

    @router.get("/things")
    def things() -> list[str]:
        return ["a"]

    @router.get("/things/special")
    def special() -> str:
        return "special"

    @router.get("/things/{thing_id}")
    def thing(thing_id: str, principal: CurrentPrincipal) -> dict[str, str]:
        return {"id": thing_id, "by": principal.subject}

    @router.get("/things/{thing_id}/parts")
    def parts(thing_id: str) -> list[str]:
        return [thing_id + "/1"]

    @router.post("/things/{thing_id}")
    def change(thing_id: str, body: dict[str, int]) -> dict[str, str]:
        return {"id": thing_id, "keys": ",".join(body)}

    # Forgotten declarations: one in a router, one added to the app after the routers.
    @router.delete("/things/{thing_id}")
    def remove(thing_id: str) -> str:
        return "removed " + thing_id

    app = FastAPI(dependencies=[Depends(POLICY.dependency())])
    install_problem_handlers(app)
    install_auth_problem_handlers(app)
    app.include_router(router, prefix="/v1")

    @app.get("/late", include_in_schema=False)
    def late() -> str:
        return "late"

    with TestClient(app) as test_client:
        yield test_client
    get_settings.cache_clear()
    reset_engine_cache()


def _token(kind: PrincipalKind) -> dict[str, str]:
    scopes = frozenset({Scope.ADMIN}) if kind is PrincipalKind.ADMIN else frozenset()
    return {"Authorization": f"Bearer {issue_access_token(Principal('u1', kind, scopes))}"}


def test_enforced_before_the_route(client: TestClient) -> None:
    """Public operations answer anyone; a guarded one is 401 anonymous and 403 role-forbidden
    for another kind, before the body is validated; the literal path /things/special is told
    apart from the template /things/{thing_id} that also matches it."""
    assert client.get("/v1/things").status_code == 200
    assert client.get("/v1/things/7").status_code == 401
    # HEAD is GET without a body (405 where not served), a trailing slash a redirect to the
    # guarded path: neither reaches the route around the policy.
    assert client.head("/v1/things/7").status_code in (401, 405)
    assert client.get("/v1/things/7/", follow_redirects=False).status_code == 307
    assert client.get("/v1/things/7/").status_code == 401
    # A path parameter holding an encoded "?" is matched as the router matched it.
    assert client.get("/v1/things/a%3Fb/parts").status_code == 401
    odd = client.get("/v1/things/a%3Fb/parts", headers=_token(PrincipalKind.PLANNER))
    assert odd.json() == ["a?b/1"]
    assert client.get("/v1/things/7", headers=_token(PrincipalKind.PLANNER)).json()["by"] == "u1"
    denied = client.get("/v1/things/7", headers=_token(PrincipalKind.TRAVELLER))
    assert denied.status_code == 403
    assert denied.json()["type"] == PROBLEM_BASE + "role-forbidden"
    assert denied.json()["allowed_roles"] == ["planner"]
    assert (
        client.get("/v1/things/special", headers=_token(PrincipalKind.PLANNER)).status_code == 403
    )
    assert client.get("/v1/things/special", headers=_token(PrincipalKind.ADMIN)).status_code == 200
    # No body at all: still 401/403 first, not 422.
    assert client.post("/v1/things/7").status_code == 401
    assert client.post("/v1/things/7", headers=_token(PrincipalKind.TRAVELLER)).status_code == 403


def test_published_in_openapi(client: TestClient) -> None:
    """annotate() puts each declaration on its operation as x-access."""
    schema = client.app.openapi()  # type: ignore[attr-defined]
    POLICY.annotate(schema)
    assert schema["paths"]["/v1/things"]["get"]["x-access"] == {"public": True, "roles": []}
    assert schema["paths"]["/v1/things/{thing_id}"]["post"]["x-access"] == {
        "public": False,
        "roles": ["admin", "planner"],
    }


def test_an_undeclared_operation_is_closed_to_everyone(client: TestClient) -> None:
    """Deny by default: an operation with no declaration, in a router or added to the app
    later (even left out of the OpenAPI document), answers 403 `undeclared-operation`
    problem+json to anonymous callers and administrators alike, and `operations_of` lists it
    as undeclared (which fails the role-matrix test)."""
    app = client.app
    assert isinstance(app, FastAPI)
    for method, url in [("DELETE", "/v1/things/7"), ("GET", "/late")]:
        for headers in ({}, _token(PrincipalKind.PLANNER), _token(PrincipalKind.ADMIN)):
            response = client.request(method, url, headers=headers)
            assert response.status_code == 403, (method, url, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["type"] == PROBLEM_BASE + "undeclared-operation"
    assert POLICY.undeclared(POLICY.operations_of(app)) == [
        "DELETE /v1/things/{thing_id}",
        "GET /late",
    ]
    assert POLICY.unguarded(app) == []
    app.mount("/static", FastAPI())
    assert POLICY.unguarded(app) == ["Mount /static"]
