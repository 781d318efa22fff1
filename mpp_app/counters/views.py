"""Counter officers: open a counter, call, serve, transfer and close tickets; managers release counters."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from .. import clock
from ..access import COUNTER_STAFF, MANAGERS, role_required
from ..domain import counter_actions, counter_sessions, queue_status, reference, settings
from ..domain.announce import announcement
from ..extensions import db
from ..models import Counter, Role
from ..web import acting_user, etag_of, show_refusal, unless_unchanged
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


def _current_context(counter, current, finish_form=None, transfer_form=None, notice=None):
    """The current-ticket panel of `counter` showing `current` (a counter_sessions.CurrentTicket, or
    None). The transfer dialog's 46 services are only listed in it again after a refused transfer;
    otherwise the dialog loads them when the officer opens it (transfer_targets)."""
    ticket = current and current.ticket
    return {
        "counter": counter, "current": current, "ticket": ticket, "now": clock.now(), "notice": notice,
        "sentence": current and announcement(current.prefix, ticket.number, counter.number,
                                             settings.get(db.session, "announce_mode")),
        "recalls_needed": settings.get_int(db.session, "recalls_before_no_show"),
        "finish_form": finish_form or FinishForm(formdata=None),
        "transfer_form": transfer_form or TransferForm(formdata=None),
        "targets": transfer_form and reference.current(db.session).service_choices(),
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
    current = counter_sessions.current_ticket(db.session, counter.id)
    return render_template("counters/console.html", **{**_current_context(counter, current),
                                                        **_waiting_context(counter)})


@bp.get("/<int:counter_id>/current")
@role_required(*COUNTER_STAFF)
def current(counter_id):
    counter = _counter(counter_id)
    return render_template("counters/_current_ticket.html",
                           **_current_context(counter, counter_sessions.current_ticket(db.session, counter.id)))


@bp.get("/<int:counter_id>/transfer-targets")
@role_required(*COUNTER_STAFF)
def transfer_targets(counter_id):
    """The transfer dialog's services, loaded when the officer opens it: all but `exclude`, the
    service the ticket is at."""
    _counter(counter_id)
    return render_template("counters/_transfer_targets.html", targets=reference.current(db.session).service_choices(),
                           exclude=request.args.get("exclude", type=int), selected=None)


@bp.get("/<int:counter_id>/waiting")
@role_required(*COUNTER_STAFF)
def waiting(counter_id):
    """Polled every few seconds by the console: 304 while the list would read the same to this
    officer (etag_of: every value the list shows, who asks and who holds the counter, the language)."""
    context = _waiting_context(_counter(counter_id))
    counter = context["counter"]
    shown = (context["waiting"], context["no_shows"], context["today"])  # plain values, each as shown
    return unless_unchanged(etag_of("waiting-list", current_user.id, counter.id, counter.officer_id, shown),
                            lambda: render_template("counters/_waiting_list.html", **context))


def _after_action(counter_id, ticket=None, notice=None):
    """The current-ticket fragment after an action on the counter: `ticket` still at it, or none
    and a `notice` of what just ended; and a nudge to the waiting list and other widgets. The action
    read the counter already (no query) and the ticket's agency and service are in the reference
    cache: the answer costs no query but for a transferred ticket's history."""
    counter = counter_actions.held_counter(db.session, counter_id)
    current = ticket and counter_sessions.shown(db.session, ticket)
    return render_template("counters/_current_ticket.html", **_current_context(counter, current, notice=notice)), 200, {
        "HX-Trigger": "queue-changed"}


@bp.post("/<int:counter_id>/call-next")
@role_required(Role.OFFICER)
def call_next(counter_id):
    return _after_action(counter_id, counter_actions.call_next(db.session, counter_id, acting_user()))


@bp.post("/<int:counter_id>/call/<int:ticket_id>")
@role_required(Role.OFFICER)
def call_ticket(counter_id, ticket_id):
    return _after_action(counter_id, counter_actions.call_ticket(db.session, counter_id, ticket_id, acting_user()))


@bp.post("/<int:counter_id>/recall")
@role_required(Role.OFFICER)
def recall(counter_id):
    return _after_action(counter_id, counter_actions.recall(db.session, counter_id, acting_user()))


@bp.post("/<int:counter_id>/no-show")
@role_required(Role.OFFICER)
def no_show(counter_id):
    needed = settings.get_int(db.session, "recalls_before_no_show")
    ticket = counter_actions.mark_no_show(db.session, counter_id, acting_user(), needed)
    return _after_action(counter_id, notice=_("%(number)s ditandai tidak hadir.",
                                              number=counter_sessions.display_number(db.session, ticket)))


@bp.post("/<int:counter_id>/start")
@role_required(Role.OFFICER)
def start(counter_id):
    return _after_action(counter_id, counter_actions.start_serving(db.session, counter_id, acting_user()))


def _refused_form(counter_id, **forms):
    """The panel again with the refused form open, what was typed kept (422)."""
    counter = _counter(counter_id)
    current = counter_sessions.current_ticket(db.session, counter.id)
    return render_template("counters/_current_ticket.html", **_current_context(counter, current, **forms)), 422


@bp.post("/<int:counter_id>/finish")
@role_required(Role.OFFICER)
def finish(counter_id):
    form = FinishForm()
    if not form.validate_on_submit():
        return _refused_form(counter_id, finish_form=form)
    ticket = counter_actions.finish(db.session, counter_id, acting_user(), form.note.data)
    return _after_action(counter_id, notice=_("%(number)s selesai dilayani.",
                                              number=counter_sessions.display_number(db.session, ticket)))


@bp.post("/<int:counter_id>/transfer")
@role_required(Role.OFFICER)
def transfer(counter_id):
    form = TransferForm()
    if not form.validate_on_submit():
        return _refused_form(counter_id, transfer_form=form)
    ticket = counter_actions.transfer(db.session, counter_id, acting_user(), int(form.service_id.data),
                                      form.note.data)
    return _after_action(counter_id, notice=_(
        "%(number)s dialihkan ke %(service)s.", number=counter_sessions.display_number(db.session, ticket),
        service=reference.current(db.session).service(ticket.service_id).name))


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
