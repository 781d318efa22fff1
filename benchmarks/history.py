"""In-process CPU per request of the hot paths: an empty database against five years of history.

    .venv/bin/python benchmarks/history.py [--tickets 1250000] [--years 5] [--repeat 200] [--keep DIR]

Builds two SQLite instances from one seed (Kupang catalogue and calendar, an officer per counter,
a receptionist): EMPTY holds no past day, HISTORY adds `--years` of working days of tickets, events
and survey answers (the generator of benchmarks/reports.py, 1.25 million tickets by default) and the
holidays of those years. Both then play the same morning of Monday 30 November 2026 up to 10:00 WITA
(the business clock is frozen there): every counter opens, `--today` tickets (300) are issued and the
counters call, serve and finish them at the services' pace, so the two differ only by their history.

Each database is measured in its own process, in alternating rounds (one request of each path per
round, the two processes taking turns), so that a shared machine's drift falls on both alike. The
figure is the median over `--repeat` rounds of the CPU time of the request's thread
(time.thread_time around Flask's test client: routing, login, CSRF, SQL, rendering; no HTTP, no
waiting on the disk) and the number of SQL statements it executed. Every figure is also given as a
multiple of GET /healthz measured in the same rounds. Issue goes to the services of the measured
counter and call next calls there (then start and finish, not measured), so its queue keeps its length.

`--keep DIR` keeps the generated history database in DIR and reuses it in later runs (upgraded with
the app's migrations when they moved on); delete the file to regenerate. The SQLite files are
configured as the app configures them (WAL, synchronous=FULL); MPP_BOARD_CACHE_SECONDS is 0 so each
board request pays its own look at the database. Prints the table and exits 0: it is a measurement.
"""
import argparse
import multiprocessing
import os
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from reports import PASSWORD, WITA, create_officers, generate  # noqa: E402

FROZEN_NOW = "2026-11-30T10:00:00+08:00"  # a Monday, no holiday, inside the seeded hours
TODAY = date(2026, 11, 30)
HISTORY_END = date(2026, 11, 27)  # the Friday before
WARMUP_ROUNDS = 10
FLAT_TARGET = 1.2  # history / empty
WRITE_TARGET = 4.0  # write path / healthz, in-process

# (row, request): the rows of the table; worker() plays them in its own order.
PATHS = [
    ("healthz", "GET /healthz"),
    ("issue", "POST /reception/tickets (htmx)"),
    ("call next", "POST /counters/<id>/call-next"),
    ("overview", "GET /reception/overview"),
    ("waiting", "GET /counters/<id>/waiting"),
    ("waiting 304", "  same, If-None-Match"),
    ("board", "GET /board/state (full render)"),
    ("board 304", "  same, If-None-Match"),
    ("status poll", "GET /t/<token> (htmx)"),
    ("status poll 304", "  same, If-None-Match"),
    ("status page", "GET /t/<token> (full page)"),
]
WRITE_PATHS = ("issue", "call next")


def isolate_environment():
    """Only what this benchmark sets: an MPP_* variable of the shell must not change the figures."""
    for name in list(os.environ):
        if name.startswith("MPP_"):
            del os.environ[name]


def make_app(database, instance):
    from mpp_app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "MPP_FROZEN_NOW": FROZEN_NOW,
                       "MPP_BOARD_CACHE_SECONDS": 0}, instance_path=str(instance))


def build_base(database, instance):
    """Migrated and seeded, with the staff: what both databases start from."""
    from mpp_app.cli import apply_migrations
    from mpp_app.domain.accounts import create_user
    from mpp_app.extensions import db
    from mpp_app.models import Role
    from mpp_app.seed import seed

    app = make_app(database, instance)
    with app.app_context():
        apply_migrations()
        seed(db.session, TODAY)
        create_officers(db)
        create_user(db.session, "desk", "Resepsionis", Role.RECEPTIONIST, PASSWORD, must_change_password=False)
        db.session.remove()
        db.engine.dispose()  # the last connection checkpoints the WAL: the file alone can be copied


def add_history(database, instance, tickets, years):
    """The generator of benchmarks/reports.py over `years` of working days before TODAY, and the
    holidays of those years; returns (totals, (seconds, CPU seconds))."""
    from sqlalchemy import event, select

    from mpp_app.extensions import db
    from mpp_app.models import Counter, User
    from mpp_app.seed import import_holidays

    app = make_app(database, instance)
    with app.app_context():
        # Generating only: one fsync per generated day would make the run wait on the disk for
        # minutes. The measured processes open the file as the app does (synchronous=FULL).
        event.listen(db.engine, "connect", lambda connection, _record: connection.execute("PRAGMA synchronous=OFF"))
        db.engine.dispose()
        officers = {counter.id: db.session.scalar(select(User.id).where(User.username == f"officer{counter.number}"))
                    for counter in db.session.scalars(select(Counter))}
        started, cpu = time.perf_counter(), time.process_time()
        totals = generate(db, tickets, HISTORY_END, random.Random(2026), days=years * 250, officers=officers)
        import_holidays(db.session, range(totals["first_day"].year, TODAY.year))
        db.session.commit()
        seconds = time.perf_counter() - started, time.process_time() - cpu
        db.session.remove()
        db.engine.dispose()
    return totals, seconds


