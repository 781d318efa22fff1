"""`mpp serve` erases visitors' personal data past the retention by itself, with nobody to run a job."""
import sqlite3
import time

import pytest

from . import helpers
from .conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(bool(POSTGRES_URL), reason="runs the served SQLite default")


def names(path):
    with sqlite3.connect(path) as database:
        return dict(database.execute("SELECT number, visitor_name FROM ticket ORDER BY number"))


def test_serve_purges_personal_data_past_the_retention_at_start(tmp_path):
    instance = tmp_path / "instance"
    env = helpers.instance_env(instance)
    helpers.prepare(env)
    database = instance / "mpp.sqlite"

    server = helpers.Server(env).start()
    try:
        desk = helpers.Desk(server, "desk0")
        with sqlite3.connect(database) as connection:
            service_id = connection.execute("SELECT id FROM service ORDER BY id").fetchone()[0]
        assert [desk.issue(service_id, name)[0] for name in ("Maria Lede", "Yohanes Ndun")] == [200, 200]
    finally:
        server.stop()
    with sqlite3.connect(database) as connection:  # the first visitor came 91 days before the frozen Monday
        connection.execute("UPDATE ticket SET business_date = '2026-08-31' WHERE number = 1")

    switched_off = helpers.Server({**env, "MPP_PURGE_EVERY_MINUTES": "0"}).start()
    time.sleep(1)
    switched_off.stop()
    assert names(database) == {1: "Maria Lede", 2: "Yohanes Ndun"}

    server = helpers.Server(env).start()
    try:
        deadline = time.monotonic() + 15
        while names(database)[1] is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert names(database) == {1: None, 2: "Yohanes Ndun"}  # statistics stay, today's visitor too
    finally:
        server.stop()
    log = (instance / "server.log").read_text()
    assert log.count("personal data erased from 1 ticket(s) older than 90 day(s)") == 1
