"""Ticket lifecycle at reception: issue, look up, cancel, and purge visitors' personal data.

Invariants:
- A ticket number is the agency's prefix and a number counted per agency per business day
  (clock.zone()), starting at 1, gapless, unique: the daily_number row is incremented by one
  upsert statement (UPDATE ... RETURNING on conflict) in the same transaction that inserts the
  ticket, and a unique constraint on (agency, day, number) stands behind it.
- On SQLite the upsert is the first write of the transaction, so writers queue on the
  database's write lock (busy_timeout) instead of failing; on PostgreSQL the row lock of the
  upsert serialises them.
- A reception form carries a one-time submission key: submitting it twice returns the ticket
  already issued instead of a second one.
- Every transition is recorded as a TicketEvent with actor and time.
"""
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from . import audit, catalogue, estimates, hours
from .. import clock
from ..errors import ConflictError, DomainError, NotFoundError
from .counter_sessions import ACTIVE_STATUSES, NotHolderError, _counter, active_ticket
from ..models import (Agency, Counter, CounterState, DailyNumber, PriorityCategory, Role, Service, Ticket,
                      TicketEvent, TicketStatus, counter_service)

OPEN_STATUSES = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING)
CANCELLABLE = (TicketStatus.WAITING, TicketStatus.CALLED)
NUMBER_PATTERN = re.compile(r"^\s*([A-Za-z])\s*-?\s*(\d{1,4})\s*$")


class ServiceUnavailableError(DomainError):
    message = _l("Layanan tidak dikenal atau sudah tidak aktif. Muat ulang halaman lalu pilih layanan lagi.")


class OutsideHoursError(DomainError):
    """Issuing refused by the opening hours; carries the hours status for the message."""

    def __init__(self, agency: Agency, status: hours.OpeningStatus):
        self.agency, self.hours_status = agency, status
        if status.next_opening:
            super().__init__(
                _l("%(agency)s tidak menerima antrean saat ini. Buka kembali %(when)s WITA."),
                agency=agency.short_name, when=_format_moment(status.next_opening))
        else:
            super().__init__(_l("%(agency)s tidak menerima antrean dan belum ada jadwal buka."),
                             agency=agency.short_name)


class OverrideNotAllowedError(DomainError):
    status = 403
    message = _l("Hanya manajer atau admin yang boleh menerbitkan tiket di luar jam layanan.")


class TicketNotInStateError(ConflictError):
    message = _l("Tiket %(number)s sudah berstatus %(status)s; tindakan ini tidak dapat dilakukan.")


@dataclass(frozen=True)
class IssueResult:
    ticket: Ticket
    duplicate: bool = False


def _format_moment(moment: datetime) -> str:
    from flask_babel import format_datetime

    return format_datetime(moment, "EEEE, d MMMM y, HH.mm")


def _next_number(session, agency_id: int, day) -> int:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(DailyNumber)
        .values(agency_id=agency_id, business_date=day, last_number=1)
        .on_conflict_do_update(
            index_elements=["agency_id", "business_date"],
            set_={"last_number": DailyNumber.last_number + 1},
        )
        .returning(DailyNumber.last_number)
    )
    return session.execute(statement).scalar_one()


def _by_submission(session, key):
    return session.scalar(select(Ticket).where(Ticket.submission_key == key)) if key else None


def _insert_ticket(session, service, status, now, actor, override_reason, fields) -> Ticket:
    number = _next_number(session, service.agency_id, now.date())
    ticket = Ticket(agency_id=service.agency_id, queue_agency_id=service.agency_id, service_id=service.id,
                    business_date=now.date(), number=number, arrival_weekday=now.weekday(), arrival_hour=now.hour,
                    issued_at=now, queued_at=now, issued_by_id=getattr(actor, "id", None), **fields)
    session.add(ticket)
    session.flush()
    session.add(TicketEvent(ticket_id=ticket.id, kind="issued", at=now, actor_id=getattr(actor, "id", None),
                            service_id=service.id, detail=override_reason and f"override: {override_reason}"))
    if override_reason:
        audit.record(session, actor, "ticket_override", ticket,
                     after={"number": number, "agency": service.agency.code, "reason": override_reason,
                            "hours_state": status.state.value})
    return ticket


