"""Keep credentials out of logs: bearer tokens, API keys and anything JWT-shaped are masked.

`install_log_redaction()` wraps the log record factory, so every record, whichever logger or
handler it goes through (uvicorn's access log included), is masked when it is made.
`RedactingFilter` does the same as a filter, for a handler or logger of one's own.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable, Mapping
from typing import Any

MASK = "[REDACTED]"

# An API key keeps its id (not secret, and what an operator needs to find the device).
_API_KEY = re.compile(r"\b(mob_[0-9A-Za-z]{1,32})_[A-Za-z0-9_-]+")
# A traveller's refresh token (rt_<id>_<secret>) keeps its id likewise.
_REFRESH_TOKEN = re.compile(r"\b(rt_[0-9a-f]{16})_[A-Za-z0-9_-]{20,}")
# Stripe's secrets: API keys (secret and restricted), webhook signing secrets, and the client
# secret of a payment or setup intent (which keeps its intent id, for correlation).
_STRIPE_KEY = re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{8,}|\bwhsec_[A-Za-z0-9_-]{8,}")
_CLIENT_SECRET = re.compile(r"\b((?:pi|seti)_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+")
# At least 8 characters, one not a letter, so prose ("basic settings") is left alone.
_AUTH_SCHEME = re.compile(
    r"(?i)\b(Bearer|ApiKey|Basic)(\s+)(?=[A-Za-z]*[0-9._~+/=-])[A-Za-z0-9._~+/=-]{8,}"
)
# Compact JWS/JWE: a base64url JSON header always starts with "eyJ" ('{"').
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){1,3}")
# A named secret's value: quoted, to its closing quote (a passphrase has spaces), or bare, to
# the next separator. A value already masked (whole, or after a kept key id) is left alone.
_NAMED_SECRET = re.compile(
    r"(?i)((?:access_token|refresh_token|id_token|api_key|apikey|x-api-key|token|password|secret)"
    r"['\"]?\s*[:=]\s*)"
    r"(?!['\"]?(?:\[REDACTED\]|(?:mob|rt)_[0-9A-Za-z]+_\[REDACTED\]))"
    r"(?:(['\"])(?:\\.|(?!\2)[^\\])*\2|[^\s'\",&;}]+)"
)


def _mask_named(match: re.Match[str]) -> str:
    quote = match.group(2) or ""
    return f"{match.group(1)}{quote}{MASK}{quote}"


def redact(text: str) -> str:
    """`text` with credentials masked."""
    text = _API_KEY.sub(rf"\1_{MASK}", text)
    text = _REFRESH_TOKEN.sub(rf"\1_{MASK}", text)
    text = _STRIPE_KEY.sub(MASK, text)
    text = _CLIENT_SECRET.sub(rf"\1_secret_{MASK}", text)
    text = _JWT.sub(MASK, text)
    text = _AUTH_SCHEME.sub(rf"\1\2{MASK}", text)
    return _NAMED_SECRET.sub(_mask_named, text)


# What every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


def _redact_value(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, int | float):
        return value
    text, representation = str(value), repr(value)
    if redact(text) == text and redact(representation) == representation:
        return value
    return redact(text)


def _redact_args(args: Any) -> Any:
    if isinstance(args, tuple):
        return tuple(_redact_value(a) for a in args)
    if isinstance(args, Mapping):
        return {k: _redact_value(v) for k, v in args.items()}
    return args


def redact_record(record: logging.LogRecord) -> None:
    """Mask the record in place: its message and arguments, traceback and stack.

    The arguments keep their shape where masking them one by one suffices (uvicorn's access
    formatter unpacks them); only when a secret spans message and arguments (`"Bearer %s"`)
    is the message formatted and the arguments dropped.
    """
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: mask the parts, the handler reports the error
        message = None
    if message is None or redact(message) != message:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        record.args = _redact_args(record.args)
        if message is not None:
            message = record.getMessage()
            if redact(message) != message:
                record.msg, record.args = redact(message), None
    # Structured fields (`extra=`) are set after the record is made, so only a filter sees them.
    for name, value in list(vars(record).items()):
        if name not in _STANDARD_ATTRIBUTES and value is not None:
            masked = _redact_value(value)
            if masked is not value:
                setattr(record, name, masked)
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)


class RedactingFilter(logging.Filter):
    """A filter that masks credentials in every record it sees (and lets all through)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_original_factory: Callable[..., logging.LogRecord] | None = None


def install_log_redaction() -> None:
    """Mask credentials in every log record from now on (idempotent)."""
    global _original_factory
    if _original_factory is not None:
        return
    original = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = original(*args, **kwargs)
        redact_record(record)
        return record

    _original_factory = original
    logging.setLogRecordFactory(factory)


def uninstall_log_redaction() -> None:
    """Restore the record factory that was in place before install_log_redaction()."""
    global _original_factory
    if _original_factory is not None:
        logging.setLogRecordFactory(_original_factory)
        _original_factory = None
