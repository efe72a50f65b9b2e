"""One measurement of each request, four uses: `Server-Timing: app;dur=<ms>` (W3C Server
Timing: the server's own time, measurable from any client without the network), the access
log line, the latency histogram, and the request id that ties them together.

The request id is the caller's `X-Request-ID` when well-formed, a new one otherwise; it is
echoed in the response header, in problem+json bodies as the extension member `request_id`,
and on every log line the request causes.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mobility.errors import PROBLEM_BASE
from mobility.problems import PROBLEM_MEDIA_TYPE
from services.logging_setup import REQUEST_ID, accept_request_id
from services.metrics import observe_request

access_log = logging.getLogger("mobility.access")
_PROBLEM = PROBLEM_MEDIA_TYPE.encode()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def route_template(scope: Scope) -> str | None:
    """The matched route's path template with its router's prefix (`/v1/stops/{ref}`).

    FastAPI's matched route knows its path within its router only; the prefix is the leading
    segments of the request path that the template does not cover (no route of ours takes a
    `:path` parameter, the one kind spanning several segments)."""
    template = getattr(scope.get("route"), "path", None)
    if not isinstance(template, str):
        return None
    covered = template.count("/")
    segments = scope.get("path", "").split("/")
    if len(segments) - 1 < covered:
        return template
    return "/".join(segments[: len(segments) - covered]) + template


def _with_request_id(body: bytes, request_id: str) -> bytes:
    try:
        problem = json.loads(body)
    except ValueError:
        return body
    if not isinstance(problem, dict):
        return body
    problem.setdefault("request_id", request_id)
    return json.dumps(problem, ensure_ascii=False, separators=(",", ":")).encode()


class ServerTimingMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = accept_request_id(_header(scope, b"x-request-id"))
        # Not reset afterwards on purpose: the framework's last-resort handler runs after this
        # middleware returns, in the same task, and its traceback line should carry the id.
        REQUEST_ID.set(request_id)
        status = 500
        held: Message | None = None  # a problem's start, held until its body is complete
        chunks: list[bytes] = []
        response_started = False

        async def observed_send(message: Message) -> None:
            nonlocal status, held, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                elapsed_ms = (time.perf_counter() - started) * 1000
                headers = list(message.get("headers", []))
                headers.append((b"server-timing", f"app;dur={elapsed_ms:.2f}".encode()))
                headers.append((b"x-request-id", request_id.encode()))
                message = {**message, "headers": headers}
                if any(k == b"content-type" and v.startswith(_PROBLEM) for k, v in headers):
                    held = message
                    return
            elif message["type"] == "http.response.body" and held is not None:
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = _with_request_id(b"".join(chunks), request_id)
                headers = [(k, v) for k, v in held["headers"] if k != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**held, "headers": headers})
                message = {"type": "http.response.body", "body": body}
                held = None
            await send(message)

        try:
            await self.app(scope, receive, observed_send)
        except Exception:
            status = 500
            if not response_started:
                # The framework's handler would answer the same 500, without the request id.
                await _send_internal_error(send, scope.get("path", ""), request_id)
            raise
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            observe_request(scope["method"], route, status, elapsed)
            access_log.info(
                "%s %s %d",
                scope["method"],
                scope.get("path", ""),
                status,
                extra={
                    "method": scope["method"],
                    "path": scope.get("path", ""),
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                },
            )


async def _send_internal_error(send: Send, path: str, request_id: str) -> None:
    problem: dict[str, Any] = {
        "type": PROBLEM_BASE + "internal-error",
        "title": "Internal error",
        "status": 500,
        "detail": "The server could not complete the request.",
        "instance": path,
        "request_id": request_id,
    }
    body = json.dumps(problem).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", _PROBLEM),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
