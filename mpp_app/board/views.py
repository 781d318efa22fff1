"""The public TV display board: open counters, the newest call highlighted and spoken, recent calls."""
from flask import Blueprint, current_app, render_template, request
from flask_babel import get_locale

from ..domain import board, hours
from .. import clock
from ..extensions import db
from ..web import unless_unchanged

bp = Blueprint("board", __name__, url_prefix="/board")


@bp.record_once
def _create_cache(setup_state):
    setup_state.app.extensions["board_fingerprints"] = board.FingerprintCache()
    setup_state.app.extensions["board_bodies"] = board.RenderedBoards()


def _agencies():
    return board.agencies_from(db.session, request.args.get("agencies", "")[:200])


@bp.get("/")
def page():
    agency_ids = _agencies()
    return render_template("board/board.html", state=board.state(db.session, agency_ids),
                           server_now_ms=int(clock.now().timestamp() * 1000),
                           today=hours.schedule_for(db.session, clock.today()),
                           agencies=request.args.get("agencies", "")[:200])


@bp.get("/state")
def state():
    """Polled every second by every board: 304 while nothing changed, and each new state rendered
    once for all the boards showing it (in one language, with one agency filter)."""
    codes = request.args.get("agencies", "")[:200]
    agency_ids, tag = current_app.extensions["board_fingerprints"].get(
        db.session, codes, current_app.config["MPP_BOARD_CACHE_SECONDS"])
    language = str(get_locale())
    tag = f"{tag}-{language}"
    # The same for every TV: nothing personal in it, so shared caches may keep it (not private).
    return unless_unchanged(tag, lambda: current_app.extensions["board_bodies"].get(
        (tag, codes), lambda: render_template("board/_board_state.html", state=board.state(db.session, agency_ids),
                                              agencies=codes)), private=False)


@bp.get("/hours")
def today_hours():
    return render_template("board/_board_hours.html", today=hours.schedule_for(db.session, clock.today()))
