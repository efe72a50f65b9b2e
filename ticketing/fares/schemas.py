"""What POST /v1/fares/quote accepts and returns; money is integer minor units + currency."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from ticketing.schemas import MoneyOut

MAX_LEGS = 12

GtfsId = Annotated[str, StringConstraints(min_length=1, max_length=255)]


class QuoteLegIn(BaseModel):
    """One ride of the itinerary, with ids of the feed's current version."""

    feed: GtfsId = Field(description="Feed id, as in /v1/feeds")
    route_id: GtfsId
    from_stop_id: GtfsId = Field(description="Where the rider boards")
    to_stop_id: GtfsId = Field(description="Where the rider alights")
    departure: AwareDatetime = Field(description="Boarding time, with its UTC offset")
    arrival: AwareDatetime = Field(description="Alighting time, with its UTC offset")
    service_date: date | None = Field(
        None, description="The trip's GTFS service day; default: the local date of departure"
    )
    via_stop_ids: list[GtfsId] = Field(
        default_factory=list,
        max_length=500,
        description="Stops passed between boarding and alighting (Fares v1 contains_id)",
    )


class QuoteRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "legs": [
                        {
                            "feed": "svrta",
                            "route_id": "Blue",
                            "from_stop_id": "1",
                            "to_stop_id": "17",
                            "departure": "2024-10-15T07:00:00-04:00",
                            "arrival": "2024-10-15T07:12:00-04:00",
                        },
                        {
                            "feed": "svrta",
                            "route_id": "Red",
                            "from_stop_id": "1",
                            "to_stop_id": "30",
                            "departure": "2024-10-15T07:30:00-04:00",
                            "arrival": "2024-10-15T08:25:00-04:00",
                        },
                    ]
                }
            ]
        }
    )

    rider_category: GtfsId | None = Field(
        None,
        description="Fares v2 rider_category_id; default: the feed's default category. "
        "Fares v1 has no categories: every rider pays the same fare",
    )
    fare_media_id: GtfsId | None = Field(
        None, description="Fares v2: price only products sold on this fare medium"
    )
    legs: list[QuoteLegIn] = Field(min_length=1, max_length=MAX_LEGS)


class RuleOut(BaseModel):
    """The row of the feed that produced an amount."""

    file: str = Field(examples=["fare_leg_rules.txt"])
    line: int | None = Field(None, description="Line in the file, the header being line 1")
    key: str = Field("", description="The row's key, e.g. leg_group_id or FROM->TO groups")


class QuoteLineOut(BaseModel):
    legs: list[int] = Field(description="Indices of the request's legs this amount covers")
    amount: int
    currency: str
    fare_product_id: str | None
    product_name: str
    rider_category_id: str | None
    fare_media_id: str | None
    rule: RuleOut


class QuoteResponse(BaseModel):
    total: MoneyOut
    lines: list[QuoteLineOut]
    rider_category_id: str | None
    fares_version: Literal["v2", "v1"]
    feed: str
    feed_version_id: int
