"""Where a network's coordinates are on the Earth, and distances between them.

Only networks whose coordinates are longitude/latitude can answer "which zone is nearest to
this point": a planar crs would need a projection library and its parameters. GMNS files made
by osm2gmns are in WGS 84 when `config.csv` names no crs; TNTP node files have no crs at all,
so a TNTP network counts as geographic only when it was imported with one.
"""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
_GEOGRAPHIC = {"epsg:4326", "wgs84", "wgs 84", "ogc:crs84", "crs84", "urn:ogc:def:crs:epsg::4326"}


def is_geographic(crs: str, source_format: str) -> bool:
    """Whether a network's x, y are longitude, latitude in degrees (WGS 84)."""
    name = crs.strip().lower()
    return name in _GEOGRAPHIC or (not name and source_format == "gmns")


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    p1, p2 = radians(lat1), radians(lat2)
    dp, dl = p2 - p1, radians(lon2 - lon1)
    h = sin(dp / 2) ** 2 + cos(p1) * cos(p2) * sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * asin(min(1.0, sqrt(h)))
