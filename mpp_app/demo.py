"""Demo mode: a private copy of the mall whose clock starts at a chosen moment of an open day and runs,
with a generated day of traffic, so that someone evaluating in the evening sees a living mall.

The demo never touches the office's database: it lives in its own instance folder (`<instance>/demo`),
is made afresh at every start, and always runs on SQLite. Visitors, officers and their actions go
through the same domain functions as the pages, so the figures, the board and the reports behave as
they would on a real morning.
"""
import logging
import random
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Optional

from sqlalchemy import select

from . import clock
from .domain import accounts, counter_actions, counter_sessions, hours, tickets
from .domain.errors import DomainError
from .models import Agency, Counter, PriorityCategory, Role, TicketStatus, User

log = logging.getLogger("mpp_app.demo")

DEMO_START = time(10, 0)
# Kupang had about 55,000 visits in the 11 months to November 2025: some 240 per working day, or
# 35 an hour, busiest in the first hours (DOMAIN-RESEARCH.md). Shares follow what the agencies serve.
VISITS_PER_HOUR = 36
HOUR_SHAPE = {8: 1.2, 9: 1.5, 10: 1.4, 11: 1.1, 12: 0.6, 13: 0.8, 14: 0.6}
AGENCY_SHARE = {"DUKCAPIL": 6, "BPJSKES": 2, "SAMSAT": 2, "KEMENAG": 1}
PRIORITY_SHARE = 0.06
RECALLED_SHARE = 0.08  # visitors who do not answer the first call
NAMES = ("Yohanes Fanggidae", "Maria Ndun", "Agustinus Lay", "Theresia Manafe", "Daniel Bana", "Yuliana Tefa",
         "Fransiskus Seran", "Marlin Benu", "Petrus Riwu", "Elisabet Nalle", "Simon Kore", "Agnes Bria",
         "Markus Ratu", "Ester Lobo", "Yakobus Nubatonis", "Dorkas Sabu", "Ahmad Hasan", "Siti Rahma")


@dataclass
class DemoOfficer:
    """An officer the demo plays, at one counter; `due` is when the next step of the ticket comes."""

    user_id: int
    counter_id: int
    due: Optional[datetime] = None


@dataclass
class Demo:
    """The played officers and the minute the traffic has been played up to."""

    officers: list
    played_until: datetime
    # Seeded, so a demo day plays the same way each time; nothing secret depends on it.
    rng: random.Random = field(default_factory=lambda: random.Random(2022))  # nosec B311


def start_moment(session, requested: Optional[datetime], today: date) -> datetime:
    """The demo clock's start: `requested`, else 10:00 of the first open day from `today` on."""
    if requested:
        return requested if requested.tzinfo else requested.replace(tzinfo=clock.zone())
    day = today
    while not hours.schedule_for(session, day).is_open_day:
        day += timedelta(days=1)
    return datetime.combine(day, DEMO_START, tzinfo=clock.zone())


def create_accounts(session, password: str) -> list:
    """Add the demo's staff that are missing: one per role, plus an officer for every agency that the
    demo plays.

    Returns (username, role, agency code or "") of the accounts people may log in with; the played
    officers share the password but are busy at their counters."""
    people = [("admin", Role.ADMIN, None, "Admin Demo"), ("manager", Role.MANAGER, None, "Manajer Demo"),
              ("resepsionis", Role.RECEPTIONIST, None, "Resepsionis Demo"),
              ("petugas", Role.OFFICER, "DUKCAPIL", "Petugas Dukcapil (Anda)")]
    for agency in session.scalars(select(Agency).where(Agency.active).order_by(Agency.sort_order)):
        people.append((f"demo.{agency.code.lower()}", Role.OFFICER, agency.code, f"Petugas {agency.short_name}"))
    existing = set(session.scalars(select(User.username)))
    for username, role, agency_code, full_name in people:
        if username in existing:
            continue
        accounts.create_user(session, username, full_name, role, password, agency_code,
                             must_change_password=False)
    return [(username, role, agency_code or "") for username, role, agency_code, _name in people[:4]]


