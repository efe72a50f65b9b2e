"""Scenario metrics: units, delay, speed, emissions from the curves, and comparisons."""

from __future__ import annotations

import numpy as np
import pytest

from routing.scenarios.metrics import (
    CO2_PER_KG_DIESEL,
    EMISSION_CURVES,
    LinkTable,
    compare,
    link_metrics,
    totals,
)


def table(volume: float = 100.0, time: float = 2.0, index: tuple[int, ...] = (0, 1)) -> LinkTable:
    n = len(index)
    return LinkTable(
        index=np.array(index),
        class_volume={"car": np.full(n, volume), "truck": np.full(n, 10.0)},
        volume=np.full(n, volume + 25.0),
        travel_time=np.full(n, time),
        free_flow_time=np.full(n, 1.0),
        capacity=np.full(n, 100.0),
        length=np.full(n, 1.0),
        length_unit="km",
        time_unit="min",
    )


def test_units_delay_speed_and_capacity() -> None:
    """110 vehicles over 1 km in 2 minutes: VKT 110 km, VHT 110/30 h, delay half of it,
    speed 30 km/h; PCE 125 over capacity 100 is over capacity."""
    m = link_metrics(table())
    assert m.vkt[0] == pytest.approx(110.0)
    assert m.vht[0] == pytest.approx(110 / 30)
    assert m.delay_h[0] == pytest.approx(110 / 60)
    assert m.speed_kmh[0] == pytest.approx(30.0)
    t = totals(m)
    assert t["avg_speed_kmh"] == pytest.approx(30.0)
    assert t["links_over_capacity"] == 2


def test_emissions_follow_the_curves() -> None:
    """CO2 is fuel times 3.169 (diesel); trucks emit more per km than cars; the curves have
    their minimum at moderate speeds (estimates of the guidebook's shape)."""
    assert pytest.approx(3.169, abs=1e-3) == CO2_PER_KG_DIESEL
    m = link_metrics(table())
    car_fuel = EMISSION_CURVES["car", "fuel"].at(np.array([30.0]))[0]
    assert m.by_class["car"]["co2_kg"][0] == pytest.approx(
        100 * car_fuel / 1000 * CO2_PER_KG_DIESEL
    )
    speeds = np.array([10.0, 60.0, 130.0])
    for vehicle in ("car", "truck"):
        fuel = EMISSION_CURVES[vehicle, "fuel"].at(speeds)
        assert fuel[1] < fuel[0]
    assert (
        EMISSION_CURVES["truck", "fuel"].at(speeds) > EMISSION_CURVES["car", "fuel"].at(speeds)
    ).all()
    assert EMISSION_CURVES["car", "nox"].at(np.array([5.0, 500.0])).tolist() == pytest.approx(
        EMISSION_CURVES["car", "nox"].at(np.array([10.0, 130.0])).tolist()
    )


def test_compare_aligns_links() -> None:
    """Slower links and an extra link show as positive differences, aligned by index."""
    c = compare(table(), table(time=3.0, index=(0, 1, 2)))
    assert c.index.tolist() == [0, 1, 2]
    assert c.volume_diff.tolist() == [0.0, 0.0, 125.0]
    assert c.totals_diff["vht_h"] > 0
    assert c.top(1).tolist() == [2]
