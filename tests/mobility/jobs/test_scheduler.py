"""The scheduler sends each tick of a periodic job once, however many schedulers run, and a
tick it could not claim or send (Redis down) is tried again on its next loop."""

from __future__ import annotations

from typing import Any

import pytest
import redis as redis_lib

from mobility.jobs.scheduler import Periodic, Scheduler
from mobility.redis_client import get_redis

EVERY = Periodic("test.tick", 60.0, "test.job", ("a",))


def _recording(sent: list[tuple[Any, ...]]) -> Scheduler:
    return Scheduler([EVERY], publish=lambda name, *args: sent.append((name, *args)))


def test_two_schedulers_send_each_tick_once(settings_env: None) -> None:  # noqa: ARG001
    """Two schedulers on one Redis at the same instant: one sends the tick; the next tick is
    sent once again, by whichever claims it first."""
    sent: list[tuple[Any, ...]] = []
    first, second = _recording(sent), _recording(sent)
    now = 1_000_000 * 60.0 + 5
    assert first.run_pending(now) == ["test.tick"]
    assert second.run_pending(now) == []
    assert first.run_pending(now + 30) == []  # the same tick
    assert second.run_pending(now + 60) == ["test.tick"]
    assert first.run_pending(now + 61) == []
    assert sent == [("test.job", "a"), ("test.job", "a")]


def test_a_tick_not_claimed_is_tried_again(settings_env: None) -> None:  # noqa: ARG001
    """Redis refusing the claim sends nothing and does not count the tick as done."""
    sent: list[tuple[Any, ...]] = []
    down = True

    def redis_factory() -> redis_lib.Redis:
        if down:
            raise redis_lib.ConnectionError("redis down")
        return get_redis()

    scheduler = Scheduler(
        [EVERY],
        redis_factory=redis_factory,
        publish=lambda name, *args: sent.append((name, *args)),
    )
    now = 2_000_000 * 60.0
    assert scheduler.run_pending(now) == []
    down = False
    assert scheduler.run_pending(now + 1) == ["test.tick"]
    assert sent == [("test.job", "a")]


def test_a_period_must_be_positive() -> None:
    """A periodic entry with no period is refused where it is declared."""
    with pytest.raises(ValueError, match="every_s must be positive"):
        Periodic("bad", 0, "test.job")


def test_a_tick_claimed_but_not_sent_is_released(settings_env: None) -> None:  # noqa: ARG001
    """The lock taken but the broker refusing the job (its errors are not Redis's): the claim
    is given back and the tick is sent on a later loop, by this scheduler or another."""
    sent: list[tuple[Any, ...]] = []
    broker_down = True

    def publish(name: str, *args: Any) -> None:
        if broker_down:
            raise ConnectionError("broker down")
        sent.append((name, *args))

    first = Scheduler([EVERY], publish=publish)
    second = _recording(sent)
    now = 3_000_000 * 60.0
    assert first.run_pending(now) == []
    broker_down = False
    assert second.run_pending(now + 1) == ["test.tick"]
    assert first.run_pending(now + 2) == []
    assert sent == [("test.job", "a")]
