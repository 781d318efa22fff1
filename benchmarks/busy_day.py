"""The busiest day on one PC: ten times Kupang's peak hour, played against a real server over loopback.

    .venv/bin/python benchmarks/busy_day.py [--seconds 120] [--speed 1]             # SQLite, `mpp serve`
    .venv/bin/python benchmarks/busy_day.py --postgres postgresql+psycopg://postgres@127.0.0.1:54329/mpp_busy
    .venv/bin/python benchmarks/busy_day.py --compare --postgres URL                # both, one after the other

Who plays (each a thread with its own keep-alive connection, spread over --processes client processes):
- 30 officers, each at a counter: call next, the citizen walks up, start, serve, finish, write a note,
  again. About 8% of the called do not come at once (a recall), 3% never come (recalls, then no-show),
  3% are transferred to another agency's service. After every action the console refreshes its waiting
  list (the `queue-changed` event), which it also polls every 3 s, as the browser does.
- 3 receptionists issuing tickets through the real form (logged in, CSRF, a fresh submission key),
  each followed by the overview refresh, and the overview they poll every 5 s.
- 10 TV boards polling /board/state every second with If-None-Match (the browser's cache, as with
  board.js and htmx).
- 300 phones polling their ticket's status page /t/<token> every 5 s (htmx, HX-Request), with
  If-None-Match once the page gave an ETag; a phone whose ticket ended (286) takes the ticket of a new
  citizen from the morning's queue, or stops when none is left.
- A manager opening a report page now and then (this month per agency, service, counter, officer).
- A light probe of /healthz twice a second, so every figure stands beside the trivial endpoint's.

Pace, "ten times Kupang's peak hour": Kupang had about 55,000 visits in the 11 months to November 2025
(shared/DOMAIN-RESEARCH.md), some 240 per working day or 36 an hour over 7 hours (mpp_app/demo.py's
VISITS_PER_HOUR), and its busiest hour (09:00) carries 1.5 times the mean (demo.py's HOUR_SHAPE): 54
visitors. Ten times that is 540 tickets an hour, one every 6.7 s: each of 3 receptionists issues one
every 20 s, and each of 30 officers serves 18 an hour, a cycle of 200 s (20 s for the citizen to walk
up, 160 s of service, 20 s of notes). Think times vary uniformly by +-50% around those means.
--speed N divides the people's think times by N (N times the staff actions for the same run, to get
enough samples for a p99 or to find where the server saturates); the screens poll at their real
intervals whatever the speed, since those are set by the browsers, not by people. --speed 1 is
exactly ten times the peak hour.

The business clock is frozen on Monday 30 Nov 2026 at 10:00 WITA (MPP_FROZEN_NOW) so that the opening
hours admit tickets at any hour of the run. Before the run, each officer holds a counter of a rotating
agency (load.py's prepare_officers) and a morning's queue waits (at least 12 tickets a counter, more when
--seconds x --speed asks for more calls), so officers always have someone to call.

Back ends:
- default: SQLite (WAL, synchronous=FULL) served by `mpp serve` (waitress, one process, --threads).
- --postgres URL: the script creates the database named in URL (it refuses an existing one), migrates
  and seeds it, serves the same app factory with gunicorn (`mpp_app:create_app()`, --workers worker
  processes of the gthread kind, --threads each; install with `pip install -e '.[bench]'`), and drops
  the database at the end.
- Windows: gunicorn does not run there. The measured multi-process figures are gunicorn's on Linux. On
  Windows serve PostgreSQL with `mpp serve --threads 16` (waitress: one process, so one core runs the
  Python; not measured here beyond the SQLite run's single-process figures), or start several `mpp
  serve` processes on PostgreSQL on different ports behind nginx for Windows or IIS ARR as a
  round-robin proxy (the deploy/nginx config with an upstream of those ports); that layout was not
  measured here either.

Printed: per staff action and per poll the count, p50, p99 and max latency, the statuses (304 and 286
shares for polls), errors (any 5xx, unexpected status, or failed connection), throughput, the server's
CPU time over the run, PASS/FAIL for "every staff action under 100 ms p99, no errors", and the
invariants checked in the database afterwards: ticket numbers unique and gapless per agency and day, and
no ticket called by a second counter while a first one held it (walked through ticket_event).
"""
import argparse
import collections
import http.client
import importlib.util
import math
import multiprocessing
import os
import queue as queue_module
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

