"""Reference data cached per server process: the catalogue, counters' configuration, opening
hours, closures, special hours and settings, as plain values.

They change a few times a month and are read by every ticket, call and poll. Reading them costs
one SELECT of reference_version's token per request instead of a dozen; when the token differs
from the one the process holds, everything is read again in one go.

Invariants:
- Database triggers give the token a new random value on every write to these tables (the
  model's docstring says why random), in the writing transaction: once a change is committed,
  every process, whichever wrote it, reads the new token and rebuilds before using the data.
- A snapshot is stored under the token read *before* its rows, so a change committed while it is
  being built is caught by the next read of the token, never hidden.
- Within a request the token is read once (memo in session.info, allowed by remember_per_request()
  at the start of each request, whose session ends with it). A flush or statement of this session
  that writes one of these tables drops the memo, so the request that saved a setting sees it at
  once; outside a request (command line, background work) every call reads the token.
- Nothing cached is an ORM object: no value is bound to a session or can load lazily.
"""
from dataclasses import dataclass, field
from datetime import date, time
from threading import Lock
from typing import Optional
from weakref import WeakKeyDictionary

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from ..models import (Agency, Closure, Counter, OpeningHours, ReferenceVersion, Service, Setting, SpecialHours,
                      counter_service)

MEMO = "reference"
PER_REQUEST = "reference_per_request"
TABLES = {"agency", "service", "counter_service", "opening_hours", "closure", "special_hours", "setting"}
# A counter's state and holder change all day and are not cached; these columns are.
COUNTER_COLUMNS = ("number", "name", "agency_id", "active", "services")


@dataclass(frozen=True)
class ServiceInfo:
    id: int
    agency_id: int
    name: str
    expected_minutes: int
    active: bool
    sort_order: int
    agency: "AgencyInfo" = field(compare=False, repr=False)


@dataclass(frozen=True)
class AgencyInfo:
    id: int
    code: str
    name: str
    short_name: str
    prefix: str
    active: bool
    sort_order: int
    priority_every: int
    active_services: tuple = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class CounterInfo:
    id: int
    number: int
    name: str
    agency_id: int
    active: bool
    service_ids: frozenset


@dataclass(frozen=True)
class WeeklyHours:
    """An opening_hours row (the attributes hours.Calendar reads)."""

    agency_id: Optional[int]
    weekday: int
    is_open: bool
    opens_at: Optional[time]
    closes_at: Optional[time]
    break_start: Optional[time]
    break_end: Optional[time]
    last_ticket_at: Optional[time]


@dataclass(frozen=True)
class ClosedDays:
    agency_id: Optional[int]
    start_date: date
    end_date: date
    reason: str


@dataclass(frozen=True)
class SpecialDays:
    start_date: date
    end_date: date
    opens_at: time
    closes_at: time
    break_start: Optional[time]
    break_end: Optional[time]
    last_ticket_at: Optional[time]
    reason: str


def _copy(row, kind, **values):
    return kind(**{name: getattr(row, name) for name in kind.__dataclass_fields__ if name not in values}, **values)