def upgrade(database, instance):
    """A kept history brought to the app's schema, as `mpp` does at start."""
    from mpp_app.cli import apply_migrations
    from mpp_app.extensions import db

    app = make_app(database, instance)
    with app.app_context():
        apply_migrations()
        db.engine.dispose()


def history_database(options, workdir):
    """The generated history in workdir (from --keep DIR when it is there); returns a sentence on how."""
    target = workdir / "history.sqlite"
    kept = Path(options.keep) / f"history-{options.tickets}-{options.years}y.sqlite" if options.keep else None
    if kept and kept.exists():
        shutil.copyfile(kept, target)
        upgrade(target, workdir / "history-instance")
        return f"history reused from {kept}"
    shutil.copyfile(workdir / "empty.sqlite", target)
    totals, seconds = add_history(target, workdir / "history-instance", options.tickets, options.years)
    if kept:
        kept.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, kept)
    return (f"history generated in {seconds[0]:.0f} s ({seconds[1]:.0f} s CPU): {totals['tickets']:,} tickets, "
            f"{totals['events']:,} events, {totals['surveys']:,} survey answers, "
            f"{totals['first_day']} .. {totals['last_day']}, {target.stat().st_size / 1e6:.0f} MB"
            + (f" (kept in {kept})" if kept else ""))


def play_morning(db, rng, count):
    """Today up to 10:00: every counter opens at 07:55, `count` tickets arrive evenly from 08:00
    (the agencies weighted as in the history), and each counter calls, starts and finishes at its
    services' pace. Returns the counter to measure (of the busiest agency, the one serving the most
    services, left idle) and the public token of the citizen whose status page is measured: the
    last ticket, issued at 09:59 in the queue of the second busiest agency, which nobody calls
    while the measured counter does."""
    from sqlalchemy import select

    from mpp_app.domain import counter_actions, counter_sessions, tickets
    from mpp_app.models import Agency, Counter, PriorityCategory, User

    def at(minutes):
        return datetime.combine(TODAY, datetime.min.time(), WITA) + timedelta(hours=8, minutes=minutes)

    agencies = [a for a in db.session.scalars(select(Agency).order_by(Agency.sort_order)) if a.active]
    services = {a.id: [s for s in a.services if s.active] for a in agencies}
    agencies = [a for a in agencies if services[a.id]]
    weights = [8 if a.code == "DUKCAPIL" else 2 if a.code in ("BAPENDA", "PLN", "BPJSKES") else 1 for a in agencies]
    counters = [c for c in db.session.scalars(select(Counter).order_by(Counter.number)) if c.active and c.services]
    officers = {c.id: db.session.scalar(select(User).where(User.username == f"officer{c.number}")) for c in counters}
    for counter in counters:
        counter_sessions.open_counter(db.session, counter.id, officers[counter.id], now=at(-5))
    busy_until = {c.id: at(0) for c in counters}
    serving = {c.id: False for c in counters}
    step = 119 / count
    for n in range(count):
        now = at(n * step)
        for counter in counters:
            if busy_until[counter.id] > now:
                continue
            officer = officers[counter.id]
            if serving[counter.id]:
                counter_actions.finish(db.session, counter.id, officer, now=busy_until[counter.id])
                serving[counter.id] = False
            try:
                ticket = counter_actions.call_next(db.session, counter.id, officer, now=now)
            except counter_actions.NoTicketWaitingError:
                continue
            counter_actions.start_serving(db.session, counter.id, officer, now=now + timedelta(minutes=1))
            minutes = max(2.0, rng.gauss(ticket.service.expected_minutes, ticket.service.expected_minutes / 3))
            busy_until[counter.id] = now + timedelta(minutes=1 + minutes)
            serving[counter.id] = True
        agency = rng.choices(agencies, weights)[0]
        tickets.issue_ticket(db.session, service_id=rng.choice(services[agency.id]).id, visitor_name=f"Warga {n}",
                             priority=PriorityCategory.LANSIA if rng.random() < 0.05 else None, now=now)
    busiest, second = sorted(agencies, key=lambda a: -weights[agencies.index(a)])[:2]
    measured = max((c for c in counters if c.agency_id == busiest.id), key=lambda c: (len(c.services), -c.number))
    if serving[measured.id]:
        counter_actions.finish(db.session, measured.id, officers[measured.id], now=at(119))
    citizen = tickets.issue_ticket(db.session, service_id=services[second.id][0].id, visitor_name="Warga",
                                   now=at(119)).ticket
    return measured, citizen.public_token