def issue_ticket(session, *, service_id: int, visitor_name: str, visitor_phone: Optional[str] = None,
                 priority: Optional[PriorityCategory] = None, note: Optional[str] = None,
                 submission_key: Optional[str] = None, actor=None, now: Optional[datetime] = None,
                 override_reason: Optional[str] = None) -> IssueResult:
    """Issue the next number of the service's agency for today; commits.

    Refused with ServiceUnavailableError for an unknown or inactive service or agency, and with
    OutsideHoursError outside the agency's ticket hours unless a manager or admin gives an
    override reason (recorded in the audit log). A repeated submission_key returns the ticket
    issued the first time (duplicate=True), also when both submits race each other.
    """
    now = clock.at(now)
    existing = _by_submission(session, submission_key)
    if existing:
        return IssueResult(existing, duplicate=True)
    service = session.get(Service, service_id) if service_id else None
    if service is None or not service.active or not service.agency.active:
        raise ServiceUnavailableError()
    status = hours.status_at(session, now, service.agency_id)
    if not status.accepts_tickets:
        if not override_reason:
            raise OutsideHoursError(service.agency, status)
        if actor is None or actor.role not in (Role.ADMIN, Role.MANAGER):
            raise OverrideNotAllowedError()

    try:
        ticket = _insert_ticket(session, service, status, now, actor, override_reason, dict(
            priority=priority, visitor_name=visitor_name, visitor_phone=visitor_phone or None,
            note=note or None, submission_key=submission_key))
        session.commit()
    except IntegrityError:
        # Only a racing submit of the same form can collide here; it has the ticket already.
        session.rollback()
        existing = _by_submission(session, submission_key)
        if existing:
            return IssueResult(existing, duplicate=True)
        raise
    return IssueResult(ticket)


def cancel_ticket(session, ticket_id: int, reason: str, actor, now: Optional[datetime] = None) -> Ticket:
    """Cancel a waiting or called ticket at the visitor's request; commits.

    The status guard sits in the UPDATE's WHERE clause, so a ticket that a counter is already
    serving (or that another tab cancelled) is refused with TicketNotInStateError.
    """
    now = clock.at(now)
    changed = session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.status.in_(CANCELLABLE))
        .values(status=TicketStatus.CANCELLED, cancel_reason=reason, finished_at=now)
    ).rowcount
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        session.rollback()
        raise NotFoundError(_l("Tiket tidak ditemukan."))
    if not changed:
        session.rollback()
        raise TicketNotInStateError(number=ticket.display_number, status=status_label(ticket.status))
    session.add(TicketEvent(ticket_id=ticket.id, kind="cancelled", at=now, actor_id=actor.id, detail=reason))
    session.commit()
    session.refresh(ticket)
    return ticket


def find_by_number(session, text: str, day) -> Ticket:
    """Today's ticket for a typed number such as "A-001", "a1" or "A 12"."""
    match = NUMBER_PATTERN.match(text or "")
    if not match:
        raise DomainError(_l("Format nomor tidak dikenal. Contoh: A-001."))
    ticket = session.scalar(
        select(Ticket).join(Ticket.agency)
        .where(Agency.prefix == match.group(1).upper(), Ticket.number == int(match.group(2)),
               Ticket.business_date == day)
        .options(joinedload(Ticket.agency), joinedload(Ticket.service), joinedload(Ticket.counter))
    )
    if ticket is None:
        raise NotFoundError(_l("Tiket %(number)s tidak ada hari ini."), number=text.strip().upper())
    return ticket


