"""The catalogue as other code sees it: the current configuration, products and their prices,
validity windows, rider categories and the congestion bands in force.

Functions take the caller's session and never commit. Views are frozen dataclasses, detached
from the session, safe to keep for the length of a request or a job.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.orm import Session

from mobility.db import on_engine_reset
from mobility.money import Money
from ticketing.catalogue.config import (
    CongestionBand,
    TariffConfig,
    Weekday,
    config_from_document,
    parse_hhmm,
)
from ticketing.catalogue.errors import (
    CongestionBandsInvalid,
    NoPriceForRiderCategory,
    RiderCategoryNotFound,
    TariffsNotLoaded,
)
from ticketing.catalogue.models import CatalogueProduct, CongestionBandRow, CongestionBandSet
from ticketing.catalogue.repository import CatalogueRepository
from ticketing.errors import ProductNotFound, TariffConfigInvalid
from ticketing.tariffs.servicedays import day_boundary, service_day

# -- the current configuration ------------------------------------------------------------

# Keyed by the document's checksum: equal checksums are equal documents, on any database.
_CONFIGS: dict[str, TariffConfig] = {}
_CONFIGS_LOCK = threading.Lock()
_CONFIGS_KEPT = 4
on_engine_reset(_CONFIGS.clear)


def current_config(session: Session) -> TariffConfig | None:
    """The current tariff configuration (None before the first load), parsed once per version."""
    repo = CatalogueRepository(session)
    key = repo.current_version_key()
    if key is None:
        return None
    version_id, checksum = key
    config = _CONFIGS.get(checksum)
    if config is None:
        document = repo.version_document(version_id)
        assert document is not None
        try:
            config = config_from_document(json.loads(document))
        except ValidationError as exc:
            # Written by code with an older schema: the file must be loaded again.
            raise TariffConfigInvalid(
                f"the current tariff version {version_id} does not match this code's schema: "
                "load the tariff file again (`mobility ticketing load-tariffs FILE`)"
            ) from exc
        with _CONFIGS_LOCK:
            while len(_CONFIGS) >= _CONFIGS_KEPT:
                _CONFIGS.pop(next(iter(_CONFIGS)))
            _CONFIGS[checksum] = config
    return config


def require_config(session: Session) -> TariffConfig:
    """The current configuration; TariffsNotLoaded (409) before the first load."""
    config = current_config(session)
    if config is None:
        raise TariffsNotLoaded("no tariff file loaded: run `mobility ticketing load-tariffs FILE`")
    return config


@dataclass(frozen=True, slots=True)
class TariffVersionView:
    version_id: int
    authority_id: str
    authority_name: str
    checksum: str
    loaded_at: datetime
    source: str
    currency: str
    timezone: str
    vat_rate_bp: int


def current_version(session: Session) -> TariffVersionView | None:
    """The current tariff version's identity (None before the first load)."""
    version = CatalogueRepository(session).current_version()
    if version is None:
        return None
    config = current_config(session)
    assert config is not None
    return TariffVersionView(
        version.id,
        version.authority_id,
        config.authority.name,
        version.checksum,
        version.loaded_at,
        version.source,
        config.currency,
        config.timezone,
        config.vat_rate_bp,
    )


# -- operators, zones, rider categories ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class OperatorView:
    id: str
    name: str
    modes: tuple[str, ...]
    gtfs: tuple[Mapping[str, Any], ...]
    active: bool


@dataclass(frozen=True, slots=True)
class ZoneView:
    id: str
    name: str
    gtfs: tuple[Mapping[str, Any], ...]
    active: bool


@dataclass(frozen=True, slots=True)
class RiderCategoryView:
    id: str
    name: str
    requires_proof: bool
    is_default: bool
    gtfs_rider_category_id: str | None
    active: bool


def list_operators(session: Session) -> list[OperatorView]:
    """The active operators, by id."""
    return [
        OperatorView(o.id, o.name, tuple(json.loads(o.modes)), tuple(json.loads(o.gtfs)), o.active)
        for o in CatalogueRepository(session).operators()
    ]


def list_zones(session: Session) -> list[ZoneView]:
    """The active zones, by id."""
    return [
        ZoneView(z.id, z.name, tuple(json.loads(z.gtfs)), z.active)
        for z in CatalogueRepository(session).zones()
    ]


def list_rider_categories(session: Session) -> list[RiderCategoryView]:
    """The active rider categories, by id."""
    return [
        RiderCategoryView(
            c.id, c.name, c.requires_proof, c.is_default, c.gtfs_rider_category_id, c.active
        )
        for c in CatalogueRepository(session).rider_categories()
    ]


