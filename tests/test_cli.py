"""An instance's life from the command line: migrations (init-db) and the schema they build, seed
data, create-user, the first start of serve, priority-rule and setting."""
import os
import re
import socket
import subprocess
import sys
import time
from datetime import datetime

import pytest
import requests
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade
from sqlalchemy import func, select, text

from mpp_app.cli import apply_migrations, prepare_instance
from mpp_app.extensions import db
from mpp_app.models import Agency, Closure, Counter, OpeningHours, Role, Service, TicketEventKind, User
from mpp_app.seed import seed

from .conftest import SEED_DAY, is_postgres, login


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_migrations_from_empty_match_the_models(empty_app):
    with empty_app.app_context():
        apply_migrations()
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection, opts={"render_as_batch": True}),
                                    db.metadata)
        assert diff == []
        apply_migrations()  # upgrading an up-to-date database is a no-op
        downgrade(directory=empty_app.extensions["migrate"].directory, revision="base")
        with db.engine.connect() as connection:
            tables = set(db.inspect(connection).get_table_names()) - {"alembic_version"}
        assert tables == set()


def test_init_db_upgrades_old_database_keeping_data(empty_app):
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    with empty_app.app_context():
        seed(db.session, SEED_DAY)
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0 and "up to date" in result.output
    with empty_app.app_context():
        assert count(db.session, Service) == 46


def test_seed_counts(session):
    assert count(session, Agency) == 11
    assert count(session, Service) == 46
    agencies = session.scalars(select(Agency)).all()
    assert all(agency.counters for agency in agencies)
    assert not {"I", "O"} & {agency.prefix for agency in agencies}
    assert len({agency.prefix for agency in agencies}) == 11
    per_agency = {a.code: len(a.services) for a in agencies}
    assert per_agency["DUKCAPIL"] == 8 and per_agency["PDAM"] == 3 and per_agency["BANKNTT"] == 3
    counter = session.scalar(select(Counter).where(Counter.number == 1))
    assert counter.agency.code == "DUKCAPIL" and len(counter.services) == 8
    week = session.scalars(select(OpeningHours).where(OpeningHours.agency_id.is_(None))
                           .order_by(OpeningHours.weekday)).all()
    assert [row.is_open for row in week] == [True] * 5 + [False] * 2
    holidays_2027 = session.scalar(select(func.count()).where(
        Closure.source == "holiday", Closure.start_date >= datetime(2027, 1, 1).date()))
    assert holidays_2027 > 15  # the next year's holidays and cuti bersama too


def test_seed_is_idempotent_and_keeps_edits(session):
    service = session.scalar(select(Service).order_by(Service.id))
    service.fee = "Diubah oleh manajer"
    session.commit()
    before = {model: count(session, model) for model in (Agency, Service, Counter, OpeningHours, Closure)}
    report = seed(session, SEED_DAY)
    assert str(report) == "agencies +0, services +0, counters +0, hours +0, closures +0"
    assert {model: count(session, model) for model in before} == before
    session.expire_all()
    assert session.get(Service, service.id).fee == "Diubah oleh manajer"


