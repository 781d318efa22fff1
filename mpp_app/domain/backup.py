"""Consistent copies of the SQLite database, and restoring one after checking it.

Both directions use SQLite's online backup API, so the server may keep running: a backup
copies a snapshot page by page while tickets are issued, and a restore writes the checked copy
into the live file under SQLite's own locks, so the running server sees the restored data at
its next query. PostgreSQL deployments use pg_dump / pg_restore instead (see README).

Invariants:
- A backup file appears at its path only complete and checked (written beside it, integrity
  checked, then renamed).
- A restore never touches the live database unless the copy passes PRAGMA integrity_check and
  carries this application's schema; the live database is first saved beside itself.
"""
import os
import sqlite3
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from . import audit

REQUIRED_TABLES = {"alembic_version", "agency", "service", "ticket", "daily_number", "user"}


class BackupError(Exception):
    """A backup or restore refused; the message says why, in words for the person at the PC."""


class NotSQLiteError(BackupError):
    """The database is not the embedded SQLite file (PostgreSQL has pg_dump)."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    tickets: int
    size_bytes: int


def sqlite_path(url) -> Path:
    if url.get_backend_name() != "sqlite" or not url.database:
        raise NotSQLiteError("Backup and restore work on the embedded SQLite database. For PostgreSQL use "
                          "pg_dump and pg_restore (see README, 'Backups').")
    return Path(url.database)


def _open(path: Path, read_only=False):
    """A connection that is closed on leaving the block (sqlite3's own context manager only commits):
    Windows cannot rename or delete a file that is still open."""
    if read_only:  # as_uri() gives file:///C:/... on Windows and escapes "?" and "#" in names
        return closing(sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True))
    return closing(sqlite3.connect(path))


def _check(path: Path) -> int:
    """Integrity-check a database file and return its ticket count; BackupError when unusable."""
    try:
        with _open(path, read_only=True) as database:
            result = database.execute("PRAGMA integrity_check").fetchall()
            if result != [("ok",)]:
                raise BackupError(f"{path} failed the integrity check: {result[0][0]}")
            tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not REQUIRED_TABLES <= tables:
                raise BackupError(f"{path} is not an MPP service desk database.")
            return database.execute("SELECT count(*) FROM ticket").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not a usable SQLite database ({error}).") from error


def _copy(source: Path, target: Path):
    with _open(source) as origin, _open(target) as copy:
        copy.execute("PRAGMA busy_timeout=15000")
        origin.backup(copy, pages=1024)  # in steps, so writers are not held up for the whole copy
        copy.execute("PRAGMA journal_mode=DELETE")  # a self-contained file: no -wal beside it


def backup(database: Path, target: Path) -> BackupReport:
    """Copy the live database to target while the app serves; checked before it appears."""
    target = Path(target)
    if target.is_dir():
        target = target / f"mpp-{datetime.now():%Y%m%d-%H%M%S}.sqlite"
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _copy(database, partial)
        tickets = _check(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(target, tickets, target.stat().st_size)


def backup_for_download(session, actor, folder: Path, keep: int = 7) -> BackupReport:
    """A checked copy of the live database in `folder` for an admin to download; only the newest
    `keep` copies stay there. Audited; commits. BackupError on PostgreSQL."""
    database = sqlite_path(session.get_bind().url)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    # Microseconds in the name: two admins in the same second never write the same file.
    report = backup(database, folder / f"mpp-{datetime.now():%Y%m%d-%H%M%S-%f}.sqlite")
    for old in sorted(folder.glob("mpp-*.sqlite"))[:-keep]:
        with suppress(OSError):  # Windows keeps a file that is still being downloaded; next time then
            old.unlink()
    audit.record(session, actor, "backup_downloaded",
                 after={"file": report.path.name, "tickets": report.tickets, "bytes": report.size_bytes})
    session.commit()
    return report


def restore(database: Path, source: Path) -> tuple[BackupReport, Path]:
    """Replace the live database's content with a checked backup; returns the saved previous copy."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} does not exist.")
    tickets = _check(source)
    saved = backup(database, database.with_name(f"{database.stem}.before-restore-{datetime.now():%Y%m%d-%H%M%S}.sqlite"))
    with _open(source, read_only=True) as origin, _open(database) as live:
        live.execute("PRAGMA busy_timeout=15000")
        origin.backup(live)
    return BackupReport(source, tickets, source.stat().st_size), saved.path
