"""GTFS route_type codes (basic and extended) to the mode names the API speaks."""

from __future__ import annotations

BASIC = {
    0: "tram",
    1: "subway",
    2: "rail",
    3: "bus",
    4: "ferry",
    5: "cable_tram",
    6: "aerial_lift",
    7: "funicular",
    11: "trolleybus",
    12: "monorail",
}
# Extended (Hierarchical Vehicle Type) ranges, by hundreds.
EXTENDED = {
    1: "rail",
    2: "coach",
    4: "subway",
    5: "subway",
    6: "subway",
    7: "bus",
    8: "trolleybus",
    9: "tram",
    10: "ferry",
    11: "air",
    12: "ferry",
    13: "aerial_lift",
    14: "funicular",
    15: "taxi",
    17: "other",
}


def mode_of(route_type: int | None) -> str:
    if route_type is None:
        return "other"
    if route_type in BASIC:
        return BASIC[route_type]
    return EXTENDED.get(route_type // 100, "other")
