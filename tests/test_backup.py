"""`mpp backup` and `mpp restore` on the embedded SQLite database, while the server issues tickets;
what killed backups leave behind is cleaned by the next one."""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import make_url

from mpp_app.domain import backup

from . import helpers
from .conftest import POSTGRES_URL

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite backup API; PostgreSQL uses pg_dump")]


def numbers(path):
    with sqlite3.connect(path) as database:
        return {row[0] for row in database.execute(
            "SELECT agency.prefix || '-' || printf('%03d', ticket.number) FROM ticket "
            "JOIN agency ON agency.id = ticket.agency_id")}


def first_service(path):
    with sqlite3.connect(path) as database:
        return database.execute("SELECT service.id FROM service JOIN agency ON agency.id = service.agency_id "
                                "WHERE agency.code = 'DUKCAPIL' ORDER BY service.id").fetchone()[0]


def mpp(env, *args):
    return subprocess.run([sys.executable, "-m", "mpp_app", *args], env=env, text=True, capture_output=True)


def test_backup_under_load_then_restore_round_trip(tmp_path):
    instance = tmp_path / "instance"
    env = helpers.instance_env(instance)
    helpers.prepare(env, desks=3)
    live = instance / "mpp.sqlite"
    service_id = first_service(live)
    server = helpers.Server(env).start()
    try:
        desks = [helpers.Desk(server, f"desk{n}") for n in range(3)]
        answered, stop = [], threading.Event()

        def keep_issuing(desk):
            while not stop.is_set():
                status, number = desk.issue(service_id)
                assert status == 200
                answered.append(number)

        threads = [threading.Thread(target=keep_issuing, args=(desk,)) for desk in desks]
        for thread in threads:
            thread.start()
        while len(answered) < 30:
            threading.Event().wait(0.05)
        before_backup = set(answered)
        result = mpp(env, "backup", str(tmp_path / "daily.sqlite"))
        after_backup = set(answered)
        while len(answered) < len(after_backup) + 20:  # the day goes on after the backup
            threading.Event().wait(0.05)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert result.returncode == 0, result.stderr
        assert "Backup written" in result.stdout

        in_backup = numbers(tmp_path / "daily.sqlite")
        assert before_backup <= in_backup <= set(answered)
        assert not (tmp_path / "daily.sqlite.partial").exists()
        assert len(numbers(live)) == len(answered) > len(in_backup)

        result = mpp(env, "restore", "--yes", str(tmp_path / "daily.sqlite"))
        assert result.returncode == 0, result.stderr
        assert numbers(live) == in_backup  # the running server now reads the restored data
        saved = list(instance.glob("mpp.before-restore-*.sqlite"))
        assert len(saved) == 1 and numbers(saved[0]) == set(answered)
        # Numbering continues after the highest number handed out, not from the backup: the
        # numbers issued after the backup are in citizens' hands.
        status, number = desks[0].issue(service_id)
        assert (status, number) == (200, f"A-{len(answered) + 1:03d}")
    finally:
        server.stop()


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100, "damaged"])
def test_restore_refuses_a_broken_file_and_leaves_the_live_database_alone(tmp_path, content):
    instance = tmp_path / "instance"
    env = helpers.instance_env(instance)
    helpers.prepare(env)
    live = instance / "mpp.sqlite"
    with sqlite3.connect(live) as database:
        agencies = database.execute("SELECT count(*) FROM agency").fetchone()[0]
    broken = tmp_path / "broken.sqlite"
    if content == "damaged":  # a real backup whose middle was overwritten
        assert mpp(env, "backup", str(broken)).returncode == 0
        data = bytearray(broken.read_bytes())
        data[8192:16384] = b"\xff" * 8192
        broken.write_bytes(bytes(data))
    else:
        broken.write_bytes(content)
    result = mpp(env, "restore", "--yes", str(broken))
    assert result.returncode != 0
    assert "Error:" in result.stderr and "Traceback" not in result.stderr
    with sqlite3.connect(live) as database:
        assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert database.execute("SELECT count(*) FROM agency").fetchone()[0] == agencies
    assert not list(instance.glob("mpp.before-restore-*"))


