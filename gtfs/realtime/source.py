"""Read a GTFS-Realtime message from a file or an http(s) URL, with limits and clear errors.

URLs often carry an API key (in the query or the user-info): messages show the URL redacted.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

import httpx

from gtfs.realtime.errors import (
    InvalidRealtimeRequest,
    RealtimeSourceNotFound,
    RealtimeSourceTooLarge,
    RealtimeSourceUnreachable,
)

DEFAULT_TIMEOUT_S = 15.0
# Large cities' full TripUpdates run to a few MB; 64 MB means the URL serves something else.
MAX_SOURCE_BYTES = 64 * 1024 * 1024
_HEADERS = {"Accept": "application/x-protobuf, application/octet-stream;q=0.9, */*;q=0.1"}


def redact_url(url: str) -> str:
    """`url` with its password and query values masked, fit for messages and logs."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        netloc = f"{userinfo.split(':', 1)[0]}:***@{host}" if ":" in userinfo else f"***@{host}"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = "&".join(f"{quote(k, safe='')}=***" for k, _ in pairs)
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def load_source(
    path_or_url: str,
    *,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_bytes: int = MAX_SOURCE_BYTES,
    headers: Mapping[str, str] | None = None,
) -> bytes:
    """The bytes of a local file, or of an http(s) URL fetched within `timeout_s` seconds.

    `headers` are sent with the request (e.g. an API key header); they are never echoed.
    """
    scheme = urlsplit(path_or_url).scheme.lower()
    if scheme in ("http", "https"):
        return _fetch(path_or_url, timeout_s, max_bytes, headers or {})
    if scheme == "file":
        return _read_file(Path(urlsplit(path_or_url).path), max_bytes)
    if scheme and len(scheme) > 1:  # one letter would be a Windows drive, i.e. a path
        raise InvalidRealtimeRequest(
            f"unsupported source scheme {scheme!r}: give a file path or an http(s) URL"
        )
    return _read_file(Path(path_or_url), max_bytes)


def _read_file(path: Path, max_bytes: int) -> bytes:
    try:
        if path.is_dir():
            raise InvalidRealtimeRequest(f"{path} is a directory, not a GTFS-Realtime file")
        size = path.stat().st_size
        if size > max_bytes:
            raise RealtimeSourceTooLarge(
                f"{path} has {size} bytes, more than the {max_bytes} allowed"
            )
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise RealtimeSourceNotFound(f"no such file: {path}") from exc
    except PermissionError as exc:
        raise InvalidRealtimeRequest(f"no permission to read {path}") from exc
    except OSError as exc:
        raise InvalidRealtimeRequest(f"cannot read {path}: {exc.strerror or exc}") from exc


def _fetch(url: str, timeout_s: float, max_bytes: int, headers: Mapping[str, str]) -> bytes:
    shown = redact_url(url)
    # httpx's timeout bounds each connect/read; the deadline bounds a server that trickles.
    deadline = time.monotonic() + timeout_s
    try:
        with (
            httpx.Client(timeout=timeout_s, follow_redirects=True, headers=_HEADERS) as client,
            client.stream("GET", url, headers=dict(headers)) as response,
        ):
            if response.status_code >= 400:
                status = f"{response.status_code} {response.reason_phrase}".rstrip()
                raise RealtimeSourceUnreachable(f"{shown} answered HTTP {status}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise RealtimeSourceTooLarge(
                    f"{shown} announces {declared} bytes, more than {max_bytes}"
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise RealtimeSourceTooLarge(f"{shown} sent more than {max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise RealtimeSourceUnreachable(
                        f"{shown} did not finish within {timeout_s:g} s"
                    )
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.TimeoutException as exc:
        raise RealtimeSourceUnreachable(f"{shown} did not answer within {timeout_s:g} s") from exc
    except httpx.InvalidURL as exc:
        raise InvalidRealtimeRequest(f"invalid URL {shown}") from exc
    except httpx.HTTPError as exc:
        raise RealtimeSourceUnreachable(
            f"could not fetch {shown}: {type(exc).__name__}: {exc}"
        ) from exc
