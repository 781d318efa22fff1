"""What an officer does to tickets at a counter: call next, call one, recall, no-show, start,
finish and transfer.

Every action starts with _hold(): an UPDATE of the counter row that only matches when the acting
officer holds the counter. It is the transaction's first write, so on SQLite the whole action runs
under the database's write lock, and on PostgreSQL actions on one counter run one at a time (the
row lock). Ticket transitions then put their guard in the UPDATE's WHERE clause (status, counter)
and read the row back with RETURNING, so a stale page or a second tab is refused. What went wrong
is only looked up once a guard matched nothing: the path pressed all day costs a handful of
statements (an officer's press of a button: at most 8, tests/test_counter_cost.py).

Invariants: a ticket is called by exactly one counter; a counter has at most one called or serving
ticket; every transition is a TicketEvent with actor, counter and time.
"""
from datetime import datetime
from types import SimpleNamespace
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Integer, and_, bindparam, case, exists, false, func, or_, select, true, update
from sqlalchemy.orm import aliased

from .. import clock
from ..labels import label
from ..models import Counter, CounterState, Ticket, TicketEvent, TicketEventKind, TicketStatus, UTCDateTime
from . import counter_sessions, reference
from .counter_sessions import ACTIVE_STATUSES, NotHolderError
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


# Every UPDATE here reads its rows back with RETURNING: they refresh the objects of the session
# (populate_existing), so the ORM's own synchronisation (evaluating the WHERE in Python over the
# session's objects) would only repeat it.
_READ_BACK = {"populate_existing": True, "synchronize_session": False}
# session.info key: the counter the session's last action took (the identity map holds objects weakly).
HELD = "counter_actions.held"
# The statements an officer runs all day are built once, with named parameters.
_HOLD = (update(Counter)
         .where(Counter.id == bindparam("counter", type_=Integer), Counter.active,
                Counter.officer_id == bindparam("officer", type_=Integer),
                Counter.agency_id == bindparam("agency", type_=Integer))
         .values(state_since=Counter.state_since).returning(Counter).execution_options(**_READ_BACK))


def _hold(session, counter_id: int, officer) -> Counter:
    """The counter, taken for this action: one UPDATE ... RETURNING that matches only when `officer`
    holds this active counter of their agency. When it matches nothing, the reason is looked up:
    no such counter (NotFoundError), another agency's (OtherAgencyError), or NotHolderError."""
    counter = session.scalar(_HOLD, {"counter": counter_id, "officer": officer.id, "agency": officer.agency_id})
    if counter is None:
        session.rollback()
        counter_sessions.counter_for(session, counter_id, officer)
        counter = counter_sessions.active_counter(session, counter_id)
        raise NotHolderError(counter=counter.name)
    session.info[HELD] = counter
    return counter


def held_counter(session, counter_id: int) -> Counter:
    """The counter as this session's last action on it read it (its UPDATE ... RETURNING), for the
    answer that shows it: no second query."""
    counter = session.info.get(HELD)
    if counter is None or counter.id != counter_id:
        return counter_sessions.active_counter(session, counter_id)
    return counter


# Aliases of Ticket for subqueries inside queries of tickets, made once (making one costs more
# than the rest of the query).
_BUSY, _WAITING, _CALLED = (aliased(Ticket, name=name) for name in ("busy", "waiting", "called"))


def _busy(counter_id):
    """The counter has a called or serving ticket."""
    return exists().where(_BUSY.counter_id == counter_id, _BUSY.status.in_(ACTIVE_STATUSES))


def _refuse_busy(session, counter_id: int, otherwise):
    """Explain a call that matched nothing: the counter still has a ticket (OfficerBusyError),
    or `otherwise()`. Rolls back first."""
    busy = session.scalar(select(Ticket).where(Ticket.counter_id == counter_id, Ticket.status.in_(ACTIVE_STATUSES)))
    number = busy and busy.display_number
    session.rollback()
    if number:
        raise OfficerBusyError(number=number)
    raise otherwise()


