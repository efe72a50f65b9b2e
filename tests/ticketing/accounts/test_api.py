"""The auth and account endpoints on both databases and real Redis: problem+json errors,
token rotation committed across requests, isolation between travellers, eligibility."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
import redis as redis_lib
from fastapi.testclient import TestClient

from mobility.auth.access_tokens import verify_access_token
from mobility.auth.principals import PrincipalKind
from mobility.db import session_scope
from mobility.settings import get_settings
from ticketing.accounts import service

from .conftest import PASSWORD, admin, assert_problem, staff

Signup = Callable[..., dict[str, Any]]


def login(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    return client.post(
        "/v1/auth/token", json={"grant_type": "password", "email": email, "password": password}
    )


def refresh(client: TestClient, token: str, **extra: str) -> Any:
    return client.post(
        "/v1/auth/token", json={"grant_type": "refresh_token", "refresh_token": token, **extra}
    )


def test_register_login_and_me(client: TestClient) -> None:
    """Register (201), log in (Bearer pair, not cacheable), and /v1/me is that account."""
    made = client.post(
        "/v1/auth/register",
        json={"email": "Anna@Example.it", "password": PASSWORD, "display_name": "Anna"},
    )
    assert made.status_code == 201, made.text
    account = made.json()
    assert account["email"] == "Anna@example.it"
    assert "password" not in made.text
    response = login(client, "anna@example.it")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == get_settings().access_token_ttl_s
    assert body["refresh_token"].startswith("rt_")
    principal = verify_access_token(body["access_token"])
    assert (principal.subject, principal.kind) == (account["id"], PrincipalKind.TRAVELLER)
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200, me.text
    assert me.json() == account


def test_register_errors_are_problems(client: TestClient, signup: Signup) -> None:
    """Duplicate email 409, weak password and bad email 422, each with its stable type."""
    signup()
    duplicate = {"email": "ANNA@example.it", "password": PASSWORD, "display_name": "A"}
    assert_problem(
        client.post("/v1/auth/register", json=duplicate), 409, "email-already-registered"
    )
    weak = {"email": "bruno@example.it", "password": "password123", "display_name": "B"}
    body = assert_problem(client.post("/v1/auth/register", json=weak), 422, "weak-password")
    assert body["rule"] == "common"
    bad = {"email": "bruno@", "password": PASSWORD, "display_name": "B"}
    assert_problem(client.post("/v1/auth/register", json=bad), 422, "invalid-email")


def test_bad_credentials_are_one_401_whether_or_not_the_email_exists(
    client: TestClient, signup: Signup
) -> None:
    """Wrong password and unknown email give the same problem and the same Bearer challenge:
    the bodies differ only in their per-request id, so nothing tells whether the email exists."""
    signup()
    wrong = login(client, "anna@example.it", "not the password")
    unknown = login(client, "nobody@example.it")
    for response in (wrong, unknown):
        assert_problem(response, 401, "invalid-login")
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"]
    wrong_body, unknown_body = wrong.json(), unknown.json()
    # Each response carries its own request id (for support); it is not evidence of anything.
    wrong_id, unknown_id = wrong_body.pop("request_id"), unknown_body.pop("request_id")
    assert wrong_id
    assert unknown_id
    assert wrong_id != unknown_id
    assert wrong_body == unknown_body
    assert wrong_body["error"] == "invalid_grant"


def test_refresh_rotates_and_reuse_revokes_the_family(client: TestClient, signup: Signup) -> None:
    """A refresh returns a new pair; presenting the old token again is 401 and the revocation
    is committed: the newest token of the family no longer refreshes either."""
    first = signup()["tokens"]
    second = refresh(client, first["refresh_token"])
    assert second.status_code == 200, second.text
    newest = second.json()
    assert newest["refresh_token"] != first["refresh_token"]
    assert verify_access_token(newest["access_token"]).scopes == set(first["scope"].split())
    assert_problem(refresh(client, first["refresh_token"]), 401, "invalid-refresh-token")
    assert_problem(refresh(client, newest["refresh_token"]), 401, "invalid-refresh-token")


def test_a_refresh_with_a_bad_scope_does_not_burn_the_token(
    client: TestClient, signup: Signup
) -> None:
    """Asking for a scope the login did not grant is 400 invalid_scope; the token still works."""
    tokens = signup()["tokens"]
    body = assert_problem(refresh(client, tokens["refresh_token"], scope="admin"), 400)
    assert body["error"] == "invalid_scope"
    assert refresh(client, tokens["refresh_token"]).status_code == 200


def test_logout_ends_the_session(client: TestClient, signup: Signup) -> None:
    """After logout the refresh token is refused; logging out a foreign token is also 204."""
    tokens = signup()["tokens"]
    out = client.post("/v1/auth/logout", json={"refresh_token": tokens["refresh_token"]})
    assert out.status_code == 204, out.text
    assert_problem(refresh(client, tokens["refresh_token"]), 401)
    other = client.post("/v1/auth/logout", json={"refresh_token": "rt_nonsense"})
    assert other.status_code == 204


def test_unsupported_grant_is_refused(client: TestClient) -> None:
    """Only the password and refresh_token grants exist."""
    response = client.post("/v1/auth/token", json={"grant_type": "client_credentials"})
    assert_problem(response, 422)


def test_travellers_see_only_their_own_account(client: TestClient, signup: Signup) -> None:
    """/v1/me is each caller's own; another traveller's account and claims are 404; staff and
    admins read any account by id but have no /v1/me (403 role-forbidden: they are not
    travellers); no credential is 401."""
    anna, bruno = signup("anna@example.it"), signup("bruno@example.it")
    anna_id, bruno_id = anna["account"]["id"], bruno["account"]["id"]
    assert client.get("/v1/me", headers=anna["headers"]).json()["id"] == anna_id
    assert client.get("/v1/me", headers=bruno["headers"]).json()["id"] == bruno_id
    assert client.get(f"/v1/accounts/{anna_id}", headers=anna["headers"]).status_code == 200
    assert_problem(client.get(f"/v1/accounts/{bruno_id}", headers=anna["headers"]), 404)
    assert_problem(client.get(f"/v1/accounts/{anna_id}/eligibility", headers=bruno["headers"]), 404)
    claim = {"rider_category": "STU"}
    assert_problem(
        client.post(f"/v1/accounts/{anna_id}/eligibility", json=claim, headers=bruno["headers"]),
        404,
    )
    assert client.get(f"/v1/accounts/{bruno_id}", headers=staff()).status_code == 200
    assert client.get(f"/v1/accounts/{bruno_id}", headers=admin()).status_code == 200
    assert_problem(client.get("/v1/me"), 401)
    assert_problem(client.get("/v1/me", headers=staff()), 403, "role-forbidden")
    assert_problem(client.get("/v1/me", headers=admin()), 403, "role-forbidden")


def test_a_narrowed_token_cannot_read_the_account(client: TestClient, signup: Signup) -> None:
    """A token granted only passes:read is refused /v1/me with 403 insufficient scope."""
    signup()
    response = client.post(
        "/v1/auth/token",
        json={
            "grant_type": "password",
            "email": "anna@example.it",
            "password": PASSWORD,
            "scope": "passes:read",
        },
    )
    assert response.status_code == 200, response.text
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    assert_problem(client.get("/v1/me", headers=headers), 403, "insufficient-scope")


def test_eligibility_flow(client: TestClient, signup: Signup) -> None:
    """The traveller files a claim (201, again 200), cannot verify it (403); staff see it in
    their queue and verify it; the traveller sees it verified without the staff member's id."""
    anna = signup()
    account_id = anna["account"]["id"]
    url = f"/v1/accounts/{account_id}/eligibility"
    body = {"rider_category": "STU", "note": "Università di Pisa, matricola 123456"}
    filed = client.post(url, json=body, headers=anna["headers"])
    assert filed.status_code == 201, filed.text
    assert filed.json()["status"] == "pending"
    assert client.post(url, json=body, headers=anna["headers"]).status_code == 200
    verify = f"{url}/STU/verify"
    decision = {"decision": "verified", "expires_at": "2099-09-30T22:00:00Z"}
    assert_problem(client.post(verify, json=decision, headers=anna["headers"]), 403)
    queue = client.get("/v1/eligibility-claims", headers=staff())
    assert queue.status_code == 200, queue.text
    assert [(c["account_id"], c["status"]) for c in queue.json()] == [(account_id, "pending")]
    verified = client.post(verify, json=decision, headers=staff())
    assert verified.status_code == 200, verified.text
    assert verified.json()["verified_by"] == "staff-ATL"
    mine = client.get(url, headers=anna["headers"]).json()
    assert [(c["rider_category"], c["status"], c["verified_by"]) for c in mine] == [
        ("STU", "verified", None)
    ]
    assert client.get("/v1/eligibility-claims", headers=staff()).json() == []
    rejected = client.post(f"{url}/RES/verify", json={"decision": "rejected"}, headers=admin())
    assert rejected.json()["status"] == "rejected"
    assert_problem(
        client.post("/v1/accounts/acc_none/eligibility/STU/verify", headers=staff(), json={}), 404
    )
    assert_problem(client.get("/v1/eligibility-claims", headers=anna["headers"]), 403)


