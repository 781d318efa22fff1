"""Public information pages: home with today's hours and "check my ticket", the service catalogue
and its search, a ticket's status page."""
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for

from .. import clock
from ..domain import catalogue, hours, hours_admin, queue_status
from ..extensions import db
from ..models import Service
from ..web import etag_of, is_htmx, show_refusal, unless_unchanged

bp = Blueprint("services", __name__)


def _home(code="", code_error=None, status=200):
    return render_template(
        "services/home.html",
        status=hours.status_at(db.session),
        upcoming=hours.upcoming(db.session, clock.today(), 14),
        closures=hours_admin.upcoming_closures(db.session, clock.today(), limit=10),
        code=code, code_error=code_error,
    ), status


@bp.get("/")
def home():
    return _home()


@bp.get("/cek-tiket")
def find_ticket():
    """The home page's "Cek tiket saya": the code printed on a ticket leads to its status page;
    a code that finds nothing comes back next to the field, as typed."""
    if "kode" not in request.args:  # opened by its address, not sent from the form: the form
        return _home()
    code = request.args.get("kode", "")[:200]
    show_refusal(lambda error: _home(code, str(error), error.status))
    ticket = queue_status.by_code(db.session, code, clock.today())
    return redirect(url_for("services.ticket_status", token=ticket.public_token), 303)


@bp.get("/layanan")
def catalogue_page():
    query = request.args.get("q", "")[: catalogue.MAX_QUERY_LENGTH]
    if is_htmx():
        return render_template("services/_service_results.html", query=query,
                               services=catalogue.search_services(db.session, query, limit=60))
    return render_template("services/catalogue.html", query=query,
                           agencies=catalogue.active_agencies(db.session),
                           services=catalogue.search_services(db.session, query, limit=60) if query else None)


@bp.get("/layanan/<int:service_id>")
def service_detail(service_id):
    service = db.get_or_404(Service, service_id)
    if not (service.active and service.agency.active):
        abort(404)
    return render_template("services/detail.html", service=service)


@bp.get("/t/<token>")
def ticket_status(token):
    """A citizen's ticket, found by its unguessable token: no personal data on it. Its phone polls
    the card every few seconds: 304 while the card would read the same (etag_of: every value it
    shows, in its language), 286 once the ticket is finished, to stop the polling."""
    position = queue_status.public_status(db.session, token)
    code = queue_status.short_code(position.ticket)
    if not is_htmx():
        return render_template("services/ticket_status.html", position=position, code=code)
    if position.ticket.status not in queue_status.OPEN_STATUSES:
        return render_template("services/_ticket_status.html", position=position, code=code), 286
    return unless_unchanged(etag_of("ticket-status", position),
                            lambda: render_template("services/_ticket_status.html", position=position, code=code))


@bp.get("/favicon.ico")
def favicon():
    """Browsers and bookmarks that ask the old way get the icon every page links to."""
    return current_app.send_static_file("favicon.svg")


@bp.get("/healthz")
def health():
    """A trivial endpoint for monitoring, and the ceiling the benchmarks compare against."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
