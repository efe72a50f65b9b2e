"""Exception handlers that render every error as RFC 9457 `application/problem+json`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from mobility.errors import PROBLEM_BASE, MobilityError

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)

# Stable `type` slugs for the errors the framework raises itself.
_HTTP_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    429: "too-many-requests",
}


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        body, status_code=body["status"], media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MobilityError)
    # Auth errors carry WWW-Authenticate (RFC 9110 §11.6.1); others carry none.
    return problem_response(
        exc.to_problem(instance=request.url.path), headers=getattr(exc, "headers", None)
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors()
    ]
    return problem_response(
        {
            "type": PROBLEM_BASE + "request-validation",
            "title": "The request is not valid",
            "status": 422,
            "detail": "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors),
            "instance": request.url.path,
            "errors": errors,
        }
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug = _HTTP_SLUGS.get(exc.status_code, f"http-{exc.status_code}")
    return problem_response(
        {
            "type": PROBLEM_BASE + slug,
            "title": slug.replace("-", " ").capitalize(),
            "status": exc.status_code,
            "detail": str(exc.detail),
            "instance": request.url.path,
        },
        headers=getattr(exc, "headers", None),
    )


async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
    # The traceback goes to the log; the caller learns only that it was our fault.
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        {
            "type": PROBLEM_BASE + "internal-error",
            "title": "Internal error",
            "status": 500,
            "detail": "The server could not complete the request.",
            "instance": request.url.path,
        }
    )


async def _data_error(request: Request, exc: Exception) -> JSONResponse:
    # The database refused a value the request carried (a NUL character PostgreSQL cannot
    # store, a number beyond the column's range): the input's fault, so 422, not 500. Logged
    # with its traceback in case a value of ours was the culprit; the SQL is not echoed.
    log.warning("database refused a value on %s %s", request.method, request.url.path,
                exc_info=exc)  # fmt: skip
    return problem_response(
        {
            "type": PROBLEM_BASE + "unstorable-value",
            "title": "A value cannot be stored",
            "status": 422,
            "detail": "a value in the request is out of range or holds a NUL character",
            "instance": request.url.path,
        }
    )


async def _overflow(request: Request, exc: Exception) -> JSONResponse:
    # SQLite's driver raises this, unwrapped, for an integer beyond 64 bits: the same refusal
    # as PostgreSQL's out-of-range DataError. Any other overflow is ours.
    if "SQLite INTEGER" in str(exc):
        return await _data_error(request, exc)
    return await _unhandled(request, exc)


# Seconds a client should wait before retrying while a backing service is down: long enough
# for PostgreSQL's crash recovery or a Redis restart, short enough not to lose the user.
UNAVAILABLE_RETRY_AFTER_S = 5


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    # The database or Redis cannot be reached (restart, failover, network): not the caller's
    # fault and not a bug, so 503 with Retry-After; a client retrying with the same
    # Idempotency-Key gets exactly one result. The driver's message may name hosts: logged only.
    log.warning("backing service unavailable on %s %s: %s", request.method, request.url.path,
                exc.__class__.__name__)  # fmt: skip
    return problem_response(
        {
            "type": PROBLEM_BASE + "service-unavailable",
            "title": "Service temporarily unavailable",
            "status": 503,
            "detail": "a backing service cannot be reached; retry shortly",
            "instance": request.url.path,
        },
        headers={"Retry-After": str(UNAVAILABLE_RETRY_AFTER_S)},
    )


def model_response(model: BaseModel) -> Response:
    """A model already validated, serialized once by pydantic-core: FastAPI would otherwise
    validate it again against the route's response_model and encode it with json (both show
    on hot endpoints). The route keeps response_model for its OpenAPI schema."""
    return Response(model.model_dump_json(), media_type="application/json")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(MobilityError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(OverflowError, _overflow)
    # PoolTimeoutError: every connection busy for db_pool_timeout_s (overload).
    for unavailable in (
        OperationalError,
        PoolTimeoutError,
        RedisConnectionError,
        RedisTimeoutError,
    ):
        app.add_exception_handler(unavailable, _unavailable)
    app.add_exception_handler(Exception, _unhandled)


def problem_responses(*errors: type[MobilityError]) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each domain error it may raise, as problem+json."""
    out: dict[int | str, dict[str, Any]] = {}
    for err in errors:
        line = f"{err.title} (type {err.type_uri()})"
        if err.status in out:  # several problems share a status: list them all, not the last
            if line not in out[err.status]["description"]:
                out[err.status]["description"] += f"; {line}"
            continue
        out[err.status] = {
            "description": line,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return out
