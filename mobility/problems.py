"""Exception handlers that render every error as RFC 9457 `application/problem+json`."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
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


def model_response(model: BaseModel) -> Response:
    """A model already validated, serialized once by pydantic-core: FastAPI would otherwise
    validate it again against the route's response_model and encode it with json (both show
    on hot endpoints). The route keeps response_model for its OpenAPI schema."""
    return Response(model.model_dump_json(), media_type="application/json")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(MobilityError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unhandled)


def problem_responses(*errors: type[MobilityError]) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each domain error it may raise, as problem+json."""
    out: dict[int | str, dict[str, Any]] = {}
    for err in errors:
        out[err.status] = {
            "description": f"{err.title} (type {err.type_uri()})",
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return out
