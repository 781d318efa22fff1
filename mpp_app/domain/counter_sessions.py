"""Counter sessions: an officer opens a counter of their agency, pauses, resumes and closes it;
a manager can release it.

Invariants: a counter that is open or paused is held by exactly one officer (officer_id), and an
officer holds at most one counter (unique officer_id). Every change is one guarded UPDATE, so two
officers opening the same counter at the same moment cannot both get it.
"""
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from . import audit, reference
from .. import clock
from .errors import ConflictError, DomainError, NotFoundError
from .queue_status import TransferOrigin
from ..models import Counter, CounterState, Role, Ticket, TicketEvent, TicketEventKind, TicketStatus, ticket_number

ACTIVE_STATUSES = (TicketStatus.CALLED, TicketStatus.SERVING)


class CounterTakenError(ConflictError):
    message = _l("%(counter)s sedang dipegang oleh %(holder)s.")


class AlreadyHoldingError(ConflictError):
    message = _l("Anda sudah memegang %(counter)s. Tutup loket itu dulu.")


class NotHolderError(ConflictError):
    message = _l("Anda tidak sedang memegang %(counter)s. Buka loket ini dulu.")


class OtherAgencyError(DomainError):
    status = 403
    message = _l("%(counter)s milik %(agency)s; Anda petugas %(own)s.")

    @classmethod
    def at(cls, counter, officer):
        return cls(counter=counter.name, agency=counter.agency.short_name,
                   own=officer.agency.short_name if officer.agency else "-")


class CounterBusyError(ConflictError):
    message = _l("Selesaikan, alihkan atau tandai tidak hadir tiket %(number)s sebelum menutup loket.")


class CounterStateError(ConflictError):
    message = _l("%(counter)s tidak dalam keadaan yang sesuai untuk tindakan ini. Muat ulang halaman.")


def active_counter(session, counter_id) -> Counter:
    counter = session.get(Counter, counter_id)
    if counter is None or not counter.active:
        raise NotFoundError(_l("Loket tidak ditemukan atau tidak aktif."))
    return counter


def counter_for(session, counter_id: int, user) -> Counter:
    """The counter `user` may see and work: an officer only their own agency's (OtherAgencyError,
    a 403 that names both agencies), other staff any. NotFoundError when there is no such counter."""
    counter = session.get(Counter, counter_id)
    if counter is None:
        raise NotFoundError(_l("Loket tidak ditemukan."))
    if user.role is Role.OFFICER and counter.agency_id != user.agency_id:
        raise OtherAgencyError.at(counter, user)
    return counter


def active_ticket(session, counter_id) -> Optional[Ticket]:
    """The ticket a counter has called or is serving; at most one exists."""
    return session.scalar(select(Ticket).where(Ticket.counter_id == counter_id, Ticket.status.in_(ACTIVE_STATUSES)))


@dataclass(frozen=True)
class CurrentTicket:
    """A counter's called or serving ticket as its console shows it. Of `ticket` only its own
    columns are read; its agency and service come from the reference cache (reference.ServiceInfo),
    so showing it costs no query, except for a transferred ticket: one, for what each transfer
    said and the counter it last came from."""

    ticket: Ticket
    number: str
    prefix: str
    service: reference.ServiceInfo
    transfer_details: tuple = ()
    transferred_from: Optional[TransferOrigin] = None


def display_number(session, ticket: Ticket) -> str:
    """Ticket.display_number ("A-001") with the prefix from the reference cache: no query for the agency."""
    return ticket_number(reference.current(session).agency(ticket.agency_id).prefix, ticket.number)


def shown(session, ticket: Ticket) -> CurrentTicket:
    """`ticket` (called or serving at a counter) as the console shows it."""
    ref = reference.current(session)
    details, origin = (), None
    if ticket.transferred:
        transfers = session.execute(
            select(TicketEvent.detail, TicketEvent.counter_id)
            .where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == TicketEventKind.TRANSFERRED)
            .order_by(TicketEvent.id)).all()
        details = tuple(detail for detail, _counter_id in transfers if detail)
        sender = ref.counter(transfers[-1].counter_id) if transfers else None
        if sender:
            origin = TransferOrigin(sender.name, ref.agency(sender.agency_id).short_name)
    return CurrentTicket(ticket, display_number(session, ticket), ref.agency(ticket.agency_id).prefix,
                         ref.service(ticket.service_id), details, origin)


def current_ticket(session, counter_id) -> Optional[CurrentTicket]:
    """What the counter's console shows as its current ticket, or None."""
    ticket = active_ticket(session, counter_id)
    return ticket and shown(session, ticket)


def counters_in_use(session, agency_id: Optional[int] = None) -> list:
    """The active counters by number, with their agency and holder; of one agency when given."""
    query = (select(Counter).where(Counter.active).order_by(Counter.number)
             .options(joinedload(Counter.agency), joinedload(Counter.officer)))
    if agency_id is not None:
        query = query.where(Counter.agency_id == agency_id)
    return session.scalars(query).all()


def held_by(session, officer) -> Optional[Counter]:
    return session.scalar(select(Counter).where(Counter.officer_id == officer.id))


