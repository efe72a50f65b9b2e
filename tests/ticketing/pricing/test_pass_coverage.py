"""Which passes cover a planned journey: operator by the GTFS agency the tariff file maps,
zones by the stops it maps, the pass active throughout, single-use passes for one ride only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mobility.db import session_scope
from tests.ticketing.shop import Shop
from ticketing.passes.coverage import Ride, covering_passes


def _ride(agency: str, start: datetime, feed: str = "spezia", to_stop: str = "X2") -> Ride:
    return Ride(feed, agency, "X1", to_stop, start, start + timedelta(minutes=20))


def test_passes_cover_rides_of_their_operators_and_zones(shop: Shop) -> None:
    """An ATC 90-minute ticket covers an ATC bus ride (feed spezia, agency ATC) but not a Golfo
    ferry; the 7-day coast pass covers ATC but not the ferry's Portovenere stop zone."""
    rider = shop.traveller()
    ticket = shop.buy(rider, [{"product_id": "SP-90"}])["pass_ids"][0]
    week = shop.buy(rider, [{"product_id": "COSTA-7"}])["pass_ids"][0]
    soon = datetime.now(UTC) + timedelta(minutes=5)
    with session_scope() as session:
        bus = covering_passes(session, rider.account_id, [_ride("ATC", soon)])
        ferry = covering_passes(
            session, rider.account_id, [_ride("NGP", soon, "golfo", "PORTOVENERE")]
        )
        late = covering_passes(session, rider.account_id, [_ride("ATC", soon + timedelta(hours=2))])
        nobody = covering_passes(session, "acc_nobody", [_ride("ATC", soon)])
    assert sorted(bus) == sorted([ticket, week])
    assert ferry == []
    assert late == [week]  # the 90-minute ticket has ended by then
    assert nobody == []


def test_a_single_use_ticket_covers_one_ride_only(shop: Shop) -> None:
    """A single ride pays for one boarding: not for a journey with a change."""
    rider = shop.traveller()
    single = shop.buy(rider, [{"product_id": "SP-CORSA"}])["pass_ids"][0]
    soon = datetime.now(UTC) + timedelta(minutes=5)
    with session_scope() as session:
        one = covering_passes(session, rider.account_id, [_ride("ATC", soon)])
        two = covering_passes(
            session,
            rider.account_id,
            [_ride("ATC", soon), _ride("ATC", soon + timedelta(minutes=30))],
        )
    assert one == [single]
    assert two == []
