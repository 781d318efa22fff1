"""Typed SQLAlchemy 2.0 models of the MPP: catalogue, counters, staff, opening hours, audit."""
import enum
import secrets
from datetime import date, datetime, time, timezone
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as naive UTC and returns them aware, on every database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _enum(cls):
    return Enum(
        cls,
        native_enum=False,
        length=20,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


class Role(str, enum.Enum):
    ADMIN = "admin"
    MANAGER = "manager"
    RECEPTIONIST = "receptionist"
    OFFICER = "officer"


class Agency(db.Model):
    """An instansi serving at the MPP; its prefix letter starts every ticket number it issues."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(60))
    prefix: Mapped[str] = mapped_column(String(1), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # 0: waiting priority tickets are always called first; N: one priority ticket after every N regular.
    priority_every: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    services: Mapped[list["Service"]] = relationship(
        back_populates="agency", order_by="Service.sort_order, Service.id"
    )
    counters: Mapped[list["Counter"]] = relationship(
        back_populates="agency", order_by="Counter.number"
    )

    __table_args__ = (
        CheckConstraint("prefix NOT IN ('I', 'O')", name="prefix_readable"),
        CheckConstraint("priority_every BETWEEN 0 AND 20", name="priority_every_range"),
    )

    def __repr__(self):
        return f"<Agency {self.code}>"


class Service(db.Model):
    """A layanan with the service-standard fields of UU 25/2009 Pasal 21 asked for at a desk."""

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    requirements: Mapped[str] = mapped_column(Text, default="")
    procedure: Mapped[str] = mapped_column(Text, default="")
    processing_time: Mapped[str] = mapped_column(String(200), default="")
    fee: Mapped[str] = mapped_column(String(300), default="")
    product: Mapped[str] = mapped_column(String(300), default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    complaints: Mapped[str] = mapped_column(Text, default="")
    expected_minutes: Mapped[int] = mapped_column(Integer, default=10)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    agency: Mapped[Agency] = relationship(back_populates="services")

    __table_args__ = (
        UniqueConstraint("agency_id", "name"),
        CheckConstraint("expected_minutes BETWEEN 1 AND 480", name="expected_minutes_range"),
    )


counter_service = Table(
    "counter_service",
    db.metadata,
    Column("counter_id", ForeignKey("counter.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
)


class CounterState(str, enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    PAUSED = "paused"


class Counter(db.Model):
    """A loket: numbered across the mall, owned by one agency, serving some of its services.

    While open or paused it is held by exactly one officer, who holds no other counter.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(100))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[CounterState] = mapped_column(
        _enum(CounterState), default=CounterState.CLOSED, server_default="closed")
    officer_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"), unique=True)
    state_since: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # The unguessable address of the counter's survey tablet.
    kiosk_token: Mapped[str] = mapped_column(String(43), unique=True, default=lambda: secrets.token_urlsafe(32))

    agency: Mapped[Agency] = relationship(back_populates="counters")
    officer: Mapped[Optional["User"]] = relationship(foreign_keys=[officer_id])
    services: Mapped[list[Service]] = relationship(
        secondary=counter_service, order_by="Service.sort_order, Service.id"
    )