def lookup(session, text: str, day) -> list:
    """Today's tickets for what a receptionist typed: a number ("A-001", "a1") gives that ticket,
    anything else searches visitors' names (find_by_name). NotFoundError when nothing matches."""
    if NUMBER_PATTERN.match(text or ""):
        return [find_by_number(session, text, day)]
    matches = find_by_name(session, text, day)
    if not matches:
        raise NotFoundError(_l("Tidak ada tiket hari ini atas nama “%(name)s”."), name=" ".join(text.split()))
    return matches


def find_by_name(session, text: str, day, limit: int = 10) -> list:
    """Today's tickets whose visitor's name contains every word of `text`, in any letter case,
    newest first: a citizen who lost the number asks at the desk. At least 2 characters."""
    words = (text or "").split()[:4]
    if len("".join(words)) < 2:
        raise DomainError(_l("Ketik nomor tiket (mis. A-001) atau minimal 2 huruf nama pengunjung."))
    query = (select(Ticket).where(Ticket.business_date == day)
             .options(joinedload(Ticket.agency), joinedload(Ticket.service)))
    for word in words:
        query = query.where(Ticket.visitor_name.ilike(catalogue.contains_pattern(word), escape="\\"))
    return session.scalars(query.order_by(Ticket.issued_at.desc(), Ticket.id.desc()).limit(limit)).all()


def ahead_condition(ticket: Ticket):
    """Waiting tickets that will be called before `ticket` in its agency's queue today.

    Priority tickets (UU 25/2009 Pasal 29) go before regular ones; within each group the
    older queue position goes first (queued_at, then id).
    """
    earlier = or_(Ticket.queued_at < ticket.queued_at,
                  and_(Ticket.queued_at == ticket.queued_at, Ticket.id < ticket.id))
    same_group = and_((Ticket.priority.is_(None)) if ticket.priority is None
                      else Ticket.priority.is_not(None), earlier)
    group_ahead = same_group if ticket.priority is not None else or_(Ticket.priority.is_not(None), same_group)
    return and_(Ticket.queue_agency_id == ticket.queue_agency_id, Ticket.business_date == ticket.business_date,
                Ticket.status == TicketStatus.WAITING, Ticket.id != ticket.id, group_ahead)


def people_ahead(session, ticket: Ticket) -> int:
    return session.scalar(select(func.count()).select_from(Ticket).where(ahead_condition(ticket)))


def purge_personal_data(session, retention_days: int, actor=None, now: Optional[datetime] = None) -> int:
    """Erase visitors' names, phones and notes from tickets of business days older than the
    retention; keeps everything anonymous (numbers, services, times). Returns the count; commits."""
    now = clock.at(now)
    cutoff = now.date() - timedelta(days=retention_days)
    purged = session.execute(
        update(Ticket)
        .where(Ticket.business_date < cutoff, Ticket.personal_data_purged_at.is_(None))
        .values(visitor_name=None, visitor_phone=None, note=None, personal_data_purged_at=now)
    ).rowcount
    if purged:  # the server runs this every hour: only erasures belong in the audit log
        audit.record(session, actor, "personal_data_purged", after={"tickets": purged, "before": cutoff.isoformat()})
    session.commit()
    return purged


STATUS_LABELS = {
    TicketStatus.WAITING: _l("menunggu"),
    TicketStatus.CALLED: _l("dipanggil"),
    TicketStatus.SERVING: _l("sedang dilayani"),
    TicketStatus.DONE: _l("selesai"),
    TicketStatus.NO_SHOW: _l("tidak hadir"),
    TicketStatus.CANCELLED: _l("dibatalkan"),
}

PRIORITY_LABELS = {
    PriorityCategory.LANSIA: _l("Lanjut usia"),
    PriorityCategory.DISABILITAS: _l("Penyandang disabilitas"),
    PriorityCategory.IBU_HAMIL: _l("Ibu hamil"),
    PriorityCategory.ANAK: _l("Anak-anak"),
    PriorityCategory.KORBAN_BENCANA: _l("Korban bencana"),
}


