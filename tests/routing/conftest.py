"""The planner tests' database: feeds ``a`` and ``b`` of `tests.routing.test_planner`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gtfs.importer import import_feed
from tests.gtfs.feeds import write_feed
from tests.routing.test_planner import FEED_A, FEED_B


@pytest.fixture
def session(engine: Engine, tmp_path: Path) -> Iterator[Session]:
    """Both feeds imported into the test's database (SQLite, then PostgreSQL)."""
    import_feed(engine, write_feed(tmp_path / "a", FEED_A), "a")
    import_feed(engine, write_feed(tmp_path / "b", FEED_B), "b")
    with Session(engine) as opened:
        yield opened