def test_rate_limit_keys_live_in_redis_under_the_prefix(
    signup: Signup, redis_client: redis_lib.Redis, key_prefix: str
) -> None:
    """The auth endpoints count in the configured Redis, under this deployment's prefix, and
    the keys carry no email address."""
    signup()
    keys = [k.decode() for k in redis_client.scan_iter(match=key_prefix + "ratelimit*")]
    assert keys
    assert not any("anna" in k for k in keys)


def test_a_disabled_account_loses_me_and_its_sessions(client: TestClient, signup: Signup) -> None:
    """Once disabled, a still-valid access token finds no account (404) and the refresh token
    is refused."""
    anna = signup()
    with session_scope() as session:
        service.disable_account(session, anna["account"]["id"])
    assert_problem(client.get("/v1/me", headers=anna["headers"]), 404, "account-not-found")
    assert_problem(refresh(client, anna["tokens"]["refresh_token"]), 401)


def test_no_credential_reaches_the_log(
    client: TestClient, signup: Signup, caplog: pytest.LogCaptureFixture
) -> None:
    """Passwords, access and refresh tokens appear in no log record, through login, rotation,
    reuse detection and logout."""
    with caplog.at_level(logging.DEBUG):
        tokens = signup()["tokens"]
        newer = refresh(client, tokens["refresh_token"]).json()
        refresh(client, tokens["refresh_token"])
        client.post("/v1/auth/logout", json={"refresh_token": newer["refresh_token"]})
    assert "refresh token reuse" in caplog.text
    for secret in (PASSWORD, tokens["access_token"], tokens["refresh_token"]):
        assert secret not in caplog.text
    assert tokens["refresh_token"].split("_", 2)[2] not in caplog.text
