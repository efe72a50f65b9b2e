"""The cyclic collector is paused for a pass and given back exactly as it was."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from gtfs.schedule.gc_pause import collector_paused


@pytest.fixture(autouse=True)
def _restore_collector() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_paused_inside_and_enabled_after() -> None:
    """Nested pauses keep it off until the outer one ends, even when the block raises."""
    gc.enable()
    seen = []

    def nested() -> None:
        with collector_paused():
            with collector_paused():
                seen.append(gc.isenabled())
            seen.append(gc.isenabled())
            raise RuntimeError

    with pytest.raises(RuntimeError):
        nested()
    assert seen == [False, False]
    assert gc.isenabled()


def test_a_disabled_collector_stays_disabled() -> None:
    """A process that turned the collector off itself does not find it turned on."""
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()
