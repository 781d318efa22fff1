"""Administration for managers and admins: overview, database backup and staff accounts."""
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from ..domain import accounts, backup
from ..access import MANAGERS, role_required
from ..domain.errors import DomainError
from ..extensions import db
from ..models import Agency, Counter, Role, Service, User
from ..web import acting_user

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@role_required(*MANAGERS)
def index():
    counts = {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Agency, Service, Counter, User)
    }
    return render_template("admin/index.html", counts=counts,
                           embedded_database=db.engine.url.get_backend_name() == "sqlite")


class BackupUnavailableError(DomainError):
    status = 409
    message = _l("Cadangan dari halaman ini hanya untuk database SQLite bawaan. Untuk PostgreSQL gunakan "
                 "pg_dump (lihat README, bagian Backups).")


class BackupFailedError(DomainError):
    status = 503
    message = _l("Cadangan gagal diperiksa dan tidak diberikan: %(detail)s. Hubungi admin teknis; "
                 "cadangan lama di folder instance/backups tetap ada.")


@bp.post("/backup")
@role_required(Role.ADMIN)
def download_backup():
    """A consistent copy of the SQLite database, made while the app serves, as a download."""
    try:
        report = backup.backup_for_download(db.session, acting_user(),
                                            Path(current_app.instance_path) / "backups")
    except backup.NotSQLiteError as error:
        raise BackupUnavailableError() from error
    except backup.BackupError as error:  # the fresh copy failed its check: the live file is damaged
        current_app.logger.error("backup from the admin page failed: %s", error)
        raise BackupFailedError(detail=str(error)) from error
    return send_file(report.path, as_attachment=True, download_name=report.path.name,
                     mimetype="application/vnd.sqlite3")


@bp.get("/users")
@role_required(*MANAGERS)
def users():
    policy = accounts.ThrottlePolicy.from_config(current_app.config)
    staff = db.session.scalars(select(User).order_by(User.role, User.username)).all()
    locked = {u.id for u in staff if accounts.is_locked(db.session, u, policy)}
    manageable = {u.id for u in staff if accounts.can_manage(current_user, u)}
    return render_template("admin/users.html", users=staff, locked=locked, manageable=manageable, form=FlaskForm())


def manageable_user(user_id) -> User:
    """The account to act on, if the current admin or manager may manage it (else 403)."""
    target = db.get_or_404(User, user_id)
    if not accounts.can_manage(current_user, target):
        abort(403)
    return target


@bp.post("/users/<int:user_id>/unlock")
@role_required(*MANAGERS)
def unlock_user(user_id):
    target = manageable_user(user_id)
    accounts.unlock(db.session, target, acting_user())
    flash(_("Akun %(username)s telah dibuka kembali.", username=target.username), "success")
    return redirect(url_for("admin.users"))

