"""Fixtures: a fresh app and database per test (a SQLite file, or a PostgreSQL database when
MPP_TEST_DATABASE_URL is set), copied from one migrated and seeded template built once per run;
a client, a CLI runner, staff of every role and a login helper."""
import itertools
import os
import re
import shutil
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from flask_migrate import upgrade
from sqlalchemy import MetaData, create_engine, make_url, select, text
from sqlalchemy.pool import NullPool

from mpp_app.domain import accounts
from mpp_app import create_app
from mpp_app.domain.accounts import create_user
from mpp_app.extensions import db
from mpp_app.domain import counter_actions, counter_sessions, tickets
from mpp_app.models import Agency, Counter, Role, User
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


# Argon2 at production strength costs about 60 ms a hash; fixtures and tests create and log in
# staff thousands of times. The tests of hashing itself ask for `production_hasher`.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", CHEAP_HASHER)
        patch.setattr(accounts, "_DUMMY_HASH", CHEAP_HASHER.hash("dummy"))
        yield


@pytest.fixture
def production_hasher(monkeypatch):
    monkeypatch.setattr(accounts, "_hasher", PRODUCTION_HASHER)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", PRODUCTION_DUMMY_HASH)


PRODUCTION_HASHER, PRODUCTION_DUMMY_HASH = accounts._hasher, accounts._DUMMY_HASH


def _isolated_env(patch, instance):
    patch.setenv("MPP_INSTANCE_PATH", str(instance))
    for name in list(os.environ):
        if name.startswith("MPP_") and name not in ("MPP_INSTANCE_PATH", "MPP_TEST_DATABASE_URL"):
            patch.delenv(name)


def _build_seeded(url, instance):
    """Migrate, seed and add the test staff: what every test's database starts from."""
    with pytest.MonkeyPatch.context() as patch:
        _isolated_env(patch, instance)
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "MPP_FROZEN_NOW": MONDAY_10AM})
        with app.app_context():
            upgrade(directory=app.extensions["migrate"].directory)
            seed(db.session, SEED_DAY)
            for username, (role, agency) in STAFF.items():
                create_user(db.session, username, username.title(), role, PASSWORD,
                            agency_code=agency, must_change_password=False)
            db.session.remove()
            db.engine.dispose()


class SQLiteDatabases:
    """Each test gets a copy of one file, built once per run (closed, so WAL is checkpointed)."""

    def __init__(self, root):
        self.template = root / "template" / "mpp.sqlite"
        self.template.parent.mkdir()
        _build_seeded(f"sqlite:///{self.template}", root / "template-instance")

    def url(self, tmp_path, empty):
        return f"sqlite:///{tmp_path / 'mpp.sqlite'}"

    def create(self, url, seeded):
        if seeded:
            shutil.copyfile(self.template, url.removeprefix("sqlite:///"))

    def drop(self, url):
        pass

    def close(self):
        pass


class PostgresDatabases:
    """Seeded tests share one database, put back to the seeded rows before each test (TRUNCATE and
    one INSERT per table: far cheaper than CREATE DATABASE, which costs 0.4 s here); tests that need
    an empty database get one of their own."""

    def __init__(self, root):
        self.base = make_url(POSTGRES_URL)
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.prefix = f"mpp_t{os.getpid()}"
        self.count = itertools.count()
        self.seeded_url = self.base.set(database=f"{self.prefix}_seeded").render_as_string(hide_password=False)
        self._execute(f"DROP DATABASE IF EXISTS {self.prefix}_seeded WITH (FORCE)")
        self._execute(f"CREATE DATABASE {self.prefix}_seeded")
        _build_seeded(self.seeded_url, root / "template-instance")
        self.engine = create_engine(self.seeded_url, poolclass=NullPool)
        self.tables = MetaData()
        self.tables.reflect(self.engine)
        with self.engine.connect() as connection:
            self.rows = {table.name: [dict(row._mapping) for row in connection.execute(table.select())]
                         for table in self.tables.sorted_tables}

    def _execute(self, statement):
        with self.admin.connect() as connection:
            connection.execute(text(statement))

    def url(self, tmp_path, empty):
        if not empty:
            return self.seeded_url
        return self.base.set(database=f"{self.prefix}_{next(self.count)}").render_as_string(hide_password=False)

    def create(self, url, seeded):
        if not seeded:
            self._execute(f"CREATE DATABASE {make_url(url).database}")
            return
        # A test that left a connection behind (a killed worker) must not block the next one.
        self._execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                      f"'{self.prefix}_seeded' AND pid <> pg_backend_pid()")
        with self.engine.begin() as connection:
            tables = connection.scalar(text("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"))
            assert tables == len(self.tables.tables), "a test changed the schema of the shared test database"
            names = ", ".join(f'"{table.name}"' for table in self.tables.sorted_tables)
            # Rows put back as they were, token included: the triggers that give reference_version a
            # new token on every write must not fire for this copy.
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            for table in self.tables.sorted_tables:
                if self.rows[table.name]:
                    connection.execute(table.insert(), self.rows[table.name])
                if "id" in table.c and table.c.id.primary_key:
                    connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f"coalesce(max(id), 0) + 1, false) FROM \"{table.name}\""))

    def drop(self, url):
        if url != self.seeded_url:
            self._execute(f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)")

    def close(self):
        self.engine.dispose()
        self._execute(f"DROP DATABASE IF EXISTS {self.prefix}_seeded WITH (FORCE)")
        self.admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory):
    kind = PostgresDatabases if POSTGRES_URL else SQLiteDatabases
    databases = kind(tmp_path_factory.mktemp("databases"))
    yield databases
    databases.close()


