"""Response and request bodies of the catalogue endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ticketing.catalogue.config import CongestionBand
from ticketing.catalogue.service import (
    CongestionBandSetView,
    OperatorView,
    ProductView,
    RiderCategoryView,
    TariffVersionView,
    ZoneView,
)

T = TypeVar("T")


class OperatorOut(BaseModel):
    id: str
    name: str
    modes: list[str]
    gtfs: list[dict[str, Any]]

    @classmethod
    def of(cls, view: OperatorView) -> OperatorOut:
        return cls(id=view.id, name=view.name, modes=list(view.modes), gtfs=list(view.gtfs))


class ZoneOut(BaseModel):
    id: str
    name: str
    gtfs: list[dict[str, Any]]

    @classmethod
    def of(cls, view: ZoneView) -> ZoneOut:
        return cls(id=view.id, name=view.name, gtfs=list(view.gtfs))


class RiderCategoryOut(BaseModel):
    id: str
    name: str
    requires_proof: bool = Field(description="Proof of eligibility is checked (card, ID)")
    is_default: bool
    gtfs_rider_category_id: str | None

    @classmethod
    def of(cls, view: RiderCategoryView) -> RiderCategoryOut:
        return cls(
            id=view.id,
            name=view.name,
            requires_proof=view.requires_proof,
            is_default=view.is_default,
            gtfs_rider_category_id=view.gtfs_rider_category_id,
        )


class ProductOut(BaseModel):
    id: str
    name: str
    kind: str
    currency: str
    prices: dict[str, int] = Field(description="Gross minor units (VAT included) per category")
    vat_rate_bp: int
    operators: list[str]
    networks: list[str]
    zones: list[str]
    single_use: bool
    rides: int | None
    duration_minutes: int | None
    service_days: int | None
    from_zone: str | None
    to_zone: str | None
    facility: str | None
    active: bool
    description: str

    @classmethod
    def of(cls, view: ProductView) -> ProductOut:
        return cls(
            id=view.product_id,
            name=view.name,
            kind=view.kind,
            currency=view.currency,
            prices=dict(view.prices),
            vat_rate_bp=view.vat_rate_bp,
            operators=list(view.operators),
            networks=list(view.networks),
            zones=list(view.zones),
            single_use=view.single_use,
            rides=view.rides,
            duration_minutes=view.duration_minutes,
            service_days=view.service_days,
            from_zone=view.from_zone,
            to_zone=view.to_zone,
            facility=view.facility,
            active=view.active,
            description=view.description,
        )


class ListOut(BaseModel, Generic[T]):
    items: list[T]


class TariffVersionOut(BaseModel):
    version_id: int
    authority_id: str
    authority_name: str
    checksum: str = Field(description="sha256 of the canonical configuration document")
    loaded_at: datetime
    currency: str
    timezone: str
    vat_rate_bp: int
    service_day_start: str

    @classmethod
    def of(cls, view: TariffVersionView, day_start: str) -> TariffVersionOut:
        return cls(
            version_id=view.version_id,
            authority_id=view.authority_id,
            authority_name=view.authority_name,
            checksum=view.checksum,
            loaded_at=view.loaded_at,
            currency=view.currency,
            timezone=view.timezone,
            vat_rate_bp=view.vat_rate_bp,
            service_day_start=day_start,
        )


class CongestionBandOut(BaseModel):
    zone: str
    weekdays: list[str]
    start: str
    end: str
    adjustment_bp: int


class CongestionBandSetOut(BaseModel):
    set_id: int | None = Field(description="None when no band was ever set")
    effective_from: datetime | None
    author: str
    reason: str
    max_surcharge_bp: int
    bands: list[CongestionBandOut]

    @classmethod
    def of(cls, view: CongestionBandSetView) -> CongestionBandSetOut:
        return cls(
            set_id=view.set_id,
            effective_from=view.effective_from,
            author=view.author,
            reason=view.reason,
            max_surcharge_bp=view.max_surcharge_bp,
            bands=[
                CongestionBandOut(
                    zone=b.zone,
                    weekdays=list(b.weekdays),
                    start=b.start.strftime("%H:%M"),
                    end=b.end.strftime("%H:%M"),
                    adjustment_bp=b.adjustment_bp,
                )
                for b in view.bands
            ],
        )


class CongestionBandsOut(BaseModel):
    current: CongestionBandSetOut = Field(description="The set in force at `at`")
    history: list[CongestionBandSetOut] = Field(
        description="Latest sets first, including ones scheduled for later"
    )


class CongestionBandsIn(BaseModel):
    """A complete new set of bands: it replaces the set in force from `effective_from`."""

    model_config = ConfigDict(extra="forbid")

    bands: list[CongestionBand] = Field(max_length=500)
    effective_from: AwareDatetime | None = Field(
        default=None, description="Default now; never in the past"
    )
    reason: str = Field(default="", max_length=500)
