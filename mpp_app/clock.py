"""The business clock: every "now" and "today" of the MPP, in its configured time zone."""
from datetime import date, datetime, timezone
from typing import Optional
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Asia/Makassar"


def zone() -> ZoneInfo:
    name = current_app.config["MPP_TIMEZONE"] if has_app_context() else DEFAULT_ZONE
    return ZoneInfo(name)


def now() -> datetime:
    """The current moment as an aware datetime in the business zone (WITA by default)."""
    frozen = current_app.config.get("MPP_FROZEN_NOW") if has_app_context() else ""
    if frozen:
        moment = datetime.fromisoformat(frozen)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone())
        return moment.astimezone(zone())
    return datetime.now(zone())


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
    from flask_babel import get_locale

    days = get_locale().days["format"][width]
    return [days[day] for day in range(7)]
