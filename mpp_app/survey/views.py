"""The citizen satisfaction survey: a counter's tablet (kiosk), the citizen's phone, and the public IKM page."""
from datetime import date

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from .. import clock
from ..domain import queue_status, survey
from ..domain.errors import NotFoundError
from ..extensions import db
from ..models import Agency, Counter
from ..web import is_htmx, show_refusal

bp = Blueprint("survey", __name__)


def _answers():
    return {code: request.form.get(code, "")[:2] for code in survey.CODES}


def _profile():
    return {key: request.form.get(key, "")[:20] for key in survey.PROFILE}


def _kiosk_counter(token) -> Counter:
    counter = db.session.scalar(select(Counter).where(Counter.kiosk_token == (token or "")[:43], Counter.active))
    if counter is None:
        raise NotFoundError()
    return counter


def _survey_context(ticket, errors=(), **extra):
    return {"ticket": ticket, "elements": survey.ELEMENTS, "profile": survey.PROFILE,
            "profile_labels": survey.PROFILE_LABELS, "errors": list(errors),
            "given": request.form if request.method == "POST" else {}, **extra}


@bp.get("/survey/kiosk/<token>")
def kiosk(token):
    counter = _kiosk_counter(token)
    ticket = survey.kiosk_ticket(db.session, counter.id)
    template = "survey/_kiosk.html" if is_htmx() else "survey/kiosk.html"
    return render_template(template, counter=counter, token=token, **_survey_context(ticket))


@bp.post("/survey/kiosk/<token>")
def kiosk_answer(token):
    counter = _kiosk_counter(token)
    ticket = survey.kiosk_ticket(db.session, counter.id)
    if ticket is None or request.form.get("ticket_id", "").strip() != str(ticket.id):  # the screen moved on
        return render_template("survey/_kiosk.html", counter=counter, token=token, thanks=False, **_survey_context(
            ticket, [_("Sesi survei sudah berganti. Silakan isi untuk layanan yang tampil.")])), 409
    show_refusal(lambda error: (render_template("survey/_kiosk.html", counter=counter, token=token,
                                                **_survey_context(ticket, [str(error)])), error.status))
    survey.submit(db.session, ticket, _answers(), "kiosk", request.form.get("comment", ""), _profile())
    return render_template("survey/_kiosk.html", counter=counter, token=token, thanks=True, **_survey_context(None))


@bp.route("/t/<token>/survey", methods=["GET", "POST"])
def phone(token):
    ticket = queue_status.by_public_token(db.session, token)
    if request.method == "GET" or survey.answered(db.session, ticket.id):
        return render_template("survey/phone.html", done=survey.answered(db.session, ticket.id),
                               **_survey_context(ticket))
    show_refusal(lambda error: (render_template("survey/phone.html", done=False,
                                                **_survey_context(ticket, [str(error)])), error.status))
    survey.submit(db.session, ticket, _answers(), "phone", request.form.get("comment", ""), _profile())
    return render_template("survey/phone.html", done=True, **_survey_context(ticket))


@bp.get("/ikm")
def public_index():
    """IKM results per period and agency, as UU 25/2009 Pasal 23 asks them to be open."""
    year = request.args.get("year", type=int) or clock.today().year
    if not 2000 <= year <= 2100:
        raise NotFoundError()
    start, end = date(year, 1, 1), date(year, 12, 31)
    names = dict(db.session.execute(select(Agency.id, Agency.name)).all())
    rows = sorted(((names.get(agency_id, "—"), index) for agency_id, index in
                   survey.index_by_agency(db.session, start, end)), key=lambda r: r[0])
    return render_template("survey/ikm.html", year=year, overall=survey.compute_index(db.session, start, end),
                           rows=rows, elements=survey.ELEMENTS)
