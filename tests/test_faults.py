"""Database faults (locked, read-only, disk full) get a clear 503 page and a log line; the app
keeps serving and nothing stored is lost once the fault is cleared."""
import logging
import re
import sqlite3
import uuid

import pytest
import requests
from sqlalchemy import event, func, select

from mpp_app import create_app
from mpp_app.extensions import db
from mpp_app.models import Service, Ticket

from . import helpers
from .conftest import PASSWORD, POSTGRES_URL, Staff

pytestmark = pytest.mark.skipif(bool(POSTGRES_URL), reason="faults of the embedded SQLite file")


def database_file(app):
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


def a_service_id(app):
    with app.app_context():
        return db.session.scalar(select(Service.id).order_by(Service.id))


def issue(desk, service_id, name="Warga"):
    return desk.post("/reception/tickets", {"service_id": service_id, "visitor_name": name,
                                            "submission_key": uuid.uuid4().hex}, htmx=True)


def ticket_count(path):
    with sqlite3.connect(path) as database:
        assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return database.execute("SELECT count(*) FROM ticket").fetchone()[0]


def test_database_locked_longer_than_busy_timeout(app, app_config, caplog):
    impatient = create_app({**app_config, "MPP_SQLITE_BUSY_TIMEOUT_MS": 200})
    desk = Staff(impatient.test_client()).login("resepsionis")
    service_id = a_service_id(app)
    blocker = sqlite3.connect(database_file(app), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with caplog.at_level(logging.ERROR, logger="mpp_app.errors"):
            response = issue(desk, service_id, "Terkunci")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert "Basis data sedang sibuk" in response.get_data(as_text=True)
        assert "database locked on POST /reception/tickets" in caplog.text
        page = desk.get("/reception/")  # reading still works while the lock is held
        assert page.status_code == 200
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert issue(desk, service_id, "Sesudahnya").status_code == 200
    assert ticket_count(database_file(app)) == 1
    with impatient.app_context():
        db.engine.dispose()


def test_read_only_database_file(app, app_config, caplog):
    desk = Staff(app.test_client()).login("resepsionis")
    service_id = a_service_id(app)
    assert issue(desk, service_id, "Sebelumnya").status_code == 200
    read_only = create_app({**app_config, "SQLALCHEMY_DATABASE_URI":
                            f"sqlite:///file:{database_file(app)}?mode=ro&uri=true"})
    stuck = Staff(read_only.test_client())
    with caplog.at_level(logging.ERROR, logger="mpp_app.errors"):
        response = stuck.post("/login", {"username": "admin", "password": PASSWORD})  # a login writes
        assert response.status_code == 503 and "berkas hanya-baca" in response.get_data(as_text=True)
        # A receptionist already logged in keeps reading, and is refused clearly on writing.
        stuck.client.set_cookie("mpp_session", desk.client.get_cookie("mpp_session").value)
        assert stuck.get("/reception/").status_code == 200
        response = issue(stuck, service_id, "Hanya-baca")
    assert response.status_code == 503
    assert "berkas hanya-baca" in response.get_data(as_text=True)
    assert "database read-only on POST /reception/tickets" in caplog.text
    assert ticket_count(database_file(app)) == 1
    with read_only.app_context():
        db.engine.dispose()


def test_disk_full(app, caplog):
    desk = Staff(app.test_client()).login("resepsionis")
    service_id = a_service_id(app)
    with app.app_context():
        db.engine.dispose()

        # SQLite's own size cap stands in for a full disk: the file cannot grow by one page.
        @event.listens_for(db.engine, "connect")
        def no_room(dbapi_connection, _record):
            pages = dbapi_connection.execute("PRAGMA page_count").fetchone()[0]
            dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    answered = 0
    with caplog.at_level(logging.ERROR, logger="mpp_app.errors"):
        for n in range(500):
            response = issue(desk, service_id, f"Warga {n} " + "x" * 60)
            if response.status_code != 200:
                break
            answered += 1
    assert response.status_code == 503, "the capped file never filled up"
    assert "Disk penuh" in response.get_data(as_text=True)
    assert "database disk full on POST /reception/tickets" in caplog.text
    assert desk.get("/reception/").status_code == 200  # still serving, not crashing

    with app.app_context():
        event.remove(db.engine, "connect", no_room)
        db.engine.dispose()
    assert issue(desk, service_id, "Setelah dikosongkan").status_code == 200
    assert ticket_count(database_file(app)) == answered + 1
    with app.app_context():
        numbers = db.session.scalars(select(Ticket.number).order_by(Ticket.number)).all()
        assert numbers == list(range(1, answered + 2))  # no gap, no repeat across the fault
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == answered + 1


def test_server_starting_on_a_read_only_database_serves_fault_pages_instead_of_crashing(tmp_path):
    env = helpers.instance_env(tmp_path)
    helpers.cli(env, "init-db")
    helpers.cli(env, "seed")  # no user yet: the first start would create the admin, which needs a write
    env["MPP_DATABASE_URL"] = f"sqlite:///file:{tmp_path / 'mpp.sqlite'}?mode=ro&uri=true"
    server = helpers.Server(env).start()
    try:
        assert server.process.poll() is None
        assert requests.get(f"{server.base}/layanan").status_code == 200  # reading works
        page = requests.get(f"{server.base}/login")
        token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
        response = requests.post(f"{server.base}/login", data={"username": "admin", "password": "x" * 12,
                                                               "csrf_token": token}, cookies=page.cookies)
        assert response.status_code == 503 and "berkas hanya-baca" in response.text
    finally:
        server.stop()
    log = (tmp_path / "server.log").read_text()
    assert "database read-only at start, instance not prepared" in log
    assert "Traceback" not in log
