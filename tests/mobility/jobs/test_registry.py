"""Jobs are declared per broker from the registry: each queue's limits come from the settings,
a change of settings gets its own broker, and an unknown job is refused by name."""

from __future__ import annotations

import threading

import pytest
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

from mobility.jobs import Queue, get_runtime, queue_sizes, register_job, send
from mobility.jobs.registry import _JOBS, JobSpec
from mobility.settings import Settings, get_settings
from tests.mobility.jobs.workers import JOIN_TIMEOUT_MS, running_worker


def _noop(*_args: object) -> None:
    return None


def test_each_queue_takes_its_limits_from_the_settings() -> None:
    """Long jobs get the long time limit and retries; a job may set its own."""
    settings = Settings(
        jobs_time_limit_s=30,
        jobs_long_time_limit_s=900,
        jobs_max_retries=7,
        jobs_long_max_retries=2,
    )
    short = JobSpec("a", _noop).options(settings)
    long = JobSpec("b", _noop, Queue.LONG).options(settings)
    periodic = JobSpec("c", _noop, max_retries=0, max_age_s=45).options(settings)
    assert (short["time_limit"], short["max_retries"]) == (30_000, 7)
    assert (long["time_limit"], long["max_retries"]) == (900_000, 2)
    assert long["min_backoff"] > short["min_backoff"]
    assert (periodic["max_retries"], periodic["max_age"]) == (0, 45_000)


def test_the_broker_follows_the_settings(
    monkeypatch: pytest.MonkeyPatch, redis_url: str, key_prefix: str
) -> None:
    """No REDIS_URL: the in-memory broker; with it: Redis, under the key prefix's namespace."""
    monkeypatch.setenv("REDIS_URL", "")
    get_settings.cache_clear()
    assert isinstance(get_runtime().broker, StubBroker)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("REDIS_KEY_PREFIX", key_prefix)
    get_settings.cache_clear()
    try:
        broker = get_runtime().broker
        assert isinstance(broker, RedisBroker)
        assert broker.namespace == f"{key_prefix}jobs"
    finally:
        get_settings.cache_clear()


def test_an_unknown_job_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sending a job nobody registered fails at once, naming it; a known one is queued."""
    monkeypatch.setenv("REDIS_URL", "")
    get_settings.cache_clear()
    try:
        register_job("test.known", _noop)
        send("test.known", 1)
        assert queue_sizes() == {"default": 1, "long": 0}
        with pytest.raises(LookupError, match=r"test\.unknown"):
            send("test.unknown")
    finally:
        _JOBS.pop("test.known", None)
        get_settings.cache_clear()


def test_the_in_memory_broker_keeps_no_dead_letters(monkeypatch: pytest.MonkeyPatch) -> None:
    """Embedded: a job that failed for good is logged and forgotten, not kept (with its
    traceback) for the life of the API process."""
    monkeypatch.setenv("REDIS_URL", "")
    get_settings.cache_clear()
    ran = threading.Event()

    def failing() -> None:
        ran.set()
        raise RuntimeError("failed for good")

    try:
        register_job("test.failing", failing, max_retries=0)
        broker = get_runtime().broker
        assert isinstance(broker, StubBroker)
        with running_worker():
            send("test.failing")
            assert ran.wait(JOIN_TIMEOUT_MS / 1000)
            broker.join(Queue.DEFAULT.value, timeout=JOIN_TIMEOUT_MS, fail_fast=False)
        assert broker.dead_letters == []
    finally:
        _JOBS.pop("test.failing", None)
        get_settings.cache_clear()
