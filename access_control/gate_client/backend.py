"""What a gate exchanges with the server: the `GateBackend` Protocol and its JSON wire shapes.

Every shape has `to_json()` (a dict of JSON types) and a strict `from_json(dict)`, so an HTTP
implementation is only transport. Times travel as RFC 3339 UTC strings ("2025-06-02T08:00:07Z").

    JWKS          {"keys": [JWK, ...]}                                   (RFC 7517, as `jwks.py`)
    delta         {"type": "delta", "from_version": 3, "to_version": 5,
                   "revoked": [{"kind": "pass"|"jti", "id": "...", "until": "...Z"}, ...],
                   "restored": [{"kind": "pass"|"jti", "id": "..."}, ...]}
    snapshot      {"type": "snapshot", "version": 5, "revoked": [...as above...]}
    tap           {"tap_id": "<uuid4>", "gate_id", "gate_group", "direction": "entry"|"exit",
                   "decided_at": "...Z", "opened": bool, "code": "ok"|<reason code>,
                   "pass_id": str|null, "jti": str|null, "offline": bool, "degraded": bool}
    acknowledgement {"acknowledged": ["<tap_id>", ...],
                   "conflicts": [{"tap_id", "pass_id", "consumed_by_gate", "consumed_at"}]}

A delta lists net changes between two versions: an id is in `revoked` or in `restored`, never
both. `fetch_revocations(None)` asks for a snapshot; `fetch_revocations(n)` may answer with a
snapshot when the delta since `n` is no longer available.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol

RevocationKind = Literal["pass", "jti"]
Direction = Literal["entry", "exit"]
KINDS: tuple[RevocationKind, ...] = ("pass", "jti")
DIRECTIONS: tuple[Direction, ...] = ("entry", "exit")
# Pass ids (`tokens._PASS_ID`) and jtis (base64url, may start with '-' or '_').
_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


class WireError(ValueError):
    """A message from (or for) the server does not have the documented shape."""


def format_time(moment: datetime) -> str:
    """RFC 3339 in UTC with a 'Z'; refuses naive datetimes."""
    if moment.utcoffset() is None:
        raise WireError("times must be timezone-aware")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(value: object) -> datetime:
    if not isinstance(value, str):
        raise WireError("a time must be an RFC 3339 string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise WireError(f"{value[:40]!r} is not an RFC 3339 time") from exc
    if moment.utcoffset() is None:
        raise WireError("a time needs a UTC offset")
    return moment.astimezone(UTC)


def _field(document: Mapping[str, Any], name: str, kind: type) -> Any:
    """The member `name`, which must be exactly of JSON type `kind`."""
    value = document.get(name) if isinstance(document, Mapping) else None
    # bool is an int subclass: a version of `true` is a malformed message, not version 1.
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise WireError(f"{name!r} is missing or not {kind.__name__}")
    return value


def _optional_id(document: Mapping[str, Any], name: str) -> str | None:
    value = document.get(name)
    if value is not None and not isinstance(value, str):
        raise WireError(f"{name!r} must be a string or null")
    return value


def _check_id(value: str) -> None:
    if not (isinstance(value, str) and _ID.fullmatch(value)):
        raise WireError("an id must be 1-64 of [A-Za-z0-9_.:-]")


def _check_kind(kind: object) -> RevocationKind:
    if kind == "pass":
        return "pass"
    if kind == "jti":
        return "jti"
    raise WireError(f"kind must be one of {KINDS}")


@dataclass(frozen=True)
class RevokedEntry:
    """A pass id or jti refused until `until` (after it the token is expired anyway)."""

    kind: RevocationKind
    id: str
    until: datetime

    def __post_init__(self) -> None:
        _check_kind(self.kind)
        _check_id(self.id)
        if not isinstance(self.until, datetime) or self.until.utcoffset() is None:
            raise WireError("until must be a timezone-aware datetime")
        object.__setattr__(self, "until", self.until.astimezone(UTC))

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "until": format_time(self.until)}

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> RevokedEntry:
        return cls(
            _check_kind(_field(document, "kind", str)),
            _field(document, "id", str),
            parse_time(_field(document, "until", str)),
        )


@dataclass(frozen=True)
class RestoredEntry:
    """A pass id or jti no longer revoked."""

    kind: RevocationKind
    id: str

    def __post_init__(self) -> None:
        _check_kind(self.kind)
        _check_id(self.id)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id}

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> RestoredEntry:
        return cls(_check_kind(_field(document, "kind", str)), _field(document, "id", str))


def _entries(document: Mapping[str, Any], name: str) -> list[Any]:
    entries = _field(document, name, list)
    if not all(isinstance(entry, Mapping) for entry in entries):
        raise WireError(f"{name!r} must be a list of objects")
    return entries


@dataclass(frozen=True)
class RevocationDelta:
    """The net changes from version `from_version` to `to_version`."""

    from_version: int
    to_version: int
    revoked: tuple[RevokedEntry, ...] = ()
    restored: tuple[RestoredEntry, ...] = ()

    def __post_init__(self) -> None:
        if not 0 <= self.from_version <= self.to_version:
            raise WireError("a delta needs 0 <= from_version <= to_version")
        revoked = {(entry.kind, entry.id) for entry in self.revoked}
        if revoked & {(entry.kind, entry.id) for entry in self.restored}:
            raise WireError("an id is both revoked and restored in one delta")

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "delta",
            "from_version": self.from_version,
            "to_version": self.to_version,
            "revoked": [entry.to_json() for entry in self.revoked],
            "restored": [entry.to_json() for entry in self.restored],
        }


@dataclass(frozen=True)
class RevocationSnapshot:
    """The whole revocation list at `version`."""

    version: int
    revoked: tuple[RevokedEntry, ...] = ()

    def __post_init__(self) -> None:
        if self.version < 0:
            raise WireError("a version is never negative")

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "snapshot",
            "version": self.version,
            "revoked": [entry.to_json() for entry in self.revoked],
        }


RevocationReply = RevocationDelta | RevocationSnapshot


def revocation_reply_from_json(document: Mapping[str, Any]) -> RevocationReply:
    """A delta or a snapshot, by its "type" member."""
    kind = _field(document, "type", str)
    revoked = tuple(RevokedEntry.from_json(entry) for entry in _entries(document, "revoked"))
    if kind == "snapshot":
        return RevocationSnapshot(_field(document, "version", int), revoked)
    if kind == "delta":
        restored = tuple(RestoredEntry.from_json(e) for e in _entries(document, "restored"))
        return RevocationDelta(
            _field(document, "from_version", int),
            _field(document, "to_version", int),
            revoked,
            restored,
        )
    raise WireError("type must be 'delta' or 'snapshot'")


@dataclass(frozen=True)
class Tap:
    """One decision of one gate, as uploaded: never the token, only its ids."""

    tap_id: str
    gate_id: str
    gate_group: str
    direction: Direction
    decided_at: datetime
    opened: bool
    code: str
    pass_id: str | None
    jti: str | None
    offline: bool
    degraded: bool
    # The pass is single use: the server then records its first use and reports conflicts.
    single_use: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "tap_id": self.tap_id,
            "gate_id": self.gate_id,
            "gate_group": self.gate_group,
            "direction": self.direction,
            "decided_at": format_time(self.decided_at),
            "opened": self.opened,
            "code": self.code,
            "pass_id": self.pass_id,
            "jti": self.jti,
            "offline": self.offline,
            "degraded": self.degraded,
            "single_use": self.single_use,
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Tap:
        direction = _field(document, "direction", str)
        single_use = document.get("single_use", False)  # optional: older gates omit it
        if not isinstance(single_use, bool):
            raise WireError("single_use must be a boolean")
        if direction not in DIRECTIONS:
            raise WireError(f"direction must be one of {DIRECTIONS}")
        return cls(
            tap_id=_field(document, "tap_id", str),
            gate_id=_field(document, "gate_id", str),
            gate_group=_field(document, "gate_group", str),
            direction=direction,
            decided_at=parse_time(_field(document, "decided_at", str)),
            opened=_field(document, "opened", bool),
            code=_field(document, "code", str),
            pass_id=_optional_id(document, "pass_id"),
            jti=_optional_id(document, "jti"),
            offline=_field(document, "offline", bool),
            degraded=_field(document, "degraded", bool),
            single_use=single_use,
        )


@dataclass(frozen=True)
class TapConflict:
    """The server's word that a single-use pass this gate let in was consumed elsewhere first."""

    tap_id: str
    pass_id: str
    consumed_by_gate: str
    consumed_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "tap_id": self.tap_id,
            "pass_id": self.pass_id,
            "consumed_by_gate": self.consumed_by_gate,
            "consumed_at": format_time(self.consumed_at),
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> TapConflict:
        return cls(
            _field(document, "tap_id", str),
            _field(document, "pass_id", str),
            _field(document, "consumed_by_gate", str),
            parse_time(_field(document, "consumed_at", str)),
        )


