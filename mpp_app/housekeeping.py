"""Work the running server does by itself, so that an office PC with nobody to schedule jobs still
keeps its promises: visitors' personal data is erased once it is older than the retention.

The purge runs when `mpp serve` starts and then every MPP_PURGE_EVERY_MINUTES (0: never; use
`mpp purge-personal-data` from cron instead). A failed run (the database locked or read-only) is
logged and tried again at the next interval; it never stops the server.
"""
import logging
import threading

from sqlalchemy.exc import OperationalError

from .domain import settings, tickets
from .errors import database_fault
from .extensions import db

log = logging.getLogger("mpp_app.housekeeping")


def purge_expired_personal_data(app) -> int:
    """Erase what the retention setting says is due; returns the number of tickets erased."""
    with app.app_context():
        try:
            days = settings.site(db.session, app.config).retention_days
            purged = tickets.purge_personal_data(db.session, days)
        finally:
            db.session.remove()
    if purged:
        log.info("personal data erased from %d ticket(s) older than %d day(s)", purged, days)
    return purged


def start(app) -> threading.Event:
    """Run the purge now and then periodically in a daemon thread; set the returned event to stop."""
    minutes = app.config["MPP_PURGE_EVERY_MINUTES"]
    stop = threading.Event()
    if minutes <= 0:
        return stop

    def run():
        while True:
            try:
                purge_expired_personal_data(app)
            except OperationalError as error:
                log.error("database %s during the personal data purge, trying again in %d minute(s): %s",
                          database_fault(error)[0], minutes, error.orig)
            except Exception:  # noqa: BLE001 - logged and retried; a bug here must not stop the server
                log.exception("personal data purge failed, trying again in %d minute(s)", minutes)
            if stop.wait(minutes * 60):
                return

    threading.Thread(target=run, name="mpp-housekeeping", daemon=True).start()
    return stop
