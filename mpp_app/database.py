"""SQLite connection settings, and one writer at a time inside the server process.

SQLite lets one connection write at a time. A writer that finds the file locked sleeps in the
busy handler with growing pauses (up to 100 ms each), so under a burst of "call next" and
ticket issuing the lock sat idle while waiters slept, and p99 latency reached a second. Here
the threads of one process queue on a Python lock before their first write instead, and are
woken the moment the previous transaction commits or rolls back. Other processes (the CLI, a
second server) still meet the busy timeout, which stays the outer bound.

Invariants:
- Nothing is written to a database file that is no longer the one the engine opened (deleted,
  renamed or replaced while serving: a sync tool, an antivirus quarantine): the write is refused
  with "database file missing or replaced" (503) instead of landing in an unlinked file and being
  acknowledged, then lost.
- A connection takes the gate before the first statement that writes and holds it until its
  transaction ends (commit, rollback or close), so gate order is commit order.
- Waiting longer than the busy timeout raises the same OperationalError ("database is locked")
  SQLite itself would raise, which the app answers with 503.
"""
import os
import re
import sqlite3
import threading
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

WRITE_STATEMENT = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER)\b", re.IGNORECASE)

_gate = threading.Lock()  # one per process: every engine on the same file shares it


class GatedConnection(sqlite3.Connection):
    """A sqlite3 connection that opens the gate again once its transaction is over."""

    holds_gate = False

    def take_gate(self, timeout: float) -> bool:
        if not self.holds_gate:
            self.holds_gate = _gate.acquire(timeout=timeout)
        return self.holds_gate

    def _open_gate(self):
        if self.holds_gate:
            self.holds_gate = False
            _gate.release()

    def commit(self):
        try:
            super().commit()
        finally:
            self._open_gate()

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._open_gate()

    def close(self):
        try:
            super().close()
        finally:
            self._open_gate()


def engine_options(uri: str, options: dict) -> dict:
    """Engine options for the database URI: the gated connection class for SQLite files."""
    if uri.startswith("sqlite"):
        options = {key: value for key, value in options.items() if key != "pool_pre_ping"}  # a file never drops
        options["connect_args"] = {**options.get("connect_args", {}), "factory": GatedConnection}
    return options


def database_file(url):
    """The file a SQLite URL names (plain, or a `file:` URI with `uri=true`), else None."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    name = url.database
    if url.query.get("uri") in ("true", "1") and name.startswith("file:"):
        name = name.removeprefix("file:").split("?", 1)[0]
    return Path(name).resolve()


def _file_identity(path):
    try:
        status = os.stat(path)
    except OSError:  # gone; on Windows a file pending deletion is refused instead
        return None
    return status.st_dev, status.st_ino


def configure_sqlite(engine, busy_timeout_ms: int):
    timeout = busy_timeout_ms / 1000
    path = database_file(engine.url)
    opened = {}  # the identity of the file the first connection opened

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # FULL: a ticket number that was printed survives a power cut, so it is never issued again.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()
        if path:
            opened.setdefault("file", _file_identity(path))

    @event.listens_for(engine, "before_cursor_execute")
    def before_write(connection, _cursor, statement, parameters, _context, _many):
        dbapi_connection = connection.connection.dbapi_connection
        if not isinstance(dbapi_connection, GatedConnection) or not WRITE_STATEMENT.match(statement):
            return
        # Checked at a transaction's first write (before it holds the gate), not at every statement.
        if path and not dbapi_connection.holds_gate and _file_identity(path) != opened.get("file"):
            raise OperationalError(statement, parameters, sqlite3.OperationalError("database file missing or replaced"))
        if not dbapi_connection.take_gate(timeout):
            raise OperationalError(statement, parameters, sqlite3.OperationalError("database is locked"))
