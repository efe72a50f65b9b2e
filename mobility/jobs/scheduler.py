"""The periodic side of the worker: enqueue each periodic job once per tick, whoever runs it.

Every worker process may run a scheduler (so losing one loses nothing); a tick of an entry is
claimed in Redis (SET NX with an expiry) before its job is sent, so two schedulers never
enqueue the same tick twice. The claim outlives the tick, never the next one's.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import redis

from mobility.jobs.registry import send
from mobility.redis_client import get_redis, key

log = logging.getLogger("mobility.scheduler")


@dataclass(frozen=True)
class Periodic:
    """Send job `job(*args)` every `every_s` seconds; `name` identifies its ticks' claims."""

    name: str
    every_s: float
    job: str
    args: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        if not self.every_s > 0:
            raise ValueError(f"periodic {self.name!r}: every_s must be positive")


@dataclass
class Scheduler:
    entries: Sequence[Periodic]
    redis_factory: Callable[[], redis.Redis] = get_redis
    publish: Callable[..., None] = send
    stop: threading.Event = field(default_factory=threading.Event)
    _done: dict[str, int] = field(default_factory=dict)

    def run_pending(self, now: float | None = None) -> list[str]:
        """Send the jobs whose tick is due and claimed by this scheduler; their names."""
        now = time.time() if now is None else now
        sent = []
        for entry in self.entries:
            tick = math.floor(now / entry.every_s)
            if self._done.get(entry.name) == tick:
                continue
            claim = key("jobs", "tick", entry.name, str(tick))
            try:
                claimed = self._claim(claim, entry)
            except redis.RedisError as exc:  # the lock is down: try next loop
                log.warning("periodic %s not claimed: %s", entry.name, exc.__class__.__name__)
                continue
            if claimed:
                try:
                    self.publish(entry.job, *entry.args)
                except Exception as exc:  # the broker is down (it wraps Redis's own errors)
                    log.warning("periodic %s not sent: %s", entry.name, exc.__class__.__name__)
                    self._release(claim)  # so that this or another scheduler sends it next loop
                    continue
                sent.append(entry.name)
            self._done[entry.name] = tick
        return sent

    def _claim(self, claim: str, entry: Periodic) -> bool:
        ttl = math.ceil(2 * entry.every_s) + 1  # clocks of two hosts may differ a little
        return bool(self.redis_factory().set(claim, b"1", nx=True, ex=ttl))

    def _release(self, claim: str) -> None:
        try:
            self.redis_factory().delete(claim)
        except redis.RedisError:
            pass  # the claim expires by itself; this tick is then skipped, the next one runs

    def run(self) -> None:
        """Loop until `stop` is set, looking for due ticks a few times per shortest period."""
        pause = min([1.0, *(entry.every_s / 4 for entry in self.entries)])
        log.info("scheduler started: %s", ", ".join(e.name for e in self.entries) or "nothing")
        while not self.stop.is_set():
            try:
                self.run_pending()
            except Exception:  # a scheduler that dies silently stops all periodic work
                log.exception("scheduler loop failed")
            self.stop.wait(pause)
        log.info("scheduler stopped")
