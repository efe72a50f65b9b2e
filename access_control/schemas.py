"""Request and response bodies of the access-control endpoints (the gate wire shapes of
`gate_client.backend` are plain JSON documents and are not repeated here)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from .qr import MAX_PAYLOAD_CHARS

_CODE = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$"
_STOP_REF = re.compile(r"[A-Za-z0-9_.-]{1,64}:[^\s]{1,128}")


class GateCreate(BaseModel):
    """A gate to register; operator staff register gates of their own operator."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=_CODE)
    operator_id: str | None = Field(
        default=None, pattern=_CODE, description="Administrators only; staff get their own"
    )
    name: str = Field(min_length=1, max_length=200)
    location_kind: Literal["stop", "terminal"]
    location_ref: str = Field(
        min_length=1, max_length=200, description="`FEED:STOP_ID` for a stop, else a terminal id"
    )
    direction: Literal["entry", "exit"]
    gate_group: str = Field(pattern=_CODE)
    network: str = Field(pattern=_CODE)
    zones: list[str] = Field(min_length=1, max_length=32)
    active: bool = True

    @field_validator("zones")
    @classmethod
    def _zones(cls, zones: list[str]) -> list[str]:
        if len(set(zones)) != len(zones) or not all(re.match(_CODE, z) for z in zones):
            raise ValueError("zones must be distinct codes")
        return zones

    @model_validator(mode="after")
    def _location(self) -> GateCreate:
        if self.location_kind == "stop" and not _STOP_REF.fullmatch(self.location_ref):
            raise ValueError("a stop gate's location_ref is FEED:STOP_ID")
        return self


class GateOut(BaseModel):
    """A registered gate."""

    id: str
    operator_id: str
    name: str
    location_kind: str
    location_ref: str
    direction: str
    gate_group: str
    network: str
    zones: list[str]
    active: bool
    created_at: datetime


class GateCreated(BaseModel):
    """The new gate and its credential; `api_key` is shown this once and never again."""

    gate: GateOut
    credential_id: str
    api_key: str


class RevokeIn(BaseModel):
    """Refuse a pass until `until` (normally its expiry), for `reason`."""

    model_config = ConfigDict(extra="forbid")

    until: AwareDatetime
    reason: str | None = Field(default=None, max_length=200)


class RevocationOut(BaseModel):
    """The recorded event; its version is what gates sync up to."""

    version: int
    action: str
    kind: str
    id: str
    until: datetime | None


class TapBatchIn(BaseModel):
    """A gate's batch of taps (the `Tap` wire shape, optionally with `"single_use": true`)."""

    taps: list[dict[str, Any]] = Field(max_length=1000)


class ValidateIn(BaseModel):
    """The scanned QR text, `<token>~<proof>`."""

    model_config = ConfigDict(extra="forbid")

    payload: str = Field(min_length=1, max_length=MAX_PAYLOAD_CHARS + 2)
    tap_id: str | None = Field(
        default=None,
        pattern=r"^[0-9a-fA-F-]{32,36}$",
        description="Idempotency key (a UUID the gate makes per scan): a retry after a timeout "
        "gets the first answer back instead of a second decision",
    )


class Display(BaseModel):
    it: str
    en: str


class ValidateOut(BaseModel):
    """The online decision: open or not, the stable code, texts for the gate display."""

    tap_id: str
    open: bool
    code: str
    display: Display
    degraded: bool
