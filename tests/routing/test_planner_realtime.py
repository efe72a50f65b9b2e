"""The planner on live data: TripUpdates ingested into Redis change the next answer.

The feeds of `tests.routing.test_planner` (Tuesday 2024-03-05): bus B1 A1 08:00 - A2 08:10 -
A3 08:20, the tram TR1 A1 08:05 - A2 08:15, bus B2 half an hour after B1. Updates go through
`gtfs.realtime.service.ingest` (database and Redis) as the poller stores them, on both
databases and the real Redis.
"""

from __future__ import annotations

from typing import Any

import pytest
import redis
from sqlalchemy.orm import Session

from gtfs.realtime.service import ingest
from gtfs.realtime.store import RedisLayout
from routing.planner import LiveTimetables, PlanRequest, PlanResult, plan_live
from routing.timetable_cache import TimetableCache
from tests.gtfs_realtime.factories import FeedBuilder, stop
from tests.routing.test_planner import A1, A2, A3, at

TUESDAY = "20240305"


@pytest.fixture
def layout(key_prefix: str) -> RedisLayout:
    return RedisLayout(prefix=key_prefix, ttl_s=900)


@pytest.fixture
def live(redis_client: redis.Redis, layout: RedisLayout) -> LiveTimetables:
    return LiveTimetables(lambda: redis_client, layout=lambda: layout)


class Planner:
    """Plans with one timetable cache and one live view, as an API worker does."""

    def __init__(self, session: Session, live: LiveTimetables) -> None:
        self.session = session
        self.live = live
        self.cache = TimetableCache()

    def __call__(self, **kw: Any) -> PlanResult:
        kw.setdefault("when", at(7, 55))
        request = PlanRequest(**kw)
        return plan_live(
            self.session, request, cache=self.cache, live=self.live, timezone="Europe/Rome"
        )


@pytest.fixture
def planner(session: Session, live: LiveTimetables) -> Planner:
    return Planner(session, live)


def send(session: Session, client: redis.Redis, layout: RedisLayout, feed: FeedBuilder) -> None:
    """Ingest a message for feed ``a`` and commit, as the real-time poller does."""
    ingest(bytes(feed.message.SerializeToString()), "a", session, client, layout=layout)
    session.commit()


def message(timestamp: int = 1_709_621_000) -> FeedBuilder:
    return FeedBuilder(timestamp=timestamp, incrementality="FULL_DATASET")


def trips(result: PlanResult) -> list[list[str]]:
    return [[leg.trip_id or "walk" for leg in j.legs] for j in result.journeys]


def test_a_delay_propagates_downstream(
    planner: Planner, session: Session, redis_client: redis.Redis, layout: RedisLayout
) -> None:
    """B1 five minutes late at A2 is five minutes late at A3 too; times say scheduled and live."""
    before = planner(origin=A1, destination=A3)
    assert before.realtime == "live"
    assert before.journeys[0].arrival == at(8, 20)
    assert not before.journeys[0].legs[0].realtime

    send(
        session,
        redis_client,
        layout,
        message().trip("B1", start_date=TUESDAY, stops=[stop(2, arrival_delay=300)]),
    )
    (journey,) = planner(origin=A1, destination=A3).journeys
    (leg,) = journey.legs
    assert leg.trip_id == "B1"
    assert leg.realtime
    assert (leg.scheduled_departure, leg.scheduled_arrival) == (at(8), at(8, 20))
    assert (leg.departure, leg.arrival) == (at(8), at(8, 25))
    assert journey.arrival == at(8, 25)
    (a2,) = leg.intermediate
    assert (a2.arrival, a2.realtime_arrival, a2.realtime_departure) == (
        at(8, 10),
        at(8, 15),
        at(8, 15),
    )
    assert leg.to_stop is not None
    assert (leg.to_stop.arrival, leg.to_stop.realtime_arrival) == (at(8, 20), at(8, 25))


def test_a_cancelled_trip_is_avoided(
    planner: Planner, session: Session, redis_client: redis.Redis, layout: RedisLayout
) -> None:
    """With B1 cancelled, A1 -> A2 at 07:55 takes the 08:05 tram instead."""
    assert trips(planner(origin=A1, destination=A2)) == [["B1"]]
    send(
        session,
        redis_client,
        layout,
        message().trip("B1", start_date=TUESDAY, relationship="CANCELED"),
    )
    assert trips(planner(origin=A1, destination=A2)) == [["TR1"]]


def test_a_skipped_stop_is_neither_boarded_nor_left(
    planner: Planner, session: Session, redis_client: redis.Redis, layout: RedisLayout
) -> None:
    """B1 skipping A2: A1 -> A2 takes the tram; A1 -> A3 still rides B1 through A2."""
    send(
        session,
        redis_client,
        layout,
        message().trip("B1", start_date=TUESDAY, stops=[stop(2, relationship="SKIPPED")]),
    )
    assert trips(planner(origin=A1, destination=A2)) == [["TR1"]]
    (journey,) = planner(origin=A1, destination=A3).journeys
    (leg,) = journey.legs
    assert leg.trip_id == "B1"
    assert [(c.ref, c.skipped) for c in leg.intermediate] == [("a:A2", True)]


def test_every_update_changes_the_next_answer_and_only_updates_do(
    planner: Planner, session: Session, redis_client: redis.Redis, layout: RedisLayout
) -> None:
    """The live view is derived again after each ingestion, not on every request."""
    planner(origin=A1, destination=A3)
    planner(origin=A1, destination=A3)
    assert planner.live.derivations == 1
    for n, delay in enumerate((120, 600, 0)):
        send(
            session,
            redis_client,
            layout,
            message(1_709_621_000 + n + 1).trip(
                "B1", start_date=TUESDAY, stops=[stop(1, departure_delay=delay)]
            ),
        )
        (journey,) = planner(origin=A1, destination=A3).journeys
        assert journey.arrival == at(8, 20, delay)
        assert planner.live.derivations == n + 2


def test_unreachable_redis_plans_on_the_schedule(session: Session) -> None:
    """No live data: the schedule's answer, flagged as such."""
    down = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    live = LiveTimetables(lambda: down, layout=lambda: RedisLayout(prefix="x:", ttl_s=60))
    result = Planner(session, live)(origin=A1, destination=A3)
    assert result.realtime == "unavailable"
    assert result.journeys[0].arrival == at(8, 20)
