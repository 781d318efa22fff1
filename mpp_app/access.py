"""Access rules as decorators: every staff route names the roles it admits."""
from functools import wraps

from flask import abort, flash, redirect, request
from flask_login import current_user, login_required
from flask_login.utils import login_url

from .models import Role
from .web import is_htmx

STAFF = (Role.ADMIN, Role.MANAGER, Role.RECEPTIONIST, Role.OFFICER)
MANAGERS = (Role.ADMIN, Role.MANAGER)
FRONT_DESK = (Role.ADMIN, Role.MANAGER, Role.RECEPTIONIST)
COUNTER_STAFF = (Role.ADMIN, Role.MANAGER, Role.OFFICER)

# What a role may do, by name, for templates (`can("release_counter")`): the same role groups the
# routes' decorators admit, so a button is shown exactly where its route answers.
PERMISSIONS = {
    "reception": FRONT_DESK,
    "counters": COUNTER_STAFF,
    "reports": COUNTER_STAFF,
    "reports_all_agencies": MANAGERS,
    "admin": MANAGERS,
    "issue_outside_hours": MANAGERS,
    "open_counter": (Role.OFFICER,),
    "release_counter": MANAGERS,
    "backup": (Role.ADMIN,),
}


def role_required(*roles):
    """Admit logged-in users whose role is one of `roles`; others get 403, anonymous users the login page."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can(permission: str) -> bool:
    """Whether the logged-in user's role has `permission` (a key of PERMISSIONS)."""
    return current_user.is_authenticated and current_user.role in PERMISSIONS[permission]


def start_endpoint(user) -> str:
    """Where each role lands after login."""
    return {
        Role.ADMIN: "admin.index",
        Role.MANAGER: "admin.index",
        Role.RECEPTIONIST: "reception.index",
        Role.OFFICER: "counters.index",
    }[user.role]


def send_to_login(message):
    """Where a visitor without a session (or whose session expired) goes: the login page, and back
    afterwards. A polled htmx panel is told to move the whole page (HX-Redirect); following the
    redirect itself would swap a login form into the panel and stop its polling."""
    flash(message, "info")
    if is_htmx():
        back = request.headers.get("HX-Current-URL") or request.referrer or "/"
        return "", 401, {"HX-Redirect": login_url("auth.login", next_url=back)}
    return redirect(login_url("auth.login", next_url=request.url))
