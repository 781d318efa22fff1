"""Counter officers: open a counter, call, serve, transfer and close tickets; managers release counters."""
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from .. import clock
from ..access import COUNTER_STAFF, MANAGERS, role_required
from ..domain import catalogue, counter_actions, counter_sessions, queue_status, settings
from ..domain.announce import announcement
from ..extensions import db
from ..models import Counter, Role
from ..web import acting_user, show_refusal
from .forms import FinishForm, TransferForm

bp = Blueprint("counters", __name__, url_prefix="/counters")


def _counter(counter_id) -> Counter:
    return counter_sessions.counter_for(db.session, counter_id, acting_user())


def _refused_page(error):
    """A counter page that cannot be opened, in a sentence, with the way back to the counter list."""
    return render_template("counters/refused.html", message=str(error)), error.status


@bp.get("/")
@role_required(*COUNTER_STAFF)
def index():
    if current_user.role is Role.OFFICER:
        held = counter_sessions.held_by(db.session, current_user)
        if held:
            return redirect(url_for("counters.console", counter_id=held.id))
    agency_id = current_user.agency_id if current_user.role is Role.OFFICER else None
    return render_template("counters/index.html", counters=counter_sessions.counters_in_use(db.session, agency_id),
                           form=FlaskForm())


@bp.post("/<int:counter_id>/open")
@role_required(Role.OFFICER)
def open_counter(counter_id):
    show_refusal(_refused_page)
    counter = _counter(counter_id)
    counter_sessions.open_counter(db.session, counter.id, acting_user())
    return redirect(url_for("counters.console", counter_id=counter.id))


@bp.post("/<int:counter_id>/release")
@role_required(*MANAGERS)
def release(counter_id):
    counter = _counter(counter_id)
    counter_sessions.release_counter(db.session, counter.id, acting_user())
    flash(_("%(counter)s telah dilepas.", counter=counter.name), "success")
    return redirect(url_for("counters.index"))


def _current_context(counter, finish_form=None, transfer_form=None, notice=None):
    ticket = counter_sessions.active_ticket(db.session, counter.id)
    mode = settings.get(db.session, "announce_mode")
    return {
        "counter": counter, "ticket": ticket, "now": clock.now(), "notice": notice,
        "transferred_from": ticket and queue_status.transfer_origins(db.session, [ticket.id]).get(ticket.id),
        "sentence": ticket and announcement(ticket.agency.prefix, ticket.number, counter.number, mode),
        "recalls_needed": settings.get_int(db.session, "recalls_before_no_show"),
        "finish_form": finish_form or FinishForm(formdata=None),
        "transfer_form": transfer_form or TransferForm(formdata=None),
        "targets": catalogue.service_choices(db.session, ""),
    }


def _waiting_context(counter):
    return {"counter": counter, "waiting": queue_status.counter_queue(db.session, counter),
            "no_shows": queue_status.no_shows(db.session, counter, clock.today()), "form": FlaskForm(),
            "today": queue_status.counter_day(db.session, counter.id, clock.today())}


@bp.get("/<int:counter_id>")
@role_required(*COUNTER_STAFF)
def console(counter_id):
    show_refusal(_refused_page)
    counter = _counter(counter_id)
    return render_template("counters/console.html", **{**_current_context(counter), **_waiting_context(counter)})


@bp.get("/<int:counter_id>/current")
@role_required(*COUNTER_STAFF)
def current(counter_id):
    return render_template("counters/_current_ticket.html", **_current_context(_counter(counter_id)))


@bp.get("/<int:counter_id>/waiting")
@role_required(*COUNTER_STAFF)
def waiting(counter_id):
    return render_template("counters/_waiting_list.html", **_waiting_context(_counter(counter_id)))


def _after_action(counter, notice=None):
    """The current-ticket fragment (with `notice`, a confirmation of what just ended), and a nudge
    to the waiting list and other widgets."""
    return render_template("counters/_current_ticket.html", **_current_context(counter, notice=notice)), 200, {
        "HX-Trigger": "queue-changed"}


@bp.post("/<int:counter_id>/call-next")
@role_required(Role.OFFICER)
def call_next(counter_id):
    counter = _counter(counter_id)
    counter_actions.call_next(db.session, counter.id, acting_user())
    return _after_action(counter)


@bp.post("/<int:counter_id>/call/<int:ticket_id>")
@role_required(Role.OFFICER)
def call_ticket(counter_id, ticket_id):
    counter = _counter(counter_id)
    counter_actions.call_ticket(db.session, counter.id, ticket_id, acting_user())
    return _after_action(counter)


@bp.post("/<int:counter_id>/recall")
@role_required(Role.OFFICER)
def recall(counter_id):
    counter = _counter(counter_id)
    counter_actions.recall(db.session, counter.id, acting_user())
    return _after_action(counter)


@bp.post("/<int:counter_id>/no-show")
@role_required(Role.OFFICER)
def no_show(counter_id):
    counter = _counter(counter_id)
    needed = settings.get_int(db.session, "recalls_before_no_show")
    ticket = counter_actions.mark_no_show(db.session, counter.id, acting_user(), needed)
    return _after_action(counter, _("%(number)s ditandai tidak hadir.", number=ticket.display_number))


@bp.post("/<int:counter_id>/start")
@role_required(Role.OFFICER)
def start(counter_id):
    counter = _counter(counter_id)
    counter_actions.start_serving(db.session, counter.id, acting_user())
    return _after_action(counter)


@bp.post("/<int:counter_id>/finish")
@role_required(Role.OFFICER)
def finish(counter_id):
    counter = _counter(counter_id)
    form = FinishForm()
    if not form.validate_on_submit():
        return render_template("counters/_current_ticket.html", **_current_context(counter, finish_form=form)), 422
    ticket = counter_actions.finish(db.session, counter.id, acting_user(), form.note.data)
    return _after_action(counter, _("%(number)s selesai dilayani.", number=ticket.display_number))


@bp.post("/<int:counter_id>/transfer")
@role_required(Role.OFFICER)
def transfer(counter_id):
    counter = _counter(counter_id)
    form = TransferForm()
    if not form.validate_on_submit():
        return render_template("counters/_current_ticket.html", **_current_context(counter, transfer_form=form)), 422
    ticket = counter_actions.transfer(db.session, counter.id, acting_user(), int(form.service_id.data),
                                      form.note.data)
    return _after_action(counter, _("%(number)s dialihkan ke %(service)s.", number=ticket.display_number,
                                    service=ticket.service.name))


def _counter_bar(counter):
    return render_template("counters/_counter_bar.html", counter=counter, now=clock.now(), form=FlaskForm()), 200, {
        "HX-Trigger": "queue-changed, counter-refresh"}


@bp.post("/<int:counter_id>/pause")
@role_required(Role.OFFICER)
def pause(counter_id):
    counter = _counter(counter_id)
    return _counter_bar(counter_sessions.pause_counter(db.session, counter.id, acting_user()))


@bp.post("/<int:counter_id>/resume")
@role_required(Role.OFFICER)
def resume(counter_id):
    counter = _counter(counter_id)
    return _counter_bar(counter_sessions.resume_counter(db.session, counter.id, acting_user()))


@bp.post("/<int:counter_id>/close")
@role_required(Role.OFFICER)
def close(counter_id):
    counter = _counter(counter_id)
    counter_sessions.close_counter(db.session, counter.id, acting_user())
    flash(_("%(counter)s ditutup. Terima kasih.", counter=counter.name), "success")
    return "", 200, {"HX-Redirect": url_for("counters.index")}