def test_restore_refuses_a_sqlite_file_of_another_application(tmp_path):
    env = helpers.instance_env(tmp_path / "instance")
    helpers.prepare(env)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as database:
        database.execute("CREATE TABLE notes (body TEXT)")
    result = mpp(env, "restore", "--yes", str(other))
    assert result.returncode != 0 and "not an MPP service desk database" in result.stderr


def test_postgresql_is_pointed_to_pg_dump():
    from sqlalchemy.engine import make_url

    from mpp_app.domain.backup import BackupError, sqlite_path

    with pytest.raises(BackupError, match="pg_dump"):
        sqlite_path(make_url("postgresql+psycopg://mpp@127.0.0.1/mpp"))


KILLED_BACKUP = """
import os, signal, sqlite3, sys
source, target = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
source.backup(target, pages=4, progress=lambda *_: os.kill(os.getpid(), signal.SIGKILL))
"""


def kill_a_backup_into(live, partial):
    """What a backup killed after its first step leaves behind (here: an empty file and its journal)."""
    result = subprocess.run([sys.executable, "-c", KILLED_BACKUP, str(live), str(partial)], capture_output=True)
    assert result.returncode == -signal.SIGKILL and partial.exists()


def hours_ago(hours, *paths):
    moment = time.time() - hours * 3600
    for path in paths:
        if path.exists():
            os.utime(path, (moment, moment))


@pytest.mark.parametrize("how", ["admin page", "mpp backup"])
def test_a_backup_removes_what_killed_backups_left_behind(app, staff, runner, how):
    live = backup.sqlite_path(make_url(app.config["SQLALCHEMY_DATABASE_URI"]))
    folder = Path(app.instance_path) / "backups"
    folder.mkdir(parents=True)
    killed = folder / "mpp-20261129-170000-000001.sqlite.partial"
    kill_a_backup_into(live, killed)
    journal = killed.with_name(killed.name + "-journal")
    written = folder / "mpp-20261129-170500-000002.sqlite.partial"  # killed once SQLite had written pages
    shutil.copyfile(live, written)
    running = folder / "mpp-20261130-095959-000003.sqlite.partial"  # another backup, still at work
    kill_a_backup_into(live, running)
    download = folder / "laporan.xlsx.partial"  # not ours: a browser's unfinished download
    download.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    hours_ago(2, killed, journal, written, download)

    if how == "admin page":
        assert staff.login("admin").post("/admin/backup").status_code == 200
    else:
        result = runner.invoke(args=["backup", str(folder)])
        assert result.exit_code == 0, result.output

    left = {path.name for path in folder.iterdir()}
    assert not {killed.name, journal.name, written.name} & left
    assert {running.name, download.name} <= left
    assert len([name for name in left if name.endswith(".sqlite")]) == 1


def test_a_same_day_restore_never_issues_a_number_again(app, session):
    """A backup taken at A-005, five more tickets handed out, then the restore: the next ticket is
    A-011, not a second A-006 (A-006..A-010 are in citizens' hands); other agencies and days keep
    their own counters."""
    from mpp_app.domain import tickets
    from mpp_app.extensions import db

    from .conftest import agency_by_code

    dukcapil = agency_by_code(session, "DUKCAPIL").services[0].id
    bapenda = agency_by_code(session, "BAPENDA").services[0].id
    issue = lambda service: tickets.issue_ticket(session, service_id=service, visitor_name="Warga").ticket  # noqa: E731
    for _ in range(5):
        issue(dukcapil)
    issue(bapenda)
    with app.app_context():
        live = Path(make_url(str(db.engine.url)).database)
    copy = backup.backup(live, live.with_name("at-A-005.sqlite")).path
    for _ in range(5):
        issue(dukcapil)
    session.close()
    backup.restore(live, copy)
    assert numbers(live) == {"A-001", "A-002", "A-003", "A-004", "A-005", "B-001"}  # the backup's tickets
    assert issue(dukcapil).display_number == "A-011"
    assert issue(bapenda).display_number == "B-002"
