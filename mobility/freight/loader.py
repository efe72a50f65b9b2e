"""Load a freight data file: all or nothing, idempotent, terminal ids stable by code.

The whole file is validated (`schema.parse_freight`) before the first write, so an invalid
file changes nothing; the writes happen in the caller's transaction (the CLI's
`session_scope`), which commits or rolls them back together. The same content again (whatever
its comments or layout) is a no-op reported as `unchanged`; a changed file becomes a new
version whose links, services and factors replace the previous ones.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mobility.freight.models import (
    FreightDatasetVersion,
    FreightEmissionFactor,
    FreightLink,
    FreightService,
    FreightServiceDeparture,
    FreightTerminal,
    FreightTerminalHours,
    FreightTransshipmentFactor,
)
from mobility.freight.repository import FreightRepository
from mobility.freight.schema import FreightData, parse_freight, parse_hhmm


@dataclass(frozen=True)
class LoadResult:
    """What a load did: the version now current and how many rows of each kind it holds."""

    status: Literal["loaded", "unchanged"]
    version_id: int
    dataset: str
    checksum: str
    counts: Mapping[str, int] = field(default_factory=dict)
    deactivated: tuple[str, ...] = ()

    def summary_line(self) -> str:
        head = f"freight {self.dataset}: version {self.version_id}"
        if self.status == "unchanged":
            return f"{head} unchanged (checksum {self.checksum[:12]})"
        parts = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in self.counts.items())
        gone = f"; deactivated terminals {', '.join(self.deactivated)}" if self.deactivated else ""
        return f"{head} loaded (checksum {self.checksum[:12]}): {parts}{gone}"


def counts(data: FreightData) -> dict[str, int]:
    """Rows a load of `data` writes, by kind (links count each direction)."""
    return {
        "terminals": len(data.terminals),
        "opening_hours": sum(len(h.days) for t in data.terminals for h in t.opening_hours),
        "links": sum(2 if link.both_ways else 1 for link in data.links),
        "services": len(data.services),
        "departures": sum(len(s.departures) for s in data.services),
        "emission_factors": len(data.emission_factors),
        "transshipment_factors": len(data.transshipment.factors),
    }


def checksum_of(data: FreightData) -> str:
    document = json.dumps(data.document(), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(document.encode()).hexdigest()


def load_freight(
    session: Session, text: str, *, source: str, now: datetime | None = None
) -> LoadResult:
    """Validate `text` (a freight data file) and make it the current freight network.

    Raises FreightDataInvalid, before any write, if the file is invalid. Never commits.
    """
    data = parse_freight(text, source=source)
    checksum = checksum_of(data)
    repo = FreightRepository(session)
    current = repo.current_version()
    if current is not None and current.content_sha256 == checksum:
        return LoadResult("unchanged", current.id, current.dataset, checksum)
    version = FreightDatasetVersion(
        dataset=data.dataset,
        title=data.title,
        content_sha256=checksum,
        source=source[:500],
        timezone=data.timezone,
        currency=data.currency,
        tonnes_per_teu=data.cargo.tonnes_per_teu,
        transshipment_rule=data.transshipment.rule,
        road_access=(
            None if data.road_access is None else data.road_access.model_dump(mode="json")
        ),
        document=json.dumps(data.document(), sort_keys=True, ensure_ascii=False),
        loaded_at=now or datetime.now(UTC),
    )
    session.add(version)
    session.flush()
    # What hangs on terminals goes first; terminals themselves are updated in place.
    for model in (
        FreightServiceDeparture,
        FreightService,
        FreightLink,
        FreightEmissionFactor,
        FreightTransshipmentFactor,
    ):
        session.execute(delete(model))
    ids, deactivated = _write_terminals(session, data, version.id)
    _write_network(session, data, version.id, ids)
    return LoadResult(
        "loaded", version.id, data.dataset, checksum, counts(data), tuple(deactivated)
    )


def load_freight_file(session: Session, path: Path) -> LoadResult:
    """`load_freight` on a file (OSError if it cannot be read; UTF-8 as TOML requires)."""
    return load_freight(session, path.read_text(encoding="utf-8"), source=str(path))


def _write_terminals(
    session: Session, data: FreightData, version_id: int
) -> tuple[dict[str, int], list[str]]:
    existing = {row.code: row for row in session.scalars(select(FreightTerminal))}
    for terminal in data.terminals:
        values = {
            "name": terminal.name,
            "kind": terminal.kind.value,
            "municipality": terminal.municipality,
            "lat": terminal.lat,
            "lon": terminal.lon,
            "modes": ",".join(m.value for m in terminal.modes),
            "handling_min": terminal.handling_min,
            "handling_cost_cents": terminal.handling_cost_per_teu_cents,
            "currency": data.currency,
            "gate_capacity_teu_per_hour": terminal.gate_capacity_teu_per_hour,
            "accepts": ",".join(terminal.accepts),
            "source": terminal.source,
            "estimated": ",".join(terminal.estimated),
            "active": True,
            "version_id": version_id,
        }
        row = existing.get(terminal.code)
        if row is None:
            session.add(FreightTerminal(code=terminal.code, **values))
        else:
            for name, value in values.items():
                setattr(row, name, value)
    loaded = {t.code for t in data.terminals}
    deactivated = []
    for code, row in sorted(existing.items()):
        if code not in loaded and row.active:
            row.active = False
            deactivated.append(code)
    session.flush()
    ids = {row.code: row.id for row in session.scalars(select(FreightTerminal))}
    session.execute(delete(FreightTerminalHours))
    hours = {
        (ids[t.code], day.number, parse_hhmm(h.open)): parse_hhmm(h.close, allow_24=True)
        for t in data.terminals
        for h in t.opening_hours
        for day in h.days
    }
    session.add_all(
        FreightTerminalHours(terminal_id=tid, weekday=day, open_min=start, close_min=end)
        for (tid, day, start), end in hours.items()
    )
    session.flush()
    return ids, deactivated


def _write_network(
    session: Session, data: FreightData, version_id: int, ids: Mapping[str, int]
) -> None:
    citations = {s.id: f"{s.title} {s.url}".strip() for s in data.sources}
    for factor in data.emission_factors:
        session.add(
            FreightEmissionFactor(
                code=factor.code,
                version_id=version_id,
                mode=factor.mode.value,
                vehicle=factor.vehicle,
                g_co2e_per_tkm=factor.g_co2e_per_tkm,
                scope=factor.scope,
                citation=citations[factor.source],
                reference=factor.reference,
                uncertainty_pct=factor.uncertainty_pct,
                data_quality=factor.data_quality,
                mode_default=factor.mode_default,
            )
        )
    for hub in data.transshipment.factors:
        session.add(
            FreightTransshipmentFactor(
                terminal_kind=hub.terminal_kind.value,
                version_id=version_id,
                kg_co2e_per_teu=hub.kg_co2e_per_teu,
                citation=citations[hub.source],
                reference=hub.reference,
                uncertainty_pct=hub.uncertainty_pct,
            )
        )
    session.flush()
    for link in data.links:
        ends = [(link.from_, link.to)] + ([(link.to, link.from_)] if link.both_ways else [])
        for a, b in ends:
            session.add(
                FreightLink(
                    version_id=version_id,
                    mode=link.mode.value,
                    from_terminal_id=ids[a],
                    to_terminal_id=ids[b],
                    route=link.route,
                    distance_km=link.distance_km,
                    time_min=link.time_min,
                    cost_per_teu_cents=link.cost_per_teu_cents,
                    currency=data.currency,
                    emission_factor=link.emission_factor or data.default_factor(link.mode),
                    accepts=",".join(link.accepts),
                    source=link.source,
                    estimated=",".join(link.estimated),
                )
            )
    for service in data.services:
        row = FreightService(
            version_id=version_id,
            code=service.code,
            mode=service.mode.value,
            operator=service.operator,
            from_terminal_id=ids[service.from_],
            to_terminal_id=ids[service.to],
            transit_min=service.transit_min,
            capacity_teu=service.capacity_teu,
            cutoff_min=service.cutoff_min,
            cost_per_teu_cents=service.cost_per_teu_cents,
            currency=data.currency,
            emission_factor=service.emission_factor or data.default_factor(service.mode),
            accepts=",".join(service.accepts),
            source=service.source,
            estimated=",".join(service.estimated),
        )
        session.add(row)
        session.flush()
        session.add_all(
            FreightServiceDeparture(
                service_id=row.id, weekday=d.day.number, departure_time=d.local_time()
            )
            for d in service.departures
        )
    session.flush()
