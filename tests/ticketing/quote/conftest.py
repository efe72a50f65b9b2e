"""Fixtures of the quote API tests: the app on this test's database (both backends)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from services.app import create_app


@pytest.fixture
def client(settings_env: None, engine: Engine) -> Iterator[TestClient]:  # noqa: ARG001
    """The API with the settings pointing at `engine`; each test imports the feeds it needs."""
    with TestClient(create_app(check_migrations=False)) as made:
        yield made