from load import FROZEN_NOW, PASSWORD, Client, free_port, prepare_officers  # noqa: E402

from mpp_app.demo import HOUR_SHAPE, VISITS_PER_HOUR  # noqa: E402

PEAK_PER_HOUR = VISITS_PER_HOUR * max(HOUR_SHAPE.values())  # 54 visitors in Kupang's busiest hour
TICKETS_PER_HOUR = 10 * PEAK_PER_HOUR
OFFICERS, RECEPTIONISTS = 30, 3
# Each person's pace: the full cast (OFFICERS, RECEPTIONISTS) plays TICKETS_PER_HOUR; a smaller cast
# (--officers 3) keeps the same human pace and so offers less.
WALK_SECONDS, NOTE_SECONDS = 20.0, 20.0
SERVICE_SECONDS = 3600 * OFFICERS / TICKETS_PER_HOUR - WALK_SECONDS - NOTE_SECONDS  # 160 s
ISSUE_SECONDS = 3600 * RECEPTIONISTS / TICKETS_PER_HOUR  # 20 s
RECALLED_SHARE, NO_SHOW_SHARE, TRANSFER_SHARE = 0.08, 0.03, 0.03
BOARD_SECONDS, PHONE_SECONDS, WAITING_SECONDS, OVERVIEW_SECONDS = 1.0, 5.0, 3.0, 5.0
REPORT_SECONDS, HEALTHZ_SECONDS = 60.0, 0.5
IDLE_RECONNECT_SECONDS = 20  # waitress closes a connection silent for 30 s; a browser would reconnect
TARGET_MS = 100
REPORT_PAGES = ["/reports/", "/reports/?by=service", "/reports/?by=counter", "/reports/?by=officer"]

# A person pressing a button, and what a screen asks by itself: the reception overview is refreshed
# every 5 s and after each ticket, like the officer's waiting list, so it is a poll.
STAFF = ["issue", "call next", "recall", "no-show", "start", "finish", "transfer", "report"]
POLLS = ["overview", "board", "status", "waiting list", "healthz"]
EXPECTED = collections.defaultdict(lambda: {200}, {
    "call next": {200, 409},  # 409: nobody waiting for that counter (counted, not an error)
    "overview": {200, 304}, "board": {200, 304}, "status": {200, 286, 304}, "waiting list": {200, 304},
})
CONNECTION_ERRORS = (OSError, http.client.HTTPException)


