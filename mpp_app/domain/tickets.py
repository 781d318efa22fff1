"""Ticket transitions at reception: issue, cancel, and erase visitors' personal data.

Invariants:
- A ticket number is the agency's prefix and a number counted per agency per business day
  (clock.zone()), starting at 1, gapless, unique: the daily_number row is incremented by one
  upsert statement (UPDATE ... RETURNING on conflict) in the same transaction that inserts the
  ticket, and a unique constraint on (agency, day, number) stands behind it.
- On SQLite the upsert is the first write of the transaction, so writers queue on the
  database's write lock (busy_timeout) instead of failing; on PostgreSQL the row lock of the
  upsert serialises them.
- A reception form carries a one-time submission key: submitting it twice returns the ticket
  already issued instead of a second one. The unique constraint on the key decides (the repeat's
  transaction, its number included, is rolled back), so a first submit pays no look-up.
- Every transition is recorded as a TicketEvent with actor and time.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..labels import label
from ..models import (DailyNumber, PriorityCategory, Role, Ticket, TicketEvent, TicketEventKind, TicketStatus,
                      ticket_number)
from . import audit, hours, reference
from .errors import ConflictError, DomainError, NotFoundError

CANCELLABLE = (TicketStatus.WAITING, TicketStatus.CALLED)
OVERRIDE_PREFIX = "override: "
# The reason is stored behind its prefix in the issue event's detail column: the form may allow
# no more than fits, or PostgreSQL refuses the whole ticket.
OVERRIDE_REASON_MAX = TicketEvent.__table__.c.detail.type.length - len(OVERRIDE_PREFIX)


class ServiceUnavailableError(DomainError):
    message = _l("Layanan tidak dikenal atau sudah tidak aktif. Muat ulang halaman lalu pilih layanan lagi.")


class OutsideHoursError(DomainError):
    """Issuing refused by the opening hours; carries the hours status for the message."""

    def __init__(self, agency: reference.AgencyInfo, status: hours.OpeningStatus):
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
    """The ticket issued (or found again by its submission key), with its agency and service as
    reference data: what the reception shows of it without loading them."""

    ticket: Ticket
    agency: reference.AgencyInfo
    service: reference.ServiceInfo
    duplicate: bool = False

    @property
    def display_number(self) -> str:
        """Ticket.display_number, from the cached agency."""
        return ticket_number(self.agency.prefix, self.ticket.number)


def _format_moment(moment: datetime) -> str:
    from flask_babel import format_datetime

    return f'{format_datetime(moment, "EEEE, d MMMM y")}, {clock.clock_text(moment)}'


def _number_upsert(dialect: str):
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(DailyNumber)
        .values(agency_id=bindparam("agency_id"), business_date=bindparam("day"), last_number=1)
        .on_conflict_do_update(
            index_elements=["agency_id", "business_date"],
            set_={"last_number": DailyNumber.last_number + 1},
        )
        .returning(DailyNumber.last_number)
    )


# Built once per dialect: a ticket is issued every few seconds at a busy mall.
_NUMBER_UPSERTS = {name: _number_upsert(name) for name in ("postgresql", "sqlite")}


def _next_number(session, agency_id: int, day) -> int:
    statement = _NUMBER_UPSERTS[session.get_bind().dialect.name]
    return session.connection().execute(statement, {"agency_id": agency_id, "day": day}).scalar_one()


def _by_submission(session, ref, key) -> Optional[IssueResult]:
    ticket = session.scalar(select(Ticket).where(Ticket.submission_key == key)) if key else None
    return ticket and IssueResult(ticket, ref.agency(ticket.agency_id), ref.service(ticket.service_id), duplicate=True)


def _refuse(session, ref, submission_key, error):
    """Raise `error`, unless the form was submitted before: a retry after a lost answer gets the
    ticket it already has, even if the service closed or the cutoff passed meanwhile."""
    existing = _by_submission(session, ref, submission_key)
    if existing:
        return existing
    raise error


# A plain INSERT, not an ORM object: nothing reads the event back while the ticket is issued.
_EVENT_INSERT = insert(TicketEvent)


def _insert_ticket(session, service, status, now, actor, override_reason, fields) -> Ticket:
    number = _next_number(session, service.agency_id, now.date())
    ticket = Ticket(agency_id=service.agency_id, queue_agency_id=service.agency_id, service_id=service.id,
                    business_date=now.date(), number=number, arrival_weekday=now.weekday(), arrival_hour=now.hour,
                    issued_at=now, queued_at=now, issued_by_id=getattr(actor, "id", None), **fields)
    session.add(ticket)
    session.flush()
    session.connection().execute(_EVENT_INSERT, {
        "ticket_id": ticket.id, "kind": TicketEventKind.ISSUED, "at": now, "actor_id": getattr(actor, "id", None),
        "counter_id": None, "service_id": service.id, "detail": override_reason and OVERRIDE_PREFIX + override_reason})
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
    issued the first time (duplicate=True), also when both submits race each other and when the
    repeat would be refused now.

    The submission key is not looked up first: the ticket's unique constraint on it refuses the
    repeat, whose transaction (its number included) is rolled back, and only then is the first
    ticket read. The service, its agency and the hours come from the reference cache.
    """
    now = clock.at(now)
    ref = reference.current(session)
    service = ref.service(service_id) if service_id else None
    if service is None or not service.active or not service.agency.active:
        return _refuse(session, ref, submission_key, ServiceUnavailableError())
    status = hours.status_at(session, now, service.agency_id)
    if not status.accepts_tickets:
        if not override_reason:
            return _refuse(session, ref, submission_key, OutsideHoursError(service.agency, status))
        if actor is None or actor.role not in (Role.ADMIN, Role.MANAGER):
            return _refuse(session, ref, submission_key, OverrideNotAllowedError())

    try:
        ticket = _insert_ticket(session, service, status, now, actor, override_reason, dict(
            priority=priority, visitor_name=visitor_name, visitor_phone=visitor_phone or None,
            note=note or None, submission_key=submission_key))
        session.commit()
    except IntegrityError:
        # Only a repeated submit of the same form can collide here; it has the ticket already.
        session.rollback()
        existing = _by_submission(session, ref, submission_key)
        if existing:
            return existing
        raise
    return IssueResult(ticket, service.agency, service)


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
        raise TicketNotInStateError(number=ticket.display_number, status=label(ticket.status))
    session.add(TicketEvent(ticket_id=ticket.id, kind=TicketEventKind.CANCELLED, at=now, actor_id=actor.id, detail=reason))
    session.commit()
    session.refresh(ticket)
    return ticket


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
