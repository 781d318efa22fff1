"""Front desk: register walk-in citizens and issue queue tickets."""
from flask import Blueprint, render_template

from .. import catalogue, hours
from ..access import FRONT_DESK, role_required
from ..extensions import db

bp = Blueprint("reception", __name__, url_prefix="/reception")


@bp.get("/")
@role_required(*FRONT_DESK)
def index():
    agencies = catalogue.active_agencies(db.session)
    statuses = {a.id: hours.status_at(db.session, agency_id=a.id) for a in agencies}
    return render_template("reception/index.html", agencies=agencies, statuses=statuses)
