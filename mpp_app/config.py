"""Configuration: defaults, then instance/config.py, then MPP_* environment variables."""
import os
import secrets
import time
from datetime import timedelta
from pathlib import Path

DEFAULTS = {
    "MPP_NAME": "Mal Pelayanan Publik Kota Kupang",
    "MPP_ADDRESS": "Jalan Timor Raya No. 124, Kota Kupang, Nusa Tenggara Timur",
    "MPP_TIMEZONE": "Asia/Makassar",
    # Base URL citizens' phones reach on the office Wi-Fi (QR codes); empty: the URL the page was opened with.
    "MPP_PUBLIC_URL": "",
    # Frozen business clock (ISO datetime) for tests; empty means the real clock.
    "MPP_FROZEN_NOW": "",
    # A running business clock that reads this ISO datetime when the app starts (`mpp demo`).
    "MPP_CLOCK_START": "",
    "MPP_SESSION_HOURS": 10,
    # Login throttling (domain/accounts.py). After MAX_FAILURES failures of one account from one
    # address, or MAX_CLIENT_FAILURES from one address across accounts (both remembered for a day),
    # each further try from there waits, doubling from 1 second up to MPP_LOGIN_LOCK_MINUTES; an
    # account that signed in from that address within MPP_LOGIN_KNOWN_CLIENT_DAYS skips the latter.
    "MPP_LOGIN_MAX_FAILURES": 5,
    "MPP_LOGIN_MAX_CLIENT_FAILURES": 20,
    # Failures of one account from all addresses within MPP_LOGIN_LOCK_MINUTES that lock it for
    # that long, except at addresses where it signed in within MPP_LOGIN_KNOWN_CLIENT_DAYS.
    "MPP_LOGIN_MAX_ACCOUNT_FAILURES": 50,
    "MPP_LOGIN_LOCK_MINUTES": 15,
    "MPP_LOGIN_KNOWN_CLIENT_DAYS": 30,
    "MPP_RETENTION_DAYS": 90,
    # How often `mpp serve` erases personal data past the retention (0: never, schedule the CLI).
    "MPP_PURGE_EVERY_MINUTES": 60,
    "MPP_SQLITE_BUSY_TIMEOUT_MS": 15000,
    # How long boards polling the same URL share one look at the database.
    "MPP_BOARD_CACHE_SECONDS": 0.5,
    # Reverse proxies in front of the app (nginx, IIS) whose X-Forwarded-For/-Proto/-Host are
    # trusted; 0 trusts none, so a client cannot dodge login throttling with an invented address.
    "MPP_PROXY_COUNT": 0,
    "SESSION_COOKIE_SECURE": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "mpp_session",
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session (a working day)
    "BABEL_DEFAULT_LOCALE": "id",
    "BABEL_DEFAULT_TIMEZONE": "Asia/Makassar",
    "LANGUAGES": ["id", "en"],
    "MAX_CONTENT_LENGTH": 1024 * 1024,
}

# Environment names that map to Flask's own keys; every other MPP_* name maps to itself.
# (Pairs rather than a dict literal: bandit's B105 took "MPP_SECRET_KEY": "SECRET_KEY" for a password.)
ENV_ALIASES = dict([
    ("MPP_DATABASE_URL", "SQLALCHEMY_DATABASE_URI"),
    ("MPP_SECRET_KEY", "SECRET_KEY"),
    ("MPP_SECURE_COOKIES", "SESSION_COOKIE_SECURE"),
])


def _coerce(raw, default):
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw


def load(app, test_config=None):
    """Fill app.config in the documented order; test_config, when given, wins over everything."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    for name, raw in os.environ.items():
        if not name.startswith("MPP_") or name == "MPP_INSTANCE_PATH":
            continue
        key = ENV_ALIASES.get(name, name)
        app.config[key] = _coerce(raw, app.config.get(key, DEFAULTS.get(key, "")))
    if test_config:
        app.config.from_mapping(test_config)

    instance = Path(app.instance_path)
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", f"sqlite:///{instance / 'mpp.sqlite'}"
    )
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(instance)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(
        hours=app.config["MPP_SESSION_HOURS"]
    )
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["MPP_TIMEZONE"]
    app.config["MPP_CLOCK_STARTED_AT"] = time.time()


def _instance_secret(instance: Path) -> str:
    """Read the instance's secret key, generating it once: never a hard-coded default."""
    path = instance / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()
