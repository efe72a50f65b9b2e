"""Orders in and out of the API: integer minor units with their currency, aware datetimes."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from ticketing.orders.models import OrderStatus, PaymentStatus
from ticketing.schemas import CODE_PATTERN, MoneyOut

_CODE = CODE_PATTERN


class OrderLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_id: str = Field(pattern=_CODE)
    rider_category: str | None = Field(
        default=None, pattern=_CODE, description="Default: the account's category, else adult"
    )
    quantity: int = Field(default=1, ge=1, le=20)
    valid_from: AwareDatetime | None = Field(
        default=None, description="When the passes start (default: now)"
    )
    party: dict[str, Annotated[int, Field(ge=0, le=50)]] | None = Field(
        default=None,
        description="Travellers per rider category, priced together (family or group ticket "
        "when cheaper); one pass each. Replaces rider_category and quantity.",
    )
    car_distance_km: float | None = Field(
        default=None,
        gt=0,
        le=1000,
        description="Park-and-ride: the trip's length by car; the eco incentive caps the price "
        "at the authority's share of what driving would cost",
    )

    @model_validator(mode="after")
    def _party_alone(self) -> OrderLineIn:
        if self.party is not None and (self.rider_category is not None or self.quantity != 1):
            raise ValueError("a party line gives members per category, not a category or quantity")
        return self


class OrderCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: list[OrderLineIn] = Field(min_length=1, max_length=10)
    device_key: str = Field(
        description="The app's Ed25519 public key (32 bytes, base64url): gates check the "
        "rotating proof it signs, so a screenshot is not a ticket"
    )

    @field_validator("device_key")
    @classmethod
    def _raw_ed25519(cls, value: str) -> str:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        except (binascii.Error, ValueError) as exc:
            raise ValueError("device_key must be base64url") from exc
        if len(raw) != 32:
            raise ValueError("device_key must be a raw 32-byte Ed25519 public key")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class OrderLineOut(BaseModel):
    line_no: int
    product_id: str
    product_name: str
    rider_category: str
    quantity: int
    unit_price: MoneyOut
    amount: MoneyOut
    vat: MoneyOut
    valid_from: datetime
    pricing_note: str


class PaymentOut(BaseModel):
    provider: str
    intent_id: str
    status: PaymentStatus
    client_secret: str | None = Field(
        default=None, description="For the app to confirm the payment; shown to the owner only"
    )


class ReceiptOut(BaseModel):
    total: MoneyOut
    net: MoneyOut
    vat: MoneyOut
    vat_rate_percent: str = Field(description="e.g. '10.00'")
    refunded: MoneyOut


class OrderOut(BaseModel):
    id: str
    status: OrderStatus
    account_id: str
    created_at: datetime
    paid_at: datetime | None
    lines: list[OrderLineOut]
    receipt: ReceiptOut
    payment: PaymentOut | None
    pass_ids: list[str]


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    payment_method: str | None = Field(
        default=None,
        max_length=200,
        description="Sandbox and test mode: a test payment method such as pm_card_visa; "
        "omit to only check a payment the app confirmed",
    )


class RefundCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: int | None = Field(default=None, gt=0, description="Default: all that is left")
    reason: str = Field(default="", max_length=200)
    pass_ids: list[str] | None = Field(
        default=None,
        description="Passes to revoke (default: all of the order's, on a full "
        "refund; none on a partial one unless listed)",
    )
    shorten_to: AwareDatetime | None = Field(
        default=None, description="Instead of revoking, end the order's passes at this moment"
    )


class RefundOut(BaseModel):
    id: str
    order_id: str
    amount: MoneyOut
    vat: MoneyOut
    reason: str
    created_at: datetime
    revoked_pass_ids: list[str]
    shortened_pass_ids: list[str]
