"""Public information pages: home with today's hours, the service catalogue and its search."""
from flask import Blueprint, abort, render_template, request

from .. import catalogue, clock, hours
from ..extensions import db
from ..models import Service

bp = Blueprint("services", __name__)


@bp.get("/")
def home():
    return render_template(
        "services/home.html",
        status=hours.status_at(db.session),
        upcoming=hours.upcoming(db.session, clock.today(), 14),
    )


@bp.get("/layanan")
def catalogue_page():
    query = request.args.get("q", "")[: catalogue.MAX_QUERY_LENGTH]
    if request.headers.get("HX-Request"):
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
