"""Service days: which service ids run on a date, and local times of GTFS seconds.

GTFS times count from "noon minus 12 h" of the service day, which is midnight except on the days
clocks change; a trip of the previous service day may run past 24:00:00 into the next date.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from gtfs.models import table_for

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def service_day_origin(day: date, tz: ZoneInfo | str) -> int:
    """POSIX time of GTFS 00:00:00 on service day `day`: local noon minus 12 h (in absolute
    time: on the days clocks change, local midnight is 11 or 13 hours before noon)."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return int(datetime.combine(day, time(12), tzinfo=zone).timestamp()) - 12 * 3600


def local_datetime(day: date, seconds: int, tz: ZoneInfo) -> datetime:
    """The wall-clock datetime, in `tz`, of GTFS time `seconds` on service day `day`."""
    return datetime.fromtimestamp(service_day_origin(day, tz) + seconds, tz)


def seconds_since_service_start(moment: datetime, day: date, tz: ZoneInfo) -> int:
    return int(moment.timestamp()) - service_day_origin(day, tz)


def active_service_ids(db: Session | Connection, version_id: int, day: date) -> set[str]:
    """calendar.txt rows covering `day` on its weekday, then calendar_dates exceptions."""
    cal, exc = table_for("calendar.txt"), table_for("calendar_dates.txt")
    weekday = cal.c[WEEKDAYS[day.weekday()]]
    active = set(
        db.execute(
            select(cal.c.service_id).where(
                cal.c.feed_version_id == version_id,
                cal.c.start_date <= day,
                cal.c.end_date >= day,
                weekday == 1,
            )
        ).scalars()
    )
    for service_id, kind in db.execute(
        select(exc.c.service_id, exc.c.exception_type).where(
            exc.c.feed_version_id == version_id, exc.c.date == day
        )
    ):
        if kind == 1:
            active.add(service_id)
        else:
            active.discard(service_id)
    return active