class Player:
    """What one client process shares between its threads: the clock of the run and the figures."""

    def __init__(self, port, seconds, speed, tokens):
        self.port, self.seconds, self.speed, self.tokens = port, seconds, speed, tokens
        self.go = threading.Event()
        self.deadline = None
        self.lock = threading.Lock()
        self.threads = []
        self.latencies = collections.defaultdict(list)
        self.statuses = collections.Counter()

    def running(self):
        return time.monotonic() < self.deadline

    def sleep(self, seconds):
        time.sleep(max(0.0, min(seconds, self.deadline - time.monotonic())))

    def think(self, rng, mean):
        """A person's pause: uniform within +-50% of the mean, compressed by --speed."""
        self.sleep(rng.uniform(0.5, 1.5) * mean / self.speed)

    def request(self, client, kind, method, path, body=None, headers=None, etag=False):
        """One timed request; `etag` sends the ETag this client last got for the path."""
        headers = dict(headers or {}, **{"HX-Request": "true"})
        if method == "POST":
            headers["X-CSRFToken"] = client.csrf
            body = dict(body or {}, csrf_token=client.csrf)
        if etag and client.etags.get(path):
            headers["If-None-Match"] = client.etags[path]
        if time.monotonic() - client.used > IDLE_RECONNECT_SECONDS:
            client.connection.close()
        client.etag = ""
        started = time.perf_counter()
        try:
            try:
                status, _ = client.request(method, path, body, headers)
            except CONNECTION_ERRORS:
                if method != "GET":
                    raise
                client.connection.close()  # a keep-alive connection the server had closed: once more
                status, _ = client.request(method, path, body, headers)
        except CONNECTION_ERRORS as error:
            client.connection.close()
            status = type(error).__name__
        elapsed = time.perf_counter() - started
        client.used = time.monotonic()
        if client.etag:
            client.etags[path] = client.etag
        if client.used - elapsed <= self.deadline:  # begun before the end: counts, even if it ends after
            with self.lock:
                self.latencies[kind].append(elapsed)
                self.statuses[kind, status] += 1
        return status

    def every(self, interval, rng, action):
        """Run `action` every `interval` seconds from a random phase, on a fixed schedule: a slow
        answer does not push the following polls back, so a slow server is not offered less."""
        due = time.monotonic() + rng.uniform(0, interval)
        while True:
            self.sleep(due - time.monotonic())
            if not self.running() or action() is False:
                return
            due = max(due + interval, time.monotonic())

    def alongside(self, interval, rng, action):
        """`every` in a thread of its own: a second connection of the same browser."""
        thread = threading.Thread(target=self.every, args=(interval, random.Random(rng.random()), action), daemon=True)
        with self.lock:
            self.threads.append(thread)
        thread.start()


def new_client(player, username=None, like=None):
    """A keep-alive connection, logged in as `username` or sharing the session of `like` (a
    second connection of the same browser)."""
    client = Client(player.port)
    client.etags, client.used = {}, time.monotonic()
    if username:
        client.login(username)
    if like:
        client.cookie, client.csrf, client.counter_id = like.cookie, like.csrf, like.counter_id
    return client


def officer(player, index, rng, shared, ready):
    client = new_client(player, f"officer{index}")
    assert client.counter_id, f"officer{index} holds no counter"
    counter = client.counter_id
    other_services = [s for s, agency in shared["services"] if agency != shared["counter_agency"][counter]]
    recalls_needed = shared["recalls_before_no_show"]
    poller = new_client(player, like=client)
    waiting = f"/counters/{counter}/waiting"
    ready()

    def act(kind, path, body=None):
        if not player.running():
            return None
        status = player.request(client, kind, "POST", f"/counters/{counter}/{path}", body)
        player.request(client, "waiting list", "GET", waiting, etag=True)  # the queue-changed refresh
        return status

    def call():
        """Call next (again while nobody waits), then give the visitor time to walk up."""
        while player.running() and act("call next", "call-next") != 200:
            player.think(rng, WALK_SECONDS)
        player.think(rng, WALK_SECONDS)

    player.alongside(WAITING_SECONDS, rng, lambda: player.request(poller, "waiting list", "GET", waiting, etag=True))
    player.sleep(rng.uniform(0, SERVICE_SECONDS) / player.speed)  # somewhere in serving the first visitor
    while player.running():
        if rng.random() < TRANSFER_SHARE:
            act("transfer", "transfer", {"service_id": rng.choice(other_services), "note": ""})
        else:
            act("finish", "finish", {"note": ""})
        player.think(rng, NOTE_SECONDS)
        call()
        fate = rng.random()
        if fate < NO_SHOW_SHARE:
            for _ in range(recalls_needed):
                act("recall", "recall")
                player.think(rng, WALK_SECONDS)
            act("no-show", "no-show")
            player.think(rng, NOTE_SECONDS)
            call()
        elif fate < RECALLED_SHARE:
            act("recall", "recall")
            player.think(rng, WALK_SECONDS)
        act("start", "start")
        player.think(rng, SERVICE_SECONDS)


