"""Front desk: register walk-in citizens, issue queue tickets, look them up, cancel and reprint."""
import uuid

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from .. import clock
from ..access import FRONT_DESK, can, role_required
from ..domain import catalogue, queue_status, reference, tickets
from ..extensions import db
from ..labels import labels_of
from ..models import PriorityCategory, Ticket
from ..web import SAME_ORIGIN_FRAME_HEADERS, acting_user, is_htmx, only_this_pc, public_url, qr_data_uri, show_refusal
from .forms import CancelTicketForm, IssueTicketForm

bp = Blueprint("reception", __name__, url_prefix="/reception")


def _issue_form_context(form=None, errors=(), query=""):
    """The issue form as typed (the search text too, so the chosen service stays in sight)."""
    form = form or IssueTicketForm(formdata=None)
    form.submission_key.data = form.submission_key.data or uuid.uuid4().hex
    choices, version = _choices(query)
    selected = _selected(choices, query, form.service_id.data)
    return {"form": form, "priorities": labels_of(PriorityCategory), "form_errors": list(errors), "query": query,
            "choices": choices, "catalogue": version, "selected": selected, "chosen": _chosen(choices, selected)}


def _choices(query):
    """The services matching `query`, and the version of the catalogue when that is the whole list
    (the page keeps the whole list to put back after each ticket), else ""."""
    if query:
        return catalogue.service_choices(db.session, query), ""
    data = reference.current(db.session)
    return data.service_choices(), data.token or ""


def _selected(choices, query, service_id=None) -> str:
    """The service checked in the list: the one picked, else the first match of a search (so
    typing and Enter suffice), else none."""
    if service_id:
        return str(service_id)
    return str(choices[0].services[0][0]) if query and choices else ""


def _chosen(choices, selected):
    """(agency group, service name) of the checked service, for the line above the issue button."""
    return next(((group, name) for group in choices for sid, name in group.services if str(sid) == selected), None)


def _overview_context():
    """The overview rows, and the reasons why agencies take no tickets now, each said once."""
    rows = queue_status.reception_overview(db.session)
    notices = {}
    for row in rows:
        if not row.hours.accepts_tickets:
            # What the sentence of _macros.opening_status says, whatever else differs in the hours.
            said = (row.hours.state, row.hours.next_opening, row.hours.schedule.closure_reason)
            notices.setdefault(said, {"hours": row.hours, "agencies": []})["agencies"].append(row.agency.short_name)
    closed = list(notices.values())
    if len(closed) == 1 and len(closed[0]["agencies"]) == len(rows):
        closed[0]["agencies"] = []  # the whole mall: no need to name every agency
    return {"overview": rows, "closed": closed}


@bp.get("/")
@role_required(*FRONT_DESK)
def index():
    return render_template("reception/index.html", **_overview_context(), **_issue_form_context())


@bp.get("/services")
@role_required(*FRONT_DESK)
def service_choices():
    query = request.args.get("q", "")[: catalogue.MAX_QUERY_LENGTH]
    choices, version = _choices(query)
    return render_template("reception/_service_choices.html", query=query, choices=choices, catalogue=version,
                           selected=_selected(choices, query))


@bp.post("/tickets")
@role_required(*FRONT_DESK)
def issue():
    form = IssueTicketForm()
    if not form.validate_on_submit():
        return _issue_form_again(form, 422)
    show_refusal(lambda error: _issue_form_again(form, error.status, [str(error)]))
    result = tickets.issue_ticket(
        db.session, service_id=int(form.service_id.data), visitor_name=form.visitor_name.data,
        visitor_phone=form.visitor_phone.data, note=form.note.data,
        priority=PriorityCategory(form.priority.data) if form.priority.data else None,
        submission_key=form.submission_key.data, actor=acting_user(),
        override_reason=form.override_reason.data or None)
    if not is_htmx():
        return redirect(url_for("reception.print_ticket", ticket_id=result.ticket.id))
    return render_template("reception/_issue_form.html", **_next_visitor_context(result)), 200, {
        "HX-Trigger": "queue-changed"}


def _next_visitor_context(issued):
    """The ticket just issued, and the form empty for the next visitor."""
    return {"form": None, "form_errors": [], "empty_form": _empty_form(), "issued": issued,
            "position": queue_status.ticket_position(db.session, issued.ticket)}


