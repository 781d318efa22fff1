"""Where tickets stand, for the screens: lookups, a ticket's place and estimated wait, the reception
overview, a counter's waiting list and its day. Read-only: nothing here writes or commits.

The order of a line (ahead_condition, waiting_list) is the one call next follows: priority tickets
(UU 25/2009 Pasal 29) first, then the older queue position (queued_at, then id).
"""
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, case, func, or_, select
from sqlalchemy.orm import joinedload

from .. import clock
from ..models import (Agency, Counter, PriorityCategory, Service, Ticket, TicketEvent, TicketEventKind, TicketStatus,
                      counter_service, ticket_number)
from . import catalogue, estimates, hours, reference
from .errors import DomainError, NotFoundError

OPEN_STATUSES = (TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING)
NUMBER_PATTERN = re.compile(r"^\s*([A-Za-z])\s*-?\s*(\d{1,4})\s*$")


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
    ahead, wait = estimates.ticket_estimate(session, ticket, ahead_condition, now)
    return TicketPosition(ticket, ahead, wait)


def by_public_token(session, token: str) -> Ticket:
    ticket = session.scalar(select(Ticket).where(Ticket.public_token == (token or "")[:43]))
    if ticket is None:
        raise NotFoundError(_l("Tiket tidak ditemukan."))
    return ticket


@dataclass(frozen=True)
class PublicTicket:
    """A ticket as its status page shows it: plain values, no personal data."""

    public_token: str
    status: TicketStatus
    display_number: str
    recall_count: int
    service: str
    agency: str
    counter: Optional[str]  # the name of the counter that called it, if any


@dataclass(frozen=True)
class ServingNumber:
    number: str
    counter: str


@dataclass(frozen=True)
class PublicStatus:
    """Everything a citizen's status page shows, in plain values: two equal PublicStatus render
    the same page (in one language), which is what its ETag relies on."""

    ticket: PublicTicket
    ahead: int = 0
    estimated_wait: int = 0
    # The numbers its queue's counters are calling or serving now, latest call first.
    now_serving: tuple = ()


# Built once: the status page is polled by every waiting citizen's phone.
_PUBLIC_TICKET = (
    select(Ticket.id, Ticket.status, Ticket.number, Ticket.recall_count, Ticket.priority, Ticket.queued_at,
           Ticket.queue_agency_id, Ticket.business_date, Ticket.service_id, Agency.prefix,
           Agency.name.label("agency_name"), Service.name.label("service_name"), Counter.name.label("counter_name"))
    .join(Agency, Agency.id == Ticket.agency_id).join(Service, Service.id == Ticket.service_id)
    .outerjoin(Counter, Counter.id == Ticket.counter_id)
    .where(Ticket.public_token == bindparam("token")))
_SERVING_NOW = (
    select(Agency.prefix, Ticket.number, Counter.name)
    .join(Agency, Agency.id == Ticket.agency_id).join(Counter, Counter.id == Ticket.counter_id)
    .where(Ticket.queue_agency_id == bindparam("queue_agency_id"), Ticket.business_date == bindparam("day"),
           Ticket.status.in_((TicketStatus.CALLED, TicketStatus.SERVING)))
    .order_by(Ticket.called_at.desc(), Ticket.id.desc()).limit(6))


