"""The sample authority's innovative tariffs at work: pay-as-you-go taps capped across
operators, the best-fare review, off-peak and congestion prices, family, group and eco quotes.

Times are chosen against data/sample/tariffs.toml: off-peak 09:30-12:00 and 14:30-16:30 on
working days and 21:00-04:00 daily (20% and 15% off); congestion +20% in SP-PORT 08:00-11:00.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from mobility.db import session_scope
from tests.ticketing.shop import TARIFFS, Shop
from ticketing.ledger.models import LedgerTransaction
from ticketing.ledger.service import trial_balance
from ticketing.pricing.service import settle_best_fare
from ticketing.usage.models import TravelRecord
from ticketing.usage.service import TapFacts, record_tap

ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def tariffs_text() -> str:
    """The whole sample file, bands included: these tests fix the times they price at."""
    return TARIFFS.read_text()


def _next(weekday: int, hour: int, minute: int = 0) -> datetime:
    """The next local `weekday` (0 Monday) at hour:minute, at least a day from now."""
    day = date.today() + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ROME)


def _tap(
    pass_id: str, n: int, when: datetime, operator: str = "ATC", zone: str = "SP-URB"
) -> TravelRecord | None:
    with session_scope() as session:
        record = record_tap(
            session,
            TapFacts(
                tap_id=f"tap-{pass_id}-{n}",
                pass_id=pass_id,
                operator_id=operator,
                direction="entry",
                tapped_at=when,
                zone_id=zone,
            ),
        )
        assert record is not None
        session.expunge_all()
        return record


def _payg_pass(shop: Shop) -> tuple[str, dict[str, str]]:
    rider = shop.traveller()
    order = shop.order(rider, [{"product_id": "PAYG"}])
    assert order.status_code == 201, order.text
    body = order.json()
    assert body["status"] == "fulfilled"  # nothing to pay: fulfilled at once
    assert body["receipt"]["total"]["amount"] == 0
    return body["pass_ids"][0], rider.headers


def test_payg_taps_are_capped_per_day_across_operators(shop: Shop) -> None:
    """Sunday evening (no off-peak, no congestion): 150 a ride on ATC buses until the day cap
    of 600 is reached, shared with an Autolinee Toscane tap; the next day starts afresh."""
    pass_id, _ = _payg_pass(shop)
    sunday = _next(6, 17)
    charged = [
        _tap(pass_id, 1, sunday, "ATC").charged,
        _tap(pass_id, 2, sunday + timedelta(minutes=20), "ATC").charged,
        _tap(pass_id, 3, sunday + timedelta(minutes=40), "ATC").charged,
        _tap(pass_id, 4, sunday + timedelta(minutes=60), "ATC").charged,
        _tap(pass_id, 5, sunday + timedelta(minutes=80), "ATC").charged,
    ]
    assert charged == [150, 150, 150, 150, 0]
    # The service day runs to 04:00: a tap at 02:00 the next night still counts as Sunday's.
    night = _tap(pass_id, 6, sunday.replace(hour=2) + timedelta(days=1), "ATC")
    assert (night.charged, night.capped_by) == (0, "day")
    monday = _tap(pass_id, 7, sunday.replace(hour=18) + timedelta(days=1), "ATC")
    assert monday.charged == 150
    with session_scope() as session:
        kinds = session.scalars(select(LedgerTransaction.kind)).all()
        assert kinds.count("payg_charge") == 7
        assert kinds.count("cap_adjustment") == 2
        assert sum(line.balance.amount for line in trial_balance(session)) == 0


def test_a_repeated_tap_is_recorded_and_charged_once(shop: Shop) -> None:
    """A gate re-sending the same tap id changes nothing."""
    pass_id, _ = _payg_pass(shop)
    when = _next(6, 18)
    first = _tap(pass_id, 1, when)
    again = _tap(pass_id, 1, when)
    assert first.id == again.id
    with session_scope() as session:
        assert len(session.scalars(select(TravelRecord)).all()) == 1


def test_off_peak_taps_cost_less(shop: Shop) -> None:
    """A working-day tap at 10:00 costs 20% less (120), at 22:00 15% less: the 22.5 cents of
    discount round in the rider's favour (127)."""
    pass_id, _ = _payg_pass(shop)
    wednesday = _next(2, 10)
    assert _tap(pass_id, 1, wednesday).charged == 120
    assert _tap(pass_id, 2, wednesday.replace(hour=22)).charged == 127


