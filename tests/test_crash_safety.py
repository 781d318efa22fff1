"""Kill the server with SIGKILL in the middle of a burst of ticket issuing, then restart it."""
import sqlite3
import threading

import pytest
import requests

from . import helpers
from .conftest import POSTGRES_URL

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(bool(POSTGRES_URL), reason="the embedded SQLite file; PostgreSQL keeps its own WAL")]


def stored_numbers(path):
    with sqlite3.connect(path) as database:
        assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = database.execute("SELECT agency.prefix || '-' || printf('%03d', ticket.number) FROM ticket "
                                "JOIN agency ON agency.id = ticket.agency_id").fetchall()
        service_ids = [row[0] for row in database.execute(
            "SELECT service.id FROM service JOIN agency ON agency.id = service.agency_id "
            "WHERE agency.code IN ('DUKCAPIL', 'BAPENDA') ORDER BY agency.code, service.id")]
    return [row[0] for row in rows], service_ids


def test_sigkill_mid_burst_keeps_every_answered_ticket_and_numbering_continues(tmp_path):
    env = helpers.instance_env(tmp_path)
    helpers.prepare(env, desks=6)
    _, service_ids = stored_numbers(tmp_path / "mpp.sqlite")
    dukcapil, bapenda = service_ids[-1], service_ids[0]  # sorted by code: BAPENDA first
    server = helpers.Server(env).start()
    desks = [helpers.Desk(server, f"desk{n}") for n in range(6)]

    answered, lock, enough = [], threading.Lock(), threading.Event()

    def keep_issuing(desk, service_id):
        while True:
            try:
                status, number = desk.issue(service_id)
            except requests.RequestException:
                return  # the server died under this request: its outcome is unknown to the desk
            assert status == 200, status
            with lock:
                answered.append(number)
                if len(answered) >= 150:
                    enough.set()

    threads = [threading.Thread(target=keep_issuing, args=(desk, (dukcapil, bapenda)[n % 2]))
               for n, desk in enumerate(desks)]
    for thread in threads:
        thread.start()
    assert enough.wait(timeout=120), "the burst never reached 150 tickets"
    server.kill()
    for thread in threads:
        thread.join(timeout=30)

    server.start()
    try:
        stored, _ = stored_numbers(tmp_path / "mpp.sqlite")
        assert len(stored) == len(set(stored)), "a number was issued twice"
        assert set(answered) <= set(stored), "a ticket the desk was shown is gone"
        for prefix, service_id in (("A", dukcapil), ("B", bapenda)):
            issued = sorted(int(n.split("-")[1]) for n in stored if n.startswith(prefix + "-"))
            assert issued == list(range(1, len(issued) + 1)), "numbering has a gap or a hole"
            status, number = helpers.Desk(server, "desk0").issue(service_id)
            assert (status, number) == (200, f"{prefix}-{len(issued) + 1:03d}")
    finally:
        server.stop()