class User(UserMixin, db.Model):
    """A staff account. Officers belong to exactly one agency and act only on it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(_enum(Role))
    agency_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agency.id"))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Rotated at logout and password change so that an old session cookie stops working.
    session_token: Mapped[str] = mapped_column(
        String(64), unique=True, default=lambda: secrets.token_hex(32)
    )
    language: Mapped[str] = mapped_column(String(5), default="id")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agency: Mapped[Optional[Agency]] = relationship()

    __table_args__ = (
        CheckConstraint(
            "role <> 'officer' OR agency_id IS NOT NULL", name="officer_has_agency"
        ),
    )

    @property
    def is_active(self):
        return self.active

    def get_id(self):
        return self.session_token


class OpeningHours(db.Model):
    """Weekly hours of the mall (agency_id NULL) or of one agency, which may only narrow them.

    weekday follows date.weekday(): 0 is Monday. A closed day has no times.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agency.id"))
    weekday: Mapped[int] = mapped_column(Integer)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    opens_at: Mapped[Optional[time]] = mapped_column(Time)
    closes_at: Mapped[Optional[time]] = mapped_column(Time)
    break_start: Mapped[Optional[time]] = mapped_column(Time)
    break_end: Mapped[Optional[time]] = mapped_column(Time)
    last_ticket_at: Mapped[Optional[time]] = mapped_column(Time)

    agency: Mapped[Optional[Agency]] = relationship()

    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint(
            "NOT is_open OR (opens_at IS NOT NULL AND closes_at IS NOT NULL AND opens_at < closes_at)",
            name="open_before_close",
        ),
        Index(
            "uq_opening_hours_mall_weekday",
            "weekday",
            unique=True,
            sqlite_where=db.text("agency_id IS NULL"),
            postgresql_where=db.text("agency_id IS NULL"),
        ),
        Index(
            "uq_opening_hours_agency_weekday",
            "agency_id",
            "weekday",
            unique=True,
            sqlite_where=db.text("agency_id IS NOT NULL"),
            postgresql_where=db.text("agency_id IS NOT NULL"),
        ),
    )


class Closure(db.Model):
    """A closed date range (inclusive), for the whole mall (agency_id NULL) or one agency."""

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agency.id"))
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date] = mapped_column(Date, index=True)
    reason: Mapped[str] = mapped_column(String(200))
    # "holiday" rows come from the holidays package and may be re-imported; "manual" from a person.
    source: Mapped[str] = mapped_column(String(20), default="manual")

    agency: Mapped[Optional[Agency]] = relationship()

    __table_args__ = (
        CheckConstraint("start_date <= end_date", name="start_before_end"),
    )


