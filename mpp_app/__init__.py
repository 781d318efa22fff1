"""The MPP service desk: a Flask application factory for one Mall Pelayanan Publik."""
import os
from pathlib import Path

from flask import Flask, current_app, g, has_request_context, redirect, request, session, url_for
from flask_babel import get_locale, lazy_gettext as _l
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from . import config as app_config, database
from .clock import clock_text
from .access import can, send_to_login
from .extensions import babel, csrf, db, login_manager, migrate
from .ids import ROW_ID_MAX
from .labels import label
from .web import add_security_headers

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def create_app(test_config=None, instance_path=None):
    instance_path = instance_path or os.environ.get("MPP_INSTANCE_PATH") or None
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app_config.load(app, test_config)
    proxies = app.config["MPP_PROXY_COUNT"]
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    from .errors import register_error_handlers
    from .cli import register_commands

    register_error_handlers(app)
    register_commands(app)
    return app


def register_extensions(app):
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = database.engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["csrf_field"] = _csrf_field
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["clocktime"] = clock_text  # 08.00 (id), 08:00 (en); timeformat says 8:00 AM
    app.jinja_env.globals["can"] = can
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.unauthorized_handler(lambda: send_to_login(_l("Silakan masuk terlebih dahulu.")))
    login_manager.session_protection = "strong"

    from .models import User

    @login_manager.user_loader
    def load_user(token):
        return db.session.scalar(db.select(User).where(User.session_token == token))

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            database.configure_sqlite(db.engine, app.config["MPP_SQLITE_BUSY_TIMEOUT_MS"])


def _csrf_field():
    """The CSRF token as a hidden field without an id, so that a page with many small forms keeps its ids unique."""
    from flask_wtf.csrf import generate_csrf
    from markupsafe import Markup

    return Markup('<input type="hidden" name="csrf_token" value="%s">') % generate_csrf()


def _cached_site(load):
    if "site" not in g:
        g.site = load(db.session, current_app.config)
    return g.site


def _select_locale():
    if not has_request_context():
        return None  # CLI and background work speak the default locale
    if current_user and current_user.is_authenticated:
        return current_user.language
    return session.get("language", "id")


class RowIdConverter(IntegerConverter):
    """<int:...> in our URLs: a number an INTEGER id column can hold (on SQLite and PostgreSQL), so
    /tickets/3000000000 is a 404 rather than an out-of-range error in the database driver."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", ROW_ID_MAX)
        super().__init__(url_map, *args, **kwargs)


def register_blueprints(app):
    app.url_map.converters["int"] = RowIdConverter
    from .admin import bp as admin_bp
    from .auth.views import bp as auth_bp
    from .board.views import bp as board_bp
    from .counters.views import bp as counters_bp
    from .reception.views import bp as reception_bp
    from .services.views import bp as services_bp
    from .survey.views import bp as survey_bp
    from .reports.views import bp as reports_bp

    for blueprint in (services_bp, auth_bp, reception_bp, counters_bp, board_bp, survey_bp, reports_bp, admin_bp):
        app.register_blueprint(blueprint)


# Endpoints a user who must change the password may still reach.
PASSWORD_CHANGE_EXEMPT = {"auth.change_password", "auth.logout", "static"}


def register_request_hooks(app):
    @app.context_processor
    def site_identity():
        """The MPP's name and address as the manager set them (else the configuration), read only
        by templates that show them: most htmx fragments never do."""
        from werkzeug.local import LocalProxy

        from .domain.settings import site

        return {"site": LocalProxy(lambda: _cached_site(site))}

    @app.before_request
    def read_reference_data_once():
        from .domain import reference

        reference.remember_per_request(db.session)

    @app.before_request
    def force_password_change():
        if (
            current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in PASSWORD_CHANGE_EXEMPT
        ):
            return redirect(url_for("auth.change_password"))
        return None

    app.after_request(add_security_headers)
