"""The FastAPI application factory: routers under /v1, problem+json errors, health."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi
from redis.exceptions import RedisError

from access_control.api import router as access_router
from access_control.passes_api import router as pass_tokens_router
from access_control.revocations import rebuild_redis_revocations
from access_control.truck_slots_api import router as truck_slots_router
from gtfs.api import router as gtfs_router
from mobility.auth.api import router as organisations_router
from mobility.auth.policy import AccessPolicy
from mobility.auth.redact import install_log_redaction
from mobility.db import get_engine, session_scope
from mobility.errors import MobilityError
from mobility.freight.fleet_plans.api import router as fleet_plans_router
from mobility.migrate import ensure_migrated
from mobility.problems import install_problem_handlers
from mobility.redis_client import get_redis
from mobility.settings import get_settings
from mobility.traffic.api import router as traffic_router
from mobility.traffic.congestion.api import router as traffic_congestion_router
from mobility.traffic.counts.api import router as traffic_counts_router
from mobility.traffic.scenarios.api import router as traffic_scenarios_router
from services.access_policy import ACCESS_POLICY
from services.freight_api import router as freight_router
from services.health import router as health_router
from services.journeys_api import router as journeys_router
from services.metrics import router as metrics_router
from services.timing import ServerTimingMiddleware
from services.wiring import install as install_wiring
from services.worker import Worker
from ticketing.accounts.api import router as accounts_router
from ticketing.catalogue.api import router as catalogue_router
from ticketing.clearing.api import router as clearing_router
from ticketing.clearing.runs_api import router as clearing_runs_router
from ticketing.fares.api import router as fares_router
from ticketing.ledger.api import router as ledger_router
from ticketing.orders.api import router as orders_router
from ticketing.passes.api import router as passes_router
from ticketing.payments.api import router as payments_router
from ticketing.pricing.api import router as pricing_router

log = logging.getLogger(__name__)
API_TITLE = "Coastal Mobility API"
API_DESCRIPTION = (
    "Integrated mobility backend for La Spezia, Livorno, Pisa, their ports and the interporto: "
    "transit data, journeys, fares, passes, gates, traffic and freight. Errors are RFC 9457 "
    "problem+json."
)

PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
    "additionalProperties": True,
}


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    # Refuse to serve an un-migrated database: a clear message beats 500s on every request.
    ensure_migrated(get_engine())
    _rebuild_revocations()
    poller = _embedded_poller()
    yield
    if poller is not None:
        worker, thread = poller
        worker.stop.set()
        thread.join(timeout=10)


def _embedded_poller() -> tuple[Worker, threading.Thread] | None:
    """Without REDIS_URL (the embedded default) there is no separate worker: the Redis
    substitute and the in-memory job broker live in this process, where only this process can
    write real-time state or take jobs (scenario runs) off the queues. So a job worker and the
    scheduler of periodic work run here, in threads, payment reconciliation excepted."""
    settings = get_settings()
    if settings.redis_url:
        return None
    worker = Worker(settings.realtime_sources(), settings.realtime_poll_s, embedded=True)
    thread = worker.start_in_thread()
    log.info("worker rounds in the API process: %d real-time feed(s)", len(worker.sources))
    return worker, thread


def _rebuild_revocations() -> None:
    """Redis holds the revocation sets online gates read; the database is their source. A
    Redis down now is no reason not to start: validation falls back to the database."""
    try:
        with session_scope() as session:
            count = rebuild_redis_revocations(session, get_redis())
        log.info("revocation sets rebuilt in Redis: %d revoked", count)
    except (RedisError, MobilityError) as exc:
        log.warning("revocation sets not rebuilt in Redis (%s); validation uses the database", exc)


def _document_validation_problems(schema: dict[str, Any]) -> None:
    """FastAPI documents 422 as its own JSON shape; we answer problem+json (request-validation)."""
    problem = {"schema": {"$ref": "#/components/schemas/Problem"}}
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            response = (
                operation.get("responses", {}).get("422") if isinstance(operation, dict) else None
            )
            if response is not None:
                response["content"] = {"application/problem+json": problem}


def create_app(
    *, check_migrations: bool = True, access_policy: AccessPolicy = ACCESS_POLICY
) -> FastAPI:
    """The API. `access_policy` is the declared access of every route: tests that add routes
    of their own pass `ACCESS_POLICY.with_rules(...)` declaring them."""
    app = FastAPI(
        title=API_TITLE,
        description=API_DESCRIPTION,
        version="0.1.0",
        lifespan=_lifespan if check_migrations else None,
        # Runs first on every route: who may call it (services/access_policy.py).
        dependencies=[Depends(access_policy.dependency())],
    )
    install_log_redaction()
    install_wiring()
    install_problem_handlers(app)
    app.add_middleware(ServerTimingMiddleware)
    app.include_router(health_router)
    app.include_router(metrics_router)
    app.include_router(gtfs_router, prefix="/v1")
    app.include_router(access_router, prefix="/v1")
    app.include_router(organisations_router, prefix="/v1")
    for router in (
        accounts_router,
        catalogue_router,
        fares_router,
        pricing_router,
        journeys_router,
        orders_router,
        passes_router,
        pass_tokens_router,
        payments_router,
        ledger_router,
        clearing_router,
        clearing_runs_router,
        traffic_router,
        traffic_counts_router,
        traffic_scenarios_router,
        traffic_congestion_router,
        fleet_plans_router,
        truck_slots_router,
        freight_router,
    ):
        app.include_router(router, prefix="/v1")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = (
                PROBLEM_SCHEMA
            )
            access_policy.annotate(schema)
            _document_validation_problems(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
