"""Administration of agencies, services, counters, staff, settings and the audit log."""
from datetime import datetime, time, timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import clock, inputs
from ..access import MANAGERS, role_required
from ..domain import accounts, catalogue_admin, settings
from ..extensions import db
from ..ids import parse_row_id
from ..labels import label
from ..models import Agency, AuditLog, Counter, Role, Service, User
from ..web import acting_user, is_htmx, show_refusal
from .forms import (AgencyForm, CounterForm, ServiceForm, SettingsForm, UserForm, choices)
from .views import bp, manageable_user

def _agency_choices():
    agencies = db.session.scalars(select(Agency).order_by(Agency.sort_order, Agency.id)).all()
    return choices((a.id, f"{a.prefix} · {a.short_name}") for a in agencies)


def _saved(endpoint, message):
    flash(message, "success")
    if is_htmx():
        return "", 200, {"HX-Redirect": url_for(endpoint)}
    return redirect(url_for(endpoint))


def _form_page(form, title, action, errors=(), status=200, extra=None):
    """The edit form: the fragment alone for htmx, inside its page otherwise."""
    context = {"form": form, "title": title, "action": action, "errors": list(errors), **(extra or {})}
    template = "admin/_record_form.html" if is_htmx() else "admin/record_page.html"
    return render_template(template, **context), status


def _save(form, save, endpoint, message, title, action, extra=None):
    if not form.validate_on_submit():
        return _form_page(form, title, action, status=422 if request.method == "POST" else 200, extra=extra)
    show_refusal(lambda error: _form_page(form, title, action, [str(error)], error.status, extra=extra))
    save()
    return _saved(endpoint, message)


@bp.get("/agencies")
@role_required(*MANAGERS)
def agencies():
    rows = db.session.scalars(select(Agency).order_by(Agency.sort_order, Agency.id)
                              .options(selectinload(Agency.services), selectinload(Agency.counters))).all()
    return render_template("admin/agencies.html", agencies=rows)


@bp.route("/agencies/new", methods=["GET", "POST"])
@bp.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit_agency(agency_id=None):
    agency = db.get_or_404(Agency, agency_id) if agency_id else None
    form = AgencyForm(obj=agency)
    return _save(form, lambda: catalogue_admin.save_agency(db.session, form.values(), acting_user(), agency_id),
                 "admin.agencies", _("Instansi tersimpan."),
                 agency.name if agency else _("Instansi baru"), request.path)


@bp.get("/services")
@role_required(*MANAGERS)
def services():
    rows = db.session.scalars(select(Service).join(Service.agency).order_by(Agency.sort_order, Service.sort_order)
                              .options(joinedload(Service.agency))).all()
    return render_template("admin/services.html", services=rows)


