"""The gate's decision, made offline from local state, and its sync with the server.

`OfflineGate.decide` never touches the network: it verifies the presentation against the cached
JWKS, then (entry gates) the operator and zones, the revocation list, single use and passback,
and records the decision as a tap in the same SQLite transaction as the state it changes.
`OfflineGate.sync` refreshes the JWKS and the revocation list and uploads the queued taps.

Staleness policy: a gate never stops deciding because its copies are old, since travellers
would be locked out by a network fault; it flags every decision `degraded` instead, naming what
is stale: "jwks" (copy older than `jwks_max_age`, or none at all) and/or "revocations" (not
synced within `revocations_max_age`). Keys are published ahead of activation and retire only
after overlap (see `keys.rotate`), so an old copy keeps verifying for at least one refresh
interval. A gate without any JWKS refuses every pass (`unknown_kid`). `offline` means the last
sync failed or none succeeded within `offline_after`.

Exit gates verify the token and its proof (so an exit is recorded against a genuine pass), then
open and record the exit: revocation, zones, single use and passback are entry checks.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from access_control.coverage import GatePlace, entry_refusal
from access_control.errors import KeyRingInvalid, TokenRejected
from access_control.jwks import JwksKeySet
from access_control.proof import check_presentation
from access_control.qr import parse_payload
from access_control.reasons import Language, Reason
from access_control.tokens import VerifiedPass

from . import passback
from .backend import DIRECTIONS, Direction, GateBackend, Tap, TapConflict
from .revocations import RevocationSyncResult, is_revoked, sync_revocations
from .store import GateStore, MetaKey

logger = logging.getLogger(__name__)

OPEN_CODE = "ok"


_OPEN_DISPLAY = ("Buon viaggio", "Have a good trip")


@dataclass(frozen=True)
class GateConfig:
    """Who the gate is and its policies; validated at construction."""

    gate_id: str
    gate_group: str
    direction: Direction
    operator: str
    network: str
    zones: tuple[str, ...]
    issuer: str
    audience: str
    jwks_max_age: timedelta = timedelta(hours=24)
    revocations_max_age: timedelta = timedelta(hours=1)
    offline_after: timedelta = timedelta(minutes=10)
    passback_window: timedelta = timedelta(minutes=20)
    leeway_s: float = 5.0
    upload_batch_size: int = 100
    audit_retention: timedelta = timedelta(days=30)

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}")
        if not self.zones:
            raise ValueError("a gate lies in at least one zone")
        for name in ("gate_id", "gate_group", "operator", "network", "issuer", "audience"):
            if not getattr(self, name):
                raise ValueError(f"{name} must not be empty")
        ages = (
            self.jwks_max_age,
            self.revocations_max_age,
            self.offline_after,
            self.audit_retention,
        )
        if min(ages) <= timedelta(0) or self.passback_window < timedelta(0):
            raise ValueError("ages must be positive and the passback window not negative")
        if self.upload_batch_size < 1:
            raise ValueError("upload_batch_size must be at least 1")


@dataclass(frozen=True)
class Decision:
    """Open or not, why, and how confident the gate was; `reason` is None when it opens."""

    tap_id: str
    opened: bool
    reason: Reason | None
    offline: bool
    degraded: bool
    stale: tuple[str, ...]
    pass_id: str | None
    jti: str | None
    decided_at: datetime

    @property
    def code(self) -> str:
        """The stable code: "ok" for an opening, else the reason's."""
        return OPEN_CODE if self.reason is None else self.reason.value

    def display(self, language: Language = "it") -> str:
        """The text for the gate's display, in Italian (default) or English."""
        if self.reason is not None:
            return self.reason.display(language)
        return _OPEN_DISPLAY[0] if language == "it" else _OPEN_DISPLAY[1]


@dataclass(frozen=True)
class SyncReport:
    """What a sync did; `errors` lists the steps that failed (the others still ran)."""

    jwks_refreshed: bool
    revocations: RevocationSyncResult | None
    uploaded: int
    conflicts: tuple[TapConflict, ...]
    errors: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


