"""The `mpp` command line: serve, init-db, seed, create-user (and Flask's run, routes, shell, db)."""
import logging
import sys
import threading
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from . import clock, create_app, demo, housekeeping, server
from .database import database_file
from .domain import accounts, backup, catalogue_admin, hours, settings, tickets
from .domain.errors import DomainError
from .errors import database_fault
from .extensions import db
from .models import Agency, Role, User
from .seed import seed as seed_database


def apply_migrations():
    upgrade(directory=current_app.extensions["migrate"].directory)


def prepare_instance():
    """Bring an instance to a usable state: migrate, seed when empty, create `admin` when no user exists.

    Returns the new admin password when one was created, else None. Safe to run at every start.
    """
    apply_migrations()
    if not db.session.scalar(select(func.count()).select_from(Agency)):
        seed_database(db.session, clock.today())
    if db.session.scalar(select(func.count()).select_from(User)):
        return None
    password = accounts.generate_password()
    accounts.create_user(db.session, "admin", "Administrator", Role.ADMIN, password)
    return password


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for the office LAN).")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@with_appcontext
def serve_command(host, port, threads):
    """Prepare the instance (migrate, seed, first admin) and serve with waitress."""
    serve_app(current_app._get_current_object(), host, port, threads)


def serve_app(app, host, port, threads, before_serving=None, held_lock=None):
    """What `mpp serve` does with an app: hold its SQLite file (unless the caller holds it already:
    `held_lock`), prepare it, start the housekeeping, then serve until stopped. `before_serving()`
    runs once the instance is prepared."""
    from waitress import serve

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if app.config["MPP_CLOCK_START"] and before_serving is None:
        logging.getLogger("mpp_app").warning("MPP_CLOCK_START is set: this server's clock is not the real one")
    database = database_file(db.engine.url)
    if database:
        try:
            app.extensions["mpp_database_lock"] = held_lock or server.hold_database(database)
            server.check_database_file(app.instance_path, database)
        except server.StartRefused as refused:
            raise click.ClickException(str(refused)) from None
    try:
        password = prepare_instance()
    except OperationalError as error:
        # Serve anyway: a service manager restarting a crashed server would loop, while a running
        # one shows every user a page naming the fault, and recovers once it is fixed.
        db.session.rollback()
        fault, _message = database_fault(error)
        logging.getLogger("mpp_app").error("database %s at start, instance not prepared: %s", fault, error.orig)
        password = None
    if database and database.exists():
        server.created_database(app.instance_path, database)
    if password:
        click.echo("=" * 60)
        click.echo("First start: user 'admin' created.")
        click.echo(f"  Password (shown once, change it at first login): {password}")
        click.echo("=" * 60)
    if before_serving:
        before_serving()
    housekeeping.start(app)
    server.raise_open_file_limit()
    click.echo(f"Serving {app.config['MPP_NAME']} on http://{host}:{port}/ (database: {db.engine.url.render_as_string(hide_password=True)})")
    serve(app, host=host, port=port, **server.waitress_options(threads))