def receptionist(player, index, rng, shared, ready):
    client = new_client(player, f"desk{index}")
    poller = new_client(player, like=client)
    ready()
    player.alongside(OVERVIEW_SECONDS, rng, lambda: player.request(poller, "overview", "GET", "/reception/overview",
                                                                   etag=True))
    while player.running():
        player.think(rng, ISSUE_SECONDS)
        if not player.running():
            return
        player.request(client, "issue", "POST", "/reception/tickets", {
            "service_id": rng.choice(shared["services"])[0], "visitor_name": f"Warga {rng.randrange(10**6)}",
            "visitor_phone": "", "priority": "lansia" if rng.random() < 0.06 else "", "note": "",
            "override_reason": "", "submission_key": uuid.uuid4().hex})
        player.request(client, "overview", "GET", "/reception/overview", etag=True)


def manager(player, index, rng, shared, ready):
    client = new_client(player, "manager0")
    ready()
    pages = iter(REPORT_PAGES * 1000)
    player.every(REPORT_SECONDS / player.speed, rng,
                 lambda: player.request(client, "report", "GET", next(pages)))


def board(player, index, rng, shared, ready):
    client = new_client(player)
    ready()
    player.every(BOARD_SECONDS, rng, lambda: player.request(client, "board", "GET", "/board/state", etag=True))


def phone(player, index, rng, shared, ready):
    client = new_client(player)
    ready()
    token = shared["tokens"][index] if index < len(shared["tokens"]) else None

    def poll():
        nonlocal token
        if token is None:
            try:
                token = player.tokens.get_nowait()  # a new citizen with a ticket from the morning's queue
            except queue_module.Empty:
                return False
        if player.request(client, "status", "GET", f"/t/{token}", etag=True) == 286:
            token = None  # htmx stops polling a finished ticket
    player.every(PHONE_SECONDS, rng, poll)


def healthz(player, index, rng, shared, ready):
    client = new_client(player)
    ready()
    player.every(HEALTHZ_SECONDS, rng, lambda: player.request(client, "healthz", "GET", "/healthz"))


ROLES = {"officer": officer, "receptionist": receptionist, "manager": manager, "board": board, "phone": phone,
         "healthz": healthz}


def client_process(port, options, actors, shared, tokens, ready_queue, go, results):
    """Log every actor of this process in, say so, wait for the common start, then play."""
    player = Player(port, options.seconds, options.speed, tokens)
    logged_in = threading.Semaphore(0)
    for role, index in actors:
        rng = random.Random(f"{role}{index}")  # the same day each run; nothing secret depends on it

        def play(body=ROLES[role], index=index, rng=rng, name=f"{role}{index}"):
            signalled = False

            def ready():
                nonlocal signalled
                signalled = True
                logged_in.release()
                player.go.wait()
            try:
                body(player, index, rng, shared, ready)
            except Exception:  # a login that failed, or a bug: reported, and counted as an error
                traceback.print_exc()
                with player.lock:
                    player.statuses[name.rstrip("0123456789"), "crashed"] += 1
                if not signalled:
                    logged_in.release()
        player.threads.append(threading.Thread(target=play, daemon=True))
        player.threads[-1].start()
    for _ in actors:
        logged_in.acquire()
    ready_queue.put(os.getpid())
    go.wait()
    player.deadline = time.monotonic() + options.seconds
    player.go.set()
    while True:  # the actors, then the pollers they started
        with player.lock:
            waiting = [thread for thread in player.threads if thread.is_alive()]
        if not waiting:
            break
        waiting[0].join(timeout=options.seconds + 60)
    results.put((dict(player.latencies), player.statuses))


def actors_for(options):
    return ([("officer", i) for i in range(options.officers)] + [("receptionist", i) for i in range(options.receptionists)]
            + [("manager", 0)] + [("board", i) for i in range(options.boards)]
            + [("phone", i) for i in range(options.phones)] + [("healthz", 0)])


