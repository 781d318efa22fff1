"""Editing opening hours: the weekly schedule of the mall and of agencies, closures, holiday
import and special hours. Every change is validated, audited and takes effect at once; tickets
already issued are never touched (they stay callable whatever the hours say)."""
from dataclasses import asdict, dataclass
from datetime import date, time
from typing import Optional

import holidays
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from . import audit
from .errors import DomainError, NotFoundError
from .hours import upcoming
from ..clock import clock_text, day_text
from ..models import Closure, OpeningHours, SpecialHours

MAX_RANGE_DAYS = 366


class HoursError(DomainError):
    message = _l("Jam layanan tidak valid.")


@dataclass(frozen=True)
class DayHours:
    """The times of one day as a manager enters them; a closed day has no times."""

    is_open: bool
    opens_at: Optional[time] = None
    closes_at: Optional[time] = None
    break_start: Optional[time] = None
    break_end: Optional[time] = None
    last_ticket_at: Optional[time] = None

    def validate(self) -> None:
        """Raise HoursError unless: open before close, break inside the hours, cutoff inside them."""
        if not self.is_open:
            return
        if not (self.opens_at and self.closes_at):
            raise HoursError(_l("Isi jam buka dan jam tutup."))
        if self.closes_at <= self.opens_at:
            raise HoursError(_l("Jam tutup harus setelah jam buka."))
        if bool(self.break_start) != bool(self.break_end):
            raise HoursError(_l("Isi awal dan akhir istirahat, atau kosongkan keduanya."))
        if self.break_start and not (self.opens_at < self.break_start < self.break_end < self.closes_at):
            raise HoursError(_l("Istirahat harus berada di dalam jam buka dan berakhir setelah dimulai."))
        if self.last_ticket_at and not (self.opens_at < self.last_ticket_at <= self.closes_at):
            raise HoursError(_l("Batas pengambilan nomor harus di antara jam buka dan jam tutup."))


def week(session, agency_id: Optional[int] = None) -> dict:
    """The weekly rows of the mall (or of one agency) by weekday; missing weekdays are absent."""
    return {row.weekday: row for row in session.scalars(select(OpeningHours).where(
        OpeningHours.agency_id.is_(None) if agency_id is None else OpeningHours.agency_id == agency_id))}


def _week_row(session, weekday: int, agency_id: Optional[int]) -> Optional[OpeningHours]:
    return session.scalar(select(OpeningHours).where(
        OpeningHours.weekday == weekday,
        OpeningHours.agency_id.is_(None) if agency_id is None else OpeningHours.agency_id == agency_id))


def _check_weekday(session, weekday: int, hours: DayHours, agency_id: Optional[int]) -> None:
    """Raise unless `hours` may be saved for the weekday: valid times, and an agency's day
    within the mall's."""
    if not 0 <= weekday <= 6:
        raise NotFoundError()
    hours.validate()
    if agency_id is not None and hours.is_open:
        mall = _week_row(session, weekday, None)
        if mall is None or not mall.is_open:
            raise HoursError(_l("Mal tutup pada hari ini, jadi instansi tidak dapat buka."))
        if hours.opens_at < mall.opens_at or hours.closes_at > mall.closes_at:
            raise HoursError(_l("Jam instansi tidak boleh lebih luas dari jam mal (%(opens)s–%(closes)s)."),
                             opens=clock_text(mall.opens_at), closes=clock_text(mall.closes_at))


def preview_weekday(session, weekday: int, hours: DayHours, start: date, days: int,
                    agency_id: Optional[int] = None) -> list:
    """The next `days` schedules from `start` as they would be if `hours` were saved for the
    weekday, each paired with whether it differs from what applies now. Refuses what
    save_weekday would refuse; writes nothing."""
    _check_weekday(session, weekday, hours, agency_id)
    current = upcoming(session, start, days, agency_id)
    proposed = upcoming(session, start, days, agency_id, proposed={weekday: hours})
    return [(after, after != before) for before, after in zip(current, proposed)]


def save_weekday(session, weekday: int, hours: DayHours, actor, agency_id: Optional[int] = None) -> OpeningHours:
    """Set the mall's (or an agency's) hours for a weekday; an agency's may only narrow the
    mall's. Audited; commits."""
    _check_weekday(session, weekday, hours, agency_id)
    row = _week_row(session, weekday, agency_id)
    before = audit.snapshot(row, asdict(hours)) if row else None
    if row is None:
        row = OpeningHours(weekday=weekday, agency_id=agency_id)
        session.add(row)
    values = asdict(hours) if hours.is_open else {**asdict(DayHours(False))}
    for name, value in values.items():
        setattr(row, name, value)
    session.flush()
    audit.record(session, actor, "opening_hours_changed", row, before=before, after=audit.snapshot(row, values))
    session.commit()
    return row


def follow_mall(session, weekday: int, agency_id: int, actor) -> None:
    """Drop an agency's own hours for a weekday so that it follows the mall again; commits."""
    row = _week_row(session, weekday, agency_id)
    if row is not None:
        audit.record(session, actor, "opening_hours_removed", row,
                     before=audit.snapshot(row, asdict(DayHours(True))))
        session.delete(row)
        session.commit()