class Measured:
    """A Flask test client whose requests are timed in CPU of this thread and counted in SQL statements."""

    def __init__(self, app, statements):
        self.client = app.test_client()
        self.statements = statements
        self.csrf = ""

    def request(self, method, path, headers=None, data=None):
        """(response, CPU seconds, SQL statements), the body read inside the timing."""
        before_cpu, before_sql = time.thread_time(), self.statements[0]
        response = self.client.open(path, method=method, headers=headers or {}, data=data)
        response.get_data()
        return response, time.thread_time() - before_cpu, self.statements[0] - before_sql

    def login(self, username, page):
        token = re.search(rb'name="csrf-token" content="([^"]+)"', self.client.get("/login").data).group(1).decode()
        response = self.client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302, f"login of {username}: {response.status_code}"
        self.csrf = re.search(rb'name="csrf-token" content="([^"]+)"', self.client.get(page).data).group(1).decode()


def worker(database, instance, today_tickets, connection):
    """Measures one database: plays the morning, then answers each "round" with its timings."""
    isolate_environment()
    from sqlalchemy import event, func, select, text

    from mpp_app.extensions import db
    from mpp_app.models import Ticket, TicketStatus

    app = make_app(database, instance)
    statements = [0]
    with app.app_context():
        # The morning is setup, not measured: without an fsync per commit it takes seconds, not a minute.
        setup = [True]
        event.listen(db.engine, "connect", lambda connection, _record: setup[0] and connection.execute(
            "PRAGMA synchronous=OFF"))
        db.engine.dispose()
        counter, citizen = play_morning(db, random.Random(17), today_tickets)
        counter_id, counter_name, services = counter.id, counter.name, [s.id for s in counter.services]
        officer_name = f"officer{counter.number}"
        today = dict(db.session.execute(select(Ticket.status, func.count()).where(Ticket.business_date == TODAY)
                                        .group_by(Ticket.status)).all())
        history = db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.business_date < TODAY))
        queue = db.session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.business_date == TODAY, Ticket.status == TicketStatus.WAITING,
            Ticket.queue_agency_id == counter.agency_id))
        db.session.remove()
        setup[0] = False
        db.engine.dispose()  # from here on, connections as the app opens them
        pragmas = [db.session.execute(text(f"PRAGMA {name}")).scalar() for name in ("journal_mode", "synchronous")]
        assert pragmas == ["wal", 2], f"measured database is not WAL with synchronous=FULL: {pragmas}"
        db.session.remove()
        statements[0] = 0
        event.listen(db.engine, "before_cursor_execute", lambda *args: statements.__setitem__(0, statements[0] + 1))

    desk, officer, phone = Measured(app, statements), Measured(app, statements), Measured(app, statements)
    desk.login("desk", "/reception/")
    officer.login(officer_name, f"/counters/{counter_id}")
    connection.send({"history": history, "today": {s.value: n for s, n in today.items()}, "queue": queue,
                     "counter": counter_name})

    def measure(row, name, client, method, path, headers=None, data=None):
        """One timed request into row[name]; a path that gives an ETag is asked again with it, into
        row[name + " 304"] (the answer of a poll that finds nothing changed)."""
        response, cpu, sql = client.request(method, path, headers, data)
        row[name] = (cpu, sql, response.status_code)
        tag = response.headers.get("ETag")
        if tag and f"{name} 304" in EXPECTED:
            again, cpu, sql = client.request(method, path, {**(headers or {}), "If-None-Match": tag})
            row[f"{name} 304"] = (cpu, sql, again.status_code)
        return response

    htmx = {"HX-Request": "true"}
    issued = 0
    while connection.recv() == "round":
        row = {}
        measure(row, "healthz", phone, "GET", "/healthz")
        measure(row, "overview", desk, "GET", "/reception/overview", htmx)
        measure(row, "waiting", officer, "GET", f"/counters/{counter_id}/waiting", htmx)
        measure(row, "board", phone, "GET", "/board/state", htmx)
        measure(row, "status poll", phone, "GET", f"/t/{citizen}", htmx)
        measure(row, "status page", phone, "GET", f"/t/{citizen}")
        issued += 1
        measure(row, "issue", desk, "POST", "/reception/tickets", {**htmx, "X-CSRFToken": desk.csrf}, {
            "service_id": services[issued % len(services)], "visitor_name": f"Pengunjung {issued}",
            "visitor_phone": "", "priority": "", "note": "", "override_reason": "",
            "submission_key": uuid.uuid4().hex, "csrf_token": desk.csrf})
        headers = {**htmx, "X-CSRFToken": officer.csrf}
        called = measure(row, "call next", officer, "POST", f"/counters/{counter_id}/call-next", headers, {})
        if called.status_code == 200:
            officer.client.post(f"/counters/{counter_id}/start", headers=headers, data={})
            officer.client.post(f"/counters/{counter_id}/finish", headers=headers, data={"note": ""})
        connection.send(row)
    connection.close()


