"""Travel records: one validated tap of a pass or of a pay-as-you-go account.

Access control writes them as gates decide (its `tap_id` makes a record idempotent); fare
capping, best fare and revenue clearing read them. `distance_m` is the on-network distance of
a completed trip (tap-in to tap-out along the GTFS shape), for passenger-km apportionment.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mobility.models import Base, UTCDateTime

_ID = 64


class TravelRecord(Base):
    __tablename__ = "ticketing_travel_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tap_id: Mapped[str] = mapped_column(String(_ID), nullable=False, unique=True)
    pass_id: Mapped[str | None] = mapped_column(ForeignKey("ticketing_passes.id"), index=True)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("ticketing_accounts.id"), index=True)
    product_id: Mapped[str | None] = mapped_column(String(_ID), index=True)
    rider_category_id: Mapped[str | None] = mapped_column(String(_ID))
    operator_id: Mapped[str] = mapped_column(String(_ID), nullable=False, index=True)
    network_id: Mapped[str | None] = mapped_column(String(_ID))
    zone_id: Mapped[str | None] = mapped_column(String(_ID))
    gate_id: Mapped[str | None] = mapped_column(String(_ID))
    stop_ref: Mapped[str | None] = mapped_column(String(200))  # FEED:STOP_ID
    direction: Mapped[str] = mapped_column(String(8), nullable=False)  # entry | exit
    tapped_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    distance_m: Mapped[int | None] = mapped_column(Integer)
    base_fare: Mapped[int | None] = mapped_column(Integer)  # pay-as-you-go only
    charged: Mapped[int | None] = mapped_column(Integer)  # after capping
    currency: Mapped[str | None] = mapped_column(String(3))
    capped_by: Mapped[str | None] = mapped_column(String(32))