def _candidate():
    """The ticket call next takes, in one SELECT (its parameters: counter_id, agency_id, day, every):
    a waiting ticket of the counter's services, while the counter has none called or serving, from
    the group the agency's rule asks for, oldest queue position first (the queue index's order).

    The rule: priority_every (`every`) == 0 calls waiting priority tickets first, always; N > 0
    calls one priority ticket after every N regular ones called since the last priority call at
    that agency today; when a group is empty, the other is called. Its subqueries are uncorrelated:
    each runs once per statement. Built once: the statement is the same for every call.
    """
    counter = SimpleNamespace(id=bindparam("counter_id", type_=Integer), agency_id=bindparam("agency_id", type_=Integer))
    day, every = bindparam("day", type_=Date), bindparam("every", type_=Integer)
    has_priority = exists().where(waiting_for(counter, day, _WAITING), _WAITING.priority.is_not(None))
    has_regular = exists().where(waiting_for(counter, day, _WAITING), _WAITING.priority.is_(None))
    called_today = and_(_CALLED.queue_agency_id == counter.agency_id, _CALLED.business_date == day,
                        _CALLED.called_at.is_not(None))
    last_priority = (select(func.max(_CALLED.called_at)).where(called_today, _CALLED.priority.is_not(None))
                     .scalar_subquery())
    streak = (select(func.count()).select_from(_CALLED)
              .where(called_today, _CALLED.priority.is_(None),
                     or_(last_priority.is_(None), _CALLED.called_at > last_priority)).scalar_subquery())
    wants_priority = case((~has_regular, true()), (~has_priority, false()), (every == 0, true()),
                          else_=streak >= every)
    return (select(Ticket.id, Ticket.issued_at, Ticket.wait_seconds)
            .where(waiting_for(counter, day), ~_busy(counter.id), Ticket.priority.is_not(None) == wants_priority)
            .order_by(Ticket.queued_at, Ticket.id).limit(1))


_CANDIDATE = _candidate()
# PostgreSQL: a candidate another counter's transaction has locked is passed over, not waited for.
_CANDIDATE_SKIP_LOCKED = _CANDIDATE.with_for_update(skip_locked=True, of=Ticket)
# The candidate, called: the status guard makes a second call of it match nothing.
_CALL_CANDIDATE = (
    update(Ticket).where(Ticket.id == bindparam("ticket", type_=Integer), Ticket.status == TicketStatus.WAITING)
    .values(status=TicketStatus.CALLED, counter_id=bindparam("counter", type_=Integer),
            called_at=bindparam("now", type_=UTCDateTime), recall_count=0,
            served_by_id=bindparam("officer", type_=Integer), wait_seconds=bindparam("waited", type_=Integer))
    .returning(Ticket).execution_options(**_READ_BACK))


def _record(session, counter, officer, ticket, now, kind, service_id=None, detail=None) -> Ticket:
    session.add(TicketEvent(ticket_id=ticket.id, kind=kind, at=now, actor_id=officer.id, counter_id=counter.id,
                            service_id=service_id, detail=detail))
    session.commit()
    return ticket


def _waited(ticket_row, now) -> int:
    """Seconds from issue to the first call: a ticket called before (a no-show back, a transfer)
    keeps its first wait."""
    if ticket_row.wait_seconds is not None:
        return ticket_row.wait_seconds
    return max(0, int((now - ticket_row.issued_at).total_seconds()))


def call_next(session, counter_id: int, officer, now: Optional[datetime] = None) -> Ticket:
    """Call the next waiting ticket of the counter's services: the agency's priority rule, then
    the oldest queue position. Invariants: a ticket is called by exactly one counter (the status
    guard in the UPDATE, plus SKIP LOCKED on PostgreSQL); a counter has at most one called or
    serving ticket (the candidate is only chosen while the counter has none). Raises
    NoTicketWaitingError, OfficerBusyError, CounterPausedError; commits."""
    now = clock.at(now)
    counter = _hold(session, counter_id, officer)
    if counter.state is not CounterState.OPEN:
        session.rollback()
        raise CounterPausedError()
    candidate = _CANDIDATE_SKIP_LOCKED if session.get_bind().dialect.name == "postgresql" else _CANDIDATE
    parameters = {"counter_id": counter.id, "agency_id": counter.agency_id, "day": now.date(),
                  "every": reference.current(session).agency(counter.agency_id).priority_every}
    # The row lock (PostgreSQL) or the write lock (SQLite) keeps the candidate waiting until the
    # UPDATE; should its guard ever match nothing, the next candidate is looked at.
    for _attempt in range(20):
        row = session.execute(candidate, parameters).first()
        if row is None:
            _refuse_busy(session, counter.id, NoTicketWaitingError)
        ticket = session.scalar(_CALL_CANDIDATE, {"ticket": row.id, "counter": counter.id, "now": now,
                                                  "officer": officer.id, "waited": _waited(row, now)})
        if ticket is not None:
            return _record(session, counter, officer, ticket, now, TicketEventKind.CALLED)
    session.rollback()
    raise NoTicketWaitingError()


def call_ticket(session, counter_id: int, ticket_id: int, officer, now: Optional[datetime] = None) -> Ticket:
    """Call one particular ticket of the counter's services that is waiting or was marked
    no-show today (the visitor came back); same invariants as call_next; commits."""
    now = clock.at(now)
    counter = _hold(session, counter_id, officer)
    ticket = session.scalar(
        update(Ticket).where(
            Ticket.id == ticket_id, Ticket.queue_agency_id == counter.agency_id, Ticket.business_date == now.date(),
            Ticket.status.in_((TicketStatus.WAITING, TicketStatus.NO_SHOW)),
            Ticket.service_id.in_(counter_services(counter)), ~_busy(counter.id))
        .values(status=TicketStatus.CALLED, counter_id=counter.id, called_at=now, recall_count=0,
                finished_at=None, served_by_id=officer.id)
        .returning(Ticket).execution_options(**_READ_BACK))
    if ticket is None:
        def not_callable():
            ticket = session.get(Ticket, ticket_id)
            if ticket is None or ticket.queue_agency_id != counter.agency_id:
                return NotFoundError(_l("Tiket tidak ditemukan di antrean loket ini."))
            return TicketNotInStateError(number=ticket.display_number, status=label(ticket.status))
        _refuse_busy(session, counter.id, not_callable)
    ticket.wait_seconds = _waited(ticket, now)
    return _record(session, counter, officer, ticket, now, TicketEventKind.CALLED)