def status_label(status: TicketStatus) -> str:
    return str(STATUS_LABELS[status])


@dataclass(frozen=True)
class AgencyQueue:
    """One agency's line in the reception overview."""

    agency: Agency
    waiting: int
    now_serving: list
    estimated_wait: int
    hours: hours.OpeningStatus


def reception_overview(session, now: Optional[datetime] = None) -> list:
    """Per active agency: waiting count, numbers being called or served, the estimated wait of a
    ticket issued now, and whether it accepts tickets. A fixed number of queries plus one per
    agency (its recent service times), whatever the ticket count: it is polled all day."""
    now = clock.at(now)
    today = now.date()
    waiting = dict(session.execute(
        select(Ticket.queue_agency_id, func.count()).where(
            Ticket.business_date == today, Ticket.status == TicketStatus.WAITING)
        .group_by(Ticket.queue_agency_id)).all())
    active = session.scalars(
        select(Ticket).where(Ticket.business_date == today,
                             Ticket.status.in_((TicketStatus.CALLED, TicketStatus.SERVING)))
        .options(joinedload(Ticket.counter), joinedload(Ticket.agency))
        .order_by(Ticket.called_at)).all()
    agencies = catalogue.active_agencies(session)
    counters = estimates.agencies_open_counters(session)
    opening = hours.statuses_at(session, now, [agency.id for agency in agencies])
    rows = []
    for agency in agencies:
        count = waiting.get(agency.id, 0)
        per_visit = estimates.agency_minutes_per_visit(session, agency, now)
        rows.append(AgencyQueue(
            agency=agency, waiting=count,
            now_serving=[t for t in active if t.queue_agency_id == agency.id],
            estimated_wait=estimates.wait_minutes(count, per_visit, counters.get(agency.id, 0)),
            hours=opening[agency.id],
        ))
    return rows


@dataclass(frozen=True)
class TicketPosition:
    """What a citizen (or the printed ticket) is told about a ticket's place in the queue."""

    ticket: Ticket
    ahead: int
    estimated_wait: int


def ticket_position(session, ticket: Ticket, now: Optional[datetime] = None) -> TicketPosition:
    now = clock.at(now)
    if ticket.status is not TicketStatus.WAITING:
        return TicketPosition(ticket, 0, 0)
    ahead = people_ahead(session, ticket)
    per_visit = estimates.minutes_per_visit(session, ticket.service, now)
    counters = estimates.open_counters(session, ticket.service_id)
    return TicketPosition(ticket, ahead, estimates.wait_minutes(ahead, per_visit, counters))


def by_public_token(session, token: str) -> Ticket:
    ticket = session.scalar(select(Ticket).where(Ticket.public_token == (token or "")[:43]))
    if ticket is None:
        raise NotFoundError(_l("Tiket tidak ditemukan."))
    return ticket


# --- At the counter -------------------------------------------------------------------------
#
# Every counter action starts with _hold(): an UPDATE of the counter row that only matches when
# the acting officer holds the counter. It is the transaction's first write, so on SQLite the
# whole action runs under the database's write lock, and on PostgreSQL actions on one counter run
# one at a time (the row lock). Ticket transitions then put their guard in the UPDATE's WHERE
# clause (status, counter) and check the row count, so a stale page or a second tab is refused.


class NoTicketWaitingError(ConflictError):
    message = _l("Tidak ada antrean yang menunggu untuk loket ini.")


class OfficerBusyError(ConflictError):
    message = _l("Loket ini masih menangani %(number)s. Selesaikan, alihkan atau tandai tidak hadir dulu.")


class CounterPausedError(ConflictError):
    message = _l("Loket sedang istirahat. Lanjutkan loket dulu.")


class NoActiveTicketError(ConflictError):
    message = _l("Tidak ada tiket yang sedang ditangani loket ini. Muat ulang halaman.")


class RecallsNeededError(ConflictError):
    message = _l("Panggil ulang minimal %(n)s kali sebelum menandai tidak hadir.")


