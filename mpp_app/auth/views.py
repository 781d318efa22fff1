"""Staff login, logout, password change and language choice."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..access import start_endpoint
from ..domain import accounts
from ..domain.errors import DomainError, InvalidCredentialsError
from ..extensions import db
from ..web import acting_user, show_refusal
from .forms import LanguageForm, LoginForm, PasswordForm

bp = Blueprint("auth", __name__)


def _safe_next(target):
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for(start_endpoint(current_user)))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422 if form.errors else 200
    show_refusal(lambda error: _login_refused(form, error))
    policy = accounts.ThrottlePolicy.from_config(current_app.config)
    user = accounts.authenticate(db.session, form.username.data, form.password.data, request.remote_addr or "", policy)
    session.clear()  # a shared office PC: nothing of the previous visitor survives
    login_user(user)
    session.permanent = True
    return redirect(_safe_next(request.args.get("next")) or url_for(start_endpoint(user)))


def _form_refused(template, form, error, status=None):
    form.form_errors.append(str(error))
    return render_template(template, form=form), status or error.status


def _login_refused(form, error):
    page, status = _form_refused("auth/login.html", form, error)
    # A throttled try says when the next one may come, for scripts as much as for people.
    wait = getattr(error, "retry_after", None)
    return page, status, {"Retry-After": str(wait)} if wait else {}


@bp.post("/logout")
@login_required
def logout():
    accounts.end_session(db.session, acting_user())
    logout_user()
    session.clear()
    flash(_("Anda telah keluar."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if not form.validate_on_submit():
        return _password_page(form)
    show_refusal(lambda error: _password_refused(form, error))
    user = acting_user()
    accounts.change_password(db.session, user, form.current.data, form.new.data)
    login_user(user)  # the session token was rotated; keep this session, end the others
    flash(_("Kata sandi berhasil diganti."), "success")
    return redirect(url_for(start_endpoint(user)))


def _password_page(form):
    form.forget_refused()
    return render_template("auth/password.html", form=form), 422 if form.errors else 200


def _password_refused(form, error):
    """The domain refuses either the current password or the new one: say so next to that field."""
    field = form.current if isinstance(error, InvalidCredentialsError) else form.new
    field.errors.append(str(error))
    return _password_page(form)


@bp.post("/language")
def language():
    form = LanguageForm()
    if not form.validate_on_submit():
        raise DomainError(_("Bahasa tidak dikenal."))
    session["language"] = form.language.data
    if current_user.is_authenticated:
        accounts.set_language(db.session, acting_user(), form.language.data)
    return redirect(_safe_next(request.form.get("next")) or url_for("services.home"))
