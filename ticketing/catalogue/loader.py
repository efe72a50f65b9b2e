"""Load a tariff file into the catalogue: all or nothing, idempotent, ids stable across loads.

The whole file is validated before the first write, so an invalid file changes nothing; the
writes happen in the caller's transaction (the CLI's `session_scope`, a request's session),
which commits or rolls back them together. Loading the same configuration again (same
canonical document, whatever its comments or layout) is a no-op reported as `unchanged`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ticketing.catalogue.config import CongestionBand, TariffConfig, config_from_document
from ticketing.catalogue.gtfs_refs import unresolved_gtfs_references
from ticketing.catalogue.models import (
    CatalogueOperator,
    CatalogueProduct,
    CatalogueProductPrice,
    CatalogueRiderCategory,
    CatalogueZone,
    TariffVersion,
    TariffVersionStatus,
)
from ticketing.catalogue.repository import CatalogueRepository
from ticketing.catalogue.validation import invalid, parse_tariffs

_Catalogued = TypeVar(
    "_Catalogued", CatalogueOperator, CatalogueZone, CatalogueRiderCategory, CatalogueProduct
)


@dataclass(frozen=True)
class LoadResult:
    """What a load did: the version now current, and what it added, changed or retired."""

    status: Literal["loaded", "unchanged"]
    version_id: int
    authority_id: str
    checksum: str
    counts: Mapping[str, int] = field(default_factory=dict)
    deactivated: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    congestion_set_id: int | None = None
    # GTFS references the imported feeds lack (see gtfs_refs.py): reported, never fatal.
    warnings: tuple[str, ...] = ()

    def summary_line(self) -> str:
        head = f"tariffs {self.authority_id}: version {self.version_id}"
        notes = f"; {len(self.warnings)} GTFS warnings" if self.warnings else ""
        if self.status == "unchanged":
            return f"{head} unchanged (checksum {self.checksum[:12]}){notes}"
        parts = [f"{n} {what.replace('_', ' ')}" for what, n in self.counts.items()]
        gone = [f"{len(ids)} {what.replace('_', ' ')}" for what, ids in self.deactivated.items()]
        retired = f"; deactivated {', '.join(gone)}" if gone else ""
        bands = (
            f"; congestion band set {self.congestion_set_id}"
            if self.congestion_set_id is not None
            else ""
        )
        return (
            f"{head} loaded (checksum {self.checksum[:12]}): {', '.join(parts)}{retired}{bands}"
            f"{notes}"
        )


def canonical_json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def load_tariffs(
    session: Session, text: str, *, source: str, now: datetime | None = None
) -> LoadResult:
    """Validate `text` (a tariff file) and make it the current catalogue.

    Raises TariffConfigInvalid, before any write, if the file is invalid or belongs to another
    authority than the one this database serves. Never commits.
    """
    config = parse_tariffs(text, source=source)
    document = canonical_json(config.document())
    checksum = hashlib.sha256(document.encode()).hexdigest()
    moment = now or datetime.now(UTC)
    repo = CatalogueRepository(session)
    current = repo.current_version(for_update=True)
    if current is not None and current.authority_id != config.authority.id:
        raise invalid(
            [
                {
                    "path": "authority.id",
                    "message": f"this database serves authority {current.authority_id!r}, "
                    f"not {config.authority.id!r}",
                }
            ],
            source,
        )
    warnings = tuple(unresolved_gtfs_references(session, config))
    if current is not None and current.checksum == checksum:
        return LoadResult(
            "unchanged", current.id, current.authority_id, checksum, warnings=warnings
        )
    previous = _stored_config(current)
    if current is not None:
        current.status = TariffVersionStatus.SUPERSEDED
        session.flush()  # the partial unique index allows one current version at a time
    version = TariffVersion(
        authority_id=config.authority.id,
        checksum=checksum,
        document=document,
        source=source[:500],
        loaded_at=moment,
        status=TariffVersionStatus.CURRENT,
    )
    session.add(version)
    session.flush()
    deactivated = _write_catalogue(session, config, version.id)
    band_set_id = None
    if _bands_changed(previous, config) or not repo.has_band_sets():
        band_set = repo.add_band_set(
            [_band_tuple(b) for b in config.congestion.bands],
            author=f"tariff file {source}"[:200],
            reason=f"tariff version {version.id}",
            effective_from=moment,
            created_at=moment,
        )
        band_set_id = band_set.id
    return LoadResult(
        "loaded",
        version.id,
        config.authority.id,
        checksum,
        counts={
            "operators": len(config.operators),
            "zones": len(config.zones),
            "rider_categories": len(config.rider_categories),
            "products": len(config.products),
        },
        deactivated={k: v for k, v in deactivated.items() if v},
        congestion_set_id=band_set_id,
        warnings=warnings,
    )


def load_tariff_file(session: Session, path: Path) -> LoadResult:
    """`load_tariffs` on a file (OSError if it cannot be read; UTF-8 as TOML requires)."""
    return load_tariffs(session, path.read_text(encoding="utf-8"), source=str(path))


def _stored_config(version: TariffVersion | None) -> TariffConfig | None:
    if version is None:
        return None
    try:
        return config_from_document(json.loads(version.document))
    except ValidationError:  # stored by older code with another schema: compare as changed
        return None


def _bands_changed(previous: TariffConfig | None, config: TariffConfig) -> bool:
    # The file's bands replace the planners' only when the file's own bands changed: a fare
    # change elsewhere in the file must not silently undo a planner's congestion edit.
    return previous is None or previous.congestion.bands != config.congestion.bands


def _band_tuple(band: CongestionBand) -> tuple[str, str, str, str, int]:
    return (band.zone, ",".join(band.weekdays), band.start, band.end, band.adjustment_bp)


def _upsert(
    session: Session,
    model: type[_Catalogued],
    values: Mapping[str, dict[str, Any]],
) -> tuple[str, ...]:
    """Insert or update a row per id in `values`; deactivate rows of other ids (never delete).

    Returns the ids newly deactivated.
    """
    existing = {row.id: row for row in session.scalars(select(model))}
    for ident, fields in values.items():
        row = existing.get(ident)
        if row is None:
            session.add(model(id=ident, active=True, **fields))
        else:
            for name, value in fields.items():
                setattr(row, name, value)
            row.active = True
    gone = []
    for ident, row in existing.items():
        if ident not in values and row.active:
            row.active = False
            gone.append(ident)
    session.flush()
    return tuple(sorted(gone))


def _write_catalogue(
    session: Session, config: TariffConfig, version_id: int
) -> dict[str, tuple[str, ...]]:
    dumps = json.dumps
    deactivated = {
        "operators": _upsert(
            session,
            CatalogueOperator,
            {
                o.id: {
                    "name": o.name,
                    "modes": dumps([m.value for m in o.modes]),
                    "gtfs": dumps([g.model_dump() for g in o.gtfs]),
                    "version_id": version_id,
                }
                for o in config.operators
            },
        ),
        "zones": _upsert(
            session,
            CatalogueZone,
            {
                z.id: {
                    "name": z.name,
                    "gtfs": dumps([g.model_dump() for g in z.gtfs]),
                    "version_id": version_id,
                }
                for z in config.zones
            },
        ),
        "rider_categories": _upsert(
            session,
            CatalogueRiderCategory,
            {
                c.id: {
                    "name": c.name,
                    "requires_proof": c.requires_proof,
                    "is_default": c.is_default,
                    "gtfs_rider_category_id": c.gtfs_rider_category_id,
                    "version_id": version_id,
                }
                for c in config.rider_categories
            },
        ),
    }
    coverage = {p.id: config.coverage(p) for p in config.products}
    deactivated["products"] = _upsert(
        session,
        CatalogueProduct,
        {
            p.id: {
                "name": p.name,
                "kind": p.kind.value,
                "currency": config.currency,
                "single_use": p.is_single_use,
                "duration_minutes": p.duration_minutes,
                "service_days": p.validity_days,
                "rides": p.rides,
                "from_zone_id": p.from_zone,
                "to_zone_id": p.to_zone,
                "facility_id": p.facility,
                "operators": dumps(coverage[p.id][0]),
                "networks": dumps(coverage[p.id][1]),
                "zones": dumps(coverage[p.id][2]),
                "description": p.description,
                "version_id": version_id,
            }
            for p in config.products
        },
    )
    _write_prices(session, config)
    return deactivated


def _write_prices(session: Session, config: TariffConfig) -> None:
    """Prices of the loaded products become exactly the file's; retired products keep theirs
    (the last price they were sold at, for support and refunds)."""
    loaded = {p.id: p for p in config.products}
    existing = {
        (row.product_id, row.rider_category_id): row
        for row in session.scalars(
            select(CatalogueProductPrice).where(CatalogueProductPrice.product_id.in_(list(loaded)))
        )
    }
    wanted = {
        (pid, category): amount
        for pid, product in loaded.items()
        for category, amount in product.prices.items()
    }
    for key, row in existing.items():
        if key not in wanted:
            session.delete(row)
    session.flush()
    for (pid, category), amount in wanted.items():
        price = existing.get((pid, category))
        if price is None:
            session.add(
                CatalogueProductPrice(
                    product_id=pid,
                    rider_category_id=category,
                    amount=amount,
                    currency=config.currency,
                )
            )
        else:
            price.amount, price.currency = amount, config.currency
    session.flush()
