"""Administration for managers and admins: the start page with the screens to set up, database
backup, staff accounts, and how the audit log reads."""
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from ..domain import accounts, audit, backup
from ..access import MANAGERS, role_required
from ..domain.errors import DomainError
from ..extensions import db
from ..labels import label
from ..models import Agency, Counter, Role, Service, User
from ..web import acting_user, is_htmx, only_this_pc, public_url, qr_data_uri, show_refusal
from .forms import UserEditForm, choices

bp = Blueprint("admin", __name__, url_prefix="/admin")
# The audit page reads each row through the domain's describe(), in the reader's language.
bp.add_app_template_filter(audit.describe, "audit_line")
bp.add_app_template_filter(audit.record_type_label, "audit_record_type")

# The public screens a manager sets up, with where each one goes (endpoint, title, hint).
SCREENS = (
    ("board.page", _l("Papan antrean (TV)"),
     _l("TV di ruang tunggu: buka dalam mode kios Chromium agar layar penuh dan suara panggilan langsung "
        "menyala (lihat README).")),
    ("services.home", _l("Beranda warga"),
     _l("QR di pintu masuk dan di meja resepsionis: jam buka, layanan, dan cek status nomor antrean.")),
    ("services.catalogue_page", _l("Daftar layanan dan persyaratan"),
     _l("Tablet atau poster di ruang tunggu: persyaratan, biaya dan waktu tiap layanan.")),
    ("survey.public_index", _l("Hasil survei kepuasan (IKM)"),
     _l("Layar informasi atau situs web kantor: nilai IKM yang wajib diumumkan.")),
)


@bp.get("/")
@role_required(*MANAGERS)
def index():
    counts = {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Agency, Service, Counter, User)
    }
    screens = [{"title": title, "hint": hint, "url": public_url(endpoint)} for endpoint, title, hint in SCREENS]
    kiosks = [{"counter": counter, "url": public_url("survey.kiosk", token=counter.kiosk_token)}
              for counter in db.session.scalars(select(Counter).where(Counter.active).order_by(Counter.number))]
    for screen in screens + kiosks:
        screen["qr"] = qr_data_uri(screen["url"], scale=3)
    return render_template("admin/index.html", counts=counts, screens=screens, kiosks=kiosks,
                           only_this_pc=only_this_pc(screens[0]["url"]),
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


def _user_form(form, target, status=200, errors=()):
    """The account edit form: alone for htmx, inside its page otherwise."""
    context = {"form": form, "title": _("Ubah akun %(username)s", username=target.username),
               "action": url_for("admin.edit_user", user_id=target.id), "errors": list(errors)}
    template = "admin/_record_form.html" if is_htmx() else "admin/record_page.html"
    return render_template(template, **context), status


def _refused(form, target):
    """A refusal of the domain shown next to the field it names, else above the form."""
    def render(error):
        field = getattr(error, "field", None)
        if field in form:
            form[field].errors = [*form[field].errors, str(error)]
            return _user_form(form, target, error.status)
        return _user_form(form, target, error.status, [str(error)])
    return render


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit_user(user_id):
    target = manageable_user(user_id)
    form = UserEditForm(data={"full_name": target.full_name, "role": target.role.value,
                              "agency": target.agency.code if target.agency else ""}
                        if request.method == "GET" else None)
    allowed = accounts.MANAGEABLE_ROLES[current_user.role]
    form.role.choices = choices((r.value, label(r)) for r in Role if r in allowed)
    form.agency.choices = choices([("", "—")] + [(a.code, a.short_name) for a in
                                                 db.session.scalars(select(Agency).order_by(Agency.sort_order))])
    if not form.validate_on_submit():
        return _user_form(form, target, 422 if request.method == "POST" else 200)
    show_refusal(_refused(form, target))
    accounts.update_user(db.session, target, form.full_name.data, Role(form.role.data), form.agency.data or None,
                         acting_user())
    flash(_("Akun %(username)s tersimpan.", username=target.username), "success")
    if is_htmx():
        return "", 200, {"HX-Redirect": url_for("admin.users")}
    return redirect(url_for("admin.users"))