# The form after each ticket is the same markup for every visitor but its CSRF token and its new
# submission key, and rendering its fields was a fifth of a ticket's cost: it is rendered once per
# language, role (the override field) and catalogue version, with slots for the two tokens. It
# carries no service list: the page puts back the whole list it has (reception.js).
_EMPTY_FORMS = {}
_CSRF_SLOT, _KEY_SLOT = "csrf-token-slot", "submission-key-slot"


def _empty_form():
    catalogue_token = reference.current(db.session).token or ""
    key = (str(get_locale()), can("issue_outside_hours"), catalogue_token)
    markup = _EMPTY_FORMS.get(key)
    if markup is None:
        form = IssueTicketForm(formdata=None)
        form.submission_key.data = _KEY_SLOT
        markup = render_template("reception/_issue_fields.html", form=form, priorities=labels_of(PriorityCategory),
                                 query="", choices=None, catalogue=catalogue_token, selected="", chosen=None)
        markup = markup.replace(generate_csrf(), _CSRF_SLOT)
        if len(_EMPTY_FORMS) > 64:  # old catalogue versions
            _EMPTY_FORMS.clear()
        _EMPTY_FORMS[key] = markup
    # Safe markup: our own template's output (everything typed is escaped there, and the empty form
    # holds nothing typed), with two tokens of URL-safe characters put into their slots.
    return Markup(markup.replace(_CSRF_SLOT, generate_csrf()).replace(_KEY_SLOT, uuid.uuid4().hex))  # nosec B704


def _issue_form_again(form, status, errors=()):
    """The submitted form with its errors and what was typed: the fragment for htmx, else the page."""
    context = _issue_form_context(form, errors=errors, query=request.form.get("q", "")[: catalogue.MAX_QUERY_LENGTH])
    if is_htmx():
        return render_template("reception/_issue_form.html", **context), status
    return render_template("reception/index.html", **_overview_context(), **context), status


@bp.get("/overview")
@role_required(*FRONT_DESK)
def overview():
    return render_template("reception/_overview.html", **_overview_context())


@bp.get("/tickets/lookup")
@role_required(*FRONT_DESK)
def lookup():
    tickets = queue_status.lookup(db.session, request.args.get("q", "")[:60], clock.today())
    if len(tickets) == 1:
        return _ticket_card(tickets[0])
    return render_template("reception/_ticket_matches.html", tickets=tickets)


def _ticket_card(ticket, form=None, status=200, cancelled=False):
    return render_template("reception/_ticket_card.html", ticket=ticket, form=form or CancelTicketForm(formdata=None),
                           position=queue_status.ticket_position(db.session, ticket), cancelled=cancelled), status


@bp.post("/tickets/<int:ticket_id>/cancel")
@role_required(*FRONT_DESK)
def cancel(ticket_id):
    ticket = db.get_or_404(Ticket, ticket_id)
    form = CancelTicketForm()
    if not form.validate_on_submit():
        return _ticket_card(ticket, form, 422)
    ticket = tickets.cancel_ticket(db.session, ticket.id, form.reason.data, acting_user())
    body, status = _ticket_card(ticket, cancelled=True)
    return body, status, {"HX-Trigger": "queue-changed"}


@bp.get("/tickets/<int:ticket_id>/print")
@role_required(*FRONT_DESK)
def print_ticket(ticket_id):
    ticket = db.get_or_404(Ticket, ticket_id)
    paper = "58" if request.args.get("paper") == "58" else "80"
    status_url = public_url("services.ticket_status", token=ticket.public_token)
    # Under the QR, for a citizen who types it: the home page's address, short (no "http://"); not
    # when it names the reception PC itself, which no phone reaches (MPP_PUBLIC_URL unset).
    home = None if only_this_pc(status_url) else public_url("services.home").split("://", 1)[-1].rstrip("/")
    return render_template("reception/print.html", position=queue_status.ticket_position(db.session, ticket),
                           ticket=ticket, paper=paper, status_url=status_url, qr=qr_data_uri(status_url),
                           code=queue_status.short_code(ticket), home=home), 200, SAME_ORIGIN_FRAME_HEADERS

