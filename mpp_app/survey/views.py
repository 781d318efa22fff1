"""The citizen satisfaction survey: a counter's tablet (kiosk), the citizen's phone, and the public IKM page."""
from datetime import date

from flask import Blueprint, render_template, request
from sqlalchemy import select

from .. import clock
from ..domain import queue_status, survey
from ..domain.errors import NotFoundError
from ..extensions import db
from ..models import Agency, Counter
from ..web import is_htmx, show_refusal

bp = Blueprint("survey", __name__)

# The tablet looks for a newly finished ticket every 5 s; after a sent survey it says thank you for
# 8 s (long enough to read, short enough not to greet the next citizen with it), and a survey left
# untouched for 90 s on one screen goes back to the start.
IDLE_SECONDS, THANKS_SECONDS, ABANDONED_SECONDS = 5, 8, 90


def _given():
    """The answers the form carries (hidden fields of the screens before, plus the button tapped on
    this screen) and which screen it was."""
    answers = {code: request.form.get(code, "")[:2] for code in survey.CODES}
    screen = request.form.get("step", "")[:8]
    if screen in survey.CODES and "answer" in request.form:
        answers[screen] = request.form.get("answer", "")[:2]
    return survey.valid_answers(answers), screen


def _sending(screen) -> bool:
    """Send pressed on the last screen, or the whole questionnaire posted at once (no screen named)."""
    return request.form.get("nav") == "send" or not screen


def _extras():
    return {"comment": request.form.get("comment", "")[:500],
            **{key: request.form.get(key, "")[:20] for key in survey.PROFILE}}


def _kiosk_counter(token) -> Counter:
    counter = db.session.scalar(select(Counter).where(Counter.kiosk_token == (token or "")[:43], Counter.active))
    if counter is None:
        raise NotFoundError()
    return counter


def _screen_context(ticket, answers=None, screen=survey.CODES[0], errors=(), **extra):
    return {"ticket": ticket, "elements": survey.ELEMENTS, "codes": survey.CODES, "last_screen": survey.LAST_SCREEN,
            "profile": survey.PROFILE, "profile_labels": survey.PROFILE_LABELS, "answers": answers or {},
            "screen": screen, "problems": [str(e) for e in errors],
            "extras": _extras() if request.method == "POST" else {}, **extra}


def _kiosk(counter, token, status=200, **context):
    template = "survey/_kiosk.html" if is_htmx() else "survey/kiosk.html"
    return render_template(template, counter=counter, token=token, idle_seconds=IDLE_SECONDS,
                           thanks_seconds=THANKS_SECONDS, abandoned_seconds=ABANDONED_SECONDS, **context), status


def _phone(status=200, **context):
    template = "survey/_phone.html" if is_htmx() else "survey/phone.html"
    return render_template(template, **context), status


@bp.get("/survey/kiosk/<token>")
def kiosk(token):
    counter = _kiosk_counter(token)
    return _kiosk(counter, token, **_screen_context(survey.kiosk_ticket(db.session, counter.id)))


@bp.post("/survey/kiosk/<token>")
def kiosk_answer(token):
    """One screen of the tablet's survey: an answer tapped, Back, or Send."""
    counter = _kiosk_counter(token)
    answers, screen = _given()

    def refused(error):
        if isinstance(error, survey.AlreadyAnsweredError):
            return _kiosk(counter, token, error.status, thanks=True, **_screen_context(None, errors=[error]))
        if isinstance(error, survey.SurveyAnswerError):
            return _kiosk(counter, token, error.status, **_screen_context(
                ticket, answers, survey.CODES[error.gaps[0] - 1], [error]))
        return _kiosk(counter, token, error.status,
                      **_screen_context(survey.kiosk_ticket(db.session, counter.id), errors=[error]))

    show_refusal(refused)
    ticket = survey.kiosk_survey(db.session, counter.id, request.form.get("ticket_id", ""))
    if not _sending(screen):
        return _kiosk(counter, token, **_screen_context(ticket, answers, survey.next_screen(
            answers, screen, back=request.form.get("nav") == "back")))
    survey.submit(db.session, ticket, answers, "kiosk", request.form.get("comment", ""), _extras())
    return _kiosk(counter, token, thanks=True, **_screen_context(None))


@bp.route("/t/<token>/survey", methods=["GET", "POST"])
def phone(token):
    """The survey on the citizen's phone, reached from the ticket's status page."""
    ticket = queue_status.by_public_token(db.session, token)
    if request.method == "GET" or survey.answered(db.session, ticket.id):
        return _phone(done=survey.answered(db.session, ticket.id), **_screen_context(ticket))
    answers, screen = _given()

    def refused(error):
        if isinstance(error, survey.SurveyAnswerError):
            return _phone(error.status, **_screen_context(
                ticket, answers, survey.CODES[error.gaps[0] - 1], [error]))
        return _phone(error.status, done=isinstance(error, survey.AlreadyAnsweredError),
                      **_screen_context(ticket, errors=[error]))

    if not _sending(screen):
        return _phone(**_screen_context(ticket, answers, survey.next_screen(
            answers, screen, back=request.form.get("nav") == "back")))
    show_refusal(refused)
    survey.submit(db.session, ticket, answers, "phone", request.form.get("comment", ""), _extras())
    return _phone(done=True, **_screen_context(ticket))


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