EXPECTED = {"waiting 304": 304, "board 304": 304, "status poll 304": 304}


def summarise(rounds):
    """{row: (median CPU ms, median statements, unexpected statuses)} over the measured rounds."""
    summary = {}
    for name, _ in PATHS:
        samples = [r[name] for r in rounds if name in r]
        if samples:
            bad = [status for _, _, status in samples if status != EXPECTED.get(name, 200)]
            summary[name] = (statistics.median(s[0] for s in samples) * 1000,
                             statistics.median(s[1] for s in samples), bad)
    return summary


def report(options, info, empty, history):
    print(f"in-process CPU per request (time.thread_time), median of {options.repeat} alternating rounds; SQLite "
          f"WAL synchronous=FULL; clock frozen at {FROZEN_NOW}; {os.cpu_count()} CPUs")
    for label, details in (("empty  ", info[0]), ("history", info[1])):
        print(f"{label}: {details['history']:,} past tickets; today {sum(details['today'].values())} tickets "
              f"({', '.join(f'{n} {s}' for s, n in sorted(details['today'].items()))}); "
              f"{details['queue']} waiting in the queue of {details['counter']} (measured)")
    base_e, base_h = empty["healthz"][0], history["healthz"][0]
    print()
    print(f"{'path':<17}{'request':<34}{'empty ms':>9}{'x hz':>7}{'SQL':>5}{'history ms':>11}{'x hz':>7}{'SQL':>5}"
          f"{'hist/empty':>11}  verdict")
    for name, what in PATHS:
        if name not in empty or name not in history:
            continue
        (ms_e, sql_e, bad_e), (ms_h, sql_h, bad_h) = empty[name], history[name]
        ratio = ms_h / ms_e if ms_e else float("nan")
        verdict = []
        if name != "healthz":
            verdict.append(f"flat {'PASS' if ratio <= FLAT_TARGET else 'FAIL'}")
        if name in WRITE_PATHS:
            worst = max(ms_e / base_e, ms_h / base_h)
            verdict.append(f"<=4x hz {'PASS' if worst <= WRITE_TARGET else 'FAIL'}")
        if bad_e or bad_h:
            verdict.append(f"UNEXPECTED STATUS {sorted(set(bad_e + bad_h))}: {len(bad_e)} empty, {len(bad_h)} history")
        print(f"{name:<17}{what:<34}{ms_e:>9.2f}{ms_e / base_e:>7.1f}{sql_e:>5.0f}{ms_h:>11.2f}{ms_h / base_h:>7.1f}"
              f"{sql_h:>5.0f}{ratio:>11.2f}  {', '.join(verdict)}")
    print()
    print(f"target: <= {FLAT_TARGET}x with history; write paths <= {WRITE_TARGET:g}x /healthz")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=1_250_000, help="tickets of history (default 1250000)")
    parser.add_argument("--years", type=int, default=5, help="years of 250 working days they spread over (default 5)")
    parser.add_argument("--repeat", type=int, default=200, help="measured rounds (default 200)")
    parser.add_argument("--today", type=int, default=300, help="tickets issued this morning before measuring (300)")
    parser.add_argument("--keep", metavar="DIR", help="keep the generated history in DIR and reuse it next time")
    options = parser.parse_args()
    isolate_environment()

    workdir = Path(tempfile.mkdtemp(prefix="mpp-history-"))
    try:
        started = time.perf_counter()
        build_base(workdir / "empty.sqlite", workdir / "empty-instance")
        how = history_database(options, workdir)
        print(f"{how}; databases ready in {time.perf_counter() - started:.0f} s", flush=True)
        context = multiprocessing.get_context("spawn")  # a fresh interpreter each: no cache shared
        pipes, processes = [], []
        for name in ("empty", "history"):
            ours, theirs = context.Pipe()
            process = context.Process(target=worker, args=(workdir / f"{name}.sqlite", workdir / f"{name}-instance",
                                                           options.today, theirs))
            process.start()
            pipes.append(ours)
            processes.append(process)
        info = [pipe.recv() for pipe in pipes]
        rounds = [[], []]
        for n in range(WARMUP_ROUNDS + options.repeat):
            for pipe, collected in zip(pipes, rounds):
                pipe.send("round")
                row = pipe.recv()
                if n >= WARMUP_ROUNDS:
                    collected.append(row)
        for pipe, process in zip(pipes, processes):
            pipe.send("stop")
            process.join()
        report(options, info, summarise(rounds[0]), summarise(rounds[1]))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