def test_seed_command(runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0 and "agencies +0" in result.output


def test_create_user_command_with_password_stdin(runner, app, session):
    result = runner.invoke(args=["create-user", "Petugas.Pajak", "--role", "officer", "--agency", "kpp",
                                 "--full-name", "Maria Tefa", "--password-stdin"], input="sandi-pajak-2026\n")
    assert result.exit_code == 0, result.output
    user = session.scalar(select(User).where(User.username == "petugas.pajak"))
    assert user.role is Role.OFFICER and user.agency.code == "KPP" and not user.must_change_password
    assert login(app.test_client(), "petugas.pajak", "sandi-pajak-2026").status_code == 302


def test_create_user_command_generates_password(runner, session):
    result = runner.invoke(args=["create-user", "loket9", "--role", "receptionist"])
    assert result.exit_code == 0
    assert re.search(r"Password \(shown once.*\): \S{16}", result.output)
    assert session.scalar(select(User.must_change_password).where(User.username == "loket9")) is True


@pytest.mark.parametrize("args, stdin, message", [
    (["xy1", "--role", "officer"], "", "harus terdaftar pada satu instansi"),
    (["petugas", "--role", "receptionist", "--password-stdin"], "sandi-cukup-panjang\n", "sudah dipakai"),
    (["baru1", "--role", "officer", "--agency", "NOPE"], "", "tidak dikenal"),
    (["baru2", "--role", "manager", "--password-stdin"], "pendek\n", "minimal 10"),
    (["a", "--role", "manager"], "", "3-40 karakter"),
])
def test_create_user_command_refusals(runner, session, args, stdin, message):
    before = count(session, User)
    result = runner.invoke(args=["create-user", *args], input=stdin)
    assert result.exit_code != 0 and message in result.output
    assert count(session, User) == before


def test_create_user_rejects_unknown_role(runner):
    assert runner.invoke(args=["create-user", "x", "--role", "boss"]).exit_code == 2


def test_prepare_instance_on_empty_database(empty_app):
    with empty_app.app_context():
        password = prepare_instance()
        assert password and len(password) == 16
        assert count(db.session, Service) == 46
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        assert admin.role is Role.ADMIN and admin.must_change_password
        assert prepare_instance() is None  # a second start creates nothing
        assert count(db.session, User) == 1


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_mpp_serve_first_start(tmp_path, empty_database):
    """The README's first command, in miniature: `mpp serve` on an empty instance gives a login."""
    port = _free_port()
    env = {**os.environ, "MPP_INSTANCE_PATH": str(tmp_path / "instance")}
    env.pop("MPP_DATABASE_URL", None)
    if is_postgres():
        env["MPP_DATABASE_URL"] = empty_database
    server = subprocess.Popen([sys.executable, "-m", "mpp_app", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output = ""
        while "Serving" not in output:
            line = server.stdout.readline()
            assert line, output
            output += line
        password = re.search(r"Password \(shown once.*\): (\S+)", output).group(1)
        base = f"http://127.0.0.1:{port}"
        for _ in range(50):
            try:
                page = requests.get(f"{base}/login", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert page.status_code == 200 and "Masuk petugas" in page.text
        with requests.Session() as browser:
            token = re.search(r'name="csrf-token" content="([^"]+)"', browser.get(f"{base}/login").text).group(1)
            response = browser.post(f"{base}/login", data={"username": "admin", "password": password,
                                                           "csrf_token": token})
            assert response.url.endswith("/password")  # forced change at first login
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_init_db_upgrades_a_database_with_tickets_in_place(empty_app):
    """A database of the reception release, with counters and tickets, upgrades to the counters
    release: rebuilt tables keep their rows and links, and tickets join their own agency's queue."""
    directory = empty_app.extensions["migrate"].directory
    from flask_migrate import upgrade

    with empty_app.app_context():
        upgrade(directory=directory, revision="3724d19ccd25")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO agency (id, code, name, short_name, prefix, active, sort_order) "
                "VALUES (1, 'DUKCAPIL', 'Dukcapil', 'Dukcapil', 'A', true, 1)"))
            connection.execute(text(
                "INSERT INTO service (id, agency_id, name, requirements, procedure, processing_time, fee, product, "
                "legal_basis, complaints, expected_minutes, active, sort_order) "
                "VALUES (1, 1, 'KTP', '', '', '', '', '', '', '', 10, true, 1)"))
            connection.execute(text("INSERT INTO counter (id, number, name, agency_id, active) "
                                    "VALUES (1, 1, 'Loket 1', 1, true)"))
            connection.execute(text("INSERT INTO counter_service (counter_id, service_id) VALUES (1, 1)"))
            connection.execute(text(
                "INSERT INTO ticket (id, agency_id, service_id, business_date, number, status, public_token, "
                "issued_at, queued_at, visitor_name, counter_id) VALUES (1, 1, 1, '2026-11-27', 1, 'called', "
                "'token-1', '2026-11-27 02:00:00', '2026-11-27 02:00:00', 'Lama', 1)"))
        result = empty_app.test_cli_runner().invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        row = db.session.execute(text(
            "SELECT t.queue_agency_id, t.recall_count, t.visitor_name, t.counter_id, c.state, "
            "(SELECT count(*) FROM counter_service) FROM ticket t JOIN counter c ON c.id = t.counter_id")).one()
        assert tuple(row) == (1, 0, "Lama", 1, "closed", 1)
        if db.engine.dialect.name == "sqlite":
            with db.engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_priority_rule_command(runner, session):
    result = runner.invoke(args=["priority-rule", "dukcapil", "3"])
    assert result.exit_code == 0 and "after every 3 regular" in result.output
    session.expire_all()
    assert session.scalar(select(Agency.priority_every).where(Agency.code == "DUKCAPIL")) == 3
    assert runner.invoke(args=["priority-rule", "NOPE", "1"]).exit_code == 1
    assert runner.invoke(args=["priority-rule", "PLN", "99"]).exit_code == 2


def test_setting_command(runner, session):
    from mpp_app.domain import settings

    assert "Selamat datang" in runner.invoke(args=["setting", "running_text"]).output
    assert runner.invoke(args=["setting", "running_text", "Loket Bank NTT tutup pukul 14.00"]).exit_code == 0
    assert runner.invoke(args=["setting", "announce_mode", "loud"]).exit_code == 1
    assert runner.invoke(args=["setting", "recalls_before_no_show", "x"]).exit_code == 1
    assert runner.invoke(args=["setting", "recalls_before_no_show", "3"]).exit_code == 0
    assert settings.get(session, "running_text") == "Loket Bank NTT tutup pukul 14.00"
    assert settings.get_int(session, "recalls_before_no_show") == 3


def test_the_database_refuses_a_ticket_event_of_unknown_kind(session):
    """TicketEvent.kind is an enum (TicketEventKind) that the database itself checks, so no code
    path, script or hand-written SQL can store a kind the reports and the board do not know."""
    from sqlalchemy.exc import IntegrityError

    from mpp_app.domain import tickets

    ticket = tickets.issue_ticket(session, service_id=session.scalar(select(Service.id)), visitor_name="Ana").ticket
    assert [event.kind for event in ticket.events] == [TicketEventKind.ISSUED]
    with pytest.raises(IntegrityError):
        session.execute(text("INSERT INTO ticket_event (ticket_id, kind, at) VALUES (:ticket, 'tea_break', :at)"),
                        {"ticket": ticket.id, "at": datetime(2026, 11, 30, 2, 0)})
        session.flush()
    session.rollback()


def test_reset_password_command_prints_a_one_time_password(runner, client, session):
    """An admin who lost the password printed at the first start gets a new one from the console."""
    result = runner.invoke(args=["reset-password", "Admin"])
    assert result.exit_code == 0, result.output
    password = re.search(r"must be changed at next login\): (\S+)", result.output).group(1)
    assert login(client, "admin", password).status_code == 302
    assert client.get("/admin/").headers["Location"].endswith("/password")  # to be changed first
    assert login(client.application.test_client(), "admin").status_code == 401  # the old one is gone
    assert runner.invoke(args=["reset-password", "nobody"]).exit_code == 1