def open_counter(session, counter_id: int, officer, now: Optional[datetime] = None) -> Counter:
    """Give a free counter of the officer's own agency to the officer (their own paused or open
    counter is simply resumed); commits. Refused when another officer holds it or the officer
    already holds another counter."""
    now = clock.at(now)
    counter = active_counter(session, counter_id)
    if counter.agency_id != officer.agency_id:
        raise OtherAgencyError.at(counter, officer)
    try:
        changed = session.execute(
            update(Counter)
            .where(Counter.id == counter_id, Counter.active,
                   or_(Counter.officer_id.is_(None), Counter.officer_id == officer.id))
            .values(officer_id=officer.id, state=CounterState.OPEN, state_since=now)
        ).rowcount
    except IntegrityError:
        session.rollback()
        raise AlreadyHoldingError(counter=held_by(session, officer).name) from None
    if not changed:
        session.rollback()
        session.refresh(counter)
        raise CounterTakenError(counter=counter.name, holder=counter.officer.full_name if counter.officer else "-")
    session.commit()
    session.refresh(counter)
    return counter


def _refuse(session, counter, officer, error):
    """Explain why a guarded UPDATE of the counter matched nothing: not the holder, or `error()`."""
    session.rollback()
    session.refresh(counter)
    if counter.officer_id != officer.id:
        raise NotHolderError(counter=counter.name)
    raise error()


def _set_state(session, counter_id, officer, from_states, to_state, now):
    counter = active_counter(session, counter_id)
    changed = session.execute(
        update(Counter)
        .where(Counter.id == counter_id, Counter.officer_id == officer.id, Counter.state.in_(from_states))
        .values(state=to_state, state_since=now)
    ).rowcount
    if not changed:
        _refuse(session, counter, officer, lambda: CounterStateError(counter=counter.name))
    session.commit()
    session.refresh(counter)
    return counter


def pause_counter(session, counter_id: int, officer, now: Optional[datetime] = None) -> Counter:
    """Open -> paused (a break): call next is refused until it resumes; commits."""
    return _set_state(session, counter_id, officer, (CounterState.OPEN,), CounterState.PAUSED,
                      clock.at(now))


def resume_counter(session, counter_id: int, officer, now: Optional[datetime] = None) -> Counter:
    """Paused -> open; commits."""
    return _set_state(session, counter_id, officer, (CounterState.PAUSED,), CounterState.OPEN,
                      clock.at(now))


def close_counter(session, counter_id: int, officer, now: Optional[datetime] = None) -> Counter:
    """Hand the counter back at the end of the day; refused while it has a called or serving
    ticket (the guard is in the UPDATE, so a ticket called in another tab cannot slip by); commits."""
    now = clock.at(now)
    counter = active_counter(session, counter_id)
    busy = exists().where(Ticket.counter_id == Counter.id, Ticket.status.in_(ACTIVE_STATUSES))
    changed = session.execute(
        update(Counter).where(Counter.id == counter_id, Counter.officer_id == officer.id, ~busy)
        .values(state=CounterState.CLOSED, officer_id=None, state_since=now)
    ).rowcount
    if not changed:
        _refuse(session, counter, officer,
                lambda: CounterBusyError(number=active_ticket(session, counter_id).display_number))
    session.commit()
    session.refresh(counter)
    return counter


def release_counter(session, counter_id: int, manager, now: Optional[datetime] = None) -> Counter:
    """A manager frees a counter whose officer is gone: its called or serving ticket goes back to
    the waiting line at its old place; audited; commits.

    The counter's UPDATE is the transaction's first write, the same row every counter action takes
    first (counter_actions._hold): a call next in flight either committed before it, and its ticket
    is sent back by the guarded ticket UPDATE that follows, or runs after it and finds the counter
    no longer held. No ticket stays called at a counter nobody holds.
    """
    now = clock.at(now)
    counter = active_counter(session, counter_id)
    free_counter(session, counter, manager, now)
    session.commit()
    session.refresh(counter)
    return counter


def free_counter(session, counter: Counter, manager, now: datetime) -> None:
    """Release_counter's writes, for any counter (also one deactivated while held), without
    committing: the caller commits them with its own change, so nothing happens in between."""
    counter_id = counter.id
    before = {"officer": counter.officer.username if counter.officer else None, "state": counter.state.value}
    session.execute(update(Counter).where(Counter.id == counter_id)
                    .values(state=CounterState.CLOSED, officer_id=None, state_since=now))
    requeued = session.scalars(
        update(Ticket).where(Ticket.counter_id == counter_id, Ticket.status.in_(ACTIVE_STATUSES))
        .values(status=TicketStatus.WAITING, counter_id=None).returning(Ticket.id)).all()
    for ticket_id in requeued:
        session.add(TicketEvent(ticket_id=ticket_id, kind=TicketEventKind.REQUEUED, at=now, actor_id=manager.id,
                                counter_id=counter_id, detail="loket dilepas manajer"))
    audit.record(session, manager, "counter_released", counter, before=before, after={"state": "closed"})