@pytest.fixture
def database_url(databases, tmp_path, request):
    """This test's database URL: `app` fills it with the seeded rows; tests asking for
    `empty_database` (or `empty_app`) get one without any table."""
    url = databases.url(tmp_path, empty="empty_database" in request.fixturenames)
    yield url
    databases.drop(url)


@pytest.fixture
def app_config(tmp_path, monkeypatch, database_url):
    _isolated_env(monkeypatch, tmp_path / "instance")
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MPP_FROZEN_NOW": MONDAY_10AM,
        # View tests look at the board right after a call; the browser tests keep the default.
        "MPP_BOARD_CACHE_SECONDS": 0,
    }


@pytest.fixture
def empty_database(databases, database_url):
    """The test's database, created without any table (for migration and CLI tests)."""
    databases.create(database_url, seeded=False)
    return database_url


@pytest.fixture
def empty_app(app_config, empty_database):
    """An app whose database has no tables at all (for migration and CLI tests)."""
    app = create_app(app_config)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(app_config, databases, database_url):
    """An app over a migrated, seeded database with the STAFF accounts, copied from the run's template."""
    databases.create(database_url, seeded=True)
    app = create_app(app_config)
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
    officer = session.scalar(db.select(User).where(User.username == "petugas"))
    counter = session.get(Counter, 1)
    service = counter.services[0]
    counter_sessions.open_counter(session, counter.id, officer)
    served = tickets.issue_ticket(session, service_id=service.id, visitor_name="Selesai").ticket
    counter_actions.call_next(session, counter.id, officer)
    counter_actions.start_serving(session, counter.id, officer)
    counter_actions.finish(session, counter.id, officer)
    tickets.issue_ticket(session, service_id=service.id, visitor_name="Dipanggil")
    counter_actions.call_next(session, counter.id, officer)
    waiting = tickets.issue_ticket(session, service_id=service.id, visitor_name="Menunggu").ticket
    user = session.scalar(db.select(User).where(User.username == "petugas2"))
    return {"ticket": waiting.id, "served": served.public_token, "waiting": waiting.public_token,
            "kiosk": counter.kiosk_token, "user": user.id}


WITA = ZoneInfo("Asia/Makassar")
MONDAY = SEED_DAY


def at(hh, mm=0, ss=0, day=MONDAY):
    """A WITA moment of the seeded Monday (or `day`)."""
    return datetime.combine(day, time(hh, mm, ss), tzinfo=WITA)


def user(session, name):
    """One of the seeded STAFF accounts."""
    return session.scalar(select(User).where(User.username == name))


@pytest.fixture
def desk(session):
    """Loket 1 of Dukcapil opened by `petugas`, and a helper that runs one visitor through it."""
    officer = user(session, "petugas")
    counter_sessions.open_counter(session, 1, officer, now=at(8))
    service = agency_by_code(session, "DUKCAPIL").services[0]  # expected 15 minutes

    def visit(arrive, call, start=None, finish=None, outcome="done", priority=None):
        ticket = tickets.issue_ticket(session, service_id=service.id, visitor_name="V", priority=priority,
                                    now=arrive).ticket
        if call is None:
            return ticket
        counter_actions.call_ticket(session, 1, ticket.id, officer, now=call)
        if outcome == "no_show":
            return counter_actions.mark_no_show(session, 1, officer, 0, now=start)
        counter_actions.start_serving(session, 1, officer, now=start)
        if outcome == "transfer":
            return counter_actions.transfer(session, 1, officer, agency_by_code(session, "BAPENDA").services[0].id, now=finish)
        return counter_actions.finish(session, 1, officer, now=finish)

    return visit
