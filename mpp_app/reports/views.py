"""Reports for managers (all agencies) and officers (their own agency): figures, charts, exports."""
import io
from dataclasses import dataclass
from datetime import time
from typing import Optional

from flask import Blueprint, render_template, request
from flask_babel import format_date, get_locale, gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..domain import reports, survey
from . import charts, export
from .. import clock
from ..access import role_required
from ..extensions import db
from ..clock import clock_text
from ..models import Agency, Role
from .forms import ReportForm

bp = Blueprint("reports", __name__, url_prefix="/reports")
READERS = (Role.ADMIN, Role.MANAGER, Role.OFFICER)


@dataclass(frozen=True)
class Query:
    filters: reports.Filters
    group: str
    agency_code: str


def _query(form: ReportForm) -> Optional[Query]:
    """The report filters of a valid form, else None; an officer always sees their own agency only."""
    if not form.validate():
        return None
    agency_id, code = form.agency_id, form.agency.data
    if current_user.role is Role.OFFICER:
        agency_id, code = current_user.agency_id, current_user.agency.code
    filters = reports.Filters(form.start.data, form.end.data, agency_id, form.row_id("service"),
                              form.row_id("counter"), form.row_id("officer"))
    return Query(filters, form.by.data or "agency", code)


def _form() -> ReportForm:
    return ReportForm(request.args, clock.today())


def _choices() -> dict:
    return {
        "agencies": db.session.scalars(select(Agency).order_by(Agency.sort_order)).all(),
        "group_names": {"agency": _("Instansi"), "service": _("Layanan"), "counter": _("Loket"),
                        "officer": _("Petugas")},
    }


def _refused(form: ReportForm):
    """The filter form again with each refusal next to its field and what was typed (no figures)."""
    return render_template("reports/index.html", form=form, **_choices()), 422


def _context(query: Query) -> dict:
    f = query.filters
    days = reports.per_day(db.session, f)
    totals, groups = reports.report(db.session, f, query.group)
    return {
        "query": query, "f": f, "summary": totals, "groups": groups,
        "trend": charts.trend([d for d, _i, _s in days], {_("Diterbitkan"): [i for _d, i, _s in days],
                                                          _("Dilayani"): [int(s or 0) for _d, _i, s in days]}),
        "heat": charts.heat_cells(reports.arrivals_heatmap(db.session, f)), "weekdays": clock.weekday_names("abbreviated"),
        "clock_hours": [clock_text(time(hour)) for hour in range(24)],
        "bars": charts.bars([(g.name, g.figures.issued, g.figures.served) for g in groups]),
        "ikm": survey.compute_index(db.session, f.start, f.end, f.agency_id, f.service_id),
        **_choices(),
    }


@bp.get("/")
@role_required(*READERS)
def index():
    form = _form()
    query = _query(form)
    if query is None:
        return _refused(form)
    return render_template("reports/index.html", form=form, **_context(query))


@bp.get("/today")
@role_required(*READERS)
def today():
    day = clock.today()
    agency_id = current_user.agency_id if current_user.role is Role.OFFICER else None
    totals, groups = reports.report(db.session, reports.Filters(day, day, agency_id), "agency")
    return render_template("reports/_today.html", summary=totals, groups=groups)


COLUMNS = [_l("Kelompok"), _l("Diterbitkan"), _l("Dilayani"), _l("Tidak hadir"), _l("Dibatalkan"),
           _l("Dialihkan"), _l("Tunggu rata-rata (menit)"), _l("Tunggu median (menit)"),
           _l("Tunggu P90 (menit)"), _l("Layan rata-rata (menit)"), _l("Layan median (menit)"),
           _l("Layan P90 (menit)"), _l("Sesuai standar waktu (%)")]


def _rows(query: Query):
    def number(value):
        return round(value, 1) if value is not None else ""

    for row in reports.by_group(db.session, query.filters, query.group):
        fig = row.figures
        share = fig.within_expected_share
        yield [row.name, fig.issued, fig.served, fig.no_show, fig.cancelled, fig.transferred,
               number(fig.waiting.mean), number(fig.waiting.median), number(fig.waiting.p90),
               number(fig.service.mean), number(fig.service.median), number(fig.service.p90),
               round(share * 100, 1) if share is not None else ""]


def _filename(query: Query, extension: str) -> str:
    f = query.filters
    return f"laporan-mpp-{query.group}-{f.start.isoformat()}-{f.end.isoformat()}.{extension}"


def _period(f) -> str:
    return _("Periode %(start)s s.d. %(end)s (WITA)", start=format_date(f.start, "d MMM y"),
             end=format_date(f.end, "d MMM y"))


@bp.get("/export.csv")
@role_required(*READERS)
def export_csv():
    form = _form()
    query = _query(form)
    if query is None:
        return _refused(form)
    rows = [[_period(query.filters)], [str(column) for column in COLUMNS], *_rows(query)]
    return export.csv_file(rows, get_locale()), 200, {
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{_filename(query, "csv")}"'}


def _append(sheet, values):
    """Every cell through export.row, as in the CSV: a name must not become a live formula."""
    sheet.append(export.row(values))


@bp.get("/export.xlsx")
@role_required(*READERS)
def export_xlsx():
    from openpyxl import Workbook

    form = _form()
    query = _query(form)
    if query is None:
        return _refused(form)
    f = query.filters
    book = Workbook()
    sheet = book.active
    sheet.title = _("Kinerja")
    _append(sheet, [_period(f)])
    _append(sheet, [str(column) for column in COLUMNS])
    for row in _rows(query):
        _append(sheet, row)
    daily = book.create_sheet(_("Harian"))
    _append(daily, [_("Tanggal"), _("Diterbitkan"), _("Dilayani")])
    for day, issued, served in reports.per_day(db.session, f):
        _append(daily, [day, issued, int(served or 0)])
        daily.cell(daily.max_row, 1).number_format = export.DAY_FORMAT
    ikm = survey.compute_index(db.session, f.start, f.end, f.agency_id, f.service_id)
    skm = book.create_sheet(_("SKM"))
    _append(skm, [_("Responden"), ikm.respondents])
    _append(skm, [_("IKM (konversi)"), float(ikm.value) if ikm.value is not None else ""])
    _append(skm, [_("Mutu"), f"{ikm.grade} {ikm.label}"])
    for (code, element, _q, _a), nrr in zip(survey.ELEMENTS, ikm.nrr):
        _append(skm, [f"{code.upper()} {element}", float(nrr) if nrr is not None else ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), 200, {
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Content-Disposition": f'attachment; filename="{_filename(query, "xlsx")}"'}
