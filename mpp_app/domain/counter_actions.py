"""What an officer does to tickets at a counter: call next, call one, recall, no-show, start,
finish and transfer.

Every action starts with _hold(): an UPDATE of the counter row that only matches when the acting
officer holds the counter. It is the transaction's first write, so on SQLite the whole action runs
under the database's write lock, and on PostgreSQL actions on one counter run one at a time (the
row lock). Ticket transitions then put their guard in the UPDATE's WHERE clause (status, counter)
and check the row count, so a stale page or a second tab is refused.

Invariants: a ticket is called by exactly one counter; a counter has at most one called or serving
ticket; every transition is a TicketEvent with actor, counter and time.
"""
from datetime import datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select, true, update

from .. import clock
from ..labels import label
from ..models import Counter, CounterState, Service, Ticket, TicketEvent, TicketEventKind, TicketStatus
from . import counter_sessions
from .counter_sessions import ACTIVE_STATUSES, NotHolderError, active_ticket
from .errors import ConflictError, DomainError, NotFoundError
from .queue_status import counter_services, waiting_for
from .tickets import TicketNotInStateError


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
    counter = counter_sessions.active_counter(session, counter_id)
    held = session.execute(
        update(Counter).where(Counter.id == counter_id, Counter.officer_id == officer.id)
        .values(state_since=Counter.state_since)
    ).rowcount
    if not held:
        session.rollback()
        raise NotHolderError(counter=counter.name)
    session.refresh(counter)
    return counter


def _wants_priority(session, counter, day) -> Optional[bool]:
    """Which group the counter calls from next: True priority, False regular, None nothing waits.

    The agency's rule: priority_every == 0 calls waiting priority tickets first, always;
    N > 0 calls one priority ticket after every N regular ones called since the last priority
    call at that agency today (when a group is empty, the other is called).
    """
    waiting = waiting_for(counter, day)
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


def _called(session, counter, officer, ticket_id, now, kind=TicketEventKind.CALLED) -> Ticket:
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
        candidate = (select(Ticket.id).where(waiting_for(counter, now.date()),
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
            Ticket.service_id.in_(counter_services(counter)))
        .values(status=TicketStatus.CALLED, counter_id=counter.id, called_at=now, recall_count=0,
                finished_at=None)
        .returning(Ticket.id)
    ).scalar()
    if not called:
        session.rollback()
        ticket = session.get(Ticket, ticket_id)
        if ticket is None or ticket.queue_agency_id != counter.agency_id:
            raise NotFoundError(_l("Tiket tidak ditemukan di antrean loket ini."))
        raise TicketNotInStateError(number=ticket.display_number, status=label(ticket.status))
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
                       {"recall_count": Ticket.recall_count + 1}, TicketEventKind.RECALLED)


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
                       {"status": TicketStatus.NO_SHOW, "finished_at": now}, TicketEventKind.NO_SHOW,
                       extra=Ticket.recall_count >= recalls_needed)


def start_serving(session, counter_id: int, officer, now: Optional[datetime] = None) -> Ticket:
    """Called -> serving (the visitor sits down); commits."""
    now = clock.at(now)
    counter = _hold(session, counter_id, officer, now)
    return _transition(session, counter, officer, now, (TicketStatus.CALLED,),
                       {"status": TicketStatus.SERVING, "serving_started_at": now}, TicketEventKind.SERVING)


def finish(session, counter_id: int, officer, note: Optional[str] = None, now: Optional[datetime] = None) -> Ticket:
    """Serving -> done, with an optional short outcome note; commits."""
    now = clock.at(now)
    counter = _hold(session, counter_id, officer, now)
    def record_service_time(ticket):
        ticket.service_seconds = max(0, int((now - ticket.serving_started_at).total_seconds()))
        ticket.within_expected = ticket.service_seconds <= ticket.service.expected_minutes * 60

    return _transition(session, counter, officer, now, (TicketStatus.SERVING,),
                       {"status": TicketStatus.DONE, "finished_at": now}, TicketEventKind.FINISHED, detail=note or None,
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
        "recall_count": 0, "transferred": True}, TicketEventKind.TRANSFERRED, detail=detail[:200])
