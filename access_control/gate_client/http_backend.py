"""`GateBackend` over HTTP (httpx): the server's gate endpoints, with the gate's own API key.

    GET  /v1/keys                                JWKS
    GET  /v1/gates/{gate_id}/revocations?since=N delta or snapshot
    POST /v1/gates/{gate_id}/taps                {"taps": [Tap, ...]} → acknowledgement

Transport only: every shape is parsed strictly by `backend`. Non-2xx answers raise
`httpx.HTTPStatusError`, network faults `httpx.TransportError`; `OfflineGate.sync` logs them and
carries on deciding offline. The API key travels in `X-API-Key` and never appears in a repr.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any

import httpx

from .backend import RevocationReply, Tap, UploadAck, WireError, revocation_reply_from_json


class HttpGateBackend:
    """The server as one gate sees it, through HTTP."""

    def __init__(self, base_url: str, api_key: str, gate_id: str, timeout: float = 10.0) -> None:
        if not base_url or not api_key or not gate_id:
            raise ValueError("base_url, api_key and gate_id must not be empty")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.gate_id = gate_id
        self._client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"X-API-Key": api_key, "Accept": "application/json"},
            timeout=timeout,
        )

    def __repr__(self) -> str:
        return f"HttpGateBackend({str(self._client.base_url)!r}, gate_id={self.gate_id!r})"

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpGateBackend:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        response.raise_for_status()
        try:
            document = response.json()
        except ValueError as exc:
            raise WireError("the server's answer is not JSON") from exc
        if not isinstance(document, dict):
            raise WireError("the server's answer is not a JSON object")
        return document

    def fetch_jwks(self) -> dict[str, Any]:
        """The current JWKS document of the pass issuer."""
        return self._json(self._client.get("/v1/keys"))

    def fetch_revocations(self, since_version: int | None) -> RevocationReply:
        """The delta since `since_version`, or a snapshot (always one when it is None)."""
        params = {} if since_version is None else {"since": since_version}
        url = f"/v1/gates/{self.gate_id}/revocations"
        return revocation_reply_from_json(self._json(self._client.get(url, params=params)))

    def upload_taps(self, batch: Sequence[Tap]) -> UploadAck:
        """Store the taps, idempotently by tap id; acknowledge the ones stored."""
        body = {"taps": [tap.to_json() for tap in batch]}
        url = f"/v1/gates/{self.gate_id}/taps"
        return UploadAck.from_json(self._json(self._client.post(url, json=body)))
