"""The factory and its configuration: defaults, the order of sources, the secret key, the WITA
business clock and the SQLite connection settings."""
from datetime import datetime

import pytest

from mpp_app import clock, create_app
from mpp_app.extensions import db

from .conftest import is_postgres


def test_defaults(app):
    assert app.config["MPP_TIMEZONE"] == "Asia/Makassar"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 10 * 3600


def test_config_order_instance_file_then_environment(tmp_path, monkeypatch):
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / "config.py").write_text('MPP_NAME = "MPP Uji"\nMPP_RETENTION_DAYS = 30\n')
    monkeypatch.setenv("MPP_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("MPP_RETENTION_DAYS", "45")
    monkeypatch.setenv("MPP_SECURE_COOKIES", "true")
    monkeypatch.setenv("MPP_DATABASE_URL", f"sqlite:///{tmp_path / 'x.sqlite'}")
    app = create_app()
    assert app.instance_path == str(instance)
    assert app.config["MPP_NAME"] == "MPP Uji"
    assert app.config["MPP_RETENTION_DAYS"] == 45
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("x.sqlite")


def test_secret_key_generated_once_per_instance(tmp_path, monkeypatch):
    for name in ("MPP_SECRET_KEY", "MPP_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MPP_INSTANCE_PATH", str(tmp_path / "a"))
    first = create_app().config["SECRET_KEY"]
    assert first == create_app().config["SECRET_KEY"] and len(first) == 64
    assert oct((tmp_path / "a" / "secret_key").stat().st_mode)[-3:] == "600"
    monkeypatch.setenv("MPP_INSTANCE_PATH", str(tmp_path / "b"))
    other = create_app()
    assert other.config["SECRET_KEY"] != first  # isolated instances side by side
    assert other.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'b' / 'mpp.sqlite'}"
    monkeypatch.setenv("MPP_SECRET_KEY", "from-the-environment")
    assert create_app().config["SECRET_KEY"] == "from-the-environment"


def test_business_clock_is_wita(app):
    with app.app_context():
        assert clock.now().utcoffset().total_seconds() == 8 * 3600
        assert clock.now().isoformat() == "2026-11-30T10:00:00+08:00"
        app.config["MPP_FROZEN_NOW"] = ""
        assert abs((clock.now() - datetime.now(clock.zone())).total_seconds()) < 5
        app.config["MPP_TIMEZONE"] = "Asia/Jakarta"
        assert clock.now().utcoffset().total_seconds() == 7 * 3600


@pytest.mark.skipif(is_postgres(), reason="SQLite connection settings")
def test_sqlite_pragmas(app):
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
