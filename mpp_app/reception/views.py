"""Front desk: register walk-in citizens, issue queue tickets, look them up, cancel and reprint."""
import uuid

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from .. import clock
from ..access import FRONT_DESK, role_required
from ..domain import catalogue, queue_status, tickets
from ..extensions import db
from ..labels import labels_of
from ..models import PriorityCategory, Ticket
from ..web import SAME_ORIGIN_FRAME_HEADERS, acting_user, is_htmx, show_refusal
from .forms import CancelTicketForm, IssueTicketForm

bp = Blueprint("reception", __name__, url_prefix="/reception")


def _issue_form_context(form=None, issued=None, errors=()):
    form = form or IssueTicketForm(formdata=None)
    form.submission_key.data = uuid.uuid4().hex if issued or not form.submission_key.data else form.submission_key.data
    return {"form": form, "issued": issued, "priorities": labels_of(PriorityCategory), "form_errors": list(errors),
            "choices": catalogue.service_choices(db.session, "")}


@bp.get("/")
@role_required(*FRONT_DESK)
def index():
    return render_template("reception/index.html", overview=queue_status.reception_overview(db.session),
                           **_issue_form_context())


@bp.get("/services")
@role_required(*FRONT_DESK)
def service_choices():
    query = request.args.get("q", "")[: catalogue.MAX_QUERY_LENGTH]
    return render_template("reception/_service_choices.html", query=query,
                           choices=catalogue.service_choices(db.session, query))


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
    context = _issue_form_context(issued=queue_status.ticket_position(db.session, result.ticket))
    context["duplicate"] = result.duplicate
    return render_template("reception/_issue_form.html", **context), 200, {"HX-Trigger": "queue-changed"}


def _issue_form_again(form, status, errors=()):
    """The submitted form with its errors and what was typed: the fragment for htmx, else the page."""
    context = _issue_form_context(form, errors=errors)
    if is_htmx():
        return render_template("reception/_issue_form.html", **context), status
    return render_template("reception/index.html", overview=queue_status.reception_overview(db.session),
                           **context), status


@bp.get("/overview")
@role_required(*FRONT_DESK)
def overview():
    return render_template("reception/_overview.html", overview=queue_status.reception_overview(db.session))


@bp.get("/tickets/lookup")
@role_required(*FRONT_DESK)
def lookup():
    tickets = queue_status.lookup(db.session, request.args.get("q", "")[:60], clock.today())
    if len(tickets) == 1:
        return _ticket_card(tickets[0])
    return render_template("reception/_ticket_matches.html", tickets=tickets)


def _ticket_card(ticket, form=None, status=200):
    return render_template("reception/_ticket_card.html", ticket=ticket, form=form or CancelTicketForm(formdata=None),
                           position=queue_status.ticket_position(db.session, ticket)), status


@bp.post("/tickets/<int:ticket_id>/cancel")
@role_required(*FRONT_DESK)
def cancel(ticket_id):
    ticket = db.get_or_404(Ticket, ticket_id)
    form = CancelTicketForm()
    if not form.validate_on_submit():
        return _ticket_card(ticket, form, 422)
    ticket = tickets.cancel_ticket(db.session, ticket.id, form.reason.data, acting_user())
    body, status = _ticket_card(ticket)
    return body, status, {"HX-Trigger": "queue-changed"}


@bp.get("/tickets/<int:ticket_id>/print")
@role_required(*FRONT_DESK)
def print_ticket(ticket_id):
    ticket = db.get_or_404(Ticket, ticket_id)
    paper = "58" if request.args.get("paper") == "58" else "80"
    base = current_app.config.get("MPP_PUBLIC_URL", "").rstrip("/") or request.host_url.rstrip("/")
    status_url = base + url_for("services.ticket_status", token=ticket.public_token)
    return render_template("reception/print.html", position=queue_status.ticket_position(db.session, ticket),
                           ticket=ticket, paper=paper, status_url=status_url,
                           qr=qr_data_uri(status_url)), 200, SAME_ORIGIN_FRAME_HEADERS


def qr_data_uri(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=4, border=2)