def _transition(session, counter, officer, now, from_statuses, values, kind, detail=None, extra=None,
                refuse=NoActiveTicketError, before_commit=None) -> Ticket:
    """One guarded UPDATE ... RETURNING of the counter's ticket in `from_statuses` (and `extra`),
    `before_commit(ticket)`, its event, commit. When nothing matches: `refuse()` is raised after
    a rollback."""
    conditions = [Ticket.counter_id == counter.id, Ticket.status.in_(from_statuses)]
    if extra is not None:
        conditions.append(extra)
    ticket = session.scalar(update(Ticket).where(*conditions).values(**values).returning(Ticket)
                            .execution_options(**_READ_BACK))
    if ticket is None:
        error = refuse()
        session.rollback()
        raise error
    if before_commit:
        before_commit(ticket)
    return _record(session, counter, officer, ticket, now, kind, service_id=values.get("service_id"), detail=detail)


def recall(session, counter_id: int, officer, now: Optional[datetime] = None) -> Ticket:
    """Announce the counter's called ticket again (a new call event for the board); commits."""
    now = clock.at(now)
    counter = _hold(session, counter_id, officer)
    return _transition(session, counter, officer, now, (TicketStatus.CALLED,),
                       {"recall_count": Ticket.recall_count + 1}, TicketEventKind.RECALLED)


def mark_no_show(session, counter_id: int, officer, recalls_needed: int, now: Optional[datetime] = None) -> Ticket:
    """Called -> no_show, only after `recalls_needed` recalls (the guard is in the UPDATE); commits."""
    now = clock.at(now)
    counter = _hold(session, counter_id, officer)

    def why():
        called = session.scalar(select(Ticket.id).where(Ticket.counter_id == counter.id,
                                                        Ticket.status == TicketStatus.CALLED))
        return NoActiveTicketError() if called is None else RecallsNeededError(n=recalls_needed)

    return _transition(session, counter, officer, now, (TicketStatus.CALLED,),
                       {"status": TicketStatus.NO_SHOW, "finished_at": now}, TicketEventKind.NO_SHOW,
                       extra=Ticket.recall_count >= recalls_needed, refuse=why)


def start_serving(session, counter_id: int, officer, now: Optional[datetime] = None) -> Ticket:
    """Called -> serving (the visitor sits down); commits."""
    now = clock.at(now)
    counter = _hold(session, counter_id, officer)
    return _transition(session, counter, officer, now, (TicketStatus.CALLED,),
                       {"status": TicketStatus.SERVING, "serving_started_at": now}, TicketEventKind.SERVING)


def finish(session, counter_id: int, officer, note: Optional[str] = None, now: Optional[datetime] = None) -> Ticket:
    """Serving -> done, with an optional short outcome note, the service time and whether it was
    within the service's expected minutes as they stand now; commits."""
    now = clock.at(now)
    counter = _hold(session, counter_id, officer)

    def record_service_time(ticket):
        expected = reference.current(session).service(ticket.service_id).expected_minutes
        ticket.service_seconds = max(0, int((now - ticket.serving_started_at).total_seconds()))
        ticket.within_expected = ticket.service_seconds <= expected * 60

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
    counter = _hold(session, counter_id, officer)
    current = session.execute(select(Ticket.id, Ticket.service_id).where(
        Ticket.counter_id == counter.id, Ticket.status.in_(ACTIVE_STATUSES))).first()
    if current is None:
        session.rollback()
        raise NoActiveTicketError()
    ref = reference.current(session)
    target = ref.service(service_id) if service_id else None
    if target is None or not target.active or not target.agency.active or target.id == current.service_id:
        session.rollback()
        raise TransferTargetError()
    detail = f"{ref.service(current.service_id).name} -> {target.name}" + (f": {note}" if note else "")
    return _transition(session, counter, officer, now, ACTIVE_STATUSES, {
        "status": TicketStatus.WAITING, "service_id": target.id, "queue_agency_id": target.agency_id,
        "counter_id": None, "queued_at": Ticket.issued_at, "called_at": None, "serving_started_at": None,
        "recall_count": 0, "transferred": True}, TicketEventKind.TRANSFERRED, detail=detail[:200],
        extra=Ticket.id == current.id)
