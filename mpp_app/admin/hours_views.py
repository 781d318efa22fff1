"""Opening hours administration: weekly schedule (mall or agency), closures, holidays, special hours."""
from datetime import date

from flask import render_template, request
from flask_babel import gettext as _, ngettext
from sqlalchemy import select

from .. import clock
from ..access import MANAGERS, role_required
from ..domain import catalogue, hours, hours_admin
from ..domain.errors import NotFoundError
from ..extensions import db
from ..clock import day_text
from ..models import Agency, Closure, SpecialHours
from ..web import acting_user, show_refusal
from .forms import ClosureForm, DayHoursForm, HolidayYearForm, SpecialHoursForm
from .views import bp

CHANGED = {"HX-Trigger": "hours-changed"}


def _scope():
    """The agency whose hours are edited (?agency=CODE), or None for the mall."""
    code = request.args.get("agency", "")[:20]
    agency = catalogue.agency_by_code(db.session, code)
    if code and agency is None:
        raise NotFoundError()
    return agency


def _check_weekday(weekday):
    if not 0 <= weekday <= 6:
        raise NotFoundError()


def _week(agency):
    rows = hours_admin.week(db.session, agency.id if agency else None)
    names = clock.weekday_names()
    return [(day, names[day], rows.get(day)) for day in range(7)]


def _saved_preview(agency):
    """The next 14 days as saved, in the (schedule, changed) pairs the preview partial shows."""
    return [(day, False) for day in hours.upcoming(db.session, clock.today(), 14, agency.id if agency else None)]


def _row(agency, weekday, form=None, errors=(), status=200, editing=False, notice=None):
    found = hours_admin.week(db.session, agency.id if agency else None).get(weekday)
    template = "admin/_weekday_form.html" if editing else "admin/_weekday_row.html"
    return render_template(template, agency=agency, weekday=weekday, name=clock.weekday_names()[weekday], row=found,
                           form=form or DayHoursForm(formdata=None, obj=found), errors=list(errors),
                           notice=notice), status


def _closures(agency, form=None, errors=(), status=200, headers=None, notice=None):
    return render_template(
        "admin/_closures.html", agency=agency, errors=list(errors), notice=notice,
        closures=hours_admin.upcoming_closures(db.session, clock.today(), agency.id if agency else None),
        form=form or ClosureForm(formdata=None), year_form=HolidayYearForm(formdata=None),
    ), status, headers or {}


def _special(form=None, errors=(), status=200, headers=None, notice=None):
    return render_template("admin/_special_hours.html", errors=list(errors), form=form or SpecialHoursForm(formdata=None),
                           specials=hours_admin.special_hours(db.session, clock.today()),
                           notice=notice), status, headers or {}


def _days(start, end) -> str:
    """A day or a range of days as typed in the forms, for the confirmations."""
    return day_text(start) if start == end else _("%(start)s s.d. %(end)s", start=day_text(start), end=day_text(end))


@bp.get("/hours")
@role_required(*MANAGERS)
def hours_page():
    agency = _scope()
    agencies = db.session.scalars(select(Agency).where(Agency.active).order_by(Agency.sort_order)).all()
    return render_template(
        "admin/hours.html", agency=agency, agencies=agencies, week=_week(agency), weekday_names=clock.weekday_names(),
        closures=hours_admin.upcoming_closures(db.session, clock.today(), agency.id if agency else None),
        form=ClosureForm(formdata=None), year_form=HolidayYearForm(formdata=None),
        specials=hours_admin.special_hours(db.session, clock.today()), special_form=SpecialHoursForm(formdata=None),
        preview=_saved_preview(agency), errors=[])


@bp.get("/hours/preview")
@role_required(*MANAGERS)
def hours_preview():
    agency = _scope()
    return render_template("admin/_preview.html", agency=agency, preview=_saved_preview(agency))


@bp.post("/hours/<int:weekday>/preview")
@role_required(*MANAGERS)
def preview_weekday(weekday):
    """The 14-day preview with the unsaved edit of one weekday applied; nothing is stored."""
    _check_weekday(weekday)
    agency = _scope()
    form = DayHoursForm()
    if not form.validate_on_submit():
        return _preview(agency, [m for messages in form.errors.values() for m in messages], 422)
    show_refusal(lambda error: _preview(agency, [str(error)], error.status))
    preview = hours_admin.preview_weekday(db.session, weekday, form.to_hours(), clock.today(), 14,
                                          agency.id if agency else None)
    return render_template("admin/_preview.html", agency=agency, preview=preview, unsaved=True, errors=[])


def _preview(agency, errors, status):
    """The saved 14-day preview with the messages that refused an unsaved edit."""
    return render_template("admin/_preview.html", agency=agency, preview=_saved_preview(agency), unsaved=False,
                           errors=errors), status


@bp.get("/hours/<int:weekday>/edit")
@role_required(*MANAGERS)
def edit_weekday(weekday):
    _check_weekday(weekday)
    return _row(_scope(), weekday, editing=True)