class TransferTargetError(DomainError):
    message = _l("Layanan tujuan tidak dikenal, tidak aktif, atau sama dengan layanan sekarang.")


def _hold(session, counter_id: int, officer, now):
    counter = _counter(session, counter_id)
    held = session.execute(
        update(Counter).where(Counter.id == counter_id, Counter.officer_id == officer.id)
        .values(state_since=Counter.state_since)
    ).rowcount
    if not held:
        session.rollback()
        raise NotHolderError(counter=counter.name)
    session.refresh(counter)
    return counter


def _counter_services(counter):
    return select(counter_service.c.service_id).where(counter_service.c.counter_id == counter.id)


def _waiting_for(counter, day):
    return and_(Ticket.queue_agency_id == counter.agency_id, Ticket.business_date == day,
                Ticket.status == TicketStatus.WAITING, Ticket.service_id.in_(_counter_services(counter)))


def _wants_priority(session, counter, day) -> Optional[bool]:
    """Which group the counter calls from next: True priority, False regular, None nothing waits.

    The agency's rule: priority_every == 0 calls waiting priority tickets first, always;
    N > 0 calls one priority ticket after every N regular ones called since the last priority
    call at that agency today (when a group is empty, the other is called).
    """
    waiting = _waiting_for(counter, day)
    has_priority = session.scalar(select(exists().where(waiting, Ticket.priority.is_not(None))))
    has_regular = session.scalar(select(exists().where(waiting, Ticket.priority.is_(None))))
    if not (has_priority or has_regular):
        return None
    if not (has_priority and has_regular):
        return bool(has_priority)
    every = counter.agency.priority_every
    if every == 0:
        return True
    called_today = and_(Ticket.queue_agency_id == counter.agency_id, Ticket.business_date == day,
                        Ticket.called_at.is_not(None))
    last_priority = session.scalar(select(func.max(Ticket.called_at)).where(called_today, Ticket.priority.is_not(None)))
    streak = session.scalar(select(func.count()).select_from(Ticket).where(
        called_today, Ticket.priority.is_(None),
        Ticket.called_at > last_priority if last_priority else true()))
    return streak >= every


def _ensure_idle(session, counter):
    busy = active_ticket(session, counter.id)
    if busy:
        session.rollback()
        raise OfficerBusyError(number=busy.display_number)


def _called(session, counter, officer, ticket_id, now, kind="called") -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    session.refresh(ticket)
    ticket.served_by_id = officer.id
    if ticket.wait_seconds is None:  # waiting time runs from issue to the first call only
        ticket.wait_seconds = max(0, int((now - ticket.issued_at).total_seconds()))
    session.add(TicketEvent(ticket_id=ticket_id, kind=kind, at=now, actor_id=officer.id, counter_id=counter.id))
    session.commit()
    session.refresh(ticket)
    return ticket


def call_next(session, counter_id: int, officer, now: Optional[datetime] = None) -> Ticket:
    """Call the next waiting ticket of the counter's services: the agency's priority rule, then
    the oldest queue position. Invariants: a ticket is called by exactly one counter (the status
    guard in the UPDATE, plus SKIP LOCKED on PostgreSQL); a counter has at most one called or
    serving ticket. Raises NoTicketWaitingError, OfficerBusyError, CounterPausedError; commits."""
    now = clock.at(now)
    counter = _hold(session, counter_id, officer, now)
    if counter.state is not CounterState.OPEN:
        session.rollback()
        raise CounterPausedError()
    _ensure_idle(session, counter)
    postgres = session.get_bind().dialect.name == "postgresql"
    for _attempt in range(20):
        group = _wants_priority(session, counter, now.date())
        if group is None:
            session.rollback()
            raise NoTicketWaitingError()
        candidate = (select(Ticket.id).where(_waiting_for(counter, now.date()),
                                             Ticket.priority.is_not(None) if group else Ticket.priority.is_(None))
                     .order_by(Ticket.queued_at, Ticket.id).limit(1))
        if postgres:
            candidate = candidate.with_for_update(skip_locked=True)
        ticket_id = session.execute(
            update(Ticket).where(Ticket.id == candidate.scalar_subquery(), Ticket.status == TicketStatus.WAITING)
            .values(status=TicketStatus.CALLED, counter_id=counter.id, called_at=now, recall_count=0)
            .returning(Ticket.id)
        ).scalar()
        if ticket_id:
            return _called(session, counter, officer, ticket_id, now)
    session.rollback()
    raise NoTicketWaitingError()


