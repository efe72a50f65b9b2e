"""Taps on the server: stored idempotently by tap id; single-use entries recorded first-writer-wins.

A replayed tap (the gate lost our acknowledgement) is acknowledged again and stored once. An
opened entry tap of a single-use pass claims `access_single_use` for its pass: the first tap to
claim it wins, and a later opened entry of the same pass from another tap is reported back to
its gate as a conflict (`TapConflict`). Uploaded taps say a pass is single use with an extra
`"single_use": true` member; a pass already recorded there is known single use regardless.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mobility.auth.errors import Forbidden
from mobility.db import insert_or_ignore
from mobility.errors import ValidationFailed
from ticketing.usage.service import TapFacts, record_tap

from .gate_client.backend import Direction, Tap, TapConflict, UploadAck, WireError
from .models import AccessGate, AccessTap, SingleUse

logger = logging.getLogger(__name__)
Source = Literal["online", "offline"]


def parse_batch(documents: Sequence[Mapping[str, Any]]) -> list[tuple[Tap, bool]]:
    """The taps of an upload and whether each says its pass is single use; 422 if malformed."""
    parsed = []
    for index, document in enumerate(documents):
        try:
            tap = Tap.from_json(document)
        except WireError as exc:
            raise ValidationFailed(f"taps[{index}]: {exc}") from exc
        parsed.append((tap, tap.single_use))
    return parsed


def _row(tap: Tap, source: Source, now: datetime) -> dict[str, Any]:
    return {
        "tap_id": tap.tap_id,
        "gate_id": tap.gate_id,
        "gate_group": tap.gate_group,
        "direction": tap.direction,
        "decided_at": tap.decided_at,
        "opened": tap.opened,
        "code": tap.code,
        "pass_id": tap.pass_id,
        "jti": tap.jti,
        "offline": tap.offline,
        "degraded": tap.degraded,
        "source": source,
        "received_at": now,
    }


def store_tap(session: Session, tap: Tap, source: Source, now: datetime) -> bool:
    """Insert the tap unless its id is already stored (a retry); True if it was new."""
    if not insert_or_ignore(session, AccessTap, _row(tap, source, now), ["tap_id"]):
        return False
    if tap.opened and tap.pass_id is not None:
        _record_travel(session, tap)
    return True


def _record_travel(session: Session, tap: Tap) -> None:
    """Hand an opened tap to ticketing (capping, best fare, clearing) in this transaction."""
    gate = session.get(AccessGate, tap.gate_id)
    if gate is None or tap.pass_id is None:
        return
    zones = gate.zone_list
    record_tap(
        session,
        TapFacts(
            tap_id=tap.tap_id,
            pass_id=tap.pass_id,
            operator_id=gate.operator_id,
            direction=tap.direction,
            tapped_at=tap.decided_at,
            gate_id=gate.id,
            network_id=gate.network,
            zone_id=zones[0] if zones else None,
            stop_ref=gate.location_ref if gate.location_kind == "stop" else None,
        ),
    )


def claim_single_use(session: Session, tap: Tap) -> SingleUse:
    """Record `tap` as the pass's single use unless another tap did first; the winner's row."""
    assert tap.pass_id is not None
    existing = session.get(SingleUse, tap.pass_id)
    if existing is not None:
        return existing
    row = SingleUse(
        pass_id=tap.pass_id,
        jti=tap.jti,
        gate_id=tap.gate_id,
        tap_id=tap.tap_id,
        consumed_at=tap.decided_at,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        winner = session.scalars(select(SingleUse).where(SingleUse.pass_id == tap.pass_id)).one()
        return winner
    return row


def store_batch(
    session: Session,
    gate: AccessGate,
    batch: Sequence[tuple[Tap, bool]],
    *,
    now: datetime | None = None,
) -> UploadAck:
    """Store a gate's uploaded taps; acknowledge them all and report single-use conflicts."""
    moment = now or datetime.now(UTC)
    if foreign := sorted({tap.gate_id for tap, _ in batch} - {gate.id}):
        raise Forbidden(f"a gate uploads its own taps only, not those of {foreign[:3]}")
    conflicts: list[TapConflict] = []
    for uploaded, single_use in batch:
        existing = session.get(AccessTap, uploaded.tap_id)
        if existing is not None and existing.gate_id != gate.id:
            raise Forbidden("a tap id of another gate")
        # Where the tap happened is the gate's registered place, not what the upload says.
        direction: Direction = "exit" if gate.direction == "exit" else "entry"
        tap = replace(uploaded, direction=direction, gate_group=gate.gate_group)
        store_tap(session, tap, "offline", moment)
        # A single use is claimed only with the token's id, which a gate knows only if the
        # pass was presented to it: a made-up tap cannot use up someone else's pass.
        if not (tap.opened and tap.direction == "entry" and tap.pass_id and tap.jti):
            continue
        known = single_use or session.get(SingleUse, tap.pass_id) is not None
        if not known:
            continue
        winner = claim_single_use(session, tap)
        if winner.jti != tap.jti:
            logger.warning("single-use claims of pass %s with different tokens", tap.pass_id)
        elif winner.tap_id != tap.tap_id:
            conflicts.append(
                TapConflict(tap.tap_id, tap.pass_id, winner.gate_id, winner.consumed_at)
            )
    return UploadAck(tuple(tap.tap_id for tap, _ in batch), tuple(conflicts))