@bp.get("/hours/<int:weekday>")
@role_required(*MANAGERS)
def show_weekday(weekday):
    _check_weekday(weekday)
    body, status = _row(_scope(), weekday)
    return body, status, {"HX-Trigger": "hours-edit-cancelled"}  # drops an unsaved edit from the preview


@bp.post("/hours/<int:weekday>")
@role_required(*MANAGERS)
def save_weekday(weekday):
    _check_weekday(weekday)
    agency = _scope()
    form = DayHoursForm()
    if not form.validate_on_submit():
        return _row(agency, weekday, form, status=422, editing=True)
    show_refusal(lambda error: _row(agency, weekday, form, [str(error)], error.status, editing=True))
    hours_admin.save_weekday(db.session, weekday, form.to_hours(), acting_user(), agency.id if agency else None)
    body, status = _row(agency, weekday, notice=_("Jam buka %(day)s disimpan.", day=clock.weekday_names()[weekday]))
    return body, status, CHANGED


@bp.post("/hours/<int:weekday>/follow-mall")
@role_required(*MANAGERS)
def follow_mall(weekday):
    _check_weekday(weekday)
    agency = _scope()
    if agency is None:
        raise NotFoundError()
    hours_admin.follow_mall(db.session, weekday, agency.id, acting_user())
    body, status = _row(agency, weekday, notice=_("%(day)s kembali mengikuti jam mal.",
                                                  day=clock.weekday_names()[weekday]))
    return body, status, CHANGED


@bp.post("/closures")
@role_required(*MANAGERS)
def save_closure():
    agency = _scope()
    form = ClosureForm()
    if not form.validate_on_submit():
        return _closures(agency, form, status=422)
    show_refusal(lambda error: _closures(agency, form, [str(error)], error.status))
    hours_admin.save_closure(db.session, form.start_date.data, form.end_date.data, form.reason.data, acting_user(),
                             clock.today(), agency.id if agency else None,
                             int(form.closure_id.data) if form.closure_id.data else None)
    days = _days(form.start_date.data, form.end_date.data)
    notice = (_("Penutupan %(days)s diubah.", days=days) if form.closure_id.data
              else _("Penutupan %(days)s ditambahkan.", days=days))
    return _closures(agency, headers=CHANGED, notice=notice)


@bp.get("/closures/<int:closure_id>/edit")
@role_required(*MANAGERS)
def edit_closure(closure_id):
    closure = db.get_or_404(Closure, closure_id)
    form = ClosureForm(formdata=None, obj=closure, closure_id=str(closure.id))
    return _closures(closure.agency, form)


@bp.post("/closures/<int:closure_id>/delete")
@role_required(*MANAGERS)
def delete_closure(closure_id):
    agency = _scope()
    closure = db.get_or_404(Closure, closure_id)
    days = _days(closure.start_date, closure.end_date)
    hours_admin.delete_closure(db.session, closure_id, acting_user())
    return _closures(agency, headers=CHANGED, notice=_("Penutupan %(days)s dihapus.", days=days))


@bp.post("/closures/holidays")
@role_required(*MANAGERS)
def holiday_preview():
    form = HolidayYearForm()
    if not form.validate_on_submit():
        return _closures(None, status=422, errors=[e for errs in form.errors.values() for e in errs])
    return render_template("admin/_holiday_import.html", year=int(form.year.data),
                           candidates=hours_admin.holiday_candidates(db.session, int(form.year.data)))


@bp.post("/closures/holidays/import")
@role_required(*MANAGERS)
def holiday_import():
    form = HolidayYearForm()
    if not form.validate_on_submit():
        return _closures(None, status=422, errors=[e for errs in form.errors.values() for e in errs])
    try:
        chosen = {date.fromisoformat(text) for text in request.form.getlist("day")[:100]}
    except ValueError:
        return _closures(None, status=422, errors=[_("Tanggal tidak valid.")])
    added = hours_admin.import_holidays(db.session, int(form.year.data), chosen, acting_user())
    notice = (ngettext("%(num)d hari libur diimpor.", "%(num)d hari libur diimpor.", added) if added
              else _("Tidak ada hari libur baru yang diimpor."))
    return _closures(None, headers=CHANGED, notice=notice)


@bp.post("/special-hours")
@role_required(*MANAGERS)
def save_special_hours():
    form = SpecialHoursForm()
    if not form.validate_on_submit():
        return _special(form, status=422)
    show_refusal(lambda error: _special(form, [str(error)], error.status))
    hours_admin.save_special_hours(db.session, form.start_date.data, form.end_date.data, form.to_hours(),
                                   form.reason.data, acting_user(), clock.today())
    return _special(headers=CHANGED, notice=_("Jam khusus %(days)s disimpan.",
                                              days=_days(form.start_date.data, form.end_date.data)))


@bp.post("/special-hours/<int:special_id>/delete")
@role_required(*MANAGERS)
def delete_special_hours(special_id):
    special = db.get_or_404(SpecialHours, special_id)
    days = _days(special.start_date, special.end_date)
    hours_admin.delete_special_hours(db.session, special_id, acting_user())
    return _special(headers=CHANGED, notice=_("Jam khusus %(days)s dihapus.", days=days))
