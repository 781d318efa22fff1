"""Load benchmark: start `mpp serve` on a fresh instance and drive it over loopback.

    .venv/bin/python benchmarks/load.py [--clients 16] [--seconds 10] [--threads 8] [--scenarios ...]

Each scenario runs for --seconds with --clients concurrent keep-alive connections (spread over
4 client processes) and reports requests per second, p50 and p99 latency, and each throughput as a
share of the trivial endpoint (/healthz) measured in the same run on the same server. The server's
peak memory (VmHWM) is read from /proc at the end. The business clock is frozen on a Monday at
10:00 WITA so that the opening hours admit tickets whatever the hour of the run.
"""
import argparse
import http.client
import multiprocessing
import os
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

PASSWORD = "benchmark-password-1"
FROZEN_NOW = "2026-11-30T10:00:00+08:00"
CLIENT_PROCESSES = 4


class Client:
    """One keep-alive connection with its own session cookie."""

    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""
        self.csrf = ""
        self.etag = ""
        self.counter_id = None
        self.last_location = ""

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        if body is not None:
            body = urllib.parse.urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        self.etag = response.getheader("ETag") or self.etag
        self.last_location = response.getheader("Location") or ""
        return response.status, data

    def login(self, username):
        _, page = self.request("GET", "/login")
        self.csrf = re.search(rb'name="csrf-token" content="([^"]+)"', page).group(1).decode()
        status, _ = self.request("POST", "/login", {"username": username, "password": PASSWORD,
                                                    "csrf_token": self.csrf})
        assert status == 302, f"login of {username} failed: {status}"
        status, page = self.request("GET", "/reception/" if username.startswith("desk") else "/counters/")
        if status == 302:  # an officer holding a counter is sent to its console
            self.counter_id = int(re.search(r"/counters/(\d+)", self.last_location).group(1))
            _, page = self.request("GET", f"/counters/{self.counter_id}")
        self.csrf = re.search(rb'name="csrf-token" content="([^"]+)"', page).group(1).decode()


def scenario_healthz(client, shared, n):
    return client.request("GET", "/healthz")


def scenario_issue_ticket(client, shared, n):
    service_id = shared["service_ids"][n % len(shared["service_ids"])]
    return client.request("POST", "/reception/tickets",
                          {"service_id": service_id, "visitor_name": f"Pengunjung {n}", "visitor_phone": "",
                           "priority": "", "note": "", "override_reason": "",
                           "submission_key": uuid.uuid4().hex, "csrf_token": client.csrf},
                          {"HX-Request": "true", "X-CSRFToken": client.csrf})


def scenario_ticket_status(client, shared, n):
    tokens = shared["tokens"]
    return client.request("GET", f"/t/{tokens[n % len(tokens)]}", headers={"HX-Request": "true"})


def scenario_call_next(client, shared, n):
    """Call next at the client's own counter (measured), then start and finish it (not measured)."""
    counter = client.counter_id
    headers = {"HX-Request": "true", "X-CSRFToken": client.csrf}
    started = time.perf_counter()
    status, _ = client.request("POST", f"/counters/{counter}/call-next", {}, headers)
    elapsed = time.perf_counter() - started
    if status == 200:
        client.request("POST", f"/counters/{counter}/start", {}, headers)
        client.request("POST", f"/counters/{counter}/finish", {"note": ""}, headers)
    return status, elapsed


def scenario_board_poll(client, shared, n):
    """An unchanged board: the client sends the ETag it already has."""
    headers = {"HX-Request": "true"}
    if client.etag:
        headers["If-None-Match"] = client.etag
    response = client.request("GET", "/board/state", headers=headers)
    return response


SCENARIOS = {
    "healthz": (scenario_healthz, None),
    "issue_ticket": (scenario_issue_ticket, "desk"),
    "ticket_status": (scenario_ticket_status, None),
    "call_next": (scenario_call_next, "officer"),
    "board_poll": (scenario_board_poll, None),
}
EXPECTED = {"healthz": {200}, "issue_ticket": {200}, "ticket_status": {200, 286}, "call_next": {200},
            "board_poll": {200, 304}}


def client_process(port, scenario, threads, seconds, shared, offset, results):
    function, login_as = SCENARIOS[scenario]
    latencies, failures = [], []
    lock = threading.Lock()

    def run(thread_index):
        client = Client(port)
        if login_as:
            client.login(f"{login_as}{(offset + thread_index) % shared['desks']}")
            assert login_as != "officer" or client.counter_id, "officer holds no counter"
        mine, bad = [], []
        n = (offset + thread_index) * 1_000_000
        deadline = time.perf_counter() + seconds
        if scenario == "board_poll":
            function(client, shared, n)  # take the current ETag once, as a board does
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status, timed = function(client, shared, n)
            mine.append(timed if isinstance(timed, float) else time.perf_counter() - started)
            if status not in EXPECTED[scenario]:
                bad.append(status)
            n += 1
        with lock:
            latencies.extend(mine)
            failures.extend(bad)

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    results.put((latencies, failures))


