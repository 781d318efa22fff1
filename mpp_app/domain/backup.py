"""Consistent copies of the SQLite database, and restoring one after checking it.

Both directions use SQLite's online backup API, so the server may keep running: a backup
copies a snapshot page by page while tickets are issued, and a restore writes the checked copy
into the live file under SQLite's own locks, so the running server sees the restored data at
its next query. PostgreSQL deployments use pg_dump / pg_restore instead (see README).

Invariants:
- A backup file appears at its path only complete and checked (written beside it, integrity
  checked, then renamed).
- A copy left half-written by a killed backup (NAME.partial) is removed by the next backup into
  the same folder, once it and its journal are an hour old (a running backup keeps writing them).
- A restore never touches the live database unless the copy passes PRAGMA integrity_check and
  carries this application's schema; the live database is first saved beside itself.
"""
import os
import sqlite3
import time
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..database import database_file
from . import audit

REQUIRED_TABLES = {"alembic_version", "agency", "service", "ticket", "daily_number", "user"}
PARTIAL_SUFFIX = ".partial"
# A running backup writes its partial file (or, while SQLite keeps the pages in memory, its
# journal) as it goes and is done within minutes even for years of tickets: a pair untouched for
# an hour belongs to a backup that was killed (power cut, closed window, Ctrl+C).
STALE_PARTIAL_SECONDS = 3600
SQLITE_HEADER = b"SQLite format 3\x00"


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
    path = database_file(url)
    if path is None:
        raise NotSQLiteError("Backup and restore work on the embedded SQLite database. For PostgreSQL use "
                          "pg_dump and pg_restore (see README, 'Backups').")
    return path


def open_file(path: Path, read_only=False):
    """A connection that is closed on leaving the block (sqlite3's own context manager only commits):
    Windows cannot rename or delete a file that is still open."""
    if read_only:  # as_uri() gives file:///C:/... on Windows and escapes "?" and "#" in names
        return closing(sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True))
    return closing(sqlite3.connect(path))


def _check(path: Path) -> int:
    """Integrity-check a database file and return its ticket count; BackupError when unusable."""
    try:
        with open_file(path, read_only=True) as database:
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
    with open_file(source) as origin, open_file(target) as copy:
        copy.execute("PRAGMA busy_timeout=15000")
        origin.backup(copy, pages=1024)  # in steps, so writers are not held up for the whole copy
        copy.execute("PRAGMA journal_mode=DELETE")  # a self-contained file: no -wal beside it


def _is_abandoned_copy(partial: Path, journal: Path, cutoff: float) -> bool:
    """A stale partial that a backup wrote: the folder may be anyone's (`mpp backup D:/`), and other
    programs name their unfinished downloads *.partial too, so only empty or SQLite files qualify."""
    try:
        touched = max(path.stat().st_mtime for path in (partial, journal) if path.exists())
        with partial.open("rb") as file:
            start = file.read(len(SQLITE_HEADER))
    except (OSError, ValueError):  # gone meanwhile: another backup cleaned up first
        return False
    return touched < cutoff and start in (b"", SQLITE_HEADER)


def remove_stale_partials(folder: Path) -> list:
    """Remove what killed backups left in folder (the partial file and its rollback journal);
    returns the removed paths."""
    cutoff = time.time() - STALE_PARTIAL_SECONDS
    removed = []
    for partial in sorted(Path(folder).glob("*" + PARTIAL_SUFFIX)):
        journal = partial.with_name(partial.name + "-journal")
        if not _is_abandoned_copy(partial, journal, cutoff):
            continue
        for path in (partial, journal):
            with suppress(OSError):  # Windows refuses a file still open elsewhere: next time then
                path.unlink()
                removed.append(path)
    return removed


def backup(database: Path, target: Path) -> BackupReport:
    """Copy the live database to target while the app serves; checked before it appears."""
    target = Path(target)
    if target.is_dir():
        target = target / f"mpp-{datetime.now():%Y%m%d-%H%M%S}.sqlite"
    remove_stale_partials(target.parent)
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
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
    """Replace the live database's content with a checked backup; returns the saved previous copy.

    Today's numbering continues after the highest number either database handed out: the backup
    is staged beside the live file, given the live counters as late as possible, and only then
    copied in, so the restored content carries them the moment it lands (a server running
    meanwhile never sees the backup's lower counters)."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source} does not exist.")
    tickets = _check(source)
    saved = backup(database, database.with_name(f"{database.stem}.before-restore-{datetime.now():%Y%m%d-%H%M%S}.sqlite"))
    staged = database.with_name(f"{database.name}.restoring.partial")
    _copy(source, staged)
    try:
        with open_file(staged) as restored, open_file(database) as live:
            live.execute("PRAGMA busy_timeout=15000")
            _keep_numbers_handed_out(restored, database)
            restored.backup(live)
    finally:
        staged.unlink(missing_ok=True)
    return BackupReport(source, tickets, source.stat().st_size), saved.path


def _keep_numbers_handed_out(restored, live: Path) -> None:
    """Numbers the live database handed out are in citizens' hands (printed, on the board): each
    agency's daily counter in the restored content continues from the higher of the two, so a
    same-day restore skips them instead of issuing them again."""
    restored.execute("ATTACH DATABASE ? AS previous", (str(live),))
    try:
        restored.execute(
            "INSERT INTO daily_number (agency_id, business_date, last_number) "
            "SELECT agency_id, business_date, last_number FROM previous.daily_number "
            "WHERE agency_id IN (SELECT id FROM main.agency) "
            "ON CONFLICT (agency_id, business_date) DO UPDATE SET last_number = max(last_number, excluded.last_number)")
        restored.commit()
    finally:
        restored.execute("DETACH DATABASE previous")
