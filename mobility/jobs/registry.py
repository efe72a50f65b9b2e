"""Named jobs and the actors that run them on the broker of the current settings.

A job is a plain function of JSON-able arguments, registered by name with its queue. The
actors are made per broker, from the registry, so a change of settings (tests, the CLI) gets a
broker of its own and the same jobs: nothing binds to a broker at import time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import dramatiq
from dramatiq.brokers.redis import RedisBroker

from mobility.jobs.broker import make_broker
from mobility.settings import Settings, get_settings


class Queue(StrEnum):
    DEFAULT = "default"  # short jobs: pass changes, publications, periodic polling
    LONG = "long"  # scenario runs, fleet plans, clearing runs: minutes, own limits


DEFAULT_QUEUE = Queue.DEFAULT
LONG_QUEUE = Queue.LONG
# Exponential backoff between retries, from the first to the cap (Dramatiq's Retries).
_BACKOFF_MS = {Queue.DEFAULT: (1_000, 300_000), Queue.LONG: (30_000, 1_800_000)}


@dataclass(frozen=True)
class JobSpec:
    """A job: `fn(*args)` on `queue`; the limits default to the queue's settings."""

    name: str
    fn: Callable[..., Any]
    queue: Queue = Queue.DEFAULT
    max_retries: int | None = None
    time_limit_s: float | None = None
    # A periodic job's message older than this is dropped: the next tick does the work anew.
    max_age_s: float | None = None

    def options(self, settings: Settings) -> dict[str, Any]:
        long = self.queue is Queue.LONG
        retries = settings.jobs_long_max_retries if long else settings.jobs_max_retries
        limit = settings.jobs_long_time_limit_s if long else settings.jobs_time_limit_s
        min_backoff, max_backoff = _BACKOFF_MS[self.queue]
        options: dict[str, Any] = {
            "max_retries": retries if self.max_retries is None else self.max_retries,
            "time_limit": int(1000 * (limit if self.time_limit_s is None else self.time_limit_s)),
            "min_backoff": min_backoff,
            "max_backoff": max_backoff,
        }
        if self.max_age_s is not None:
            options["max_age"] = int(1000 * self.max_age_s)
        return options


_JOBS: dict[str, JobSpec] = {}
_LOCK = threading.Lock()


def register_job(
    name: str,
    fn: Callable[..., Any],
    *,
    queue: Queue = Queue.DEFAULT,
    max_retries: int | None = None,
    time_limit_s: float | None = None,
    max_age_s: float | None = None,
) -> JobSpec:
    """Make `fn` runnable as job `name` (registering the same name again replaces it)."""
    spec = JobSpec(name, fn, queue, max_retries, time_limit_s, max_age_s)
    with _LOCK:
        _JOBS[name] = spec
    return spec


def registered_jobs() -> dict[str, JobSpec]:
    with _LOCK:
        return dict(_JOBS)


def _settings_key(settings: Settings) -> tuple[object, ...]:
    return (
        settings.redis_url,
        settings.effective_jobs_namespace,
        settings.jobs_heartbeat_timeout_s,
        settings.jobs_maintenance_chance,
        settings.redis_timeout_s,
    )


@dataclass
class JobRuntime:
    """The broker of one configuration and the actors declared on it."""

    key: tuple[object, ...]
    settings: Settings
    broker: dramatiq.Broker
    actors: dict[str, dramatiq.Actor[Any, Any]] = field(default_factory=dict)

    def actor(self, name: str) -> dramatiq.Actor[Any, Any]:
        """The actor of job `name`, declared on this broker the first time it is asked for."""
        with _LOCK:
            found = self.actors.get(name)
            if found is not None:
                return found
            spec = _JOBS.get(name)
            if spec is None:
                raise LookupError(f"no job named {name!r} is registered")
            made: dramatiq.Actor[Any, Any] = dramatiq.Actor(
                spec.fn,
                broker=self.broker,
                actor_name=name,
                queue_name=spec.queue.value,
                priority=0,
                options=spec.options(self.settings),
            )
            self.actors[name] = made
            return made

    def declare_all(self) -> None:
        """Declare every registered job (a worker consumes the queues declared)."""
        for name in registered_jobs():
            self.actor(name)


_RUNTIME: JobRuntime | None = None
_RUNTIME_LOCK = threading.Lock()


def get_runtime() -> JobRuntime:
    """The runtime of the current settings (made anew when they changed, as tests do)."""
    global _RUNTIME
    settings = get_settings()
    key = _settings_key(settings)
    with _RUNTIME_LOCK:
        runtime = _RUNTIME
        if runtime is None or runtime.key != key:
            broker = make_broker(settings)
            dramatiq.set_broker(broker)  # the `dramatiq` worker command reads the global one
            runtime = _RUNTIME = JobRuntime(key, settings, broker)
        return runtime


def queue_sizes() -> dict[str, int]:
    """Messages waiting or running per queue, delayed retries included (a health figure)."""
    broker = get_runtime().broker
    sizes = {}
    for queue in Queue:
        if isinstance(broker, RedisBroker):
            sizes[queue.value] = int(broker.do_qsize(queue.value))
        else:
            waiting = broker.queues.get(queue.value)
            sizes[queue.value] = waiting.qsize() if waiting is not None else 0
    return sizes


def send(name: str, *args: Any, delay_s: float | None = None) -> None:
    """Publish job `name(*args)` to its queue."""
    actor = get_runtime().actor(name)
    if delay_s is None:
        actor.send(*args)
    else:
        actor.send_with_options(args=args, delay=int(delay_s * 1000))