def public_status(session, token: str, now: Optional[datetime] = None) -> PublicStatus:
    """A citizen's ticket by its token: its place, and while it waits the numbers its agency's
    counters are calling or serving now (latest call first), so the citizen can see the line move.

    Hundreds of phones poll it, so it reads plain columns (no ORM objects) in at most three
    statements, each pinned to the ticket or to its queue's open tickets of the day: the ticket
    with its names, people ahead with the estimate, the numbers being served."""
    now = clock.at(now)
    token = (token or "")[:43]
    # On the connection: plain rows without the ORM's per-statement work.
    row = session.connection().execute(_PUBLIC_TICKET, {"token": token}).one_or_none()
    if row is None:
        raise NotFoundError(_l("Tiket tidak ditemukan."))
    ticket = PublicTicket(token, row.status, ticket_number(row.prefix, row.number), row.recall_count,
                          row.service_name, row.agency_name, row.counter_name)
    if row.status is not TicketStatus.WAITING:
        return PublicStatus(ticket)
    # The row has the ticket's columns by their names, all that the estimate reads.
    ahead, wait = estimates.ticket_estimate(session, row, ahead_condition, now)
    serving = session.connection().execute(
        _SERVING_NOW, {"queue_agency_id": row.queue_agency_id, "day": row.business_date})
    return PublicStatus(ticket, ahead, wait,
                        tuple(ServingNumber(ticket_number(prefix, number), counter)
                              for prefix, number, counter in serving))


# The short code printed under the ticket's QR: the start of its public token, folded so that it
# survives being read aloud and typed on a phone (one letter case, no "-" or "_", O->0, I and L->1).
# 8 folded characters carry about 39 bits; among the few thousand tickets of the SHORT_CODE_DAYS
# days it is searched in, a guessed code finds one about once in 10^8 tries: codes cannot be
# enumerated, which is also why a shorter code is never matched as a prefix.
SHORT_CODE_LENGTH = 8
SHORT_CODE_DAYS = 7
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
# One folding, applied to what a citizen types (in Python) and to the stored token (in SQL).
FOLDS = (("-", ""), ("_", ""), ("o", "0"), ("i", "1"), ("l", "1"))
_FOLD = str.maketrans({old: new or None for old, new in FOLDS})


def _fold(text: str) -> str:
    return "".join(ch for ch in text.lower().translate(_FOLD) if ch.isascii() and ch.isalnum())


def _folded_column(column):
    folded = func.lower(column)
    for old, new in FOLDS:
        folded = func.replace(folded, old, new)
    return folded


def short_code(ticket: Ticket) -> str:
    """The readable code of a ticket, e.g. "K7QM-2XPA": what by_code finds it by."""
    code = _fold(ticket.public_token)[:SHORT_CODE_LENGTH].upper()
    return f"{code[:4]}-{code[4:]}"


def by_code(session, text: str, day) -> Ticket:
    """The ticket a citizen typed the code of: its short code (in any letter case, with or without
    spaces and dashes, O for 0 and I or L for 1), its whole status token, or the status address.
    Short codes are looked up among tickets of the SHORT_CODE_DAYS days up to `day`.

    Every code that finds nothing gets the same NotFoundError, whatever was wrong with it, so the
    answer tells a guesser nothing; only an empty field gets its own message."""
    text = (text or "").strip()[:200]
    if not text:
        raise DomainError(_l("Ketik kode yang tercetak di bawah kode QR pada tiket Anda."))
    token = text.rsplit("/t/", 1)[-1].split("/")[0].split("?")[0] if "/t/" in text else text
    ticket = (session.scalar(select(Ticket).where(Ticket.public_token == token))
              if TOKEN_PATTERN.fullmatch(token) else None)
    code = _fold(text)
    if ticket is None and len(code) == SHORT_CODE_LENGTH:
        ticket = session.scalar(
            select(Ticket).where(Ticket.business_date.between(day - timedelta(days=SHORT_CODE_DAYS - 1), day),
                                 _folded_column(Ticket.public_token).startswith(code, autoescape=True))
            .order_by(Ticket.business_date.desc(), Ticket.id.desc()).limit(1))
    if ticket is None:
        raise NotFoundError(_l("Kode tiket tidak dikenal. Periksa lagi kode di bawah kode QR pada tiket Anda."))
    return ticket


def counter_services(counter):
    """The ids of the services a counter serves, as a subquery."""
    return select(counter_service.c.service_id).where(counter_service.c.counter_id == counter.id)


