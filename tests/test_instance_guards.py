"""`mpp serve` guards its instance: one server per SQLite file, and a lost database file is never
replaced by a fresh one, neither while serving (503, nothing acknowledged) nor at the next start."""
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from . import helpers
from .conftest import POSTGRES_URL

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(bool(POSTGRES_URL), reason="the embedded SQLite file")]


@pytest.fixture
def instance(tmp_path):
    env = helpers.instance_env(tmp_path / "instance")
    helpers.prepare(env)
    return env


def serve_once(env, timeout=30):
    """Start `mpp serve` expecting it to refuse: returns (exit code, output)."""
    result = subprocess.run([sys.executable, "-m", "mpp_app", "serve", "--port", str(helpers.free_port())],
                            env=env, capture_output=True, text=True, timeout=timeout)
    return result.returncode, result.stdout + result.stderr


def move_database(source, target):
    """What a sync tool or a quarantine does: the file and its WAL go elsewhere."""
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.move(f"{source}{suffix}", f"{target}{suffix}")


def tickets_in(path):
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT count(*) FROM ticket").fetchone()[0]


def test_a_database_moved_away_while_serving_is_refused_and_not_recreated(instance, tmp_path):
    database = tmp_path / "instance" / "mpp.sqlite"
    server = helpers.Server(instance).start()
    try:
        desk = helpers.Desk(server, "desk0")
        assert desk.issue(1) == (200, "A-001")
        moved = tmp_path / "elsewhere.sqlite"
        move_database(database, moved)
        status, number = desk.issue(1)
        assert status == 503 and number is None  # nothing acknowledged that goes nowhere
        assert b"database file missing" in (tmp_path / "instance" / "server.log").read_bytes()
    finally:
        server.stop()

    code, output = serve_once(instance)
    assert code != 0 and "is missing or empty" in output and "mpp restore" in output
    assert not database.exists()  # nothing was created in its place

    move_database(moved, database)  # put back: it serves again, with what was acknowledged
    server = helpers.Server(instance).start()
    try:
        assert helpers.Desk(server, "desk0").issue(1) == (200, "A-002")
    finally:
        server.stop()
    assert tickets_in(database) == 2


def test_an_empty_file_in_place_of_the_database_is_refused_too(instance, tmp_path):
    database = tmp_path / "instance" / "mpp.sqlite"
    database.unlink()
    sqlite3.connect(database).close()  # what any command run on the missing path leaves behind
    code, output = serve_once(instance)
    assert code != 0 and "is missing or empty" in output


def test_a_brand_new_instance_still_creates_its_database(tmp_path):
    env = helpers.instance_env(tmp_path / "new")
    (tmp_path / "new").mkdir()
    server = helpers.Server(env).start()
    server.stop()
    assert (tmp_path / "new" / "mpp.sqlite").exists() and (tmp_path / "new" / "database-created").exists()


def test_init_db_creates_a_database_deliberately(instance, tmp_path):
    (tmp_path / "instance" / "mpp.sqlite").unlink()
    helpers.cli(instance, "init-db")
    helpers.cli(instance, "seed")
    server = helpers.Server(instance).start()
    server.stop()


def test_a_second_server_on_the_same_instance_refuses_to_start(instance):
    server = helpers.Server(instance).start()
    try:
        code, output = serve_once(instance)
        assert code != 0 and "Another `mpp serve`" in output and "PostgreSQL" in output
        assert helpers.Desk(server, "desk0").issue(1)[0] == 200  # the first one serves on
    finally:
        server.stop()
    helpers.Server(instance).start().stop()  # the lock went with the first server
