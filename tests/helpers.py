"""What several test files share beyond conftest's fixtures: the real `mpp serve` as its own OS
process on a fresh SQLite instance and a staff client for it (where a test has to kill, restart or
load the real server rather than call the app in-process); workers in real OS processes that start
at one signal; and the table of every page and fragment people open."""
import multiprocessing
import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import requests
from sqlalchemy import event

from mpp_app.extensions import db

from .conftest import MONDAY_10AM, PASSWORD

def instance_env(instance) -> dict:
    env = {**os.environ, "MPP_INSTANCE_PATH": str(instance), "MPP_FROZEN_NOW": MONDAY_10AM,
           "MPP_LOGIN_MAX_CLIENT_FAILURES": "1000"}
    env.pop("MPP_DATABASE_URL", None)
    return env


def cli(env, *args, stdin=None) -> str:
    return subprocess.run([sys.executable, "-m", "mpp_app", *args], env=env, input=stdin, text=True,
                          check=True, capture_output=True).stdout


def prepare(env, desks=1):
    """A migrated, seeded instance with receptionists desk0..desk{n-1}."""
    cli(env, "init-db")
    cli(env, "seed")
    for n in range(desks):
        cli(env, "create-user", f"desk{n}", "--role", "receptionist", "--password-stdin", stdin=PASSWORD + "\n")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, env, port=None, threads=8):
        self.env, self.port, self.threads = env, port or free_port(), threads
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.log = None

    def start(self):
        self.log = open(os.path.join(self.env["MPP_INSTANCE_PATH"], "server.log"), "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mpp_app", "serve", "--port", str(self.port), "--threads", str(self.threads)],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("mpp serve did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        if self.log:
            self.log.close()

    def kill(self):
        self.process.kill()  # SIGKILL: no cleanup, no final commit
        self.process.wait(timeout=15)
        self.log.close()


class Desk:
    """A receptionist's browser: a cookie jar, the page's CSRF token and the issue form."""

    def __init__(self, server, username):
        self.base = server.base
        self.http = requests.Session()
        page = self.http.get(f"{self.base}/login", timeout=10).text
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        response = self.http.post(f"{self.base}/login", data={"username": username, "password": PASSWORD,
                                                             "csrf_token": token}, timeout=10)
        page = response.text
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)

    def issue(self, service_id, name="Warga", key=None):
        """Submit the reception form as htmx does; returns (status, ticket number or None)."""
        response = self.http.post(
            f"{self.base}/reception/tickets",
            data={"service_id": service_id, "visitor_name": name, "submission_key": key or os.urandom(16).hex(),
                  "csrf_token": self.csrf},
            headers={"HX-Request": "true", "X-CSRFToken": self.csrf}, timeout=30)
        number = re.search(r'class="issued-number">([^<]+)<', response.text)
        return response.status_code, number.group(1) if number else None


# --- workers in real OS processes ----------------------------------------------------------------

CONTEXT = multiprocessing.get_context("spawn")


def run_in_processes(jobs, timeout=600):
    """Start each (target, args) in its own process; target receives args + (start, results),
    waits on `start`, and puts one result on `results`. Returns the results, in arrival order."""
    start, results = CONTEXT.Event(), CONTEXT.Queue()
    processes = [CONTEXT.Process(target=target, args=(*args, start, results)) for target, args in jobs]
    for process in processes:
        process.start()
    start.set()
    collected = [results.get(timeout=timeout) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    return collected


# --- every page people open, by who opens it; paths are filled from the `world` fixture ------------

PAGES = {
    None: ["/", "/layanan", "/layanan/1", "/board/", "/ikm", "/login", "/t/{waiting}", "/t/{served}/survey",
           "/survey/kiosk/{kiosk}", "/halaman-tidak-ada"],
    "resepsionis": ["/reception/", "/reception/tickets/{ticket}/print", "/password"],
    "petugas": ["/counters/", "/counters/1", "/reports/"],
    "admin": ["/admin/", "/admin/users", "/admin/users/new", "/admin/hours", "/admin/agencies", "/admin/agencies/1",
              "/admin/services", "/admin/services/1", "/admin/counters", "/admin/counters/1", "/admin/settings",
              "/admin/audit", "/reports/?by=service"],
}

# htmx fragments (swapped into those pages), by who asks for them.
FRAGMENTS = {
    None: ["/board/state", "/board/hours", "/t/{waiting}"],
    "resepsionis": ["/reception/overview", "/reception/services?q=ktp", "/reception/tickets/lookup?q=A-003",
                    "/reception/tickets/lookup?q=ng"],
    "petugas": ["/counters/1/current", "/counters/1/waiting", "/reports/today"],
    "admin": ["/admin/hours/preview", "/admin/hours/4/edit", "/admin/hours/4"],
}


@contextmanager
def recording(app):
    """Every statement the app sends to the database meanwhile, as (sql, parameters)."""
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters[0] if executemany and parameters else parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@contextmanager
def counting(app):
    """The statements the app sends meanwhile, one line each; the list is filled when the block ends."""
    statements = []
    with recording(app) as recorded:
        yield statements
    statements.extend(" ".join(sql.split()) for sql, _parameters in recorded)