def play(port, options, shared, server_pids):
    """Run the day against the server at `port`; returns (latencies by kind, statuses, server CPU seconds)."""
    context = multiprocessing.get_context("fork")
    tokens, ready_queue, results, go = context.Queue(), context.Queue(), context.Queue(), context.Event()
    for token in shared["spare_tokens"]:
        tokens.put(token)
    actors = actors_for(options)
    parts = [actors[i::options.processes] for i in range(options.processes)]
    processes = [context.Process(target=client_process, args=(port, options, part, shared, tokens, ready_queue, go,
                                                              results)) for part in parts if part]
    for process in processes:
        process.start()
    for _ in processes:
        ready_queue.get(timeout=300)
    cpu_before = server_cpu_seconds(server_pids())
    go.set()
    collected = [results.get(timeout=options.seconds + 120) for _ in processes]
    cpu = server_cpu_seconds(server_pids()) - cpu_before
    for process in processes:
        process.join()
    latencies, statuses = collections.defaultdict(list), collections.Counter()
    for part, counts in collected:
        for kind, values in part.items():
            latencies[kind].extend(values)
        statuses.update(counts)
    return latencies, statuses, cpu


def server_cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def process_tree(pid):
    children = Path(f"/proc/{pid}/task/{pid}/children")
    found = [pid]
    for child in (children.read_text().split() if children.exists() else []):
        found.extend(process_tree(int(child)))
    return found


def peak_memory_mb(pids):
    total = 0
    for pid in pids:
        match = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
        total += int(match.group(1)) if match else 0
    return total / 1024


def tickets_per_counter(options):
    """A morning's queue: what the officers can call in the run at the chosen speed, and at least 12
    a counter (360 waiting for 30 counters: every phone has a ticket, and some are left for new ones)."""
    cycle = WALK_SECONDS + SERVICE_SECONDS + NOTE_SECONDS
    return max(12, math.ceil(options.seconds * options.speed / cycle * 1.5) + 5)


def prepare(env, options):
    """A fresh instance with officers at counters, a morning's queue, receptionists and a manager.
    In this process (what `mpp init-db`, `mpp seed` and `mpp create-user` do, without starting
    Python five times): the app takes its instance and database from the environment."""
    os.environ.pop("MPP_DATABASE_URL", None)
    os.environ.update(env)
    from mpp_app import clock, create_app
    from mpp_app.cli import apply_migrations
    from mpp_app.domain.accounts import create_user
    from mpp_app.extensions import db
    from mpp_app.models import Role
    from mpp_app.seed import seed

    with create_app({"MPP_FROZEN_NOW": FROZEN_NOW}).app_context():
        apply_migrations()
        seed(db.session, clock.today())
        for n in range(options.receptionists):
            create_user(db.session, f"desk{n}", f"Resepsionis {n}", Role.RECEPTIONIST, PASSWORD,
                        must_change_password=False)
        create_user(db.session, "manager0", "Manajer", Role.MANAGER, PASSWORD, must_change_password=False)
        db.engine.dispose()
    prepare_officers(env, options.officers, tickets_per_counter(options))
    serve_first_visitors(options.officers)
    engine = create_engine(env)
    with engine.connect() as connection:
        services = [tuple(row) for row in connection.execute(text(
            "SELECT service.id, service.agency_id FROM service JOIN agency ON agency.id = service.agency_id "
            "WHERE service.active AND agency.active ORDER BY service.id"))]
        counters = dict(connection.execute(text("SELECT id, agency_id FROM counter")).all())
        tokens = list(connection.scalars(text("SELECT public_token FROM ticket ORDER BY id")))
        recalls = connection.scalar(text("SELECT value FROM setting WHERE key = 'recalls_before_no_show'"))
    engine.dispose()
    random.Random(17).shuffle(tokens)
    return {"services": services, "counter_agency": counters, "tokens": tokens[:options.phones],
            "spare_tokens": tokens[options.phones:], "recalls_before_no_show": int(recalls or 2)}


def serve_first_visitors(officers):
    """Mid-morning: every officer is serving a visitor when the run begins (so finishes come from the
    first seconds on, as in the middle of a day, instead of after a whole first cycle)."""
    from mpp_app import create_app
    from mpp_app.domain import counter_actions, counter_sessions
    from mpp_app.extensions import db
    from mpp_app.models import User

    with create_app({"MPP_FROZEN_NOW": FROZEN_NOW}).app_context():
        for n in range(officers):
            officer = db.session.scalar(db.select(User).where(User.username == f"officer{n}"))
            counter = counter_sessions.held_by(db.session, officer)
            counter_actions.call_next(db.session, counter.id, officer)
            counter_actions.start_serving(db.session, counter.id, officer)
        db.engine.dispose()


