"""Process logging: one JSON object a line (LOG_FORMAT=json) or text, each with its request id.

The request id of the request being served lives in a context variable, set by the request
middleware (`services.timing`), so every line a request causes, from any logger, carries it;
the worker's lines carry none. Credentials are masked before any handler sees a record
(`mobility.auth.redact` wraps the record factory), whichever format is chosen.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

from mobility.auth.redact import RedactingFilter, install_log_redaction
from mobility.settings import get_settings

REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)
# What we accept from a caller or a proxy: ids of tracing systems (UUIDs, W3C trace ids, ULIDs)
# fit; anything longer or with other characters could forge or flood log lines, so is replaced.
_WELL_FORMED_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Servers' own loggers: their lines go through ours; their access lines are replaced by the
# request middleware's, which know the request id and the route.
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "gunicorn", "gunicorn.error")
_SERVER_ACCESS_LOGGERS = ("uvicorn.access", "gunicorn.access")


def accept_request_id(header: str | None) -> str:
    """The caller's X-Request-ID when well-formed, otherwise a new one (32 hex digits)."""
    if header and _WELL_FORMED_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Gives every record made during a request that request's id."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = REQUEST_ID.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        "{levelname}{name}{message}{request_id}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp=True,
    )


class _OurHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler this module installed, so configuring again replaces only it."""


def configure_logging(log_format: str | None = None, level: str | None = None) -> None:
    """Route the root logger, and the servers' loggers through it, to stderr in the format of
    LOG_FORMAT; idempotent (handlers others added, such as pytest's, are left alone)."""
    settings = get_settings()
    install_log_redaction()
    handler = _OurHandler(sys.stderr)
    chosen = log_format or settings.log_format
    text = logging.Formatter(TEXT_FORMAT, defaults={"request_id": "-"})
    handler.setFormatter(json_formatter() if chosen == "json" else text)
    handler.addFilter(RequestIdFilter())
    # Records from the factory are masked already; this catches records built elsewhere.
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _OurHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel((level or settings.log_level).upper())
    for name in _SERVER_LOGGERS:
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True
    for name in _SERVER_ACCESS_LOGGERS:
        access_logger = logging.getLogger(name)
        access_logger.handlers.clear()
        access_logger.propagate = False
        access_logger.disabled = True
