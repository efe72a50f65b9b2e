"""Bookings hold capacity on dated departures: all legs or none, idempotent by key, released on
cancel, never more than the capacity, even with many concurrent bookings (PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mobility.freight.bookings import service as bookings
from mobility.freight.bookings.errors import FreightBookingNotFound, FreightRouteUnavailable
from mobility.freight.bookings.models import (
    BookingStatus,
    FreightBooking,
    FreightDepartureCapacity,
)
from mobility.freight.loader import load_freight_file
from mobility.idempotency import IdempotencyKeyReused
from tests.mobility.freight.conftest import FREIGHT_FILE

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
TRAIN = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)  # R-SPE-MLZ, Monday 19:00 in Rome


@pytest.fixture
def version_id(engine: Engine) -> Iterator[int]:
    with Session(engine) as session:
        version = load_freight_file(session, FREIGHT_FILE).version_id
        session.commit()
    return version


def draft(
    version_id: int,
    key: str,
    *legs: tuple[str, datetime],
    teu: int = 2,
    org: str = "acme",
    capacity: int = 64,
) -> bookings.BookingDraft:
    return bookings.BookingDraft(
        organisation_id=org,
        created_by="planner@acme.example",
        idempotency_key=key,
        request_sha256=key.ljust(64, "0")[:64],
        version_id=version_id,
        teu=teu,
        cargo_flags="",
        gross_weight_t=None,
        cost_cents=56_000,
        currency="EUR",
        co2e_g=85_680,
        departure=TRAIN,
        arrival=TRAIN + timedelta(hours=8),
        route={"legs": []},
        reservations=tuple(bookings.Reservation(code, at, teu, capacity) for code, at in legs),
    )


def booked(session: Session, code: str, at: datetime) -> int:
    row = session.get(FreightDepartureCapacity, (code, at))
    return 0 if row is None else row.booked_teu


def test_booking_reserves_every_leg_and_cancel_releases(engine: Engine, version_id: int) -> None:
    """A two-leg booking holds its TEU on both departures; cancelling releases both, once."""
    legs = (("R-SPE-MLZ", TRAIN), ("R-MLZ-SPE", TRAIN + timedelta(days=1)))
    with Session(engine) as session:
        booking, created = bookings.create_booking(session, draft(version_id, "k1", *legs), NOW)
        session.commit()
        assert created
        assert booking.status is BookingStatus.CONFIRMED
        assert [booked(session, *leg) for leg in legs] == [2, 2]
        for _ in range(2):
            cancelled = bookings.cancel_booking(session, "acme", booking.id, NOW)
            session.commit()
            assert cancelled.status is BookingStatus.CANCELLED
            assert [booked(session, *leg) for leg in legs] == [0, 0]


def test_all_legs_or_none(engine: Engine, version_id: int) -> None:
    """When the second departure lacks room, the booking fails with the route-unavailable
    problem and the first departure's capacity is untouched after the rollback."""
    with Session(engine) as session:
        bookings.create_booking(
            session, draft(version_id, "fill", ("R-MLZ-SPE", TRAIN), teu=63), NOW
        )
        session.commit()
        two = draft(version_id, "k2", ("R-SPE-MLZ", TRAIN), ("R-MLZ-SPE", TRAIN))
        with pytest.raises(FreightRouteUnavailable, match="R-MLZ-SPE"):
            bookings.create_booking(session, two, NOW)
        session.rollback()
        assert booked(session, "R-SPE-MLZ", TRAIN) == 0
        assert booked(session, "R-MLZ-SPE", TRAIN) == 63
        assert bookings.find_by_key(session, "acme", "k2") is None


def test_idempotent_retry_and_key_reuse(engine: Engine, version_id: int) -> None:
    """The same request with the same key returns the first booking and reserves nothing more;
    the key with a different request is refused."""
    with Session(engine) as session:
        first, created = bookings.create_booking(
            session, draft(version_id, "k3", ("R-SPE-MLZ", TRAIN)), NOW
        )
        session.commit()
        again, created_again = bookings.create_booking(
            session, draft(version_id, "k3", ("R-SPE-MLZ", TRAIN)), NOW
        )
        assert (created, created_again, again.id) == (True, False, first.id)
        assert booked(session, "R-SPE-MLZ", TRAIN) == 2
        other = replace(draft(version_id, "k3", ("R-SPE-MLZ", TRAIN)), request_sha256="f" * 64)
        with pytest.raises(IdempotencyKeyReused):
            bookings.create_booking(session, other, NOW)


def test_organisations_see_only_their_bookings(engine: Engine, version_id: int) -> None:
    """Another organisation can neither read nor cancel a booking: it is not found for them,
    and the same key used by two organisations makes two bookings."""
    with Session(engine) as session:
        mine, _ = bookings.create_booking(
            session, draft(version_id, "same", ("R-SPE-MLZ", TRAIN)), NOW
        )
        theirs, _ = bookings.create_booking(
            session, draft(version_id, "same", ("R-SPE-MLZ", TRAIN), org="globex"), NOW
        )
        session.commit()
        assert mine.id != theirs.id
        with pytest.raises(FreightBookingNotFound):
            bookings.get_booking(session, "globex", mine.id)
        with pytest.raises(FreightBookingNotFound):
            bookings.cancel_booking(session, "globex", mine.id, NOW)
        assert bookings.get_booking(session, "acme", mine.id).status is BookingStatus.CONFIRMED
        assert booked(session, "R-SPE-MLZ", TRAIN) == 4