def create_engine(env):
    from sqlalchemy import create_engine as make
    return make(env.get("MPP_DATABASE_URL") or f"sqlite:///{env['MPP_INSTANCE_PATH']}/mpp.sqlite")


def text(sql):
    from sqlalchemy import text as make
    return make(sql)


def invariants(env):
    """Lines stating the database invariants after the run, each ending in OK or VIOLATED."""
    engine = create_engine(env)
    with engine.connect() as connection:
        tickets = connection.scalar(text("SELECT count(*) FROM ticket"))
        duplicates = connection.scalar(text(
            "SELECT count(*) FROM (SELECT agency_id, business_date, number FROM ticket "
            "GROUP BY agency_id, business_date, number HAVING count(*) > 1) AS d"))
        gaps = connection.scalar(text(
            "SELECT count(*) FROM (SELECT agency_id, business_date FROM ticket "
            "GROUP BY agency_id, business_date HAVING max(number) <> count(*) OR min(number) <> 1) AS g"))
        events = connection.execute(text("SELECT ticket_id, kind, counter_id FROM ticket_event ORDER BY ticket_id, id"))
        holder, calls, double_calls = {}, 0, 0
        for ticket_id, kind, counter_id in events:
            if kind == "called":
                calls += 1
                if holder.get(ticket_id) is not None:
                    double_calls += 1
                holder[ticket_id] = counter_id
            elif kind == "recalled" and holder.get(ticket_id) != counter_id:
                double_calls += 1
            elif kind in ("finished", "no_show", "transferred", "requeued", "cancelled"):
                holder[ticket_id] = None
        held_twice = connection.scalar(text(
            "SELECT count(*) FROM (SELECT counter_id FROM ticket WHERE status IN ('called', 'serving') "
            "GROUP BY counter_id HAVING count(*) > 1) AS h"))
    engine.dispose()

    def verdict(bad):
        return "OK" if bad == 0 else "VIOLATED"
    return [
        f"invariant: ticket numbers unique per agency/day: {verdict(duplicates)} ({tickets} tickets, {duplicates} duplicates)",
        f"invariant: ticket numbers gapless per agency/day from 1: {verdict(gaps)} ({gaps} sequences with gaps)",
        f"invariant: no ticket called by two counters (ticket_event): {verdict(double_calls)} "
        f"({calls} calls, {double_calls} while another counter held the ticket)",
        f"invariant: one open ticket per counter: {verdict(held_twice)} ({held_twice} counters holding two)",
    ]


def wait_for(port, server):
    for _ in range(300):
        if server.poll() is not None:
            raise SystemExit(f"the server ended at start (exit {server.returncode})")
        try:
            Client(port).request("GET", "/healthz")
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not answer /healthz within 30 s")


