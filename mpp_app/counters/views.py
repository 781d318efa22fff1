"""Counter officers: the counters of their agency."""
from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from ..access import role_required
from ..extensions import db
from ..models import Counter, Role

bp = Blueprint("counters", __name__, url_prefix="/counters")


@bp.get("/")
@role_required(Role.ADMIN, Role.MANAGER, Role.OFFICER)
def index():
    query = select(Counter).where(Counter.active).order_by(Counter.number)
    if current_user.role is Role.OFFICER:
        query = query.where(Counter.agency_id == current_user.agency_id)
    return render_template("counters/index.html", counters=db.session.scalars(query).all())
