"""Travel matrices of fleet plans: road links decide between terminals, points go straight
or by the network, whichever is faster."""

from __future__ import annotations

import numpy as np

from mobility.freight.fleet_plans.repository import RoadLink
from routing.fleet.network import Location, travel_matrices
from routing.footpaths import haversine_m_array

A = Location(43.55, 10.30, 1)
B = Location(43.60, 10.40, 2)
C = Location(44.10, 9.85, 3)  # far north-west, joined to B by a fast motorway


def test_haversine_against_a_known_distance() -> None:
    """Livorno to La Spezia is about 72 km as the crow flies."""
    km = haversine_m_array(np.array(43.55), np.array(10.31), np.array(44.10), np.array(9.83)) / 1000
    assert 70 < float(km) < 75


def test_links_decide_between_terminals_and_points_use_the_network() -> None:
    """Terminal to terminal takes the fastest path over the links (A-B-C), not a straight
    line; a point next to A reaches C through the network when that is faster; without links
    it goes straight at the off-network speed and circuity."""
    links = [
        RoadLink(1, 2, 12.0, 20),
        RoadLink(2, 3, 80.0, 50),
        RoadLink(3, 2, 80.0, 50),
        RoadLink(2, 1, 12.0, 20),
    ]
    near_a = Location(43.551, 10.301)
    places = [A, B, C, near_a]
    m = travel_matrices(places, [A, B, C], links, circuity=1.3, speed_kmh=50)
    assert m.seconds[0, 2] == 70 * 60
    assert m.metres[0, 2] == 92_000
    assert m.seconds[1, 0] == 20 * 60
    assert m.seconds[3, 3] == 0
    assert m.seconds[0, 0] == 0
    # Off to A (about 0.2 km straight), then the links: faster than 60+ km straight at 50 km/h.
    assert m.seconds[3, 2] < 75 * 60
    assert m.metres[3, 2] > 92_000
    straight = travel_matrices(places, [A, B, C], [], circuity=1.3, speed_kmh=50)
    expected_km = (
        float(haversine_m_array(np.array(A.lat), np.array(A.lon), np.array(C.lat), np.array(C.lon)))
        / 1000
        * 1.3
    )
    assert straight.metres[0, 2] == round(expected_km * 1000)
    assert straight.seconds[0, 2] == np.ceil(expected_km / 50 * 3600)