def _check_range(start: date, end: date, today: date) -> None:
    if end < start:
        raise HoursError(_l("Tanggal selesai tidak boleh sebelum tanggal mulai."))
    if end < today:
        raise HoursError(_l("Rentang tanggal sudah lewat seluruhnya."))
    if (end - start).days >= MAX_RANGE_DAYS:
        raise HoursError(_l("Rentang tanggal paling lama satu tahun."))


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not 3 <= len(reason) <= 200:
        raise HoursError(_l("Isi keterangan 3 sampai 200 karakter."))
    return reason


def save_closure(session, start: date, end: date, reason: str, actor, today: date,
                 agency_id: Optional[int] = None, closure_id: Optional[int] = None) -> Closure:
    """Add a closure (or change one) of the mall or an agency; refuses ranges in the past and
    overlaps with another closure of the same scope. Audited; commits."""
    reason = _check_reason(reason)
    _check_range(start, end, today)
    overlap = session.scalar(select(Closure).where(
        Closure.start_date <= end, Closure.end_date >= start,
        Closure.agency_id.is_(None) if agency_id is None else Closure.agency_id == agency_id,
        Closure.id != (closure_id or 0)))
    if overlap:
        raise HoursError(_l("Tanggal bertumpuk dengan penutupan lain: %(reason)s (%(start)s s.d. %(end)s)."),
                         reason=overlap.reason, start=day_text(overlap.start_date), end=day_text(overlap.end_date))
    fields = ("start_date", "end_date", "reason", "agency_id")
    if closure_id:
        closure = session.get(Closure, closure_id)
        if closure is None:
            raise NotFoundError()
        before = audit.snapshot(closure, fields)
    else:
        closure, before = Closure(source="manual"), None
        session.add(closure)
    closure.start_date, closure.end_date, closure.reason, closure.agency_id = start, end, reason, agency_id
    session.flush()
    audit.record(session, actor, "closure_saved", closure, before=before, after=audit.snapshot(closure, fields))
    session.commit()
    return closure


def delete_closure(session, closure_id: int, actor) -> None:
    closure = session.get(Closure, closure_id)
    if closure is None:
        raise NotFoundError()
    audit.record(session, actor, "closure_deleted", closure,
                 before=audit.snapshot(closure, ("start_date", "end_date", "reason", "agency_id")))
    session.delete(closure)
    session.commit()


@dataclass(frozen=True)
class HolidayCandidate:
    day: date
    name: str
    known: bool


def holiday_candidates(session, year: int) -> list:
    """National holidays and cuti bersama of `year` (the holidays package), marking those that
    are already closures, for the manager to review before importing."""
    if not 2000 <= year <= 2100:
        raise HoursError(_l("Tahun tidak valid."))
    calendar = holidays.country_holidays("ID", years=year, categories=("public", "government"), language="id")
    known = set(session.scalars(select(Closure.start_date).where(Closure.agency_id.is_(None))))
    return [HolidayCandidate(day, name, day in known) for day, name in sorted(calendar.items())]


def import_holidays(session, year: int, chosen: set, actor) -> int:
    """Add the chosen holidays of `year` as mall closures, skipping dates already closed; commits."""
    added = 0
    for candidate in holiday_candidates(session, year):
        if candidate.day in chosen and not candidate.known:
            session.add(Closure(start_date=candidate.day, end_date=candidate.day, reason=candidate.name[:200],
                                source="holiday"))
            added += 1
    audit.record(session, actor, "holidays_imported", after={"year": year, "added": added})
    session.commit()
    return added


def save_special_hours(session, start: date, end: date, hours: DayHours, reason: str, actor, today: date) -> SpecialHours:
    """Add special hours (e.g. Ramadan) for a date range; no overlap with other special hours. Commits."""
    reason = _check_reason(reason)
    _check_range(start, end, today)
    hours = DayHours(True, hours.opens_at, hours.closes_at, hours.break_start, hours.break_end, hours.last_ticket_at)
    hours.validate()
    overlap = session.scalar(select(SpecialHours).where(SpecialHours.start_date <= end, SpecialHours.end_date >= start))
    if overlap:
        raise HoursError(_l("Tanggal bertumpuk dengan jam khusus lain: %(reason)s."), reason=overlap.reason)
    fields = {k: v for k, v in asdict(hours).items() if k != "is_open"}
    special = SpecialHours(start_date=start, end_date=end, reason=reason, **fields)
    session.add(special)
    session.flush()
    audit.record(session, actor, "special_hours_added", special,
                 after=audit.snapshot(special, ["start_date", "end_date", "reason", *fields]))
    session.commit()
    return special


def delete_special_hours(session, special_id: int, actor) -> None:
    special = session.get(SpecialHours, special_id)
    if special is None:
        raise NotFoundError()
    audit.record(session, actor, "special_hours_deleted", special,
                 before=audit.snapshot(special, ("start_date", "end_date", "reason")))
    session.delete(special)
    session.commit()


def upcoming_closures(session, today: date, agency_id: Optional[int] = None, limit: int = 50) -> list:
    return session.scalars(select(Closure).where(
        Closure.end_date >= today,
        Closure.agency_id.is_(None) if agency_id is None else Closure.agency_id == agency_id)
        .order_by(Closure.start_date).limit(limit)).all()


def special_hours(session, today: date) -> list:
    return session.scalars(select(SpecialHours).where(SpecialHours.end_date >= today)
                           .order_by(SpecialHours.start_date)).all()
