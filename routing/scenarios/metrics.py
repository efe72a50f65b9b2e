"""Metrics of a scenario's link results, and the comparison of two: pure functions of arrays.

Per link and in total: vehicle-hours (VHT) and vehicle-kilometres (VKT) travelled, delay (VHT
less the vehicle-hours at free-flow times), average speed (VKT / VHT), links over capacity
(PCE volume / capacity > 1), and CO2 and NOx per vehicle class from speed-dependent emission
factors. Volumes are vehicles per class (PCE only for volume / capacity); a network's lengths
and times are converted to km and hours with its units (`LENGTH_KM`, `TIME_H`).

Emission factors
----------------
Source: EMEP/EEA air pollutant emission inventory guidebook 2019, Part B, 1.A.3.b.i-iv Road
transport (European Environment Agency, 2019; COPERT 5 methodology, Tier 3, hot emissions),
https://www.eea.europa.eu/publications/emep-eea-guidebook-2019. The guidebook gives factors
as rational functions of the average speed V (km/h),
``EF(V) = (a V^2 + b V + c + d / V) / (e V^2 + f V + g)`` in g/km, per vehicle category, fuel,
Euro standard and pollutant. `EMISSION_CURVES` uses that form with ``e = f = 0, g = 1`` and
coefficients that are an ESTIMATE: fitted by us to approximate the guidebook's curves for a
Euro 6 diesel passenger car (fuel consumption and NOx) and a Euro VI diesel rigid truck of
16-32 t (fuel and NOx), at 0 % slope and 50 % load, over the speed ranges given, outside which
the speed is clamped. They are not the guidebook's coefficients: use them for comparing
scenarios, not for an inventory. CO2 comes from fuel consumption by the guidebook's
carbon balance, ``CO2 = 44.011 * FC / (12.011 + 1.008 * r_HC)``, with r_HC = 1.86 for diesel:
3.169 kg CO2 per kg of fuel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from mobility.traffic.scenarios.changes import LENGTH_KM, TIME_H

CO2_PER_KG_DIESEL = 44.011 / (12.011 + 1.008 * 1.86)  # 3.169 kg CO2 / kg fuel
TRUCK_CLASSES = frozenset({"truck", "trucks", "hgv", "hdv", "lorry", "heavy"})


@dataclass(frozen=True)
class EmissionCurve:
    """``EF(V) = a V^2 + b V + c + d / V`` g/km at speed V km/h, clamped to [v_min, v_max]."""

    vehicle: str
    pollutant: str
    a: float
    b: float
    c: float
    d: float
    v_min: float
    v_max: float

    def at(self, speed_kmh: np.ndarray) -> np.ndarray:
        v = np.clip(np.nan_to_num(speed_kmh, nan=self.v_min), self.v_min, self.v_max)
        return self.a * v**2 + self.b * v + self.c + self.d / v


# ESTIMATE, see the module docstring: (vehicle, pollutant) -> curve; "fuel" is g fuel per km.
EMISSION_CURVES: dict[tuple[str, str], EmissionCurve] = {
    # Euro 6 diesel passenger car: ~95 g/km fuel at 10 km/h, ~47 at 70, ~68 at 130.
    ("car", "fuel"): EmissionCurve("car", "fuel", 0.005084, -0.6266, 60.58, 401.6, 10, 130),
    # Euro 6 diesel passenger car NOx: ~0.75 g/km at 10 km/h, ~0.27 at 70, ~0.5 at 130.
    ("car", "nox"): EmissionCurve("car", "nox", 5.495e-05, -0.006757, 0.4204, 3.911, 10, 130),
    # Euro VI diesel rigid truck 16-32 t: ~420 g/km fuel at 10 km/h, ~200 at 70.
    ("truck", "fuel"): EmissionCurve("truck", "fuel", 0.02127, -2.823, 267.1, 1792.0, 10, 90),
    # Euro VI truck NOx: ~1.6 g/km at 10 km/h, ~0.3 at 70-90.
    ("truck", "nox"): EmissionCurve("truck", "nox", 5.894e-05, -0.007534, 0.3541, 13.18, 10, 90),
}

TOTAL_KEYS = ("vht_h", "vkt_km", "delay_h", "avg_speed_kmh", "links_over_capacity", "co2_kg",
              "nox_kg")  # fmt: skip


def vehicle_type(class_code: str) -> str:
    """Which emission curves a class uses: "truck" for heavy goods classes, else "car"."""
    return "truck" if class_code.lower() in TRUCK_CLASSES else "car"


@dataclass(frozen=True)
class LinkTable:
    """A scenario's links: `index` (result link index), vehicles per class, PCE volume, times
    and length in the network's units, and those units."""

    index: np.ndarray
    class_volume: Mapping[str, np.ndarray]
    volume: np.ndarray
    travel_time: np.ndarray
    free_flow_time: np.ndarray
    capacity: np.ndarray
    length: np.ndarray
    length_unit: str = "mi"
    time_unit: str = "min"


