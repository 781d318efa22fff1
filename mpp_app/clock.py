"""The business clock: every "now" and "today" of the MPP, in its configured time zone."""
import time
from datetime import date, datetime, time as clock_time, timedelta, timezone
from typing import Optional, Union
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from flask import current_app, has_app_context
from flask_babel import get_locale

DEFAULT_ZONE = "Asia/Makassar"


def zone() -> ZoneInfo:
    name = current_app.config["MPP_TIMEZONE"] if has_app_context() else DEFAULT_ZONE
    return ZoneInfo(name)


def now() -> datetime:
    """The current moment as an aware datetime in the business zone (WITA by default).

    MPP_FROZEN_NOW stops the clock at one moment (tests); MPP_CLOCK_START starts it at a chosen moment
    when the app is created and lets it run at real speed from there (the demo, evaluated in the
    evening as if it were a morning at the mall)."""
    config = current_app.config if has_app_context() else {}
    if config.get("MPP_FROZEN_NOW"):
        return _business_moment(config["MPP_FROZEN_NOW"])
    if config.get("MPP_CLOCK_START"):
        running = timedelta(seconds=time.time() - config["MPP_CLOCK_STARTED_AT"])
        return _business_moment(config["MPP_CLOCK_START"]) + running
    return datetime.now(zone())


def _business_moment(iso: str) -> datetime:
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone())
    return moment.astimezone(zone())


def today() -> date:
    return now().date()


def at(moment: Optional[datetime] = None) -> datetime:
    """`moment` in the business zone, or now when it is None (domain functions take an optional now)."""
    return local(moment) if moment else now()


def local(moment: datetime) -> datetime:
    """An aware moment seen in the business zone; naive values are taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(zone())


def weekday_names(width: str = "wide") -> list:
    """Monday-first day names in the request's language, from Babel's CLDR data
    (Indonesian: Senin ... Minggu, or Sen ... Min with width="abbreviated")."""
    days = get_locale().days["format"][width]
    return [days[day] for day in range(7)]


def day_text(day: date) -> str:
    """The day as it is typed: dd-mm-yyyy in every language, so a shown day can be typed back."""
    return day.strftime("%d-%m-%Y")


def clock_text(moment: Union[clock_time, datetime, None]) -> str:
    """A time on the 24-hour clock with the user's language's separator: 08.00 (id), 08:00 (en);
    a moment is shown as the business clock reads it (stored moments come back in UTC)."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = local(moment)
    return format_skeleton("Hm", moment, locale=get_locale() or "id")