def test_best_fare_refunds_what_a_time_ticket_would_have_saved(shop: Shop) -> None:
    """Three rides within 90 minutes paid 450 as they went; one SP-90 ticket (180) would have
    covered them: the review shows a refund of 270 and posts it once."""
    pass_id, headers = _payg_pass(shop)
    sunday = _next(6, 17)
    for n in range(3):
        _tap(pass_id, n, sunday + timedelta(minutes=30 * n))
    period = f"{sunday.year:04d}-{sunday.month:02d}"
    review = shop.client.get("/v1/me/best-fare", params={"period": period}, headers=headers)
    assert review.status_code == 200, review.text
    (only,) = review.json()
    assert (only["paid"]["amount"], only["best"]["amount"], only["refund"]["amount"]) == (
        450,
        180,
        270,
    )
    assert [c["product_id"] for c in only["covers"]] == ["SP-90"]
    start = datetime(sunday.year, sunday.month, 1, tzinfo=ROME)
    end = (start + timedelta(days=32)).replace(day=1)
    for _ in range(2):
        with session_scope() as session:
            settle_best_fare(session, period, start, end, datetime.now(UTC))
    with session_scope() as session:
        kinds = session.scalars(select(LedgerTransaction.kind)).all()
        assert kinds.count("best_fare_refund") == 1


def test_orders_are_priced_for_when_they_start(shop: Shop) -> None:
    """An SP-90 ticket starting at 15:00 on a working day costs 144 (20% off, noted on the
    line); one starting on Sunday at 19:00 costs the list price 180."""
    rider = shop.traveller()
    off_peak = _next(1, 15)
    if off_peak - datetime.now(UTC) > timedelta(days=59):  # pragma: no cover - calendar guard
        off_peak -= timedelta(days=7)
    order = shop.buy(
        rider,
        [
            {"product_id": "SP-90", "valid_from": off_peak.isoformat()},
            {"product_id": "SP-90", "valid_from": _next(6, 19).isoformat()},
        ],
    )
    first, second = order["lines"]
    assert first["unit_price"]["amount"] == 144
    assert "off_peak" in first["pricing_note"]
    assert second["unit_price"]["amount"] == 180
    assert order["receipt"]["total"]["amount"] == 324


def test_congestion_surcharge_follows_the_planners_bands(shop: Shop) -> None:
    """A single ride in the port zone of La Spezia at 09:00 carries the file's +20%; once a
    planner sets a band set without it, the same tap costs the list price."""
    pass_id, _ = _payg_pass(shop)
    sunday_9 = _next(6, 9)
    assert _tap(pass_id, 1, sunday_9, zone="SP-PORT").charged == 180
    planner = shop.client.put(
        "/v1/catalogue/congestion-bands",
        json={
            "bands": [
                {
                    "zone": "LI-PORT",
                    "weekdays": ["mon"],
                    "start": "07:00",
                    "end": "08:00",
                    "adjustment_bp": 1000,
                }
            ],
            "reason": "scenario 12: port surge moved to Livorno",
        },
        headers=_planner_headers(),
    )
    assert planner.status_code in (200, 201), planner.text
    assert _tap(pass_id, 2, sunday_9 + timedelta(days=7), zone="SP-PORT").charged == 150


def _planner_headers() -> dict[str, str]:
    from mobility.auth.access_tokens import issue_access_token
    from mobility.auth.principals import Principal, PrincipalKind, Scope

    planner = Principal(
        subject="planner-1", kind=PrincipalKind.PLANNER, scopes=frozenset({Scope.SCENARIOS_RUN})
    )
    return {"Authorization": f"Bearer {issue_access_token(planner)}"}


def test_family_ticket_is_chosen_when_cheaper(shop: Shop) -> None:
    """Two adults and two children for a day: 1,800 as singles, 1,200 as a family ticket."""
    response = shop.client.post(
        "/v1/fares/group-quote",
        json={"product_id": "COSTA-DAY", "members": {"adult": 2, "child": 2}},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["option"], body["total"]["amount"]) == ("family", 1200)
    assert body["options"]["individual"]["amount"] == 1800


def test_group_discount_for_ten_travellers(shop: Shop) -> None:
    """Ten adults on SP-90 tickets: 1,800 less 15% = 1,530."""
    body = shop.client.post(
        "/v1/fares/group-quote", json={"product_id": "SP-90", "members": {"adult": 10}}
    ).json()
    assert (body["option"], body["total"]["amount"]) == ("group", 1530)


