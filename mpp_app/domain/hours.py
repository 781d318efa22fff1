"""Opening hours: is the mall or an agency open at a moment, may it issue tickets, when does it open next.

All times are wall-clock times in the business zone (clock.zone()). The rules, in order:
1. a closure of the mall, or of the agency, covering the date closes the whole day;
2. the weekly schedule of the mall for that weekday (no row, or a closed row, closes the day);
   on a weekday it opens, special hours covering the date (Ramadan) replace its times;
3. an agency's own weekly row narrows the mall's day (later open, earlier close, its own break,
   earlier cutoff) and can close the day; it can never widen it.
Tickets may be issued while open, outside every break, and before the last-ticket cutoff (the close
when no cutoff is set). Tickets already issued stay callable whatever the hours say.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import Optional

from sqlalchemy import or_, select

from .. import clock
from . import reference
from ..models import Closure, OpeningHours, SpecialHours

SEARCH_DAYS = 400


class State(str, Enum):
    OPEN = "open"
    CLOSED_DAY = "closed_day"  # no opening on this weekday
    CLOSURE = "closure"  # a dated closure (holiday, decree)
    BEFORE_OPEN = "before_open"
    BREAK = "break"
    AFTER_CUTOFF = "after_cutoff"  # still serving, no new tickets
    AFTER_CLOSE = "after_close"


@dataclass(frozen=True)
class DaySchedule:
    """The hours that apply on one date; opens_at is None when the day is closed."""

    day: date
    opens_at: Optional[time] = None
    closes_at: Optional[time] = None
    breaks: tuple = ()
    last_ticket_at: Optional[time] = None
    closure_reason: str = ""

    @property
    def is_open_day(self) -> bool:
        return self.opens_at is not None


@dataclass(frozen=True)
class OpeningStatus:
    state: State
    schedule: DaySchedule
    next_opening: Optional[datetime] = None

    @property
    def is_open(self) -> bool:
        return self.state in (State.OPEN, State.AFTER_CUTOFF)

    @property
    def accepts_tickets(self) -> bool:
        return self.state is State.OPEN


@dataclass
class Calendar:
    """Weekly rows and closures of the mall and one agency, loaded once for a date window."""

    mall_week: dict
    agency_week: dict
    closures: list
    special: list

    @classmethod
    def load(cls, session, agency_id: Optional[int], start: date, end: date) -> "Calendar":
        return cls.load_many(session, [agency_id], start, end)[agency_id]

    @classmethod
    def load_many(cls, session, agency_ids: list, start: date, end: date) -> dict:
        """One Calendar per agency id (None: the mall alone), from one read of each table."""
        ids = [agency_id for agency_id in agency_ids if agency_id is not None]
        rows = session.scalars(
            select(OpeningHours).where(or_(OpeningHours.agency_id.is_(None), OpeningHours.agency_id.in_(ids)))
        ).all()
        closures = session.scalars(
            select(Closure).where(
                or_(Closure.agency_id.is_(None), Closure.agency_id.in_(ids)),
                Closure.start_date <= end,
                Closure.end_date >= start,
            ).order_by(Closure.agency_id.is_not(None), Closure.start_date)
        ).all()
        special = session.scalars(
            select(SpecialHours).where(SpecialHours.start_date <= end, SpecialHours.end_date >= start)
            .order_by(SpecialHours.start_date)
        ).all()
        mall_week = {r.weekday: r for r in rows if r.agency_id is None}
        return {agency_id: cls(
            mall_week=dict(mall_week),  # each its own: upcoming() may stand a proposal in for a row
            agency_week={r.weekday: r for r in rows if r.agency_id is not None and r.agency_id == agency_id},
            closures=[c for c in closures if c.agency_id is None or c.agency_id == agency_id],
            special=list(special),
        ) for agency_id in agency_ids}

    def schedule(self, day: date) -> DaySchedule:
        for closure in self.closures:
            if closure.start_date <= day <= closure.end_date:
                return DaySchedule(day, closure_reason=closure.reason)
        mall = self.mall_week.get(day.weekday())
        if mall is None or not mall.is_open:
            return DaySchedule(day)
        mall = next((s for s in self.special if s.start_date <= day <= s.end_date), mall)
        opens, closes = mall.opens_at, mall.closes_at
        cutoff = mall.last_ticket_at or closes
        breaks = [(mall.break_start, mall.break_end)] if mall.break_start else []
        own = self.agency_week.get(day.weekday())
        if own is not None:
            if not own.is_open:
                return DaySchedule(day)
            opens, closes = max(opens, own.opens_at), min(closes, own.closes_at)
            cutoff = min(cutoff, own.last_ticket_at or own.closes_at, closes)
            if own.break_start:
                breaks.append((own.break_start, own.break_end))
            if opens >= closes:
                return DaySchedule(day)
        return DaySchedule(day, opens, closes, tuple(sorted(breaks)), min(cutoff, closes))


def schedule_for(session, day: date, agency_id: Optional[int] = None) -> DaySchedule:
    """The hours that apply on `day` for the mall, or for one agency within the mall."""
    return Calendar.load(session, agency_id, day, day).schedule(day)


def upcoming(session, start: date, days: int, agency_id: Optional[int] = None, proposed: Optional[dict] = None) -> list:
    """The schedules of `days` consecutive dates from `start`, as the system will apply them.

    `proposed` ({weekday: row}, any object with the fields of OpeningHours) stands in for the
    stored weekly rows of the scope (the agency's, or the mall's when agency_id is None), so a
    manager sees the effect of an edit before saving it; nothing is written.
    """
    calendar = Calendar.load(session, agency_id, start, start + timedelta(days=days))
    if proposed:
        (calendar.mall_week if agency_id is None else calendar.agency_week).update(proposed)
    return [calendar.schedule(start + timedelta(days=n)) for n in range(days)]


def _at(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=clock.zone())


def _state(schedule: DaySchedule, now: time) -> tuple:
    """(state, the moment of today at which it opens again or None) at wall time `now`."""
    if not schedule.is_open_day:
        return (State.CLOSURE if schedule.closure_reason else State.CLOSED_DAY), None
    if now < schedule.opens_at:
        return State.BEFORE_OPEN, schedule.opens_at
    if now >= schedule.closes_at:
        return State.AFTER_CLOSE, None
    for start, end in schedule.breaks:
        if start <= now < end:
            return State.BREAK, end if end < schedule.last_ticket_at else None
    if now >= schedule.last_ticket_at:
        return State.AFTER_CUTOFF, None
    return State.OPEN, None


def status_at(session, moment: Optional[datetime] = None, agency_id: Optional[int] = None) -> OpeningStatus:
    """Whether the mall (or an agency) is open and issuing at `moment`, and when it next issues.

    next_opening is the first moment at or after `moment` at which tickets can be issued; None
    only when no opening exists in the next SEARCH_DAYS days.
    """
    return _status(reference.current(session).calendar(agency_id), clock.at(moment))


def statuses_at(session, moment: Optional[datetime], agency_ids: list) -> dict:
    """status_at for each of several agencies, from one read of the reference data."""
    moment, data = clock.at(moment), reference.current(session)
    return {agency_id: _status(data.calendar(agency_id), moment) for agency_id in agency_ids}


def _status(calendar: Calendar, moment: datetime) -> OpeningStatus:
    """The status at `moment` by `calendar`."""
    today = moment.date()
    schedule = calendar.schedule(today)
    state, later_today = _state(schedule, moment.time().replace(tzinfo=None))
    if state is State.OPEN:
        return OpeningStatus(state, schedule, next_opening=moment)
    if later_today is not None:
        return OpeningStatus(state, schedule, next_opening=_at(today, later_today))
    for offset in range(1, SEARCH_DAYS + 1):
        day = today + timedelta(days=offset)
        upcoming_day = calendar.schedule(day)
        if upcoming_day.is_open_day:
            return OpeningStatus(state, schedule, next_opening=_at(day, upcoming_day.opens_at))
    return OpeningStatus(state, schedule)