def open_counters(session, start: datetime) -> Demo:
    """Each played officer opens the first counter of their agency at the day's opening time; the
    others stay free for the person trying the demo."""
    opens_at = datetime.combine(start.date(), hours.schedule_for(session, start.date()).opens_at or start.time(),
                                tzinfo=start.tzinfo)
    officers = []
    for agency in session.scalars(select(Agency).where(Agency.active).order_by(Agency.sort_order)):
        counter = session.scalar(select(Counter).where(Counter.agency_id == agency.id, Counter.active)
                                 .order_by(Counter.number))
        if counter is None:
            continue
        officer = session.scalar(select(User).where(User.username == f"demo.{agency.code.lower()}"))
        counter_sessions.open_counter(session, counter.id, officer, opens_at)
        officers.append(DemoOfficer(officer.id, counter.id))
    return Demo(officers, opens_at)


def play_until(session, demo: Demo, until: datetime) -> None:
    """Play the visitors and officers minute by minute up to `until` (exclusive), through the domain."""
    minute = demo.played_until
    while minute < until:
        _arrivals(session, demo.rng, minute)
        for officer in demo.officers:
            _act(session, demo.rng, officer, minute)
        minute += timedelta(minutes=1)
        demo.played_until = minute  # a minute that failed half-way is not played twice


def _arrivals(session, rng, moment):
    per_minute = VISITS_PER_HOUR * HOUR_SHAPE.get(moment.hour, 0) / 60
    agencies = session.scalars(select(Agency).where(Agency.active)).all()
    total_share = sum(AGENCY_SHARE.get(a.code, 1) for a in agencies)
    for agency in agencies:
        services = [s for s in agency.services if s.active]
        if not services or rng.random() >= per_minute * AGENCY_SHARE.get(agency.code, 1) / total_share:
            continue
        priority = rng.choice(list(PriorityCategory)) if rng.random() < PRIORITY_SHARE else None
        try:
            tickets.issue_ticket(session, service_id=rng.choice(services).id, visitor_name=rng.choice(NAMES),
                                 priority=priority, now=moment + timedelta(seconds=rng.randrange(60)))
        except DomainError:
            session.rollback()  # outside the agency's hours: nobody is let in


def _act(session, rng, officer: DemoOfficer, moment):
    if officer.due and moment < officer.due:
        return
    user = session.get(User, officer.user_id)
    current = counter_sessions.active_ticket(session, officer.counter_id)
    try:
        if current is None:
            counter_actions.call_next(session, officer.counter_id, user, moment)
            officer.due = moment + timedelta(minutes=1)
        elif current.status is TicketStatus.CALLED:
            if current.recall_count == 0 and rng.random() < RECALLED_SHARE:
                counter_actions.recall(session, officer.counter_id, user, moment)
                officer.due = moment + timedelta(minutes=1)
            else:
                counter_actions.start_serving(session, officer.counter_id, user, moment)
                expected = current.service.expected_minutes or 10
                officer.due = moment + timedelta(minutes=max(2, round(expected * rng.uniform(0.4, 1.2))))
        else:
            counter_actions.finish(session, officer.counter_id, user, now=moment)
            officer.due = moment + timedelta(minutes=rng.choice((0, 1, 1, 2)))
    except DomainError:
        session.rollback()  # nobody waiting, or the counter was released by the manager: try later
        officer.due = moment + timedelta(minutes=1)


def run_live(app, demo: Demo, stop: threading.Event, every_seconds: float = 5) -> threading.Thread:
    """Keep playing the day as the demo clock runs, in a daemon thread, until `stop` is set."""
    from .extensions import db

    def loop():
        while not stop.wait(every_seconds):
            with app.app_context():
                try:
                    play_until(db.session, demo, clock.now().replace(second=0, microsecond=0))
                except Exception:  # noqa: BLE001 - the demo's traffic must never stop the server
                    log.exception("demo traffic failed; trying again")
                finally:
                    db.session.remove()

    thread = threading.Thread(target=loop, name="mpp-demo-traffic", daemon=True)
    thread.start()
    return thread


def instance_folder(real_instance: str) -> Path:
    return Path(real_instance) / "demo"
