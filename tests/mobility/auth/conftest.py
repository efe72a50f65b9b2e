"""Fixtures for the auth tests: the auth tables known to the metadata, a session, a JWT config."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

import mobility.auth.models  # noqa: F401  (until the entry point registers it: emptied after tests)
from mobility.auth.access_tokens import AccessTokenConfig

TEST_SECRET = "test-secret-" + "0123456789abcdef" * 4


@pytest.fixture
def token_config() -> AccessTokenConfig:
    return AccessTokenConfig(secret=TEST_SECRET, issuer="test-iss", audience="test-aud")


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the migrated test database (SQLite, then PostgreSQL)."""
    with Session(engine, expire_on_commit=False) as s:
        yield s


# The shop (the app on both databases with real Redis, tariffs loaded) for the API tests.
from tests.ticketing.shop import shop, tariffs_text  # noqa: E402, F401 - fixtures by name
