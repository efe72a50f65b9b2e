"""Ride distances for passenger-km: along a trip's shape between two stops, else a straight line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gtfs.distances import ride_distance
from gtfs.importer import import_feed
from gtfs.repository import haversine_m
from tests.gtfs.feeds import GOOD, write_feed

S1, S2, S3 = (44.4031, 8.9498), (44.3952, 8.9853), (44.3805, 9.0376)


@pytest.fixture
def session(engine: Engine, tmp_path: Path) -> Iterator[Session]:
    import_feed(engine, write_feed(tmp_path / "good", GOOD), "ctl")
    with Session(engine) as opened:
        yield opened


def test_distance_follows_the_shape_of_a_trip_serving_both_stops(session: Session) -> None:
    """S1 to S3 on route 15 follows shape SH1 through S2: longer than the straight line."""
    measured = ride_distance(session, "ctl", "S1", "S3")
    assert measured is not None
    assert measured.method == "shape"
    along = haversine_m(*S1, *S2) + haversine_m(*S2, *S3)
    assert measured.meters == round(along)
    assert measured.meters > haversine_m(*S1, *S3)


def test_a_shape_used_for_the_return_trip_is_walked_backwards(session: Session) -> None:
    """Trip T2 runs S3 to S1 on the same shape drawn the other way: the same length."""
    there = ride_distance(session, "ctl", "S1", "S3")
    back = ride_distance(session, "ctl", "S3", "S1")
    assert there is not None
    assert back is not None
    assert back.meters == there.meters


def test_without_a_shaped_trip_the_distance_is_a_straight_line(session: Session) -> None:
    """No trip with a shape serves P2 then S3 (T4 has none): the straight line is used."""
    measured = ride_distance(session, "ctl", "P2", "S3")
    assert measured is not None
    assert measured.method == "straight_line"


def test_unknown_stops_or_feeds_have_no_distance(session: Session) -> None:
    """An unknown stop, a stop without coordinates, or an unknown feed: None."""
    assert ride_distance(session, "ctl", "S1", "NOPE") is None
    assert ride_distance(session, "ctl", "S1", "B2") is None
    assert ride_distance(session, "nofeed", "S1", "S3") is None