class AuditLog(db.Model):
    """Who did what, when, to which record, with before/after values as JSON text."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    record_type: Mapped[str] = mapped_column(String(40), default="")
    record_id: Mapped[Optional[int]] = mapped_column(Integer)
    before: Mapped[Optional[str]] = mapped_column(Text)
    after: Mapped[Optional[str]] = mapped_column(Text)
    client: Mapped[str] = mapped_column(String(64), default="")

    user: Mapped[Optional[User]] = relationship()


class LoginFailure(db.Model):
    """One failed login; counted per username and per client to throttle across processes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class KnownClient(db.Model):
    """An address an account signed in from with the right password, and when it last did: the
    account-wide lock and the per-address wait spare it there (see domain/accounts.py)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    client: Mapped[str] = mapped_column(String(64))
    last_login_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (UniqueConstraint("user_id", "client"),)


class TicketStatus(str, enum.Enum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class PriorityCategory(str, enum.Enum):
    """The vulnerable groups of UU 25/2009 Pasal 29, served first and at no extra cost."""

    LANSIA = "lansia"
    DISABILITAS = "disabilitas"
    IBU_HAMIL = "ibu_hamil"
    ANAK = "anak"
    KORBAN_BENCANA = "korban_bencana"


class DailyNumber(db.Model):
    """The last ticket number an agency issued on a business day; incremented atomically."""

    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


def ticket_number(prefix: str, number: int) -> str:
    """A ticket's number as printed, called and shown: the agency's prefix and three digits, "A-001"."""
    return f"{prefix}-{number:03d}"


class Ticket(db.Model):
    """A queue ticket: numbered per agency per business day, gapless, never issued twice.

    agency_id is the agency whose sequence gave the number (its prefix stays on the ticket);
    queue_agency_id is the agency whose queue it waits in, which a transfer can change.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    queue_agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    business_date: Mapped[date] = mapped_column(Date)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[TicketStatus] = mapped_column(_enum(TicketStatus), default=TicketStatus.WAITING)
    priority: Mapped[Optional[PriorityCategory]] = mapped_column(_enum(PriorityCategory))
    # Personal data, erased by purge_personal_data after the retention period.
    visitor_name: Mapped[Optional[str]] = mapped_column(String(100))
    visitor_phone: Mapped[Optional[str]] = mapped_column(String(20))
    note: Mapped[Optional[str]] = mapped_column(String(200))
    personal_data_purged_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    public_token: Mapped[str] = mapped_column(
        String(43), unique=True, default=lambda: secrets.token_urlsafe(32)
    )
    # The reception form's one-time key: a double submit returns the ticket already issued.
    submission_key: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    # Where the ticket stands in its queue; a transfer moves it.
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    counter_id: Mapped[Optional[int]] = mapped_column(ForeignKey("counter.id"))  # ix_ticket_counter_status
    called_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    recall_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Plain numbers for the reports, set by the transitions: seconds from issue to the first call,
    # from start to finish, the local weekday/hour of arrival, and who served it.
    wait_seconds: Mapped[Optional[int]] = mapped_column(Integer)
    service_seconds: Mapped[Optional[int]] = mapped_column(Integer)
    arrival_weekday: Mapped[Optional[int]] = mapped_column(Integer)
    arrival_hour: Mapped[Optional[int]] = mapped_column(Integer)
    transferred: Mapped[bool] = mapped_column(Boolean, default=False, server_default=db.false())
    # Finished within the service's expected minutes as they stood when it was served.
    within_expected: Mapped[Optional[bool]] = mapped_column(Boolean)
    served_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    serving_started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[Optional[str]] = mapped_column(String(200))

    agency: Mapped[Agency] = relationship(foreign_keys=[agency_id])
    queue_agency: Mapped[Agency] = relationship(foreign_keys=[queue_agency_id])
    service: Mapped[Service] = relationship()
    counter: Mapped[Optional[Counter]] = relationship()
    events: Mapped[list["TicketEvent"]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id"
    )

    __table_args__ = (
        UniqueConstraint("agency_id", "business_date", "number"),
        Index("ix_ticket_queue", "queue_agency_id", "business_date", "status", "queued_at"),
        Index("ix_ticket_business_date_status", "business_date", "status"),
        # Covers every column a report reads, so a year of tickets is read from the index alone.
        Index("ix_ticket_report", "business_date", "queue_agency_id", "service_id", "counter_id", "served_by_id",
              "status", "transferred", "within_expected", "wait_seconds", "service_seconds"),
        Index("ix_ticket_arrivals", "business_date", "arrival_weekday", "arrival_hour"),
        # A counter's open ticket (called or serving) without walking all it ever served.
        Index("ix_ticket_counter_status", "counter_id", "status"),
        # The wait estimate's recent service times (estimates._recent_minutes): the last finished
        # tickets of a service or of an agency's queue, newest first, read from the index alone.
        Index("ix_ticket_service_recent", "service_id", "status", "finished_at", "serving_started_at"),
        Index("ix_ticket_agency_recent", "queue_agency_id", "status", "finished_at", "serving_started_at"),
        # A counter's no-shows of the day, latest first (queue_status.no_shows): without it SQLite
        # walks the agency's no-shows of every day through ix_ticket_agency_recent.
        Index("ix_ticket_day_finished", "queue_agency_id", "business_date", "status", "finished_at"),
    )

    @property
    def display_number(self) -> str:
        return ticket_number(self.agency.prefix, self.number)

    @property
    def transfer_details(self) -> list:
        """What each transfer said, oldest first ("from service -> to service: note")."""
        return [event.detail for event in self.events if event.kind is TicketEventKind.TRANSFERRED and event.detail]


