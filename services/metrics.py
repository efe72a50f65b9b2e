"""Prometheus metrics: request latency, gate decisions, job queue depth, GTFS import rows.

Counters live where the work is counted (`access_control.online`, `gtfs.importer`); this module
holds the request histogram, the gauges read at scrape time (queue depths are the database's
and the broker's, the same whichever process is asked) and `GET /metrics`.

Under gunicorn (or several uvicorn workers) each worker process writes its samples to files in
PROMETHEUS_MULTIPROC_DIR and a scrape of any worker sums every process's (prometheus-client's
multiprocess mode; `deploy/gunicorn.conf.py` clears the directory at start and marks workers
dead when they exit). Without that variable a scrape sees the answering process alone.

`/metrics` is guarded by METRICS_TOKEN (`Authorization: Bearer …`, as a Prometheus scrape
config's `authorization` sends it). Without a token it is open outside production, where the
embedded default runs on 127.0.0.1, and refused in production, where an operator must opt in.
"""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Iterable, Iterator

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from mobility.auth.errors import Forbidden, InvalidCredentials, Unauthorized
from mobility.db import session_scope
from mobility.outbox import OutboxMessage
from mobility.settings import get_settings

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])

# From 2.5 ms (a cached read) to 30 s (a large upload); Prometheus' defaults stop at 10 s.
LATENCY_BUCKETS = (
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
)
REQUEST_LATENCY = Histogram(
    "mobility_http_request_duration_seconds",
    "Time from request to response end, by route template, method and status",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
UNMATCHED_ROUTE = "unmatched"  # 404s of unknown paths: one series, not one per probed path


def observe_request(method: str, route: str | None, status: int, seconds: float) -> None:
    REQUEST_LATENCY.labels(method, route or UNMATCHED_ROUTE, str(status)).observe(seconds)


def broker_queue_depths() -> dict[str, int]:
    """Messages waiting per queue of the background-job broker, when there is one.

    `mobility.jobs.queue_depths()` (the Dramatiq broker's queues) answers when that package
    provides it; until then the outbox is the only queue."""
    try:
        from mobility.jobs import queue_depths  # type: ignore[attr-defined]
    except ImportError:
        return {}
    return dict(queue_depths())


def outbox_depths() -> dict[str, int]:
    """Undelivered outbox messages per topic."""
    with session_scope() as session:
        rows = session.execute(
            select(OutboxMessage.topic, func.count())
            .where(OutboxMessage.delivered_at.is_(None))
            .group_by(OutboxMessage.topic)
        ).all()
    return {str(topic): int(count) for topic, count in rows}


class QueueDepthCollector(Collector):
    """`mobility_job_queue_depth{queue=…}`, read at scrape time. A failing source leaves its
    series out of this scrape (readiness reports the outage), rather than failing the scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "mobility_job_queue_depth",
            "Background jobs waiting: the outbox per topic, the broker per queue",
            labels=["source", "queue"],
        )
        for source, read in (("outbox", outbox_depths), ("broker", broker_queue_depths)):
            try:
                depths = read()
            except (SQLAlchemyError, OSError, ConnectionError) as exc:
                log.warning("queue depth of the %s not read: %s", source, type(exc).__name__)
                continue
            for queue, depth in sorted(depths.items()):
                family.add_metric([source, queue], depth)
        yield family


def scrape_registry() -> CollectorRegistry:
    """The registry a scrape reads: every process's files in multiprocess mode, else ours."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        registry.register(_Delegate(REGISTRY))
    registry.register(QueueDepthCollector())
    return registry


class _Delegate(Collector):
    """The default registry's metrics inside a registry of one scrape (it cannot be nested)."""

    def __init__(self, source: CollectorRegistry) -> None:
        self.source = source

    def collect(self) -> Iterable[Metric]:
        return self.source.collect()


def _authorize(request: Request) -> None:
    settings = get_settings()
    expected = settings.metrics_token.get_secret_value()
    if not expected:
        if settings.is_production:
            raise Forbidden("metrics are disabled: set METRICS_TOKEN to scrape them")
        return
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented:
        raise Unauthorized("a bearer token (METRICS_TOKEN) is required")
    if not hmac.compare_digest(presented.strip().encode(), expected.encode()):
        raise InvalidCredentials("not the metrics token")


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text"}},
)
def metrics(request: Request) -> Response:
    """Prometheus metrics (bearer METRICS_TOKEN)."""
    _authorize(request)
    return Response(generate_latest(scrape_registry()), media_type=CONTENT_TYPE_LATEST)
