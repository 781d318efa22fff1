"""What `mpp serve` does around the app on an office PC: one server per SQLite instance, a database
that is the one this instance made (never a fresh one in place of a lost file), and a waitress
that slow or hostile clients on the Wi-Fi cannot starve.

Invariants:
- At most one `mpp serve` runs on a SQLite file (an OS file lock beside it, released when the
  process dies); a second one refuses to start and points to PostgreSQL for several processes.
- A database file is created only for a brand-new instance. Once one was created (the marker file
  DATABASE_MARKER in the instance folder), a missing file stops the start with a clear message
  instead of a new seeded database, a new admin and numbering from A-001 again.
- Waitress reads requests in its event loop and hands only complete requests to its threads, so a
  client that trickles its headers or body holds a connection slot, never a thread: the slots are
  many (CONNECTION_LIMIT, polled with poll(), not select()'s 1,024), and a silent one is closed
  after CHANNEL_TIMEOUT seconds.
"""
import sqlite3
import sys
from pathlib import Path

from filelock import FileLock, Timeout

from .domain.backup import open_file

DATABASE_MARKER = "database-created"
CONNECTION_LIMIT = 2000
# Windows has no poll(): waitress falls back to select(), which takes at most 512 sockets there and
# ends the server past that. Stay below it.
WINDOWS_CONNECTION_LIMIT = 480
CHANNEL_TIMEOUT = 30  # seconds of silence before waitress closes a connection (its default: 120)
MAX_REQUEST_BODY = 2 * 1024 * 1024  # our largest form is a few KiB; waitress would buffer 1 GiB


class StartRefused(Exception):
    """The instance must not be served as it is; the message says why and what to do."""


def waitress_options(threads: int) -> dict:
    limit = WINDOWS_CONNECTION_LIMIT if sys.platform == "win32" else CONNECTION_LIMIT
    return {"threads": threads, "ident": "mpp", "connection_limit": limit,
            "channel_timeout": CHANNEL_TIMEOUT, "cleanup_interval": 10, "asyncore_use_poll": True,
            "max_request_body_size": MAX_REQUEST_BODY}


def raise_open_file_limit(wanted: int = CONNECTION_LIMIT + 200) -> None:
    """Each held connection is a file descriptor; Linux often starts a process at a soft limit of
    1,024 while allowing more. Windows has no such limit to raise."""
    if sys.platform == "win32":
        return
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def hold_database(database: Path):
    """Take the database file's server lock for as long as this process lives; StartRefused when another
    `mpp serve` holds it. Several processes writing one SQLite file take turns through the busy
    timeout (p99 rose from 0.5 s to 3.4 s in a test): that layout wants PostgreSQL."""
    lock = FileLock(str(database.with_name(database.name + ".serve-lock")))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise StartRefused(
            f"Another `mpp serve` is already serving {database}. Run one server per SQLite instance; "
            "for several server processes use PostgreSQL (MPP_DATABASE_URL, see README).") from None
    return lock


def check_database_file(instance_path: str, database: Path) -> None:
    """Refuse to start on a missing database file of an instance that had one (StartRefused).
    The marker is written by created_database once the start has prepared the file."""
    marker = Path(instance_path) / DATABASE_MARKER
    if marker.exists() and not (database.exists() and _has_schema(database)):
        # An empty file counts as missing: any command run on a missing path creates one.
        raise StartRefused(
            f"The database {database} is missing or empty, but this instance had one (created before, see "
            f"{marker}). Nothing was created in its place: numbering would restart at A-001. Put the "
            "file back (a sync tool or an antivirus quarantine may hold it), restore a backup with "
            "`mpp restore PATH`, or start afresh deliberately with `mpp init-db`.")


def _has_schema(database: Path) -> bool:
    try:
        with open_file(database, read_only=True) as connection:
            return connection.execute("SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'").fetchone()[0] > 0
    except sqlite3.Error:
        return True  # locked or damaged, not missing: the start reports the fault itself


def created_database(instance_path: str, database: Path) -> None:
    """Note that this instance now has a database (after `mpp init-db` or a first start)."""
    (Path(instance_path) / DATABASE_MARKER).write_text(f"{database}\n")