def postgres_database(url, create):
    """Create (or drop) the database named in the SQLAlchemy URL, through the server's `postgres` database."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = parsed.database
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name or ""):
        raise SystemExit(f"--postgres: use a plain lower-case database name, not {name!r}")
    with psycopg.connect(host=parsed.host or "127.0.0.1", port=parsed.port or 5432, user=parsed.username,
                         password=parsed.password, dbname="postgres", autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if create:
            if exists:
                raise SystemExit(f"database {name} exists already: the benchmark makes and drops its own. "
                                 f"Drop it (DROP DATABASE {name}) or name another.")
            connection.execute(f'CREATE DATABASE "{name}"')
        elif exists:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def run(options, postgres_url=None):
    """Prepare a fresh instance, serve it, play the day; returns the printed lines and a summary."""
    instance = Path(tempfile.mkdtemp(prefix="mpp-busy-"))
    env = {**os.environ, "MPP_INSTANCE_PATH": str(instance), "MPP_FROZEN_NOW": FROZEN_NOW,
           "MPP_LOGIN_MAX_CLIENT_FAILURES": "1000", "MPP_PURGE_EVERY_MINUTES": "0"}
    env.pop("MPP_DATABASE_URL", None)
    if postgres_url:
        env["MPP_DATABASE_URL"] = postgres_url
        postgres_database(postgres_url, create=True)
    server = None
    try:
        started = time.perf_counter()
        shared = prepare(env, options)
        prepared = time.perf_counter() - started
        port = free_port()
        if postgres_url:
            command = [sys.executable, "-m", "gunicorn", "--workers", str(options.workers), "--worker-class", "gthread",
                       "--threads", str(options.threads), "--keep-alive", "30", "--bind", f"127.0.0.1:{port}",
                       "--log-level", "warning", "mpp_app:create_app()"]
            described = (f"PostgreSQL, gunicorn {options.workers} processes x {options.threads} threads (gthread)")
        else:
            command = [sys.executable, "-m", "mpp_app", "serve", "--port", str(port), "--threads", str(options.threads)]
            described = f"SQLite (WAL, synchronous=FULL), mpp serve: waitress, 1 process x {options.threads} threads"
        server = subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parent.parent,
                                  stdout=subprocess.DEVNULL, stderr=None if options.verbose else subprocess.DEVNULL)
        wait_for(port, server)
        latencies, statuses, cpu = play(port, options, shared, lambda: process_tree(server.pid))
        memory = peak_memory_mb(process_tree(server.pid))
        server.terminate()
        server.wait(timeout=30)
        checks = invariants(env)
    finally:
        if server and server.poll() is None:
            server.kill()
            server.wait(timeout=30)
        if postgres_url:
            postgres_database(postgres_url, create=False)
        shutil.rmtree(instance, ignore_errors=True)
    return described, prepared, shared, latencies, statuses, cpu, memory, checks


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(len(ordered) * share) - 1))] * 1000


def report(options, described, prepared, shared, latencies, statuses, cpu, memory, checks):
    offered = options.receptionists * 3600 / ISSUE_SECONDS * options.speed
    lines = [f"== busy day: {described}",
             f"   {options.seconds:g} s at --speed {options.speed:g} ({offered:g} tickets/h offered = "
             f"{offered / PEAK_PER_HOUR:g} x Kupang's peak hour of {PEAK_PER_HOUR:g} visitors); "
             f"{options.officers} officers, {options.receptionists} receptionists, 1 manager, {options.boards} boards, "
             f"{options.phones} phones; {options.processes} client processes; {os.cpu_count()} CPUs shared by server "
             f"and clients; prepared in {prepared:.0f} s ({len(shared['tokens']) + len(shared['spare_tokens'])} "
             f"tickets waiting at the start)",
             f"{'':2}{'request':<16}{'count':>7}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'304':>6}{'286':>6}"
             f"{'errors':>8}  other statuses"]
    errors, slow, total, staff_total, figures = 0, [], 0, 0, {}
    for group, kinds in (("staff actions", STAFF), ("polls", POLLS)):
        lines.append(f"  {group}")
        for kind in kinds:
            values = latencies.get(kind, [])
            counts = {status: n for (k, status), n in statuses.items() if k == kind}
            bad = {status: n for status, n in counts.items() if status not in EXPECTED[kind]}
            count = len(values)
            total += count
            staff_total += count if group == "staff actions" else 0
            errors += sum(bad.values())
            if not count:
                lines.append(f"    {kind:<14}{0:>7}")
                continue
            p99 = percentile(values, 0.99)
            figures[kind] = (count, statistics.median(values) * 1000, p99)
            if group == "staff actions" and p99 >= TARGET_MS:
                slow.append(f"{kind} {p99:.0f} ms")
            share = lambda status: f"{counts.get(status, 0) / count:.0%}" if kind in ("board", "status", "waiting list", "overview") else ""
            other = ", ".join(f"{status}: {n}" for status, n in sorted(counts.items(), key=str)
                              if status not in (200, 304, 286))
            lines.append(f"    {kind:<14}{count:>7}{statistics.median(values) * 1000:>9.1f}{p99:>9.1f}"
                         f"{max(values) * 1000:>9.1f}{share(304):>6}{share(286):>6}{sum(bad.values()):>8}  {other}")
    crashed = {kind: n for (kind, status), n in statuses.items() if status == "crashed"}
    errors += sum(crashed.values())
    if crashed:
        lines.append(f"  actors that stopped on an exception (errors): {crashed}")
    empty = statuses.get(("call next", 409), 0)
    lines += [
        f"  throughput: {total} requests in {options.seconds:g} s = {total / options.seconds:.1f} req/s "
        f"(staff actions {staff_total / options.seconds:.2f}/s, issued {len(latencies.get('issue', [])) / options.seconds * 3600:.0f}/h, "
        f"called {(len(latencies.get('call next', [])) - empty) / options.seconds * 3600:.0f}/h)",
        f"  server: {cpu:.1f} CPU seconds over the run ({cpu / options.seconds:.0%} of one core; the app's processes, "
        f"not PostgreSQL's), peak memory "
        f"(VmHWM, all its processes) {memory:.0f} MB" + (f"; call next found nobody waiting {empty} times" if empty else ""),
        f"  target: every staff action p99 < {TARGET_MS} ms: {'PASS' if not slow else 'FAIL (' + ', '.join(slow) + ')'}; "
        f"no errors: {'PASS' if not errors else f'FAIL ({errors} errors)'}",
    ]
    lines += [f"  {line}" for line in checks or []]
    return lines, {"described": described, "rate": total / options.seconds, "staff_rate": staff_total / options.seconds,
                   "cpu": cpu, "figures": figures, "errors": errors}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--speed", type=float, default=1, help="divide the staff's think times by this")
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL database to create, serve with gunicorn, drop")
    parser.add_argument("--compare", action="store_true", help="SQLite first, then --postgres, one after the other")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes (PostgreSQL)")
    parser.add_argument("--threads", type=int, default=8, help="waitress threads, or gunicorn threads per worker")
    parser.add_argument("--officers", type=int, default=30)
    parser.add_argument("--receptionists", type=int, default=3)
    parser.add_argument("--boards", type=int, default=10)
    parser.add_argument("--phones", type=int, default=300)
    parser.add_argument("--processes", type=int, default=3, help="client processes")
    parser.add_argument("--verbose", action="store_true", help="show the server's log")
    options = parser.parse_args()
    if options.compare and not options.postgres:
        parser.error("--compare needs --postgres URL")
    if options.postgres:
        if not all(importlib.util.find_spec(name) for name in ("gunicorn", "psycopg")):
            parser.error("--postgres needs gunicorn and psycopg: .venv/bin/pip install -e '.[bench]'")
    backends = [None, options.postgres] if options.compare else [options.postgres]
    summaries = []
    for url in backends:
        lines, summary = report(options, *run(options, url))
        print("\n".join(lines), flush=True)
        summaries.append(summary)
    if len(summaries) > 1:
        print_side_by_side(summaries, options)


def print_side_by_side(summaries, options):
    """The same day on each back end: what the extra processes change, kind by kind."""
    print("== side by side (count, p50 ms / p99 ms)")
    for n, summary in enumerate(summaries, 1):
        print(f"  [{n}] {summary['described']}")
    print(f"  {'request':<16}" + "".join(f"{f'[{n}]':>24}" for n in range(1, len(summaries) + 1)))
    for kind in STAFF + POLLS:
        cells = []
        for summary in summaries:
            count, p50, p99 = summary["figures"].get(kind, (0, 0, 0))
            cells.append(f"{count:>7} {p50:>7.1f} /{p99:>7.1f}" if count else f"{0:>7}{'':>17}")
        print(f"  {kind:<16}" + "".join(f"{cell:>24}" for cell in cells))
    for label, key in (("req/s", "rate"), ("staff actions/s", "staff_rate"), ("server CPU s", "cpu"),
                       ("errors", "errors")):
        print(f"  {label:<16}" + "".join(f"{summary[key]:>24.{0 if key == 'errors' else 2}f}" for summary in summaries))


if __name__ == "__main__":
    main()
