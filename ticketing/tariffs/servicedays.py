"""Local service days: the calendar unit of day, week and month tariffs.

A transit service day does not end at midnight: a ride at 01:30 belongs to the evening it
continues. Authorities set a day boundary (04:00 by default); a timezone-aware instant maps to
the local date of the service day it falls in, which is stable across daylight-saving changes
because the boundary is a local wall-clock time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ticketing.tariffs.errors import InvalidTariff, InvalidTariffInput

DEFAULT_TIMEZONE = "Europe/Rome"
DEFAULT_DAY_START = time(4)
_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The IANA zone `name`; InvalidTariff when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidTariff(f"unknown timezone {name!r}") from exc


def check_day_start(day_start: time) -> None:
    """InvalidTariff unless `day_start` is a naive local time (the wall clock of the zone)."""
    if not isinstance(day_start, time) or day_start.tzinfo is not None:
        raise InvalidTariff(f"a service day starts at a naive local time, not {day_start!r}")


def check_aware(when: datetime, what: str = "time") -> None:
    """InvalidTariffInput unless `when` is a timezone-aware datetime."""
    if not isinstance(when, datetime) or when.tzinfo is None or when.utcoffset() is None:
        raise InvalidTariffInput(f"{what} must be a timezone-aware datetime, not {when!r}")


def service_day(when: datetime, tz: ZoneInfo, day_start: time = DEFAULT_DAY_START) -> date:
    """The local service day of the instant `when`: its local date, minus one before `day_start`."""
    local = when.astimezone(tz)
    day = local.date()
    return day - _ONE_DAY if local.time() < day_start else day


def week_start(day: date) -> date:
    """The Monday of the ISO week of `day`."""
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    """The first day of the month of `day`."""
    return day.replace(day=1)


def day_boundary(day: date, tz: ZoneInfo, day_start: time = DEFAULT_DAY_START) -> datetime:
    """The instant service day `day` begins (the local `day_start` of that date, made aware).

    On a daylight-saving jump the wall time may not exist or exist twice; `fold=0` takes the
    earlier reading, which is the first instant the service day can contain.
    """
    return datetime.combine(day, day_start, tz)