def call_ticket(session, counter_id: int, ticket_id: int, officer, now: Optional[datetime] = None) -> Ticket:
    """Call one particular ticket of the counter's services that is waiting or was marked
    no-show today (the visitor came back); same invariants as call_next; commits."""
    now = clock.at(now)
    counter = _hold(session, counter_id, officer, now)
    _ensure_idle(session, counter)
    called = session.execute(
        update(Ticket).where(
            Ticket.id == ticket_id, Ticket.queue_agency_id == counter.agency_id, Ticket.business_date == now.date(),
            Ticket.status.in_((TicketStatus.WAITING, TicketStatus.NO_SHOW)),
            Ticket.service_id.in_(_counter_services(counter)))
        .values(status=TicketStatus.CALLED, counter_id=counter.id, called_at=now, recall_count=0,
                finished_at=None)
        .returning(Ticket.id)
    ).scalar()
    if not called:
        session.rollback()
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or ticket.queue_agency_id != counter.agency_id:
            raise NotFoundError(_l("Tiket tidak ditemukan di antrean loket ini."))
        raise TicketNotInStateError(number=ticket.display_number, status=status_label(ticket.status))
    return _called(session, counter, officer, called, now)


def _transition(session, counter, officer, now, from_statuses, values, kind, detail=None, extra=None,
                before_commit=None) -> Ticket:
    conditions = [Ticket.counter_id == counter.id, Ticket.status.in_(from_statuses)]
    if extra is not None:
        conditions.append(extra)
    ticket_id = session.execute(update(Ticket).where(*conditions).values(**values).returning(Ticket.id)).scalar()
    if not ticket_id:
        session.rollback()
        raise NoActiveTicketError()
    session.add(TicketEvent(ticket_id=ticket_id, kind=kind, at=now, actor_id=officer.id, counter_id=counter.id,
                            service_id=values.get("service_id"), detail=detail))
    ticket = session.get(Ticket, ticket_id)
    session.refresh(ticket)
    if before_commit:
        before_commit(ticket)
    session.commit()
    session.refresh(ticket)
    return ticket


def recall(session, counter_id: int, officer, now: Optional[datetime] = None) -> Ticket:
    """Announce the counter's called ticket again (a new call event for the board); commits."""
    now = clock.at(now)
    counter = _hold(session, counter_id, officer, now)
    return _transition(session, counter, officer, now, (TicketStatus.CALLED,),
                       {"recall_count": Ticket.recall_count + 1}, "recalled")


def mark_no_show(session, counter_id: int, officer, recalls_needed: int, now: Optional[datetime] = None) -> Ticket:
    """Called -> no_show, only after `recalls_needed` recalls; commits."""
    now = clock.at(now)
    counter = _hold(session, counter_id, officer, now)
    current = session.scalar(select(Ticket).where(Ticket.counter_id == counter.id,
                                                  Ticket.status == TicketStatus.CALLED))
    if current is not None and current.recall_count < recalls_needed:
        session.rollback()
        raise RecallsNeededError(n=recalls_needed)
    return _transition(session, counter, officer, now, (TicketStatus.CALLED,),
                       {"status": TicketStatus.NO_SHOW, "finished_at": now}, "no_show",
                       extra=Ticket.recall_count >= recalls_needed)