def test_eco_quote_caps_park_and_ride_against_the_car(shop: Shop) -> None:
    """10 km by car costs 30 x 10 + 150 parking = 450; park-and-ride (400) is lowered to 60% of
    that, 270. For 20 km (750) the list price is already below the ceiling."""
    short = shop.client.post(
        "/v1/fares/eco-quote", json={"product_id": "PR-PISA", "car_distance_km": 10}
    ).json()
    assert (short["car_cost"]["amount"], short["price"]["amount"]) == (450, 270)
    assert short["discount"]["amount"] == 130
    long = shop.client.post(
        "/v1/fares/eco-quote", json={"product_id": "PR-PISA", "car_distance_km": 20}
    ).json()
    assert (long["price"]["amount"], long["discount"]["amount"]) == (400, 0)
    not_pr = shop.client.post(
        "/v1/fares/eco-quote", json={"product_id": "SP-90", "car_distance_km": 20}
    )
    assert not_pr.status_code == 422


def test_a_family_buys_one_family_ticket_with_a_pass_each(shop: Shop) -> None:
    """Ordering a day for two adults and two children charges the family price (1,200, split
    over the members in proportion to their list prices) and issues four passes."""
    rider = shop.traveller()
    order = shop.buy(rider, [{"product_id": "COSTA-DAY", "party": {"adult": 2, "child": 2}}])
    assert order["receipt"]["total"]["amount"] == 1200
    assert len(order["pass_ids"]) == 4
    by_category = {line["rider_category"]: line for line in order["lines"]}
    assert by_category["adult"]["amount"]["amount"] == 800  # 1200 x 1200/1800
    assert by_category["child"]["amount"]["amount"] == 400
    assert "family" in by_category["adult"]["pricing_note"]
    passes = shop.client.get("/v1/passes", headers=rider.headers).json()
    assert sorted(p["rider_category"] for p in passes) == ["adult", "adult", "child", "child"]


def test_a_party_line_cannot_also_name_a_category(shop: Shop) -> None:
    """A party with a rider category or a quantity is a request error (422)."""
    rider = shop.traveller()
    response = shop.order(
        rider, [{"product_id": "COSTA-DAY", "party": {"adult": 2}, "quantity": 2}]
    )
    assert response.status_code == 422


def test_best_fare_run_again_after_late_taps_posts_the_difference(shop: Shop) -> None:
    """The month is settled with two rides in 90 minutes (refund 120); an offline gate then
    uploads a third ride in the same window: the next run posts only the extra 150, under a
    reference of its own, and a run after that posts nothing."""
    pass_id, _ = _payg_pass(shop)
    sunday = _next(6, 17)
    start = datetime(sunday.year, sunday.month, 1, tzinfo=ROME)
    end = (start + timedelta(days=32)).replace(day=1)
    period = f"{sunday.year:04d}-{sunday.month:02d}"

    def settle() -> dict[str, int]:
        with session_scope() as session:
            outcome = settle_best_fare(session, period, start, end, datetime.now(UTC))
            assert outcome.errors == []
            return outcome.posted

    _tap(pass_id, 1, sunday)
    _tap(pass_id, 2, sunday + timedelta(minutes=30))
    assert list(settle().values()) == [300 - 180]
    _tap(pass_id, 3, sunday + timedelta(minutes=60))
    assert list(settle().values()) == [450 - 180 - 120]
    assert settle() == {}
    with session_scope() as session:
        references = session.scalars(
            select(LedgerTransaction.reference).where(LedgerTransaction.kind == "best_fare_refund")
        ).all()
    assert len(references) == 2
    assert sorted(r.rsplit(":", 1)[-1] for r in references)[1].endswith("#2")


def test_park_and_ride_is_sold_at_the_eco_price(shop: Shop) -> None:
    """Bought for a 10 km car trip, the Pisa park-and-ride costs 2.70 (60% of the car's 4.50)
    instead of 4.00, and the receipt says why; for another product the distance is refused."""
    rider = shop.traveller()
    order = shop.buy(rider, [{"product_id": "PR-PISA", "car_distance_km": 10}])
    (line,) = order["lines"]
    assert line["unit_price"]["amount"] == 270
    assert "eco" in line["pricing_note"]
    refused = shop.order(rider, [{"product_id": "SP-90", "car_distance_km": 10}])
    assert refused.status_code == 422