@bp.route("/services/new", methods=["GET", "POST"])
@bp.route("/services/<int:service_id>", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit_service(service_id=None):
    service = db.get_or_404(Service, service_id) if service_id else None
    form = ServiceForm(obj=service)
    form.agency_id.choices = _agency_choices()
    if service and request.method == "GET":
        form.agency_id.data = str(service.agency_id)
    return _save(form, lambda: catalogue_admin.save_service(db.session, form.values(), acting_user(), service_id),
                 "admin.services", _("Layanan tersimpan."),
                 service.name if service else _("Layanan baru"), request.path)


@bp.get("/counters")
@role_required(*MANAGERS)
def counters():
    rows = db.session.scalars(select(Counter).order_by(Counter.number)
                              .options(joinedload(Counter.agency), selectinload(Counter.services))).all()
    return render_template("admin/counters.html", counters=rows)


@bp.route("/counters/new", methods=["GET", "POST"])
@bp.route("/counters/<int:counter_id>", methods=["GET", "POST"])
@role_required(*MANAGERS)
def edit_counter(counter_id=None):
    counter = db.get_or_404(Counter, counter_id) if counter_id else None
    form = CounterForm(obj=counter)
    form.agency_id.choices = _agency_choices()
    if counter and request.method == "GET":
        form.agency_id.data = str(counter.agency_id)
    if request.method == "POST":
        selected = {parse_row_id(v) for v in request.form.getlist("service_ids")} - {None}
    else:
        selected = {s.id for s in counter.services} if counter else set()
    all_services = db.session.scalars(select(Service).join(Service.agency).where(Service.active)
                                      .order_by(Agency.sort_order, Service.sort_order)
                                      .options(joinedload(Service.agency))).all()
    return _save(form, lambda: catalogue_admin.save_counter(db.session, form.values(), sorted(selected), acting_user(),
                                                            counter_id),
                 "admin.counters", _("Loket tersimpan."), counter.name if counter else _("Loket baru"),
                 request.path, extra={"all_services": all_services, "selected": selected})


@bp.route("/users/new", methods=["GET", "POST"])
@role_required(*MANAGERS)
def new_user():
    form = UserForm()
    allowed = accounts.MANAGEABLE_ROLES[current_user.role]
    form.role.choices = choices((r.value, label(r)) for r in Role if r in allowed)
    form.agency.choices = choices([("", "—")] + [(a.code, a.short_name) for a in
                                                 db.session.scalars(select(Agency).order_by(Agency.sort_order))])
    if not form.validate_on_submit():
        return _form_page(form, _("Pengguna baru"), request.path, status=422 if request.method == "POST" else 200)
    password = accounts.generate_password()
    show_refusal(lambda error: _form_page(form, _("Pengguna baru"), request.path, [str(error)], error.status))
    user = accounts.create_user(db.session, form.username.data, form.full_name.data, Role(form.role.data),
                                password, agency_code=form.agency.data or None, actor=acting_user())
    # The form is swapped by htmx: it gets the password panel in its place, not a page in a page.
    template = "admin/_one_time_password.html" if is_htmx() else "admin/one_time_password.html"
    return render_template(template, user=user, password=password)


@bp.post("/users/<int:user_id>/reset-password")
@role_required(*MANAGERS)
def reset_password(user_id):
    target = manageable_user(user_id)
    password = accounts.reset_password(db.session, target, acting_user())
    return render_template("admin/one_time_password.html", user=target, password=password)


@bp.post("/users/<int:user_id>/active")
@role_required(*MANAGERS)
def set_user_active(user_id):
    target = manageable_user(user_id)
    active = request.form.get("active") == "1"
    accounts.set_active(db.session, target, active, acting_user())
    flash(_("Akun %(username)s diaktifkan.", username=target.username) if active else
          _("Akun %(username)s dinonaktifkan.", username=target.username), "success")
    return redirect(url_for("admin.users"))


@bp.route("/settings", methods=["GET", "POST"])
@role_required(*MANAGERS)
def site_settings():
    form = SettingsForm(data=settings.effective_values(db.session, current_app.config)) \
        if request.method == "GET" else SettingsForm()
    if not form.validate_on_submit():
        return _form_page(form, _("Pengaturan"), request.path, status=422 if request.method == "POST" else 200)
    show_refusal(lambda error: _form_page(form, _("Pengaturan"), request.path, [str(error)], error.status))
    settings.save_changed(db.session, form.values(), current_app.config, acting_user())
    return _saved("admin.site_settings", _("Pengaturan tersimpan."))


AUDIT_PAGE = 50


@bp.get("/audit")
@role_required(*MANAGERS)
def audit_log():
    query = select(AuditLog).options(joinedload(AuditLog.user)).order_by(AuditLog.id.desc())
    username = request.args.get("user", "")[:40].strip().lower()
    record_type = request.args.get("type", "")[:40].strip()
    if username:
        query = query.join(AuditLog.user).where(User.username == username)
    if record_type:
        query = query.where(AuditLog.record_type == record_type)
    errors = []
    for name, op in (("from", "ge"), ("to", "lt")):
        text = request.args.get(name, "")[:20].strip()
        if not text:
            continue
        try:
            day = inputs.parse_day(text) + timedelta(days=1 if op == "lt" else 0)
        except inputs.InputError as error:
            errors.append(str(error))
            continue
        moment = datetime.combine(day, time(0), tzinfo=clock.zone())
        query = query.where(AuditLog.at >= moment if op == "ge" else AuditLog.at < moment)
    page = min(max(1, request.args.get("page", 1, type=int) or 1), 100_000)  # an offset SQLite can hold
    entries = db.session.scalars(query.limit(AUDIT_PAGE + 1).offset((page - 1) * AUDIT_PAGE)).all()
    types = db.session.scalars(select(AuditLog.record_type).distinct().order_by(AuditLog.record_type)).all()
    return render_template("admin/audit.html", entries=entries[:AUDIT_PAGE], more=len(entries) > AUDIT_PAGE,
                           page=page, types=[t for t in types if t], args=request.args, errors=errors), \
        422 if errors else 200