def start_serving(session, counter_id: int, officer, now: Optional[datetime] = None) -> Ticket:
    """Called -> serving (the visitor sits down); commits."""
    now = clock.at(now)
    counter = _hold(session, counter_id, officer, now)
    return _transition(session, counter, officer, now, (TicketStatus.CALLED,),
                       {"status": TicketStatus.SERVING, "serving_started_at": now}, "serving")


def finish(session, counter_id: int, officer, note: Optional[str] = None, now: Optional[datetime] = None) -> Ticket:
    """Serving -> done, with an optional short outcome note; commits."""
    now = clock.at(now)
    counter = _hold(session, counter_id, officer, now)
    def record_service_time(ticket):
        ticket.service_seconds = max(0, int((now - ticket.serving_started_at).total_seconds()))
        ticket.within_expected = ticket.service_seconds <= ticket.service.expected_minutes * 60

    return _transition(session, counter, officer, now, (TicketStatus.SERVING,),
                       {"status": TicketStatus.DONE, "finished_at": now}, "finished", detail=note or None,
                       before_commit=record_service_time)


def transfer(session, counter_id: int, officer, service_id: int, note: Optional[str] = None,
             now: Optional[datetime] = None) -> Ticket:
    """Send the counter's called or serving ticket to another service, of this or another agency.

    The ticket keeps its number and joins the target queue by its original issue time
    (queued_at = issued_at): a visitor who already waited is not sent to the back of the line,
    and comes after those who arrived before them. Commits.
    """
    now = clock.at(now)
    counter = _hold(session, counter_id, officer, now)
    target = session.get(Service, service_id) if service_id else None
    current = active_ticket(session, counter.id)
    if current is None:
        session.rollback()
        raise NoActiveTicketError()
    if target is None or not target.active or not target.agency.active or target.id == current.service_id:
        session.rollback()
        raise TransferTargetError()
    detail = f"{current.service.name} -> {target.name}" + (f": {note}" if note else "")
    return _transition(session, counter, officer, now, ACTIVE_STATUSES, {
        "status": TicketStatus.WAITING, "service_id": target.id, "queue_agency_id": target.agency_id,
        "counter_id": None, "queued_at": Ticket.issued_at, "called_at": None, "serving_started_at": None,
        "recall_count": 0, "transferred": True}, "transferred", detail=detail[:200])


def waiting_list(session, counter, day, limit: int = 30) -> list:
    """The counter's waiting tickets, priority ones first, then by queue position."""
    return session.scalars(
        select(Ticket).where(_waiting_for(counter, day))
        .order_by(Ticket.priority.is_(None), Ticket.queued_at, Ticket.id).limit(limit)
        .options(joinedload(Ticket.agency), joinedload(Ticket.service))).all()


def no_shows(session, counter, day) -> list:
    return session.scalars(
        select(Ticket).where(Ticket.queue_agency_id == counter.agency_id, Ticket.business_date == day,
                             Ticket.status == TicketStatus.NO_SHOW,
                             Ticket.service_id.in_(_counter_services(counter)))
        .order_by(Ticket.finished_at.desc()).limit(10)
        .options(joinedload(Ticket.agency))).all()


@dataclass(frozen=True)
class CounterDay:
    """What one counter did on a business day, for the officer at it."""

    served: int
    no_shows: int
    mean_service_minutes: Optional[float]


def counter_day(session, counter_id: int, day) -> CounterDay:
    """Tickets finished and marked no-show at the counter on `day`, and the mean service time
    (start to finish) of the finished ones; a ticket counts where it ended, not where it passed."""
    served, no_show_count, mean_seconds = session.execute(
        select(func.count(case((Ticket.status == TicketStatus.DONE, 1))),
               func.count(case((Ticket.status == TicketStatus.NO_SHOW, 1))),
               func.avg(case((Ticket.status == TicketStatus.DONE, Ticket.service_seconds))))
        .where(Ticket.business_date == day, Ticket.counter_id == counter_id)
    ).one()
    return CounterDay(served, no_show_count, None if mean_seconds is None else float(mean_seconds) / 60)