@dataclass(frozen=True)
class UploadAck:
    """The tap ids the server has stored (now or on an earlier try), and any conflicts."""

    acknowledged: tuple[str, ...]
    conflicts: tuple[TapConflict, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "acknowledged": list(self.acknowledged),
            "conflicts": [conflict.to_json() for conflict in self.conflicts],
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> UploadAck:
        acknowledged = _field(document, "acknowledged", list)
        if not all(isinstance(tap_id, str) for tap_id in acknowledged):
            raise WireError("'acknowledged' must be a list of tap ids")
        conflicts = document.get("conflicts", [])
        if not isinstance(conflicts, list):
            raise WireError("'conflicts' must be a list")
        return cls(tuple(acknowledged), tuple(TapConflict.from_json(c) for c in conflicts))


class GateBackend(Protocol):
    """The server as a gate sees it; any method may raise when the network is down."""

    def fetch_jwks(self) -> dict[str, Any]:
        """The current JWKS document of the pass issuer."""
        ...

    def fetch_revocations(self, since_version: int | None) -> RevocationReply:
        """The delta since `since_version`, or a snapshot (always one when it is None)."""
        ...

    def upload_taps(self, batch: Sequence[Tap]) -> UploadAck:
        """Store the taps, idempotently by tap id; acknowledge the ones stored."""
        ...