def waiting_for(counter, day, ticket=Ticket):
    """Today's waiting tickets that this counter may call: its agency's line, its services.
    `ticket` is Ticket or an alias of it (a subquery over tickets inside a query of tickets)."""
    return and_(ticket.queue_agency_id == counter.agency_id, ticket.business_date == day,
                ticket.status == TicketStatus.WAITING, ticket.service_id.in_(counter_services(counter)))


@dataclass(frozen=True)
class TransferOrigin:
    """The counter (and its agency) a ticket was last transferred from."""

    counter: str
    agency: str


@dataclass(frozen=True)
class WaitingEntry:
    """One line of a counter's waiting list, as the officer reads it: plain values, since the
    console polls the list every few seconds and answers 304 when they are all the same."""

    ticket_id: int
    number: str
    priority: Optional[PriorityCategory]
    service: str
    queued_at: datetime
    minutes_waited: int
    transferred_from: Optional[TransferOrigin]


@dataclass(frozen=True)
class NoShow:
    ticket_id: int
    number: str


def minutes_waited(ticket: Ticket, now: datetime) -> int:
    """Whole minutes since the ticket took its place in line (queued_at: its issue time, which a
    transfer keeps, so a transferred visitor's whole wait counts); never negative."""
    return max(0, int((now - ticket.queued_at).total_seconds()) // 60)


def transfer_origins(session, ticket_ids) -> dict:
    """Ticket id -> the TransferOrigin of its latest transfer, for those of `ticket_ids` that were
    transferred. One query, whatever the number of tickets (the waiting list is polled)."""
    if not ticket_ids:
        return {}
    latest = (select(TicketEvent.ticket_id, func.max(TicketEvent.id).label("event_id"))
              .where(TicketEvent.ticket_id.in_(ticket_ids), TicketEvent.kind == TicketEventKind.TRANSFERRED)
              .group_by(TicketEvent.ticket_id).subquery())
    rows = session.execute(
        select(latest.c.ticket_id, Counter.name, Agency.short_name)
        .join(TicketEvent, TicketEvent.id == latest.c.event_id)
        .join(Counter, Counter.id == TicketEvent.counter_id)
        .join(Agency, Agency.id == Counter.agency_id)).all()
    return {ticket_id: TransferOrigin(counter, agency) for ticket_id, counter, agency in rows}


def counter_queue(session, counter, now: Optional[datetime] = None, limit: int = 30) -> list:
    """The counter's waiting tickets as WaitingEntry lines, in the order call next follows
    (priority first, then queue position): minutes waited and, for a transferred ticket, where it
    came from. Names and prefixes come from the reference cache."""
    now = clock.at(now)
    ref = reference.current(session)
    rows = session.execute(
        select(Ticket.id, Ticket.agency_id, Ticket.number, Ticket.priority, Ticket.service_id, Ticket.queued_at,
               Ticket.transferred)
        .where(waiting_for(counter, now.date()))
        .order_by(Ticket.priority.is_(None), Ticket.queued_at, Ticket.id).limit(limit)).all()
    origins = transfer_origins(session, [row.id for row in rows if row.transferred])
    return [WaitingEntry(row.id, ticket_number(ref.agency(row.agency_id).prefix, row.number), row.priority,
                         ref.service(row.service_id).name, row.queued_at, minutes_waited(row, now), origins.get(row.id))
            for row in rows]


def no_shows(session, counter, day) -> list:
    """The counter's no-shows of `day`, latest first: a visitor who comes back can be called again."""
    ref = reference.current(session)
    rows = session.execute(
        select(Ticket.id, Ticket.agency_id, Ticket.number)
        .where(Ticket.queue_agency_id == counter.agency_id, Ticket.business_date == day,
               Ticket.status == TicketStatus.NO_SHOW, Ticket.service_id.in_(counter_services(counter)))
        .order_by(Ticket.finished_at.desc()).limit(10)).all()
    return [NoShow(row.id, ticket_number(ref.agency(row.agency_id).prefix, row.number)) for row in rows]


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