class Reference:
    """One consistent read of the reference data."""

    def __init__(self, session, token: Optional[str]):
        from .settings import DEFAULTS

        self.token = token
        agencies = session.scalars(select(Agency).order_by(Agency.sort_order, Agency.id)).all()
        services = session.scalars(select(Service).order_by(Service.sort_order, Service.id)).all()
        plain = {a.id: _copy(a, AgencyInfo, active_services=()) for a in agencies}
        self._services = {}
        for service in services:
            self._services[service.id] = _copy(service, ServiceInfo, agency=plain[service.agency_id])
        self._agencies = {}
        for agency in agencies:
            own = tuple(s for s in self._services.values() if s.agency_id == agency.id and s.active)
            self._agencies[agency.id] = AgencyInfo(**{**vars(plain[agency.id]), "active_services": own})
        for service_id, service in self._services.items():  # each service points at its agency with services
            object.__setattr__(service, "agency", self._agencies[service.agency_id])
        served = {}
        for counter_id, service_id in session.execute(select(counter_service.c.counter_id, counter_service.c.service_id)):
            served.setdefault(counter_id, set()).add(service_id)
        self._counters = {
            c.id: CounterInfo(c.id, c.number, c.name, c.agency_id, c.active, frozenset(served.get(c.id, ())))
            for c in session.execute(select(Counter.id, Counter.number, Counter.name, Counter.agency_id, Counter.active))}
        stored = dict(session.execute(select(Setting.key, Setting.value)).all())
        self.settings = {key: stored.get(key, default) for key, default in DEFAULTS.items()}
        self._weekly = tuple(_copy(r, WeeklyHours) for r in session.scalars(select(OpeningHours)))
        self._closures = tuple(_copy(c, ClosedDays) for c in session.scalars(
            select(Closure).order_by(Closure.agency_id.is_not(None), Closure.start_date)))
        self._special = tuple(_copy(s, SpecialDays) for s in session.scalars(
            select(SpecialHours).order_by(SpecialHours.start_date)))
        self.active_agencies = tuple(a for a in self._agencies.values() if a.active)
        self._choices = None

    def setting(self, key: str) -> str:
        return self.settings[key]

    def setting_int(self, key: str) -> int:
        return int(self.settings[key])

    def agency(self, agency_id) -> Optional[AgencyInfo]:
        return self._agencies.get(agency_id)

    def service(self, service_id) -> Optional[ServiceInfo]:
        return self._services.get(service_id)

    def counter(self, counter_id) -> Optional[CounterInfo]:
        return self._counters.get(counter_id)

    def service_choices(self) -> list:
        """What catalogue.service_choices(session, "") returns: active services of active agencies,
        grouped by agency in display order."""
        from .catalogue import ChoiceGroup

        if self._choices is None:
            self._choices = [ChoiceGroup(agency.prefix, agency.short_name,
                                         [(service.id, service.name) for service in agency.active_services])
                             for agency in self.active_agencies if agency.active_services]
        return self._choices

    def calendar(self, agency_id: Optional[int]):
        """The hours.Calendar of the mall (None) or of one agency, over every stored row; a new
        object each time, since a preview may stand proposals in for its weekly rows."""
        from .hours import Calendar

        return Calendar(
            mall_week={r.weekday: r for r in self._weekly if r.agency_id is None},
            agency_week={r.weekday: r for r in self._weekly if agency_id is not None and r.agency_id == agency_id},
            closures=[c for c in self._closures if c.agency_id is None or c.agency_id == agency_id],
            special=list(self._special))


_cache = WeakKeyDictionary()  # engine -> Reference: one per database this process talks to
_building = Lock()


_TOKEN = select(ReferenceVersion.token).where(ReferenceVersion.id == 1)


def _token(session) -> Optional[str]:
    # On the session's connection, past the ORM: read by nearly every request, it returns no object.
    return session.connection().execute(_TOKEN).scalar()


def remember_per_request(session) -> None:
    """Let current() read the token once for the life of `session`: one request's."""
    session.info[PER_REQUEST] = True


def current(session) -> Reference:
    """The reference data as committed (or as written by this session's open transaction)."""
    in_request = session.info.get(PER_REQUEST, False)
    if in_request and MEMO in session.info:
        return session.info[MEMO]
    token = _token(session)
    engine = session.get_bind()
    cached = _cache.get(engine)
    if cached is None or token is None or cached.token != token:
        with _building:  # one thread builds; the others take its result
            cached = _cache.get(engine)
            if cached is None or token is None or cached.token != token:
                cached = Reference(session, token)
                if token is not None:
                    _cache[engine] = cached
    if in_request:
        session.info[MEMO] = cached
    return cached


def _forget(session):
    session.info.pop(MEMO, None)


def _table(obj):
    return getattr(getattr(obj, "__table__", None), "name", None)


def _changes_configuration(counter) -> bool:
    state = inspect(counter)
    return any(state.attrs[name].history.has_changes() for name in COUNTER_COLUMNS)


@event.listens_for(Session, "after_flush")
def _after_flush(session, _context):
    added_or_deleted = (*session.new, *session.deleted)
    if (any(_table(obj) in TABLES or isinstance(obj, Counter) for obj in added_or_deleted)
            or any(_table(obj) in TABLES or isinstance(obj, Counter) and _changes_configuration(obj)
                   for obj in session.dirty)):
        _forget(session)


@event.listens_for(Session, "do_orm_execute")
def _after_statement(state):
    if state.is_update or state.is_delete or state.is_insert:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in TABLES:
            _forget(state.session)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    _forget(session)
