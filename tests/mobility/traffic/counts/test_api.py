"""The traffic-count endpoints: detectors push with an API key (traffic:counts:write),
idempotently, rejected items reported with reasons (207); planners read hourly aggregates and
batches (traffic:read); malformed bodies and missing credentials are problem+json."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mobility.auth.access_tokens import issue_access_token
from mobility.auth.api_keys import create_api_credential
from mobility.auth.models import ApiCredentialKind
from mobility.auth.principals import Principal, PrincipalKind, Scope
from mobility.db import session_scope
from mobility.errors import PROBLEM_BASE
from mobility.settings import get_settings
from mobility.traffic.counts.models import TrafficDetector
from services.app import create_app

JWT_SECRET = "traffic-counts-test-secret-" + "x" * 40
COUNTS = "/v1/traffic/counts"


@pytest.fixture
def client(settings_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:  # noqa: ARG001
    monkeypatch.setenv("JWT_SECRET", JWT_SECRET)
    get_settings.cache_clear()
    with session_scope() as session:
        session.add(TrafficDetector(code="A12", name="Aurelia km 12", interval_s=900, lanes=1))
    with TestClient(create_app()) as made:
        yield made


def api_key(*scopes: str) -> dict[str, str]:
    with session_scope() as session:
        issued = create_api_credential(
            session, kind=ApiCredentialKind.INTEGRATION, label="loop A12", scopes=scopes
        )
    return {"Authorization": f"ApiKey {issued.key}"}


def planner(*scopes: str) -> dict[str, str]:
    principal = Principal(subject="planner@sp.it", kind=PrincipalKind.PLANNER, scopes=scopes)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {issue_access_token(principal)}"}


def body(*items: dict[str, Any], detector: str = "A12") -> dict[str, Any]:
    return {"detector": detector, "observations": list(items)}


def obs(start: str, count: int, vehicle_class: str = "car", **extra: Any) -> dict[str, Any]:
    return {"start": start, "class": vehicle_class, "count": count, **extra}


GOOD = [
    obs("2026-11-20T08:00:00+01:00", 100, speed_kmh=50.0),
    obs("2026-11-20T08:15:00+01:00", 120, speed_kmh=60.0),
    obs("2026-11-20T08:30:00+01:00", 90),
    obs("2026-11-20T08:45:00+01:00", 110),
]


def problem(response: Any, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    payload: dict[str, Any] = response.json()
    assert payload["type"] == PROBLEM_BASE + slug
    return payload


def test_push_is_idempotent_and_readable(client: TestClient) -> None:
    """A push stores the observations (200); the same push again is all duplicates (200, not
    an error); the hourly aggregate and the batch are readable with traffic:read."""
    key = api_key(Scope.TRAFFIC_COUNTS_WRITE)
    first = client.post(COUNTS, json=body(*GOOD), headers=key)
    assert first.status_code == 200, first.text
    summary = first.json()
    assert (summary["status"], summary["accepted"], summary["rejected"]) == ("accepted", 4, 0)
    again = client.post(COUNTS, json=body(*GOOD), headers=key).json()
    assert (again["accepted"], again["duplicates"]) == (0, 4)
    assert {r["reason"] for r in again["rejections"]} == {"duplicate"}
    hourly = client.get(
        f"{COUNTS}/hourly",
        params={"detector": "A12", "from": "2026-11-20T00:00:00Z", "to": "2026-11-21T00:00:00Z"},
        headers=planner(Scope.TRAFFIC_READ),
    )
    assert hourly.status_code == 200, hourly.text
    (hour,) = hourly.json()["items"]
    assert hour["period_start"] == "2026-11-20T07:00:00Z"
    assert (hour["volume"], hour["mean_speed_kmh"], hour["completeness"]) == (420, 55.45, 1.0)
    assert (hour["detector"], hour["vehicle_class"], hour["flags"]) == ("A12", "car", [])
    quarters = client.get(
        f"{COUNTS}/15min",
        params={"from": "2026-11-20T07:00:00Z", "to": "2026-11-20T08:00:00Z", "class": "car"},
        headers=planner(Scope.TRAFFIC_READ),
    ).json()
    assert [q["volume"] for q in quarters["items"]] == [100, 120, 90, 110]
    batch = client.get(
        f"{COUNTS}/batches/{summary['batch_id']}", headers=planner(Scope.TRAFFIC_READ)
    ).json()
    assert (batch["channel"], batch["accepted"], batch["submitted_by"]) == (
        "api", 4, batch["submitted_by"],
    )  # fmt: skip
    assert batch["submitted_by"].startswith("apikey:")


def test_rejected_items_are_reported_207(client: TestClient) -> None:
    """Bad items are rejected one by one with reason codes (207), the good ones stored; the
    batch lists them later with the raw item."""
    key = api_key(Scope.TRAFFIC_COUNTS_WRITE)
    response = client.post(
        COUNTS,
        json=body(
            GOOD[0],
            obs("2026-11-20T08:15:00+01:00", -1),
            obs("2026-11-20 08:30:00", 5),
            obs("2026-11-20T08:45:00+01:00", 5, "tractor"),
            obs("2026-11-20T09:00:00+01:00", 5, speed_kmh=400.0),
        ),
        headers=key,
    )
    assert response.status_code == 207, response.text
    summary = response.json()
    assert (summary["status"], summary["accepted"], summary["rejected"]) == ("partial", 1, 4)
    assert [(r["line"], r["reason"]) for r in summary["rejections"]] == [
        (2, "negative_count"), (3, "naive_timestamp"), (4, "unknown_class"),
        (5, "impossible_speed"),
    ]  # fmt: skip
    batch = client.get(
        f"{COUNTS}/batches/{summary['batch_id']}", headers=planner(Scope.TRAFFIC_READ)
    ).json()
    assert len(batch["rejected_rows"]) == 4
    assert '"count":-1' in batch["rejected_rows"][0]["raw"]


def test_malformed_body_and_unknown_detector(client: TestClient) -> None:
    """A body that is not the schema is 422 problem+json (nothing stored); a detector that is
    not registered is 404."""
    key = api_key(Scope.TRAFFIC_COUNTS_WRITE)
    problem(client.post(COUNTS, json={"detector": "A12"}, headers=key), 422, "request-validation")
    problem(
        client.post(COUNTS, json=body(obs("2026-11-20T08:00:00Z", "many")), headers=key),  # type: ignore[arg-type]
        422,
        "request-validation",
    )
    problem(
        client.post(
            COUNTS, content=b"not json", headers={**key, "content-type": "application/json"}
        ),
        422,
        "request-validation",
    )
    problem(
        client.post(COUNTS, json=body(*GOOD, detector="ZZ"), headers=key),
        404,
        "traffic-detector-not-found",
    )
    problem(
        client.get(f"{COUNTS}/batches/999", headers=planner(Scope.TRAFFIC_READ)),
        404,
        ("traffic-count-batch-not-found"),
    )


def test_credentials_and_scopes(client: TestClient) -> None:
    """No credential is 401; a key without traffic:counts:write is 403; a planner may not push
    counts even holding that scope (403 role-forbidden: modellers do not write the
    observations); reading needs traffic:read, which the pushing key does not have."""
    problem(client.post(COUNTS, json=body(*GOOD)), 401, "unauthorized")
    problem(
        client.post(COUNTS, json=body(*GOOD), headers=api_key(Scope.FEEDS_IMPORT)),
        403,
        "insufficient-scope",
    )
    problem(
        client.post(COUNTS, json=body(*GOOD), headers=planner(Scope.TRAFFIC_COUNTS_WRITE)),
        403,
        "role-forbidden",
    )
    params = {"from": "2026-11-20T00:00:00Z", "to": "2026-11-21T00:00:00Z"}
    problem(
        client.get(f"{COUNTS}/hourly", params=params, headers=api_key(Scope.TRAFFIC_COUNTS_WRITE)),
        403,
        "insufficient-scope",
    )
    naive = client.get(
        f"{COUNTS}/hourly",
        params={"from": "2026-11-20T00:00:00", "to": "2026-11-21T00:00:00Z"},
        headers=planner(Scope.TRAFFIC_READ),
    )
    problem(naive, 422, "request-validation")
