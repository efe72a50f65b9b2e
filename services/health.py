"""Liveness and readiness: /healthz says the process is up, /readyz that it can serve."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from mobility.db import get_engine
from mobility.migrate import current_revision, head_revision
from mobility.problems import problem_response
from mobility.redis_client import get_redis

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


def _check_database() -> dict[str, Any]:
    engine = get_engine()
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    current, head = current_revision(engine), head_revision()
    return {
        "ok": current == head,
        "dialect": engine.dialect.name,
        "revision": current,
        "head": head,
    }


def _check_redis() -> dict[str, Any]:
    return {"ok": bool(get_redis().ping())}


@router.get("/readyz", responses={503: {"description": "A dependency is down (problem+json)"}})
def readyz() -> Any:
    """The database is reachable and migrated, and Redis answers."""
    checks: dict[str, Any] = {}
    for name, check in (("database", _check_database), ("redis", _check_redis)):
        try:
            checks[name] = check()
        except Exception as exc:  # any failure means not ready; say which, not the secret URL
            checks[name] = {"ok": False, "error": type(exc).__name__}
    if all(c["ok"] for c in checks.values()):
        return {"status": "ready", "checks": checks}
    return problem_response(
        {
            "type": "https://mobility.example/problems/not-ready",
            "title": "Not ready",
            "status": 503,
            "detail": "; ".join(n for n, c in checks.items() if not c["ok"]) + " not ready",
            "checks": checks,
        }
    )