def rider_category(session: Session, category_id: str) -> RiderCategoryView:
    """A rider category (also one no longer offered: `active` says); RiderCategoryNotFound."""
    row = CatalogueRepository(session).rider_category(category_id)
    if row is None:
        raise RiderCategoryNotFound(f"no rider category {category_id!r}", id=category_id)
    return RiderCategoryView(
        row.id,
        row.name,
        row.requires_proof,
        row.is_default,
        row.gtfs_rider_category_id,
        row.active,
    )


# -- products -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProductView:
    """A product as sold: prices per rider category (gross minor units, VAT included) and
    what it covers. `service_days` is None when the validity is `duration_minutes` instead;
    for a carnet, `service_days` bound the carnet and `duration_minutes` each ride."""

    product_id: str
    name: str
    kind: str
    currency: str
    prices: Mapping[str, int]
    operators: tuple[str, ...]
    networks: tuple[str, ...]
    zones: tuple[str, ...]
    single_use: bool
    rides: int | None
    duration_minutes: int | None
    service_days: int | None
    from_zone: str | None
    to_zone: str | None
    facility: str | None
    active: bool
    vat_rate_bp: int
    day_start: time
    timezone: str
    description: str = ""


def _view(
    row: CatalogueProduct, prices: Mapping[str, int], config: TariffConfig | None
) -> ProductView:
    return ProductView(
        product_id=row.id,
        name=row.name,
        kind=row.kind,
        currency=row.currency,
        prices=MappingProxyType(dict(prices)),
        operators=tuple(json.loads(row.operators)),
        networks=tuple(json.loads(row.networks)),
        zones=tuple(json.loads(row.zones)),
        single_use=row.single_use,
        rides=row.rides,
        duration_minutes=row.duration_minutes,
        service_days=row.service_days,
        from_zone=row.from_zone_id,
        to_zone=row.to_zone_id,
        facility=row.facility_id,
        active=row.active,
        vat_rate_bp=config.vat_rate_bp if config else 1000,
        day_start=config.day_start if config else time(4, 0),
        timezone=config.timezone if config else "Europe/Rome",
        description=row.description,
    )


def get_product(session: Session, product_id: str) -> ProductView:
    """A product by id, also one no longer sold (`active` False); ProductNotFound if none."""
    repo = CatalogueRepository(session)
    row = repo.product(product_id)
    if row is None:
        raise ProductNotFound(f"no product {product_id!r}", product_id=product_id)
    return _view(row, repo.prices([row.id])[row.id], current_config(session))


def list_products(
    session: Session, *, kind: str | None = None, operator: str | None = None
) -> list[ProductView]:
    """The products on sale, by id; optionally of one kind and covering one operator."""
    repo = CatalogueRepository(session)
    rows = repo.products(kind=kind)
    prices = repo.prices([r.id for r in rows])
    config = current_config(session)
    views = [_view(r, prices[r.id], config) for r in rows]
    if operator is not None:
        views = [v for v in views if operator in v.operators]
    return views


def price_of(product: ProductView, rider_category: str) -> Money:
    """The gross price of `product` for `rider_category`.

    ProductNotFound if the product is no longer sold; NoPriceForRiderCategory if it is not
    sold to that category (the file gives it no price).
    """
    if not product.active:
        raise ProductNotFound(
            f"product {product.product_id!r} is no longer sold", product_id=product.product_id
        )
    amount = product.prices.get(rider_category)
    if amount is None:
        raise NoPriceForRiderCategory(
            f"product {product.product_id!r} has no price for rider category "
            f"{rider_category!r} (priced for {', '.join(sorted(product.prices))})",
            product_id=product.product_id,
            rider_category=rider_category,
        )
    return Money(amount, product.currency)


# -- validity -----------------------------------------------------------------------------


def _zone(tz: ZoneInfo | str | None, fallback: str) -> ZoneInfo:
    if tz is None:
        return ZoneInfo(fallback)
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def validity_window(
    product: ProductView, start: datetime, tz: ZoneInfo | str | None = None
) -> tuple[datetime, datetime]:
    """[start, end) of a pass of `product` first valid at `start` (aware), both in UTC.

    Minute-bounded products (time_based, zone, and any product with `duration_minutes` but no
    service days) end `duration_minutes` of elapsed time later, so a DST change neither adds nor
    takes away minutes. Day products (day, week, month, tourist, and single rides, carnets,
    park-and-ride without minutes) end when their Nth service day does: at the next day start
    (local, `product.day_start`) after N days, counted from the service day of `start`; that
    local wall time is kept across DST changes (a day of 23 or 25 hours).
    """
    if start.tzinfo is None:
        raise ValueError("validity_window needs an aware start")
    zone = _zone(tz, product.timezone)
    begin = start.astimezone(UTC)
    if product.service_days is None:
        if product.duration_minutes is None:
            raise ValueError(f"product {product.product_id!r} has no validity configured")
        return begin, begin + timedelta(minutes=product.duration_minutes)
    first = service_day(start, zone, product.day_start)
    end = day_boundary(first + timedelta(days=product.service_days), zone, product.day_start)
    return begin, end.astimezone(UTC)