class OfflineGate:
    """One gate: decides from its `GateStore`, syncs through a `GateBackend` when it can."""

    def __init__(self, config: GateConfig, store: GateStore) -> None:
        self.config = config
        self.store = store
        self._keys = self._load_keys()

    def _load_keys(self) -> JwksKeySet:
        text = self.store.get_meta(MetaKey.JWKS)
        if text is None:
            return JwksKeySet([])
        try:
            return JwksKeySet.from_json(text)
        except KeyRingInvalid:
            logger.error("the stored JWKS copy is unusable; refusing passes until the next sync")
            return JwksKeySet([])

    def status(self, now: datetime) -> tuple[bool, tuple[str, ...]]:
        """(offline, what is stale) at `now`; see the module docstring for the policy."""
        stale = []
        for name, key, max_age in (
            ("jwks", MetaKey.JWKS_FETCHED_AT, self.config.jwks_max_age),
            ("revocations", MetaKey.REVOCATIONS_SYNCED_AT, self.config.revocations_max_age),
        ):
            moment = self.store.get_time(key)
            if moment is None or now - moment > max_age:
                stale.append(name)
        ok_at = self.store.get_time(MetaKey.LAST_SYNC_OK_AT)
        failed_at = self.store.get_time(MetaKey.LAST_SYNC_FAILED_AT)
        offline = (
            ok_at is None
            or now - ok_at > self.config.offline_after
            or (failed_at is not None and failed_at > ok_at)
        )
        return offline, tuple(stale)

    # -- deciding -------------------------------------------------------------------------

    def decide(self, qr_payload_text: str, now: datetime) -> Decision:
        """Open or refuse the presented QR payload at `now`, offline, and record the tap.

        Raises `sqlite3.Error` when the store cannot record the decision: a tap that cannot be
        kept (or a single use that cannot be marked) must not open the gate silently.
        """
        offline, stale = self.status(now)
        verified: VerifiedPass | None = None
        try:
            payload = parse_payload(qr_payload_text)
            verified = check_presentation(
                payload.token,
                payload.proof,
                self._keys,
                audience=self.config.audience,
                issuer=self.config.issuer,
                now=now,
                leeway_s=self.config.leeway_s,
            )
        except TokenRejected as rejected:
            return self._record(None, rejected.reason, now, offline, stale)
        return self._record(verified, None, now, offline, stale)

    def _record(
        self,
        verified: VerifiedPass | None,
        reason: Reason | None,
        now: datetime,
        offline: bool,
        stale: tuple[str, ...],
    ) -> Decision:
        config = self.config
        with self.store.transaction() as db:
            if verified is not None and config.direction == "entry":
                reason = self._entry_refusal(db, verified, now)
            tap = Tap(
                tap_id=str(uuid.uuid4()),
                gate_id=config.gate_id,
                gate_group=config.gate_group,
                direction=config.direction,
                decided_at=now,
                opened=reason is None,
                code=OPEN_CODE if reason is None else reason.value,
                pass_id=None if verified is None else verified.claims.pass_id,
                jti=None if verified is None else verified.token_id,
                offline=offline,
                degraded=bool(stale),
                single_use=verified is not None and verified.claims.single_use,
            )
            if verified is not None and reason is None:
                self._remember(db, verified, tap)
            GateStore.add_tap(db, tap)
        return Decision(
            tap.tap_id, tap.opened, reason, offline, bool(stale), stale, tap.pass_id, tap.jti, now
        )

    def _entry_refusal(
        self, db: sqlite3.Connection, verified: VerifiedPass, now: datetime
    ) -> Reason | None:
        """The first entry check the pass fails, or None, in `coverage.entry_refusal` order."""
        claims, config = verified.claims, self.config
        return entry_refusal(
            claims,
            GatePlace(config.operator, config.network, config.zones),
            revoked=lambda: is_revoked(db, pass_id=claims.pass_id, jti=verified.token_id, now=now),
            consumed=lambda: GateStore.consumed_at(db, claims.pass_id) is not None,
            passback=lambda: passback.blocks_entry(
                db,
                gate_group=config.gate_group,
                pass_id=claims.pass_id,
                now=now,
                window=config.passback_window,
            ),
        )

    def _remember(self, db: sqlite3.Connection, verified: VerifiedPass, tap: Tap) -> None:
        group, pass_id = self.config.gate_group, verified.claims.pass_id
        if self.config.direction == "exit":
            passback.record_exit(db, gate_group=group, pass_id=pass_id, now=tap.decided_at)
            return
        passback.record_entry(db, gate_group=group, pass_id=pass_id, now=tap.decided_at)
        if verified.claims.single_use:
            GateStore.consume(db, tap, verified.claims.valid_until)

    # -- syncing --------------------------------------------------------------------------

    def sync(self, backend: GateBackend, now: datetime) -> SyncReport:
        """Refresh keys and revocations, upload the queue; a failing step does not stop the rest."""
        errors: list[str] = []
        jwks = self._step(errors, "jwks", lambda: self.refresh_jwks(backend, now))
        revocations = self._step(
            errors, "revocations", lambda: sync_revocations(self.store, backend, now)
        )
        conflicts: list[TapConflict] = []
        uploaded = self._step(errors, "upload", lambda: self.upload_taps(backend, now, conflicts))
        self._forget(now)
        with self.store.transaction() as db:
            GateStore.set_meta(
                db, MetaKey.LAST_SYNC_FAILED_AT if errors else MetaKey.LAST_SYNC_OK_AT, now
            )
        return SyncReport(
            jwks_refreshed=jwks is True,
            revocations=revocations,
            uploaded=uploaded or 0,
            conflicts=tuple(conflicts),
            errors=tuple(errors),
        )

    def _forget(self, now: datetime) -> None:
        """Drop passback memory past the window, spent passes past expiry, uploaded old taps."""
        with self.store.transaction() as db:
            passback.forget_before(db, now - self.config.passback_window)
        self.store.forget_consumed(now - timedelta(seconds=self.config.leeway_s))
        self.store.prune_audit(now - self.config.audit_retention)

    @staticmethod
    def _step(errors: list[str], name: str, step: Callable[[], Any]) -> Any:
        # Broad on purpose: whatever the network or the server does, the other steps still run
        # and the gate keeps deciding; the failure is logged and reported, never swallowed.
        try:
            return step()
        except Exception as exc:
            logger.warning("gate sync step %s failed", name, exc_info=True)
            errors.append(f"{name}: {type(exc).__name__}: {exc}")
            return None

    def refresh_jwks(self, backend: GateBackend, now: datetime) -> bool:
        """Fetch and keep the JWKS; one without any usable key is refused (the old copy stays)."""
        document = backend.fetch_jwks()
        keys = JwksKeySet.from_jwks(document)
        if not keys.kids:
            raise KeyRingInvalid("the fetched JWKS has no key to verify with")
        with self.store.transaction() as db:
            GateStore.set_meta(db, MetaKey.JWKS, json.dumps(document, separators=(",", ":")))
            GateStore.set_meta(db, MetaKey.JWKS_FETCHED_AT, now)
        self._keys = keys
        return True

    def upload_taps(
        self, backend: GateBackend, now: datetime, conflicts: list[TapConflict] | None = None
    ) -> int:
        """Send the queue oldest first in batches until it is empty; returns the taps acknowledged.

        A tap leaves the queue only when the server acknowledges its id, so a lost
        acknowledgement means the batch is sent again (the server deduplicates by tap id).
        Conflicts the server reports are stored, logged and appended to `conflicts`.
        """
        uploaded = 0
        while batch := self.store.taps(pending_only=True, limit=self.config.upload_batch_size):
            ack = backend.upload_taps(batch)
            if ack.conflicts:
                self.store.record_conflicts(ack.conflicts, now)
                for conflict in ack.conflicts:
                    logger.warning(
                        "single-use pass %s (tap %s) was consumed first by gate %s",
                        conflict.pass_id,
                        conflict.tap_id,
                        conflict.consumed_by_gate,
                    )
                if conflicts is not None:
                    conflicts.extend(ack.conflicts)
            sent = {tap.tap_id for tap in batch}
            done = self.store.mark_uploaded(sent & set(ack.acknowledged), now)
            if done == 0:
                # Resending the same batch at once would loop; the next sync tries again.
                raise RuntimeError(f"the server acknowledged none of {len(batch)} taps")
            uploaded += done
        return uploaded
