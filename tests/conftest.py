"""Fixtures: a fresh app and database per test (a SQLite file, or PostgreSQL when
MPP_TEST_DATABASE_URL is set), a client, a CLI runner, staff of every role and a login helper."""
import os
import re
from datetime import date

import pytest
from sqlalchemy import text

from mpp_app import create_app
from mpp_app.accounts import create_user
from mpp_app.extensions import db
from mpp_app.models import Agency, Role
from mpp_app.seed import seed

POSTGRES_URL = os.environ.get("MPP_TEST_DATABASE_URL", "")
# A Monday that is no holiday, inside the seeded 08:00-15:00 WITA hours.
MONDAY_10AM = "2026-11-30T10:00:00+08:00"
SEED_DAY = date(2026, 11, 30)
PASSWORD = "rahasia-kupang-2026"

STAFF = {
    "admin": (Role.ADMIN, None),
    "manager": (Role.MANAGER, None),
    "resepsionis": (Role.RECEPTIONIST, None),
    "petugas": (Role.OFFICER, "DUKCAPIL"),
    "petugas2": (Role.OFFICER, "BAPENDA"),
}


def database_url(tmp_path):
    return POSTGRES_URL or f"sqlite:///{tmp_path / 'mpp.sqlite'}"


def reset_database():
    """Drop everything, including Alembic's bookkeeping, so each test starts empty."""
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture
def app_config(tmp_path, monkeypatch):
    monkeypatch.setenv("MPP_INSTANCE_PATH", str(tmp_path / "instance"))
    for name in list(os.environ):
        if name.startswith("MPP_") and name not in ("MPP_INSTANCE_PATH", "MPP_TEST_DATABASE_URL"):
            monkeypatch.delenv(name)
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
        "MPP_FROZEN_NOW": MONDAY_10AM,
        # View tests look at the board right after a call; the browser tests keep the default.
        "MPP_BOARD_CACHE_SECONDS": 0,
    }


@pytest.fixture
def empty_app(app_config):
    """An app whose database has no tables at all (for migration and CLI tests)."""
    app = create_app(app_config)
    with app.app_context():
        reset_database()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    with app.app_context():
        reset_database()
        db.create_all()
        seed(db.session, SEED_DAY)
        for username, (role, agency) in STAFF.items():
            create_user(db.session, username, username.title(), role, PASSWORD,
                        agency_code=agency, must_change_password=False)
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app, app_config):
    """The test's own view of the database, through a second app instance, so that requests made
    by the test client push their own app context (and `g`) exactly as in production.
    Expire it (session.expire_all()) before reading objects that a request has changed."""
    observer = create_app(app_config)
    with observer.app_context():
        yield db.session
        db.session.remove()
        db.engine.dispose()


def csrf_token(client) -> str:
    page = client.get("/login", follow_redirects=True).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def login(client, username, password=PASSWORD):
    token = csrf_token(client)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


class Staff:
    """Log a test client in as one of the seeded staff and post with its CSRF token."""

    def __init__(self, client):
        self.client = client

    def login(self, username):
        response = login(self.client, username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return self

    def post(self, url, data=None, htmx=False, **kwargs):
        headers = {"X-CSRFToken": csrf_token(self.client)}
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(url, data=data or {}, headers=headers, **kwargs)

    def get(self, url, htmx=False, **kwargs):
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.get(url, headers=headers, **kwargs)


@pytest.fixture
def staff(client):
    return Staff(client)


def agency_by_code(session, code):
    return session.scalar(db.select(Agency).where(Agency.code == code))


def is_postgres():
    return bool(POSTGRES_URL)


@pytest.fixture
def world(session):
    """A day under way at counter 1 (Dukcapil): one ticket served, one called, one waiting."""
    from mpp_app import counter_sessions, queue
    from mpp_app.models import Counter, User

    officer = session.scalar(db.select(User).where(User.username == "petugas"))
    counter = session.get(Counter, 1)
    service = counter.services[0]
    counter_sessions.open_counter(session, counter.id, officer)
    served = queue.issue_ticket(session, service_id=service.id, visitor_name="Selesai").ticket
    queue.call_next(session, counter.id, officer)
    queue.start_serving(session, counter.id, officer)
    queue.finish(session, counter.id, officer)
    queue.issue_ticket(session, service_id=service.id, visitor_name="Dipanggil")
    queue.call_next(session, counter.id, officer)
    waiting = queue.issue_ticket(session, service_id=service.id, visitor_name="Menunggu").ticket
    user = session.scalar(db.select(User).where(User.username == "petugas2"))
    return {"ticket": waiting.id, "served": served.public_token, "waiting": waiting.public_token,
            "kiosk": counter.kiosk_token, "user": user.id}