def measure(port, scenario, clients, seconds, shared):
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    per_process = [clients // CLIENT_PROCESSES + (1 if i < clients % CLIENT_PROCESSES else 0)
                   for i in range(CLIENT_PROCESSES)]
    processes = [context.Process(target=client_process,
                                 args=(port, scenario, count, seconds, shared, sum(per_process[:i]), results))
                 for i, count in enumerate(per_process) if count]
    started = time.perf_counter()
    for process in processes:
        process.start()
    collected = [results.get() for _ in processes]
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - started
    latencies = sorted(l for part, _ in collected for l in part)
    failures = [f for _, part in collected for f in part]
    return {
        "requests": len(latencies),
        "rps": len(latencies) / seconds,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "failures": len(failures),
        "elapsed": elapsed,
    }


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_memory_mb(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def mpp(env, *args, stdin=None):
    subprocess.run([sys.executable, "-m", "mpp_app", *args], env=env, input=stdin, text=True, check=True,
                   stdout=subprocess.DEVNULL)


def prepare_officers(env, count, tickets_per_counter=400):
    """One officer per client, each holding a counter of a rotating agency, with a long queue."""
    os.environ.update(env)
    from mpp_app.domain import counter_sessions, tickets
    from mpp_app import create_app
    from mpp_app.domain.accounts import create_user
    from mpp_app.extensions import db
    from mpp_app.models import Agency, Counter, Role

    app = create_app({"MPP_FROZEN_NOW": FROZEN_NOW})
    with app.app_context():
        agencies = db.session.scalars(db.select(Agency).order_by(Agency.sort_order)).all()
        next_number = max(c.number for c in db.session.scalars(db.select(Counter))) + 1
        for n in range(count):
            agency = agencies[n % len(agencies)]
            counter = Counter(number=next_number + n, name=f"Loket {next_number + n}", agency=agency,
                              services=list(agency.services))
            db.session.add(counter)
            officer = create_user(db.session, f"officer{n}", f"Petugas {n}", Role.OFFICER, PASSWORD,
                                  agency_code=agency.code, must_change_password=False)
            counter_sessions.open_counter(db.session, counter.id, officer)
        for agency in agencies:
            per_agency = tickets_per_counter * len([n for n in range(count) if agencies[n % len(agencies)] is agency])
            for i in range(per_agency):
                tickets.issue_ticket(db.session, service_id=agency.services[i % len(agency.services)].id,
                                   visitor_name=f"Warga {i}")
        db.engine.dispose()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=list(SCENARIOS))
    options = parser.parse_args()

    instance = Path(tempfile.mkdtemp(prefix="mpp-bench-"))
    env = {**os.environ, "MPP_INSTANCE_PATH": str(instance), "MPP_FROZEN_NOW": FROZEN_NOW,
           "MPP_LOGIN_MAX_CLIENT_FAILURES": "1000"}
    env.pop("MPP_DATABASE_URL", None)
    mpp(env, "init-db")
    mpp(env, "seed")
    desks = options.clients
    for n in range(desks):
        mpp(env, "create-user", f"desk{n}", "--role", "receptionist", "--password-stdin", stdin=PASSWORD + "\n")
    if "call_next" in options.scenarios:
        prepare_officers(env, options.clients)

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "mpp_app", "serve", "--port", str(port),
                               "--threads", str(options.threads)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                Client(port).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        database = sqlite3.connect(instance / "mpp.sqlite")
        shared = {"desks": desks, "officers": options.clients,
                  "service_ids": [row[0] for row in database.execute("SELECT id FROM service WHERE active")]}
        results = {}
        for scenario in ["healthz"] + [s for s in options.scenarios if s != "healthz"]:
            if scenario == "ticket_status":
                shared["tokens"] = [row[0] for row in database.execute("SELECT public_token FROM ticket LIMIT 500")]
                if not shared["tokens"]:
                    continue
            results[scenario] = measure(port, scenario, options.clients, options.seconds, shared)
        memory = peak_memory_mb(server.pid)
        tickets = database.execute("SELECT count(*), count(DISTINCT agency_id || '-' || number) FROM ticket").fetchone()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(instance, ignore_errors=True)

    ceiling = results["healthz"]["rps"]
    print(f"mpp serve --threads {options.threads}, {options.clients} concurrent clients, "
          f"{options.seconds:g} s per scenario, SQLite (WAL, synchronous=FULL), {os.cpu_count()} CPUs")
    print(f"{'scenario':<16}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'of ceiling':>12}{'errors':>8}")
    for name, row in results.items():
        print(f"{name:<16}{row['requests']:>10}{row['rps']:>10.1f}{row['p50']:>10.1f}{row['p99']:>10.1f}"
              f"{row['rps'] / ceiling:>11.0%}{row['failures']:>8}")
    print(f"server peak memory (VmHWM): {memory:.1f} MB")
    print(f"tickets issued: {tickets[0]}, distinct numbers: {tickets[1]}")


if __name__ == "__main__":
    main()
