"""Settings, the un-migrated database refusal, problem+json for 500s, and the Redis factory."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from mobility.auth.policy import public
from mobility.db import make_engine
from mobility.deps import SessionDep
from mobility.errors import DatabaseNotMigrated
from mobility.migrate import ensure_migrated, head_revision
from mobility.redis_client import make_redis
from mobility.settings import Settings
from services.access_policy import ACCESS_POLICY
from services.app import create_app


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """DATABASE_URL and REDIS_URL come from the environment; postgres:// speaks psycopg 3."""
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db:5432/mobility")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/1")
    s = Settings()
    assert s.effective_database_url == "postgresql+psycopg://u:p@db:5432/mobility"
    assert s.redis_url == "redis://cache:6379/1"
    assert not s.is_sqlite


def test_embedded_default_is_a_sqlite_file_under_var(monkeypatch: pytest.MonkeyPatch) -> None:
    """With nothing configured the database is var/mobility.sqlite3."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.is_sqlite
    assert s.effective_database_url.endswith("var/mobility.sqlite3")


def test_unmigrated_database_is_refused(tmp_path: Path) -> None:
    """ensure_migrated names the current and needed revisions and the command to run."""
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with pytest.raises(DatabaseNotMigrated) as info:
        ensure_migrated(engine)
    assert "mobility db upgrade" in info.value.detail
    assert info.value.extensions["head"] == head_revision()


def test_app_refuses_to_start_on_unmigrated_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app's start-up fails with DatabaseNotMigrated instead of serving 500s."""
    from mobility.db import reset_engine_cache
    from mobility.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    get_settings.cache_clear()
    reset_engine_cache()
    try:
        with pytest.raises(DatabaseNotMigrated), TestClient(create_app()):
            pass
    finally:
        get_settings.cache_clear()
        reset_engine_cache()


def test_unhandled_error_is_problem_json_without_internals() -> None:
    """A bug gives 500 problem+json that names no exception or trace."""
    app = create_app(
        check_migrations=False, access_policy=ACCESS_POLICY.with_rules({"GET /boom": public()})
    )

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    r = TestClient(app, raise_server_exceptions=False).get("/boom")
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/internal-error")
    assert "secret" not in r.text


def test_embedded_redis_substitute_is_shared_in_process() -> None:
    """Without REDIS_URL clients share one in-process server (the embedded default)."""
    a, b = make_redis(""), make_redis("")
    a.set("k", "v")
    assert b.get("k") == b"v"


def test_real_redis_when_url_is_set(redis_url: str, key_prefix: str) -> None:
    """With a URL the factory gives a client of that server."""
    client = make_redis(redis_url)
    client.set(key_prefix + "k", "v", ex=10)
    assert client.get(key_prefix + "k") == b"v"
    client.delete(key_prefix + "k")


def test_a_failed_commit_is_a_5xx_not_a_success(
    settings_env: None,  # noqa: ARG001 - database of this test
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The request's commit runs before the response: when it fails, the client knows."""
    app = create_app(
        check_migrations=False, access_policy=ACCESS_POLICY.with_rules({"POST /write": public()})
    )

    @app.post("/write")
    def write(session: SessionDep) -> dict[str, int]:
        session.info["touched"] = True
        return {"ok": 1}

    def failing_commit(_self: Session) -> None:
        raise RuntimeError("commit failed")

    monkeypatch.setattr(Session, "commit", failing_commit)
    r = TestClient(app, raise_server_exceptions=False).post("/write")
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
