"""Tokens for ticketing's passes: mint one for the holder's app, and follow pass changes.

A pass (ticketing) is the entitlement; a token is one signed copy of it for the gates. The app
fetches a token for a pass it holds and shows it as a QR code with its rotating proof. When
ticketing revokes or shortens a pass it enqueues `PASS_CHANGED`; `on_pass_changed` turns that
into revocations the gates see: the whole pass when revoked, the tokens that outlive the new end
when shortened.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from access_control import revocations
from access_control.keys import KeyRing
from access_control.models import PassToken
from access_control.tokens import PassClaims, issue_pass_token, new_token_id
from mobility.errors import Conflict
from mobility.settings import Settings
from ticketing.passes.models import Pass, PassStatus
from ticketing.passes.service import PASS_CHANGED, get_pass

# Past its end a token is refused by `exp` anyway; the revocation only has to cover until then.
REVOCATION_MARGIN = timedelta(minutes=5)


class PassNotUsable(Conflict):
    type_slug = "pass-not-usable"
    title = "The pass cannot be used now"


@dataclass(frozen=True)
class MintedToken:
    token: str
    jti: str
    kid: str
    expires_at: datetime


def claims_of(item: Pass, settings: Settings, now: datetime) -> PassClaims:
    """The claims a token of `item` carries; its end capped by the longest token lifetime."""
    until = min(item.valid_until, now + timedelta(seconds=settings.pass_token_max_lifetime_s))
    return PassClaims(
        pass_id=item.id,
        product=item.product_id,
        rider_category=item.rider_category_id,
        operators=item.codes("operators"),
        networks=item.codes("networks"),
        zones=item.codes("zones"),
        valid_from=item.valid_from,
        valid_until=until,
        single_use=item.single_use,
        device_key=base64.urlsafe_b64decode(item.device_key + "=" * (-len(item.device_key) % 4)),
    )


def mint_token(
    session: Session,
    item: Pass,
    keyring: KeyRing,
    settings: Settings,
    now: datetime,
    *,
    reuse_jti: str | None = None,
) -> MintedToken:
    """Sign a token for an active, not yet ended pass, and record its jti (not the token).

    `reuse_jti` re-signs a token the app already holds a proof for (the device proof binds
    the jti, not the token's bytes), e.g. to render it as an image; it must be this pass's.
    """
    known: PassToken | None = None
    if reuse_jti is not None:
        known = session.get(PassToken, reuse_jti)
        if known is None or known.pass_id != item.id or known.expires_at <= now:
            raise PassNotUsable("that jti is not a current token of this pass")
    if item.status is not PassStatus.ACTIVE:
        raise PassNotUsable(f"pass {item.id} is {item.status.value}")
    if item.valid_until <= now:
        raise PassNotUsable(f"pass {item.id} ended at {item.valid_until.isoformat()}")
    claims = claims_of(item, settings, now)
    if known is not None and known.expires_at < claims.valid_until:
        # A re-signed token never outlives the recorded one: revocations are keyed on that.
        claims = replace(claims, valid_until=known.expires_at)
    jti = reuse_jti or new_token_id()
    token = issue_pass_token(
        claims,
        keyring,
        issuer=settings.pass_token_issuer,
        audience=settings.pass_token_audience,
        now=now,
        token_id=jti,
    )
    kid = keyring.signing_key(now, valid_until=claims.valid_until).kid
    if reuse_jti is None:
        session.add(
            PassToken(
                jti=jti, pass_id=item.id, kid=kid, issued_at=now, expires_at=claims.valid_until
            )
        )
        session.flush()
    return MintedToken(token, jti, kid, claims.valid_until)


def outstanding_tokens(session: Session, pass_id: str, after: datetime) -> list[PassToken]:
    """The pass's tokens still valid after `after`."""
    return list(
        session.scalars(
            select(PassToken).where(PassToken.pass_id == pass_id, PassToken.expires_at > after)
        ).all()
    )


def apply_pass_change(session: Session, client: redis.Redis, pass_id: str, now: datetime) -> int:
    """Make the gates refuse what the pass no longer allows; the revocations appended.

    Idempotent: an entitlement already refused is not revoked again.
    """
    item = get_pass(session, pass_id)
    if item.status is PassStatus.REVOKED:
        if revocations.is_ident_revoked(session, "pass", item.id, now):
            return 0
        latest_end = max([item.valid_until, *(t.expires_at for t in _tokens(session, item.id))])
        revocations.revoke(
            session,
            client,
            "pass",
            item.id,
            latest_end + REVOCATION_MARGIN,
            "pass revoked by ticketing",
            now=now,
        )
        return 1
    count = 0
    for token in outstanding_tokens(session, item.id, item.valid_until):
        if revocations.is_ident_revoked(session, "jti", token.jti, now):
            continue
        revocations.revoke(
            session,
            client,
            "jti",
            token.jti,
            token.expires_at + REVOCATION_MARGIN,
            "pass shortened by ticketing",
            now=now,
        )
        count += 1
    return count


def _tokens(session: Session, pass_id: str) -> list[PassToken]:
    return list(session.scalars(select(PassToken).where(PassToken.pass_id == pass_id)).all())


def on_pass_changed(session: Session, payload: Mapping[str, Any]) -> None:
    """Outbox handler of ticketing's PASS_CHANGED messages."""
    from datetime import UTC

    from mobility.redis_client import get_redis

    apply_pass_change(session, get_redis(), str(payload["pass_id"]), datetime.now(UTC))


TOPIC = PASS_CHANGED
