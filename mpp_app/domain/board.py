"""What the TV display board shows, and a cheap fingerprint of it for conditional polling.

The board polls every second all day on several screens, so an unchanged board must cost almost
nothing: fingerprint() runs three small indexed queries and the view answers 304 when the
browser's ETag matches; a change renders the board once for all TVs (RenderedBoards).

What it shows (numbers, counters and agencies only, never a name):
- the newest call whose ticket is still being called at that counter (status CALLED there); a
  finished, served, transferred or no-show ticket leaves the big box, which then shows the previous
  call still being called, or nothing. The box fades after NEWEST_FADES_AFTER (the browser does
  it, since an unchanged board is not rendered again);
- per agency: the open counters with their called or served ticket, and how many wait;
- the recent calls, one row per ticket at its latest call: a recall moves the row to the top.
"""
import hashlib
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from .. import clock
from . import reference, settings
from .announce import announcement
from ..models import Agency, Counter, CounterState, Ticket, TicketEvent, TicketEventKind, TicketStatus

CALL_KINDS = (TicketEventKind.CALLED, TicketEventKind.RECALLED)
RECENT_CALLS = 8
# Long enough to walk across the hall from the far end, short enough that the box does not go on
# shouting a number nobody answers.
NEWEST_FADES_AFTER = timedelta(minutes=3)


@dataclass(frozen=True)
class Call:
    event_id: int
    ticket_id: int
    number: str
    counter_name: str
    agency: str
    at: datetime
    recall: bool
    sentence: str


@dataclass(frozen=True)
class CounterLine:
    counter: Counter
    ticket: Optional[Ticket]

    @property
    def paused(self) -> bool:
        return self.counter.state is CounterState.PAUSED

    @property
    def calling(self) -> bool:
        return self.ticket is not None and self.ticket.status is TicketStatus.CALLED


@dataclass(frozen=True)
class AgencyLine:
    agency: Agency
    waiting: int
    counters: list  # CounterLine of its open or paused counters, by number


@dataclass(frozen=True)
class BoardState:
    agencies: list
    calls: list
    newest: Optional[Call]
    running_text: str
    now: datetime

    @property
    def fades_after_ms(self) -> int:
        return int(NEWEST_FADES_AFTER.total_seconds() * 1000)

    @property
    def newest_fresh(self) -> bool:
        return self.newest is not None and self.now - self.newest.at < NEWEST_FADES_AFTER


def agencies_from(session, codes: str) -> list:
    """Active agency ids named in a board URL (?agencies=A,BAPENDA: prefixes or codes); all when empty."""
    wanted = {c.strip().upper() for c in (codes or "").split(",") if c.strip()}
    query = select(Agency.id).where(Agency.active)
    if wanted:
        query = query.where(Agency.prefix.in_(wanted) | Agency.code.in_(wanted))
    return list(session.scalars(query))


def fingerprint(session, agency_ids: list, now: Optional[datetime] = None) -> str:
    """Changes with every ticket event (an issue changes a waiting count), counter, reference data
    (settings, agency names) or day."""
    now = clock.at(now)
    # max(id), not ORDER BY id DESC LIMIT 1: the same answer, and a plan that provably reads one row.
    last_event = session.scalar(select(func.max(TicketEvent.id)))
    counters = session.execute(
        select(Counter.id, Counter.state, Counter.name).where(Counter.agency_id.in_(agency_ids), Counter.active)
        .order_by(Counter.id)).all()
    # The running text, announcement style and agency names are reference data: its token says
    # whether any of them changed.
    raw = repr((now.date(), last_event, counters, reference.current(session).token, sorted(agency_ids)))
    return hashlib.blake2b(raw.encode(), digest_size=10).hexdigest()  # an ETag, not a secret