def test_free_capacity_reads_booked_departures(engine: Engine, version_id: int) -> None:
    """The search's capacity input: free TEU of each booked departure in the window."""
    with Session(engine) as session:
        bookings.create_booking(session, draft(version_id, "k4", ("R-SPE-MLZ", TRAIN), teu=5), NOW)
        session.commit()
        free = bookings.free_capacity(session, TRAIN - timedelta(days=1), TRAIN + timedelta(days=1))
        assert free == {("R-SPE-MLZ", TRAIN): 59}
        assert (
            bookings.free_capacity(session, TRAIN + timedelta(hours=1), TRAIN + timedelta(days=1))
            == {}
        )


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_concurrent_bookings_never_overbook(engine: Engine, version_id: int) -> None:
    """24 threads book 1-3 TEU each on the last 10 TEU of a train at once, on PostgreSQL:
    the booked TEU never exceed the capacity and equal the sum of the bookings that succeeded."""
    with Session(engine) as session:
        bookings.create_booking(
            session, draft(version_id, "fill", ("R-SPE-MLZ", TRAIN), teu=54), NOW
        )
        session.commit()
    barrier = threading.Barrier(24)
    outcomes: list[tuple[int, bool]] = []
    lock = threading.Lock()

    def book(i: int) -> None:
        teu = 1 + i % 3
        with Session(engine) as session:
            barrier.wait()
            try:
                bookings.create_booking(
                    session, draft(version_id, f"c{i}", ("R-SPE-MLZ", TRAIN), teu=teu), NOW
                )
                session.commit()
                ok = True
            except FreightRouteUnavailable:
                session.rollback()
                ok = False
        with lock:
            outcomes.append((teu, ok))

    threads = [threading.Thread(target=book, args=(i,)) for i in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with Session(engine) as session:
        total = booked(session, "R-SPE-MLZ", TRAIN)
        rows = session.scalars(select(FreightBooking)).all()
    won = sum(teu for teu, ok in outcomes if ok)
    assert len(outcomes) == 24
    assert total == 54 + won <= 64
    # Demand (48 TEU) exceeds the 10 free, so 3 or more TEU left would have taken a request.
    assert won >= 8
    assert len(rows) == 1 + sum(ok for _, ok in outcomes)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_concurrent_retries_book_once(engine: Engine, version_id: int) -> None:
    """Eight concurrent requests with the same Idempotency-Key make one booking and hold its
    TEU once; every request gets that booking back."""
    barrier = threading.Barrier(8)
    ids: list[str] = []
    lock = threading.Lock()

    def book() -> None:
        with Session(engine) as session:
            barrier.wait()
            booking, _ = bookings.create_booking(
                session, draft(version_id, "same-key", ("R-SPE-MLZ", TRAIN), teu=3), NOW
            )
            session.commit()
            with lock:
                ids.append(booking.id)

    threads = [threading.Thread(target=book) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ids) == 8
    assert len(set(ids)) == 1
    with Session(engine) as session:
        assert booked(session, "R-SPE-MLZ", TRAIN) == 3
        assert len(session.scalars(select(FreightBooking)).all()) == 1


def test_concurrent_cancels_release_once(engine: Engine, version_id: int) -> None:
    """Eight threads cancel one booking at once (on both databases): its TEU are released
    exactly once, so another firm's booking on the same departure keeps its hold."""
    with Session(engine) as session:
        bookings.create_booking(
            session, draft(version_id, "other", ("R-SPE-MLZ", TRAIN), teu=10, org="globex"), NOW
        )
        mine, _ = bookings.create_booking(
            session, draft(version_id, "mine", ("R-SPE-MLZ", TRAIN), teu=3), NOW
        )
        session.commit()
        booking_id = mine.id
    barrier = threading.Barrier(8)
    statuses: list[BookingStatus] = []
    lock = threading.Lock()

    def cancel() -> None:
        with Session(engine) as session:
            barrier.wait()
            cancelled = bookings.cancel_booking(session, "acme", booking_id, NOW)
            session.commit()
            with lock:
                statuses.append(cancelled.status)

    threads = [threading.Thread(target=cancel) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [BookingStatus.CANCELLED] * 8
    with Session(engine) as session:
        assert booked(session, "R-SPE-MLZ", TRAIN) == 10


def test_a_reload_that_changes_capacity_applies_to_booked_departures(
    engine: Engine, version_id: int
) -> None:
    """A departure's row records the capacity of its first booking; a later data set with a
    larger capacity lets further bookings in, a smaller one admits none beyond it while the
    bookings made stay; the search's free TEU follow the data set in force."""
    window = (TRAIN - timedelta(days=1), TRAIN + timedelta(days=1))

    def book(key: str, teu: int, capacity: int) -> bool:
        """One request's transaction: committed when it fits, rolled back when it does not."""
        with Session(engine) as session:
            leg = ("R-SPE-MLZ", TRAIN)
            try:
                bookings.create_booking(
                    session, draft(version_id, key, leg, teu=teu, capacity=capacity), NOW
                )
            except FreightRouteUnavailable:
                session.rollback()
                return False
            session.commit()
            return True

    assert book("a", teu=4, capacity=4)
    assert not book("b", teu=1, capacity=4)  # full at the capacity of that data set
    with Session(engine) as session:
        assert bookings.free_capacity(session, *window, {"R-SPE-MLZ": 10}) == {
            ("R-SPE-MLZ", TRAIN): 6
        }
    assert book("c", teu=6, capacity=10)  # a data set with a larger train
    assert not book("d", teu=1, capacity=8)  # a smaller one: nothing more fits
    with Session(engine) as session:
        assert booked(session, "R-SPE-MLZ", TRAIN) == 10
        assert bookings.free_capacity(session, *window, {"R-SPE-MLZ": 8}) == {
            ("R-SPE-MLZ", TRAIN): 0
        }