@dataclass(frozen=True)
class LinkMetrics:
    """Per link: vehicle-hours, vehicle-km, delay (h), speed (km/h; NaN when unknown),
    volume / capacity, CO2 and NOx (kg), and CO2/NOx per class."""

    vht: np.ndarray
    vkt: np.ndarray
    delay_h: np.ndarray
    speed_kmh: np.ndarray
    voc: np.ndarray
    co2_kg: np.ndarray
    nox_kg: np.ndarray
    by_class: dict[str, dict[str, np.ndarray]]


def link_metrics(table: LinkTable) -> LinkMetrics:
    km = table.length * LENGTH_KM[table.length_unit]
    hours = table.travel_time * TIME_H[table.time_unit]
    free_hours = table.free_flow_time * TIME_H[table.time_unit]
    n = table.index.shape[0]
    vehicles = sum((np.asarray(v) for v in table.class_volume.values()), np.zeros(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where((hours > 0) & (km > 0), km / hours, np.nan)
        voc = np.where(table.capacity > 0, table.volume / table.capacity, 0.0)
    co2, nox = np.zeros(n), np.zeros(n)
    by_class: dict[str, dict[str, np.ndarray]] = {}
    for code, flow in table.class_volume.items():
        kind = vehicle_type(code)
        vkm = np.asarray(flow) * km
        fuel_kg = vkm * EMISSION_CURVES[kind, "fuel"].at(speed) / 1000.0
        class_co2 = fuel_kg * CO2_PER_KG_DIESEL
        class_nox = vkm * EMISSION_CURVES[kind, "nox"].at(speed) / 1000.0
        by_class[code] = {"co2_kg": class_co2, "nox_kg": class_nox}
        co2 += class_co2
        nox += class_nox
    vht = vehicles * hours
    return LinkMetrics(
        vht=vht,
        vkt=vehicles * km,
        delay_h=vht - vehicles * free_hours,
        speed_kmh=speed,
        voc=voc,
        co2_kg=co2,
        nox_kg=nox,
        by_class=by_class,
    )


def totals(metrics: LinkMetrics) -> dict[str, float]:
    """Network totals; average speed is VKT / VHT (0 when nothing travels)."""
    vht, vkt = float(metrics.vht.sum()), float(metrics.vkt.sum())
    out = {
        "vht_h": vht,
        "vkt_km": vkt,
        "delay_h": float(metrics.delay_h.sum()),
        "avg_speed_kmh": vkt / vht if vht > 0 else 0.0,
        "links_over_capacity": float(np.count_nonzero(metrics.voc > 1.0)),
        "co2_kg": float(metrics.co2_kg.sum()),
        "nox_kg": float(metrics.nox_kg.sum()),
    }
    for code, values in sorted(metrics.by_class.items()):
        for key, array in values.items():
            out[f"{key}:{code}"] = float(array.sum())
    return out


@dataclass(frozen=True)
class Comparison:
    """Totals of `base` and `other` and their difference (other - base), and per link (over
    the union of their link indices, zero where a link is absent) the differences."""

    totals_base: dict[str, float]
    totals_other: dict[str, float]
    totals_diff: dict[str, float]
    index: np.ndarray
    volume_base: np.ndarray
    volume_other: np.ndarray
    vht_diff: np.ndarray
    co2_diff: np.ndarray

    @property
    def volume_diff(self) -> np.ndarray:
        return self.volume_other - self.volume_base

    def top(self, n: int = 10) -> np.ndarray:
        """Positions of the `n` links whose volume changed most, largest change first."""
        return np.argsort(-np.abs(self.volume_diff), kind="stable")[:n]


def _aligned(index: np.ndarray, values: np.ndarray, union: np.ndarray) -> np.ndarray:
    out = np.zeros(union.shape[0])
    out[np.searchsorted(union, index)] = values
    return out


def compare(base: LinkTable, other: LinkTable) -> Comparison:
    """The difference `other - base` in totals and per link."""
    m_base, m_other = link_metrics(base), link_metrics(other)
    t_base, t_other = totals(m_base), totals(m_other)
    keys = sorted(set(t_base) | set(t_other))
    union = np.union1d(base.index, other.index)
    return Comparison(
        totals_base=t_base,
        totals_other=t_other,
        totals_diff={k: t_other.get(k, 0.0) - t_base.get(k, 0.0) for k in keys},
        index=union,
        volume_base=_aligned(base.index, base.volume, union),
        volume_other=_aligned(other.index, other.volume, union),
        vht_diff=_aligned(other.index, m_other.vht, union)
        - _aligned(base.index, m_base.vht, union),
        co2_diff=_aligned(other.index, m_other.co2_kg, union)
        - _aligned(base.index, m_base.co2_kg, union),
    )