class TicketEventKind(str, enum.Enum):
    """What happened to a ticket; each transition is one TicketEvent of one of these kinds."""

    ISSUED = "issued"
    CALLED = "called"
    RECALLED = "recalled"
    SERVING = "serving"
    FINISHED = "finished"
    NO_SHOW = "no_show"
    TRANSFERRED = "transferred"
    CANCELLED = "cancelled"
    REQUEUED = "requeued"  # a manager released the counter: back to the line at its old place


class TicketEvent(db.Model):
    """One transition of a ticket, with actor and time: the source of waiting and service times."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    # The database refuses any other kind too (a CHECK constraint), not only the ORM.
    kind: Mapped[TicketEventKind] = mapped_column(
        Enum(TicketEventKind, native_enum=False, length=20, validate_strings=True, create_constraint=True,
             name="kind", values_callable=lambda members: [m.value for m in members]))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user.id"))
    counter_id: Mapped[Optional[int]] = mapped_column(ForeignKey("counter.id"))
    service_id: Mapped[Optional[int]] = mapped_column(ForeignKey("service.id"))
    detail: Mapped[Optional[str]] = mapped_column(String(200))

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class Setting(db.Model):
    """A site setting the manager edits (running text, announcement style, ...), as text."""

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class SpecialHours(db.Model):
    """Mall hours for a date range (e.g. Ramadan) that replace the weekly schedule on open weekdays."""

    id: Mapped[int] = mapped_column(primary_key=True)
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date] = mapped_column(Date, index=True)
    opens_at: Mapped[time] = mapped_column(Time)
    closes_at: Mapped[time] = mapped_column(Time)
    break_start: Mapped[Optional[time]] = mapped_column(Time)
    break_end: Mapped[Optional[time]] = mapped_column(Time)
    last_ticket_at: Mapped[Optional[time]] = mapped_column(Time)
    reason: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        CheckConstraint("start_date <= end_date", name="start_before_end"),
        CheckConstraint("opens_at < closes_at", name="open_before_close"),
    )


class SurveyResponse(db.Model):
    """One citizen's SKM answer (PermenPANRB 14/2017): nine elements on 1-4, anonymous, one per ticket."""

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id"), index=True)
    counter_id: Mapped[Optional[int]] = mapped_column(ForeignKey("counter.id"))
    business_date: Mapped[date] = mapped_column(Date, index=True)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    channel: Mapped[str] = mapped_column(String(10))
    u1: Mapped[int] = mapped_column(Integer)
    u2: Mapped[int] = mapped_column(Integer)
    u3: Mapped[int] = mapped_column(Integer)
    u4: Mapped[int] = mapped_column(Integer)
    u5: Mapped[int] = mapped_column(Integer)
    u6: Mapped[int] = mapped_column(Integer)
    u7: Mapped[int] = mapped_column(Integer)
    u8: Mapped[int] = mapped_column(Integer)
    u9: Mapped[int] = mapped_column(Integer)
    comment: Mapped[Optional[str]] = mapped_column(String(500))
    age_band: Mapped[Optional[str]] = mapped_column(String(10))
    sex: Mapped[Optional[str]] = mapped_column(String(10))
    education: Mapped[Optional[str]] = mapped_column(String(20))
    occupation: Mapped[Optional[str]] = mapped_column(String(20))

    __table_args__ = tuple(
        CheckConstraint(f"u{n} BETWEEN 1 AND 4", name=f"u{n}_scale") for n in range(1, 10)
    )


class ReferenceVersion(db.Model):
    """One row whose token changes with every write to the reference data (catalogue, counters'
    configuration, opening hours, closures, special hours, settings).

    Database triggers change it (migration 5e2d8c41a7f0), so no writer can forget to, whether the
    app, the command line, a second server process or a hand-written SQL statement. Each process
    caches the reference data under the token it read (domain/reference.py). The token is random,
    not a counter: a restored backup or a test database put back to its seed can never meet an
    old cache under the same value with other content.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(40))
