"""What the TV display board shows, and a cheap fingerprint of it for conditional polling.

The board polls every second all day on several screens, so an unchanged board must cost almost
nothing: fingerprint() runs three small indexed queries and the view answers 304 when the
browser's ETag matches; only a change renders the board.
"""
import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import clock
from . import settings
from .announce import announcement
from ..models import Agency, Counter, CounterState, Setting, Ticket, TicketEvent, TicketEventKind, TicketStatus

CALL_KINDS = (TicketEventKind.CALLED, TicketEventKind.RECALLED)
# Every transition that changes what a board shows.
BOARD_KINDS = tuple(kind for kind in TicketEventKind if kind is not TicketEventKind.ISSUED)
RECENT_CALLS = 8


@dataclass(frozen=True)
class Call:
    event_id: int
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


@dataclass(frozen=True)
class BoardState:
    counters: list
    calls: list
    running_text: str

    @property
    def newest(self) -> Optional[Call]:
        return self.calls[0] if self.calls else None


def agencies_from(session, codes: str) -> list:
    """Active agency ids named in a board URL (?agencies=A,BAPENDA: prefixes or codes); all when empty."""
    wanted = {c.strip().upper() for c in (codes or "").split(",") if c.strip()}
    query = select(Agency.id).where(Agency.active)
    if wanted:
        query = query.where(Agency.prefix.in_(wanted) | Agency.code.in_(wanted))
    return list(session.scalars(query))


def fingerprint(session, agency_ids: list, now: Optional[datetime] = None) -> str:
    now = clock.at(now)
    last_event = session.scalar(
        select(TicketEvent.id).where(TicketEvent.kind.in_(BOARD_KINDS)).order_by(TicketEvent.id.desc()).limit(1))
    counters = session.execute(
        select(Counter.id, Counter.state, Counter.name).where(Counter.agency_id.in_(agency_ids), Counter.active)
        .order_by(Counter.id)).all()
    texts = session.execute(select(Setting.key, Setting.value).order_by(Setting.key)).all()
    raw = repr((now.date(), last_event, counters, texts, sorted(agency_ids)))
    return hashlib.blake2b(raw.encode(), digest_size=10).hexdigest()  # an ETag, not a secret


def state(session, agency_ids: list, now: Optional[datetime] = None) -> BoardState:
    """Open counters with their current ticket, and the latest calls of today, newest first."""
    now = clock.at(now)
    mode = settings.get(session, "announce_mode")
    counters = session.scalars(
        select(Counter).where(Counter.agency_id.in_(agency_ids), Counter.active,
                              Counter.state != CounterState.CLOSED)
        .options(joinedload(Counter.agency)).order_by(Counter.number)).all()
    current = {t.counter_id: t for t in session.scalars(
        select(Ticket).where(Ticket.counter_id.in_([c.id for c in counters]),
                             Ticket.status.in_((TicketStatus.CALLED, TicketStatus.SERVING)))
        .options(joinedload(Ticket.agency)))}
    events = session.execute(
        select(TicketEvent, Ticket, Counter)
        .join(Ticket, TicketEvent.ticket_id == Ticket.id).join(Counter, TicketEvent.counter_id == Counter.id)
        .where(TicketEvent.kind.in_(CALL_KINDS), Ticket.business_date == now.date(),
               Counter.agency_id.in_(agency_ids))
        .options(joinedload(Ticket.agency), joinedload(Counter.agency))
        .order_by(TicketEvent.id.desc()).limit(RECENT_CALLS)).all()
    calls = [Call(event.id, ticket.display_number, counter.name, counter.agency.short_name, event.at,
                  event.kind is TicketEventKind.RECALLED,
                  announcement(ticket.agency.prefix, ticket.number, counter.number, mode))
             for event, ticket, counter in events]
    return BoardState([CounterLine(c, current.get(c.id)) for c in counters], calls,
                      settings.get(session, "running_text"))


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