@click.command("demo")
@click.option("--at", "start", type=click.DateTime(["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]), default=None,
              help="Where the demo clock starts, e.g. '2026-12-07 09:30' (WITA). Default: 10:00 of the next open day.")
@click.option("--traffic/--no-traffic", default=True, show_default=True,
              help="Play visitors and officers from opening time, and keep playing while it runs.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@with_appcontext
def demo_command(start, traffic, host, port, threads):
    """Serve a demo mall with a running clock, made afresh in <instance>/demo (your data is not touched)."""
    folder = demo.instance_folder(current_app.instance_path)
    database = folder / "demo.sqlite"
    folder.mkdir(parents=True, exist_ok=True)
    try:  # before removing anything: a demo already running keeps its files
        lock = server.hold_database(database)
    except server.StartRefused as refused:
        raise click.ClickException(str(refused)) from None
    for stale in (database, Path(f"{database}-wal"), Path(f"{database}-shm"), folder / server.DATABASE_MARKER):
        stale.unlink(missing_ok=True)
    url = f"sqlite:///{database}"
    password = accounts.generate_password()
    with create_app({"SQLALCHEMY_DATABASE_URI": url}, instance_path=str(folder)).app_context():
        apply_migrations()
        seed_database(db.session, clock.today())
        logins = demo.create_accounts(db.session, password)
        moment = demo.start_moment(db.session, start, clock.today())
        played = demo.open_counters(db.session, moment) if traffic else None
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MPP_CLOCK_START": moment.isoformat(), "MPP_FROZEN_NOW": ""},
                     instance_path=str(folder))

    def set_the_scene():
        if played:
            demo.play_until(db.session, played, moment)
            demo.run_live(app, played, threading.Event())
        click.echo("=" * 60)
        click.echo(f"Demo mall: the clock starts at {moment:%A %d %B %Y %H:%M} WITA and runs.")
        if not hours.status_at(db.session, moment).accepts_tickets:
            click.echo("  The mall takes no tickets at that time (closed, a break or after the last ticket).")
        click.echo(f"Log in with any of these accounts, password {password}:")
        for username, role, agency in logins:
            click.echo(f"  {username:12} {role.value:12} {agency}")
        click.echo(f"The demo lives in {folder}; it is made afresh at every start.")
        click.echo("=" * 60)

    with app.app_context():
        serve_app(app, host, port, threads, before_serving=set_the_scene, held_lock=lock)


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create or upgrade the database schema to the newest migration (keeps existing data)."""
    apply_migrations()
    database = database_file(db.engine.url)
    if database:
        server.created_database(current_app.instance_path, database)
    click.echo("Database schema is up to date.")


@click.command("seed")
@with_appcontext
def seed_command():
    """Add the Kupang launch catalogue, hours and holiday closures that are missing (idempotent)."""
    report = seed_database(db.session, clock.today())
    click.echo(f"Seeded: {report}")


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--agency", "agency_code", help="Agency code (required for officers), e.g. DUKCAPIL.")
@click.option("--full-name", default="", help="Full name shown on screens.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
@with_appcontext
def create_user_command(username, role, agency_code, full_name, password_stdin):
    """Create a staff account; without --password-stdin a random password is printed once."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        must_change = False
    else:
        password = accounts.generate_password()
        must_change = True
    try:
        accounts.create_user(db.session, username, full_name, Role(role), password,
                             agency_code=agency_code, must_change_password=must_change)
    except DomainError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"User {username.strip().lower()} created with role {role}.")
    if not password_stdin:
        click.echo(f"Password (shown once, must be changed at first login): {password}")


@click.command("reset-password")
@click.argument("username")
@with_appcontext
def reset_password_command(username):
    """Give a staff account a one-time password, printed once (a lost admin password, for one)."""
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise click.ClickException(f"No user {username}.")
    password = accounts.reset_password(db.session, user, None)
    click.echo(f"One-time password for {user.username} (shown once, must be changed at next login): {password}")


@click.command("purge-personal-data")
@click.option("--days", type=click.IntRange(0, 3650), default=None,
              help="Retention in days (default: the manager's setting, else MPP_RETENTION_DAYS, 90).")
@with_appcontext
def purge_personal_data_command(days):
    """Erase visitors' names, phones and notes older than the retention; statistics stay."""
    days = settings.site(db.session, current_app.config).retention_days if days is None else days
    purged = tickets.purge_personal_data(db.session, days)
    click.echo(f"Personal data erased from {purged} ticket(s) older than {days} day(s).")


@click.command("priority-rule")
@click.argument("agency_code")
@click.argument("every", type=click.IntRange(0, catalogue_admin.PRIORITY_EVERY_MAX))
@with_appcontext
def priority_rule_command(agency_code, every):
    """Set an agency's priority rule: 0 calls priority tickets first always, N one after every N regular."""
    try:
        agency = catalogue_admin.set_priority_rule(db.session, agency_code, every)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{agency.code}: " + ("priority tickets first" if every == 0 else
                                     f"one priority ticket after every {every} regular"))


@click.command("setting")
@click.argument("key", type=click.Choice(sorted(settings.DEFAULTS)))
@click.argument("value", required=False)
@with_appcontext
def setting_command(key, value):
    """Show a site setting, or change it (running_text, announce_mode, recalls_before_no_show)."""
    if value is None:
        click.echo(settings.get(db.session, key))
        return
    try:
        settings.put(db.session, key, value)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{key} = {settings.get(db.session, key)}")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=True, path_type=Path))
@with_appcontext
def backup_command(path):
    """Write a consistent, checked copy of the SQLite database to PATH (a file, or a folder for a dated file)."""
    try:
        report = backup.backup(backup.sqlite_path(db.engine.url), path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written: {report.path} ({report.tickets} tickets, {report.size_bytes // 1024} KiB)")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path, yes):
    """Check a backup file and, if it is sound, make it the live database (the current one is kept beside it)."""
    if not yes:
        click.confirm(f"Replace the live database with {path}? Tickets issued since that backup are lost", abort=True)
    try:
        report, saved = backup.restore(backup.sqlite_path(db.engine.url), path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    db.engine.dispose()
    apply_migrations()  # an older backup is brought to the current schema
    click.echo(f"Restored {report.path} ({report.tickets} tickets). The previous database was saved as {saved}")


def register_commands(app):
    for command in (serve_command, init_db_command, seed_command, create_user_command, reset_password_command,
                    purge_personal_data_command, priority_rule_command, setting_command, backup_command,
                    restore_command, demo_command):
        app.cli.add_command(command)


def main():
    FlaskGroup(create_app=create_app, help="MPP service desk.")(prog_name="mpp")
