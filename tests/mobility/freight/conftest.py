"""Shared data of the freight tests: the shipped data file and broken copies of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

FREIGHT_FILE = (
    Path(__file__).resolve().parents[3] / "data" / "freight" / "ligurian_tuscan_freight.toml"
)


def shipped_text() -> str:
    return FREIGHT_FILE.read_text(encoding="utf-8")


def replace_after(text: str, anchor: str, old: str, new: str) -> str:
    """`text` with the first `old` after the first `anchor` replaced by `new`."""
    start = text.index(anchor)
    at = text.index(old, start)
    return text[:at] + new + text[at + len(old) :]


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the migrated test database; what it commits is emptied after the test."""
    with Session(engine, expire_on_commit=False) as made:
        yield made
