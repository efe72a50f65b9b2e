"""Congestion of a zone from its links, the level thresholds, time bands and the zoning rule."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from mobility.traffic.congestion.bands import (
    Band,
    band_of,
    bands_of_mask,
    parse_weekdays,
    week_mask,
)
from mobility.traffic.congestion.geo import haversine_m, is_geographic
from mobility.traffic.congestion.levels import LinkLoad, level_of, merge, zone_load
from mobility.traffic.congestion.models import CongestionLevel
from mobility.traffic.congestion.zoning import LinkEnds, link_zones


@pytest.mark.parametrize(
    ("voc", "level"),
    [
        (0.0, CongestionLevel.FREE),
        (0.6999, CongestionLevel.FREE),
        (0.70, CongestionLevel.MODERATE),
        (0.85, CongestionLevel.HEAVY),
        (0.9999, CongestionLevel.HEAVY),
        (1.0, CongestionLevel.SEVERE),
        (3.0, CongestionLevel.SEVERE),
    ],
)
def test_level_thresholds(voc: float, level: CongestionLevel) -> None:
    """The v/c bands are [0, 0.70) free, [0.70, 0.85) moderate, [0.85, 1.0) heavy, >= 1 severe."""
    assert level_of(voc) is level


def test_zone_load_weights_by_volume() -> None:
    """The v/c and travel-time index are weighted by volume: an empty link does not dilute a
    loaded one, and the index is congested over free-flow vehicle-hours."""
    load = zone_load(
        [
            LinkLoad(volume=900, capacity=1000, travel_time=2.0, free_flow_time=1.0),
            LinkLoad(volume=100, capacity=1000, travel_time=1.0, free_flow_time=1.0),
            LinkLoad(volume=0, capacity=5000, travel_time=3.0, free_flow_time=3.0),
        ]
    )
    assert load.voc == pytest.approx((900 * 0.9 + 100 * 0.1) / 1000)
    assert load.travel_time_index == pytest.approx((900 * 2 + 100 * 1) / (900 + 100))
    assert load.level is CongestionLevel.MODERATE
    assert (load.links, load.volume) == (3, 1000)


def test_empty_zone_is_free_flow() -> None:
    """A zone whose links carry nothing is free with an index of 1."""
    load = zone_load([LinkLoad(0, 100, 1, 1)])
    assert (load.voc, load.travel_time_index, load.level) == (0.0, 1.0, CongestionLevel.FREE)


def test_merge_of_zones_weights_by_volume() -> None:
    """Zones merged into one fare zone take the volume-weighted v/c, and its level."""
    assert merge([(1.2, 300.0), (0.2, 100.0)]) == (pytest.approx(0.95), CongestionLevel.HEAVY)
    assert merge([(0.9, 0.0)]) == (0.0, CongestionLevel.FREE)


def test_bands_cross_midnight_and_keep_weekdays() -> None:
    """A band ending before it starts crosses midnight from its weekdays; others do not."""
    peak = Band(time(7), time(9), parse_weekdays("mon,tue,wed,thu,fri"))
    assert peak.contains(datetime(2026, 11, 23, 8, 30))  # a Monday
    assert not peak.contains(datetime(2026, 11, 22, 8, 30))  # a Sunday
    assert not peak.contains(datetime(2026, 11, 23, 9, 0))
    night = Band(time(22), time(2), parse_weekdays("fri"))
    assert night.contains(datetime(2026, 11, 28, 1, 0))  # Saturday 01:00
    assert not night.contains(datetime(2026, 11, 29, 1, 0))  # Sunday 01:00
    assert band_of(None, time(9), "mon") is None
    with pytest.raises(ValueError, match="weekdays"):
        parse_weekdays("mon,funday")


def test_geography() -> None:
    """WGS 84 networks (or GMNS with no crs) are geographic; a degree of latitude is ~111 km."""
    assert is_geographic("EPSG:4326", "tntp")
    assert is_geographic("", "gmns")
    assert not is_geographic("", "tntp")
    assert not is_geographic("EPSG:32632", "gmns")
    assert haversine_m(43.0, 10.0, 44.0, 10.0) == pytest.approx(111_195, rel=1e-3)


def test_links_go_to_the_centroid_nearest_their_midpoint() -> None:
    """With coordinates, a link belongs to the zone whose centroid is nearest its midpoint."""
    coordinates = {1: (0.0, 0.0), 2: (10.0, 0.0), 3: (4.0, 0.0), 4: (8.0, 0.0)}
    zones = link_zones(
        [LinkEnds(3, 1, 4.0), LinkEnds(3, 4, 4.0), LinkEnds(4, 2, 2.0)],
        coordinates,
        {100: 1, 200: 2},
        geographic=False,
    )
    assert zones == [100, 200, 200]  # the midpoint of 3-4 (6.0) is nearer to 10 than to 0


def test_links_without_coordinates_go_by_the_graph() -> None:
    """Without coordinates a link belongs to the zone nearest its from-node along the network;
    a link no centroid reaches belongs to none."""
    links = [
        LinkEnds(1, 5, 1.0),
        LinkEnds(5, 6, 1.0),
        LinkEnds(6, 2, 5.0),
        LinkEnds(7, 8, 1.0),
    ]
    zones = link_zones(links, {}, {100: 1, 200: 2}, geographic=False)
    assert zones == [100, 100, 100, None]  # node 6 is 2 from centroid 1, 5 from centroid 2


def test_bands_as_week_minutes_round_trip_and_trim() -> None:
    """A band becomes the minutes of a week and back, over midnight and over Sunday night into
    Monday; a band less an overlapping one is the bands of what is left."""
    night = Band(time(22), time(2), parse_weekdays("fri,sun"))
    mask = week_mask(night)
    assert mask.sum() == 2 * 4 * 60
    assert (mask[0], mask[119], mask[120]) == (True, True, False)  # Monday 00-02, from Sunday
    assert bands_of_mask(mask) == [night]
    day = Band(time(6), time(20), parse_weekdays("mon,tue"))
    peak = Band(time(7), time(9), parse_weekdays("mon"))
    assert bands_of_mask(week_mask(day) & ~week_mask(peak)) == [
        Band(time(6), time(7), parse_weekdays("mon")),
        Band(time(6), time(20), parse_weekdays("tue")),
        Band(time(9), time(20), parse_weekdays("mon")),
    ]