# -- congestion bands ---------------------------------------------------------------------

_WEEKDAYS = [d.value for d in Weekday]


@dataclass(frozen=True, slots=True)
class CongestionBandView:
    zone: str
    weekdays: tuple[str, ...]
    start: time
    end: time
    adjustment_bp: int


@dataclass(frozen=True, slots=True)
class CongestionBandSetView:
    """The congestion bands in force from `effective_from` (set_id None: none ever set)."""

    set_id: int | None
    effective_from: datetime | None
    author: str
    reason: str
    bands: tuple[CongestionBandView, ...]
    max_surcharge_bp: int


def _band_view(row: CongestionBandRow) -> CongestionBandView:
    return CongestionBandView(
        zone=row.zone_id,
        weekdays=tuple(row.weekdays.split(",")),
        start=parse_hhmm(row.start_time),
        end=parse_hhmm(row.end_time),
        adjustment_bp=row.adjustment_bp,
    )


def _set_view(
    band_set: CongestionBandSet, rows: Sequence[CongestionBandRow], max_surcharge_bp: int
) -> CongestionBandSetView:
    return CongestionBandSetView(
        band_set.id,
        band_set.effective_from,
        band_set.author,
        band_set.reason,
        tuple(_band_view(r) for r in rows),
        max_surcharge_bp,
    )


def congestion_bands(session: Session, at: datetime) -> CongestionBandSetView:
    """The congestion bands in force at `at` (the latest set effective by then)."""
    repo = CatalogueRepository(session)
    config = current_config(session)
    cap = config.congestion.max_surcharge_bp if config else 0
    band_set = repo.band_set_at(at)
    if band_set is None:
        return CongestionBandSetView(None, None, "", "", (), cap)
    return _set_view(band_set, repo.bands_of([band_set.id])[band_set.id], cap)


def congestion_history(session: Session, limit: int = 20) -> list[CongestionBandSetView]:
    """The latest `limit` band sets, newest effective first (scheduled ones included)."""
    repo = CatalogueRepository(session)
    config = current_config(session)
    cap = config.congestion.max_surcharge_bp if config else 0
    sets = repo.band_sets(limit)
    rows = repo.bands_of([s.id for s in sets])
    return [_set_view(s, rows[s.id], cap) for s in sets]


PAST_TOLERANCE = timedelta(minutes=1)  # clock skew between a planner's client and us


def set_congestion_bands(
    session: Session,
    bands: Sequence[CongestionBand],
    author: str,
    *,
    effective_from: datetime | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> CongestionBandSetView:
    """Append a new set of congestion bands, in force from `effective_from` (default now).

    Earlier sets stay as history: a set is never edited. Every band's zone must be an active
    zone of the catalogue and its adjustment within the configured maximum surcharge; a set
    may not take effect in the past. CongestionBandsInvalid (422) lists every problem.
    """
    config = require_config(session)
    moment = now or datetime.now(UTC)
    start = effective_from or moment
    repo = CatalogueRepository(session)
    zones = {z.id for z in repo.zones()}
    cap = config.congestion.max_surcharge_bp
    problems: list[dict[str, str]] = []
    if start.tzinfo is None:
        problems.append({"path": "effective_from", "message": "needs a time zone offset"})
    elif start < moment - PAST_TOLERANCE:
        problems.append({"path": "effective_from", "message": "must not be in the past"})
    for i, band in enumerate(bands):
        if band.zone not in zones:
            problems.append({"path": f"bands[{i}].zone", "message": f"unknown zone {band.zone!r}"})
        if band.adjustment_bp > cap:
            problems.append(
                {
                    "path": f"bands[{i}].adjustment_bp",
                    "message": f"{band.adjustment_bp} exceeds max_surcharge_bp {cap}",
                }
            )
    if problems:
        raise CongestionBandsInvalid(
            "; ".join(f"{p['path']}: {p['message']}" for p in problems[:5]), errors=problems
        )
    band_set = repo.add_band_set(
        [(b.zone, ",".join(b.weekdays), b.start, b.end, b.adjustment_bp) for b in bands],
        author=author[:200],
        reason=reason[:500],
        effective_from=start,
        created_at=moment,
    )
    return _set_view(band_set, repo.bands_of([band_set.id])[band_set.id], cap)