def state(session, agency_ids: list, now: Optional[datetime] = None) -> BoardState:
    """The board of today for the given agencies; see the module docstring for what it shows."""
    now = clock.at(now)
    today = now.date()
    mode = settings.get(session, "announce_mode")
    counters = session.scalars(
        select(Counter).where(Counter.agency_id.in_(agency_ids), Counter.active,
                              Counter.state != CounterState.CLOSED)
        .order_by(Counter.number)).all()
    current = {t.counter_id: t for t in session.scalars(
        select(Ticket).where(Ticket.counter_id.in_([c.id for c in counters]),
                             Ticket.status.in_((TicketStatus.CALLED, TicketStatus.SERVING)))
        .options(joinedload(Ticket.agency)))}
    waiting = dict(session.execute(
        select(Ticket.queue_agency_id, func.count()).where(
            Ticket.queue_agency_id.in_(agency_ids), Ticket.business_date == today,
            Ticket.status == TicketStatus.WAITING)
        .group_by(Ticket.queue_agency_id)).all())
    lines = {}
    for counter in counters:
        lines.setdefault(counter.agency_id, []).append(CounterLine(counter, current.get(counter.id)))
    agencies = [AgencyLine(agency, waiting.get(agency.id, 0), lines.get(agency.id, []))
                for agency in session.scalars(select(Agency).where(Agency.id.in_(agency_ids))
                                              .order_by(Agency.sort_order, Agency.id))
                if agency.id in lines or agency.id in waiting]

    called_here = [t.id for t in current.values() if t.status is TicketStatus.CALLED]
    # A called ticket's latest call is at the counter that holds it: a ticket called again
    # elsewhere after a transfer is held by that other counter.
    newest = _latest_calls(session, agency_ids, today, mode, called_here, 1) if called_here else []
    recent = _latest_calls(session, agency_ids, today, mode, limit=RECENT_CALLS)
    return BoardState(agencies, recent, newest[0] if newest else None, settings.get(session, "running_text"), now)


def _latest_calls(session, agency_ids, today, mode, ticket_ids=None, limit=None) -> list:
    """The latest call event of each ticket called today at these agencies' counters, newest first."""
    latest = (select(func.max(TicketEvent.id))
              .join(Ticket, TicketEvent.ticket_id == Ticket.id)
              .join(Counter, TicketEvent.counter_id == Counter.id)
              .where(TicketEvent.kind.in_(CALL_KINDS), Ticket.business_date == today,
                     Counter.agency_id.in_(agency_ids))
              .group_by(TicketEvent.ticket_id))
    if ticket_ids is not None:
        latest = latest.where(TicketEvent.ticket_id.in_(ticket_ids))
    elif limit is not None:
        # The newest chosen among today's calls, not by walking every event ever made from the
        # newest down (PostgreSQL's plan otherwise), however many years the table holds.
        latest = latest.order_by(func.max(TicketEvent.id).desc()).limit(limit)
    query = (select(TicketEvent, Ticket, Counter)
             .join(Ticket, TicketEvent.ticket_id == Ticket.id)
             .join(Counter, TicketEvent.counter_id == Counter.id)
             .where(TicketEvent.id.in_(latest))
             .options(joinedload(Ticket.agency), joinedload(Counter.agency))
             .order_by(TicketEvent.id.desc()).limit(limit))
    return [Call(event.id, ticket.id, ticket.display_number, counter.name, counter.agency.short_name, event.at,
                 event.kind is TicketEventKind.RECALLED,
                 announcement(ticket.agency.prefix, ticket.number, counter.number, mode))
            for event, ticket, counter in session.execute(query).all()]


class FingerprintCache:
    """Remembers each board filter's agency ids and fingerprint for a short time.

    Every TV in the hall polls the same board every second; within `seconds` they share one
    computation. A call therefore reaches a board within seconds + one poll interval.
    """

    def __init__(self):
        self._entries = {}
        self._lock = threading.Lock()

    def get(self, session, agency_codes: str, seconds: float, now: Optional[datetime] = None) -> tuple:
        """(agency ids, fingerprint) for a board URL's agency filter."""
        moment = time.monotonic()
        with self._lock:
            entry = self._entries.get(agency_codes)
        if entry and entry[0] > moment:
            return entry[1], entry[2]
        agency_ids = agencies_from(session, agency_codes)
        tag = fingerprint(session, agency_ids, now)
        with self._lock:
            if len(self._entries) > 1000:  # arbitrary filters in URLs must not grow memory
                self._entries.clear()
            self._entries[agency_codes] = (moment + seconds, agency_ids, tag)
        return agency_ids, tag


class RenderedBoards:
    """The last few rendered boards, by (fingerprint, language, board URL's agency filter).

    A call changes the board for every TV at once: the first TV to ask renders it, the others get
    the same body. Bounded to `size` boards (a few filters times the states of the last seconds);
    boards are public (numbers, counters and agencies), so one cache serves every TV.
    """

    def __init__(self, size: int = 16):
        self._bodies = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key, render) -> str:
        """The body stored under `key`, or `render()` stored under it."""
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
                return body
        # Rendered outside the lock: two TVs asking at once may both render, never wait on each other.
        body = render()
        with self._lock:
            self._bodies[key] = body
            while len(self._bodies) > self._size:
                self._bodies.popitem(last=False)
        return body
