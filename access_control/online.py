"""Online validation: a gate on the network asks the server, which decides from live state.

Order as offline (`coverage.entry_refusal`): token and proof, then revoked (Redis; the
database, flagged `degraded`, when Redis fails, and unflagged when Redis mirrors an older log
than the database holds, see `revocations`), operator, zones/network, single use, passback.
Single use is claimed atomically with `SET usedpass:<pass_id> <tap_id> NX` (and the
`access_single_use` row, which also catches an offline gate's earlier upload); passback with
`SET pb:<group>:<pass_id> <ts> NX PX <window>` on entry, deleted on exit. Exits check only the
token and its proof. The token is never logged nor stored: the tap keeps its pass id and jti.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis
from prometheus_client import Counter
from sqlalchemy import select
from sqlalchemy.orm import Session

from mobility.errors import Conflict
from mobility.redis_client import key
from mobility.settings import get_settings

from .coverage import entry_refusal
from .errors import TokenRejected
from .gate_client.backend import Tap
from .gates import place_of
from .keyring_provider import configured_keyring
from .models import AccessGate, AccessTap, SingleUse
from .proof import check_presentation
from .qr import parse_payload
from .reasons import Reason
from .revocations import revocation_state
from .taps import claim_single_use, store_tap
from .tokens import VerifiedPass

logger = logging.getLogger(__name__)

OPEN_CODE = "ok"
OPEN_DISPLAY = {"it": "Buon viaggio", "en": "Have a good trip"}
DEFAULT_PASSBACK_WINDOW_S = 20 * 60
GATE_DECISIONS = Counter(
    "mobility_gate_decisions",
    "Online gate decisions by direction, code (ok or the refusal reason) and degraded state",
    ["direction", "code", "degraded"],
)


@dataclass(frozen=True)
class OnlineDecision:
    """What the server decided for one presentation (the tap it stored has the same id)."""

    tap_id: str
    opened: bool
    reason: Reason | None
    degraded: bool

    @property
    def code(self) -> str:
        return OPEN_CODE if self.reason is None else self.reason.value

    def display(self) -> dict[str, str]:
        if self.reason is None:
            return dict(OPEN_DISPLAY)
        return {"it": self.reason.display("it"), "en": self.reason.display("en")}


def passback_window() -> timedelta:
    return timedelta(seconds=get_settings().passback_window_s)


def used_key(pass_id: str) -> str:
    return key("usedpass", pass_id)


def passback_key(gate_group: str, pass_id: str) -> str:
    return key("pb", gate_group, pass_id)


class _Checks:
    """The state-dependent entry checks of one decision; remembers what it claimed."""

    def __init__(
        self,
        session: Session,
        client: redis.Redis,
        gate: AccessGate,
        verified: VerifiedPass,
        tap: Tap,
        now: datetime,
    ) -> None:
        self.session, self.client, self.gate = session, client, gate
        self.verified, self.tap, self.now = verified, tap, now
        self.degraded = False
        self.claimed_redis = False

    def revoked(self) -> bool:
        state = revocation_state(
            self.session,
            self.client,
            pass_id=self.verified.claims.pass_id,
            jti=self.verified.token_id,
            now=self.now,
        )
        self.degraded |= state.degraded
        return state.revoked

    def consumed(self) -> bool:
        """Claim the single use; True when another tap had it first."""
        claims = self.verified.claims
        # Kept a little past the pass's expiry: after that the token is refused anyway.
        ttl = max(claims.valid_until - self.now, timedelta(0)) + timedelta(minutes=5)
        try:
            won = self.client.set(
                used_key(claims.pass_id),
                self.tap.tap_id,
                nx=True,
                px=int(ttl / timedelta(milliseconds=1)),
            )
        except redis.RedisError:
            logger.warning("Redis unavailable: single use claimed in the database only")
            self.degraded = True
        else:
            if not won:
                return True
            self.claimed_redis = True
        winner = claim_single_use(self.session, self.tap)
        # A record of another token of this pass id proves nothing about this one.
        return winner.tap_id != self.tap.tap_id and winner.jti == self.tap.jti

    def passback(self) -> bool:
        """Mark the entry in the gate group; True when an entry is already marked."""
        group, pass_id = self.gate.gate_group, self.verified.claims.pass_id
        window = passback_window()
        if window <= timedelta(0):
            return False
        try:
            won = self.client.set(
                passback_key(group, pass_id),
                str(self.now.timestamp()),
                nx=True,
                px=int(window / timedelta(milliseconds=1)),
            )
        except redis.RedisError:
            self.degraded = True
            return self._passback_from_db(window)
        return not won

    def _passback_from_db(self, window: timedelta) -> bool:
        last = self.session.scalars(
            select(AccessTap)
            .where(
                AccessTap.gate_group == self.gate.gate_group,
                AccessTap.pass_id == self.verified.claims.pass_id,
                AccessTap.opened.is_(True),
                AccessTap.decided_at > self.now - window,
            )
            .order_by(AccessTap.decided_at.desc())
            .limit(1)
        ).first()
        return last is not None and last.direction == "entry"

    def release_single_use(self) -> None:
        """Give back a single use claimed for an entry that a later check refused."""
        row = self.session.get(SingleUse, self.verified.claims.pass_id)
        if row is not None and row.tap_id == self.tap.tap_id:
            self.session.delete(row)
            self.session.flush()
        if not self.claimed_redis:
            return
        try:
            name = used_key(self.verified.claims.pass_id)
            if self.client.get(name) == self.tap.tap_id.encode():
                self.client.delete(name)
        except redis.RedisError:
            logger.warning("could not release a single-use claim", exc_info=True)


def validate(
    session: Session,
    client: redis.Redis,
    gate: AccessGate,
    payload_text: str,
    *,
    tap_id: str | None = None,
    now: datetime | None = None,
) -> OnlineDecision:
    """Decide on a presented QR payload at `gate`, record the tap (source online), and answer.

    `tap_id` is the gate's idempotency key: a retry of a scan whose answer was lost gets the
    recorded decision back (a second decision would find its own single use consumed)."""
    if not gate.active:
        raise Conflict(f"gate {gate.id!r} is not active")
    if tap_id is not None and (earlier := session.get(AccessTap, tap_id)) is not None:
        if earlier.gate_id != gate.id:
            raise Conflict(f"tap {tap_id!r} belongs to another gate")
        recorded = None if earlier.opened else Reason(earlier.code)
        return OnlineDecision(earlier.tap_id, earlier.opened, recorded, earlier.degraded)
    moment = now or datetime.now(UTC)
    settings = get_settings()
    tap_id = tap_id or str(uuid.uuid4())
    verified: VerifiedPass | None = None
    reason: Reason | None = None
    degraded = False
    try:
        payload = parse_payload(payload_text)
        verified = check_presentation(
            payload.token,
            payload.proof,
            configured_keyring(),
            audience=settings.pass_token_audience,
            issuer=settings.pass_token_issuer,
            now=moment,
            leeway_s=settings.pass_token_leeway_s,
        )
    except TokenRejected as rejected:
        reason = rejected.reason

    def tap_of(opened: bool, code: str, is_degraded: bool) -> Tap:
        return Tap(
            tap_id=tap_id,
            gate_id=gate.id,
            gate_group=gate.gate_group,
            direction="entry" if gate.direction == "entry" else "exit",
            decided_at=moment,
            opened=opened,
            code=code,
            pass_id=None if verified is None else verified.claims.pass_id,
            jti=None if verified is None else verified.token_id,
            offline=False,
            degraded=is_degraded,
        )

    if verified is not None and gate.direction == "entry":
        checks = _Checks(session, client, gate, verified, tap_of(True, OPEN_CODE, False), moment)
        reason = entry_refusal(
            verified.claims,
            place_of(gate),
            revoked=checks.revoked,
            consumed=checks.consumed,
            passback=checks.passback,
        )
        if reason is Reason.PASSBACK and verified.claims.single_use:
            checks.release_single_use()
        degraded = checks.degraded
    elif verified is not None:
        try:
            client.delete(passback_key(gate.gate_group, verified.claims.pass_id))
        except redis.RedisError:
            degraded = True
    code = OPEN_CODE if reason is None else reason.value
    store_tap(session, tap_of(reason is None, code, degraded), "online", moment)
    GATE_DECISIONS.labels(gate.direction, code, str(degraded).lower()).inc()
    return OnlineDecision(tap_id, reason is None, reason, degraded)
