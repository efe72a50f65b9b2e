"""Pieces shared by the ticketing API schemas: money out, and the pattern of product codes."""

from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel, Field

# Product and rider-category codes: what a pass token may carry (access_control.tokens).
CODE_PATTERN = r"^[A-Za-z0-9_.:-]{1,32}$"


class MoneyOut(BaseModel):
    amount: int = Field(description="Minor units (cents for EUR)")
    currency: str = Field(description="ISO 4217 code")


def request_fingerprint(request: BaseModel) -> str:
    """A digest of a request body: an Idempotency-Key replayed with another body is refused."""
    body = request.model_dump(mode="json")
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
