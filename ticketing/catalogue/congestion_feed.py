"""Congestion bands published by traffic planning (`mobility.traffic.congestion.publish`).

The outbox delivers each publication at least once; this handler turns it into a new set of
congestion bands (`service.set_congestion_bands`), replacing the set in force. The set's
reason begins "traffic publication N" and names the scenario (and period) behind the bands,
for audit; a delivery of N once N or a later publication was applied is a no-op, so neither
a repeat nor a late retry of an older publication undoes a newer one. Bands are fitted to the
catalogue as it is when the message arrives:

- a surcharge above the tariff's `max_surcharge_bp` is capped at it (a band capped to 0 is
  left out);
- a band whose fare zone the catalogue does not have (or no longer has active) is left out:
  the fare zone map is the planner's, and one wrong entry must not hold back the others.

Both are listed in the reason. With no tariff loaded the handler fails and the outbox retries.
Deliveries hold the publications' lock (`CongestionRepository.lock_publications`), so of two
publications delivered at once the older one sees the newer one applied and does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mobility.traffic.congestion.repository import CongestionRepository
from ticketing.catalogue.config import CongestionBand
from ticketing.catalogue.models import CongestionBandSet
from ticketing.catalogue.repository import CatalogueRepository
from ticketing.catalogue.service import require_config, set_congestion_bands

log = logging.getLogger(__name__)
_REASON_MAX = 500


def marker(publication_id: int) -> str:
    return f"traffic publication {publication_id}"


def _superseded(session: Session, publication_id: int) -> bool:
    """Whether this publication, or a later one, was already applied: a retried older message
    must not undo a newer publication."""
    prefix = "traffic publication "
    reasons = session.scalars(
        select(CongestionBandSet.reason).where(
            CongestionBandSet.reason.startswith(prefix, autoescape=True)
        )
    )
    for reason in reasons:
        number = reason.removeprefix(prefix).split(":", 1)[0]
        if number.isdigit() and int(number) >= publication_id:
            return True
    return False


def on_congestion_published(session: Session, payload: Mapping[str, Any]) -> None:
    """The outbox handler of `mobility.traffic.congestion.publish.CONGESTION_PUBLISHED`."""
    publication_id = int(payload["publication_id"])
    # Deliveries take turns with each other and with publishing (the same lock): an older
    # publication delivered at the same time as a newer one must not be applied after it.
    CongestionRepository(session).lock_publications()
    if _superseded(session, publication_id):
        return
    cap = require_config(session).congestion.max_surcharge_bp
    zones = {z.id for z in CatalogueRepository(session).zones()}
    bands: list[CongestionBand] = []
    capped: set[str] = set()
    unknown: set[str] = set()
    for raw in payload["bands"]:
        if raw["zone"] not in zones:
            unknown.add(raw["zone"])
            continue
        bp = min(int(raw["adjustment_bp"]), cap)
        if bp != raw["adjustment_bp"]:
            capped.add(raw["zone"])
        if bp:
            bands.append(
                CongestionBand(
                    zone=raw["zone"],
                    weekdays=raw["weekdays"],
                    start=raw["start"],
                    end=raw["end"],
                    adjustment_bp=bp,
                )
            )
    # Which scenario set the bands of which period: the audit trail of every rule of the set.
    sources = sorted({(int(b["scenario_id"]), str(b["period"])) for b in payload["bands"]})
    named = {s for s, _ in sources}
    listed = [f"scenario {s} ({period})" for s, period in sources] + [
        f"scenario {s}" for s in payload.get("scenarios", []) if int(s) not in named
    ]
    reason = f"{marker(publication_id)}: {', '.join(listed)}"
    if capped:
        reason += f"; capped at {cap} bp: {', '.join(sorted(capped))}"
    if unknown:
        reason += f"; unknown fare zones left out: {', '.join(sorted(unknown))}"
        log.warning(
            "traffic publication %d names fare zones the catalogue lacks: %s",
            publication_id,
            ", ".join(sorted(unknown)),
        )
    set_congestion_bands(
        session, bands, str(payload.get("author") or "traffic"), reason=reason[:_REASON_MAX]
    )
