"""Demo mode: a running clock from a chosen moment, a generated day of traffic, and `mpp demo` serving a
private copy of the mall that can be used in the evening, leaving the office's own database alone."""
import re
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

import pytest
import requests
from sqlalchemy import func, select

from mpp_app import clock, create_app, demo
from mpp_app.models import Counter, CounterState, Ticket, TicketStatus

from .conftest import MONDAY, at
from .helpers import free_port, instance_env


def test_the_clock_runs_from_the_chosen_start(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}",
                      "MPP_FROZEN_NOW": "", "MPP_CLOCK_START": "2026-12-07T09:30:00"}, instance_path=str(tmp_path))
    with app.app_context():
        first = clock.now()
        time.sleep(0.3)
        second = clock.now()
    start = datetime(2026, 12, 7, 9, 30, tzinfo=clock.zone())
    assert start <= first < start + timedelta(seconds=5)
    assert second - first >= timedelta(seconds=0.3)
    assert first.tzinfo is not None and first.utcoffset() == timedelta(hours=8)


def test_a_played_morning_is_a_plausible_day(app, session):
    demo.create_accounts(session, "demo-password-1")
    played = demo.open_counters(session, at(10))
    demo.play_until(session, played, at(11))

    tickets = session.scalars(select(Ticket)).all()
    assert len(tickets) > 40  # about 36 an hour, busier in the morning
    assert all(at(8) <= clock.local(t.issued_at) < at(11) for t in tickets)
    statuses = {t.status for t in tickets}
    assert {TicketStatus.DONE, TicketStatus.WAITING} <= statuses
    numbers = [(t.agency_id, t.number) for t in tickets]
    assert len(numbers) == len(set(numbers))
    # The played officers hold one counter per agency; the others are left for the person trying it.
    held = session.scalars(select(Counter).where(Counter.state == CounterState.OPEN)).all()
    assert len({c.agency_id for c in held}) == len(held)
    free = session.scalar(select(func.count()).select_from(Counter).where(Counter.state == CounterState.CLOSED))
    assert free >= 2
    for counter in held:
        active = [t for t in tickets if t.counter_id == counter.id and t.status in (TicketStatus.CALLED, TicketStatus.SERVING)]
        assert len(active) <= 1


def test_live_traffic_follows_the_running_clock(app, session):
    demo.create_accounts(session, "demo-password-1")
    played = demo.open_counters(session, at(10))
    demo.play_until(session, played, at(10, 30))
    app.config.update(MPP_FROZEN_NOW="", MPP_CLOCK_START=at(10, 33, 30).isoformat(), MPP_CLOCK_STARTED_AT=time.time())
    stop = threading.Event()
    demo.run_live(app, played, stop, every_seconds=0.05)
    deadline = time.monotonic() + 10
    while played.played_until < at(10, 33) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    assert played.played_until == at(10, 33)


@pytest.mark.slow
def test_mpp_demo_serves_a_living_mall_beside_an_untouched_instance(tmp_path):
    env = instance_env(tmp_path)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "mpp_app", "demo", "--at", f"{MONDAY.isoformat()} 10:30", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        output = ""
        deadline = time.monotonic() + 60
        while "Serving" not in output and time.monotonic() < deadline:
            output += process.stdout.readline()
        password = re.search(r"password (\S+):", output).group(1)
        while time.monotonic() < deadline:
            try:
                requests.get(f"{base}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert re.search(r"resepsionis\s+receptionist", output)

        http = requests.Session()
        token = re.search(r'name="csrf-token" content="([^"]+)"', http.get(f"{base}/login", timeout=10).text).group(1)
        page = http.post(f"{base}/login", data={"username": "resepsionis", "password": password,
                                                "csrf_token": token}, timeout=10)
        assert "/reception" in page.url
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        issued = http.post(f"{base}/reception/tickets", data={"service_id": "1", "visitor_name": "Coba Demo",
                                                              "submission_key": "demo-1", "csrf_token": token},
                           timeout=10)
        assert issued.status_code == 200, issued.text[:500]
        assert re.search(r"A-0\d\d", issued.text)  # the morning's numbers came before it

        board = requests.get(f"{base}/board/state", timeout=10).text
        assert re.search(r"[A-Z]-0\d\d", board)
    finally:
        process.terminate()
        process.wait(timeout=15)
    assert (tmp_path / "demo" / "demo.sqlite").exists()
    assert not (tmp_path / "mpp.sqlite").exists()


def test_a_second_mpp_demo_leaves_the_running_one_alone(tmp_path):
    from mpp_app import server

    running = tmp_path / "demo" / "demo.sqlite"
    running.parent.mkdir()
    running.write_bytes(b"the running demo's data")
    lock = server.hold_database(running)  # as the first `mpp demo` holds it
    try:
        second = subprocess.run([sys.executable, "-m", "mpp_app", "demo", "--port", str(free_port())],
                                env=instance_env(tmp_path), capture_output=True, text=True, timeout=60)
    finally:
        lock.release()
    assert second.returncode != 0 and "Another `mpp serve` is already serving" in second.stderr
    assert running.read_bytes() == b"the running demo's data"
