"""Semantic rules of the GTFS reference, beyond one value's type: one module a topic.

Order matters only for `on_feed_end`; rows of a file reach the rules in this order too. Rules
share compact facts through `index.FeedIndex` (the owner of each file fills its part).
"""

from __future__ import annotations

from gtfs.schedule.context import Rule
from gtfs.schedule.rules.agency import AgencyRule
from gtfs.schedule.rules.calendar import CalendarRule
from gtfs.schedule.rules.fares_v1 import FaresV1Rule
from gtfs.schedule.rules.fares_v2 import FaresV2Rule
from gtfs.schedule.rules.feed_info import FeedInfoRule
from gtfs.schedule.rules.frequencies import FrequenciesRule
from gtfs.schedule.rules.pathways import PathwaysRule
from gtfs.schedule.rules.routes import RoutesRule
from gtfs.schedule.rules.shapes import ShapesRule
from gtfs.schedule.rules.stop_times import StopTimesRule
from gtfs.schedule.rules.stops import StopsRule
from gtfs.schedule.rules.transfers import TransfersRule
from gtfs.schedule.rules.trips import TripsRule

ALL_RULES: list[type[Rule]] = [
    AgencyRule,
    StopsRule,
    RoutesRule,
    CalendarRule,
    ShapesRule,
    TripsRule,
    StopTimesRule,
    FrequenciesRule,
    TransfersRule,
    PathwaysRule,
    FaresV1Rule,
    FaresV2Rule,
    FeedInfoRule,
]
