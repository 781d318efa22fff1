"""The HTTP error handlers: domain refusals, HTTP errors and database faults become clear pages or htmx
messages in the user's language, with a 4xx or 503 status (a 500 only for a bug)."""
import logging

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, OperationalError
from werkzeug.exceptions import HTTPException

from .domain.errors import DomainError
from .web import is_htmx, refusal_renderer

log = logging.getLogger(__name__)


HTTP_MESSAGES = {
    400: _l("Permintaan tidak valid."),
    403: _l("Anda tidak memiliki akses ke halaman ini."),
    404: _l("Halaman tidak ditemukan."),
    405: _l("Metode permintaan tidak diizinkan."),
    413: _l("Data yang dikirim terlalu besar."),
    429: _l("Terlalu banyak permintaan. Tunggu sebentar lalu coba lagi."),
    500: _l("Terjadi kesalahan pada server. Petugas TI telah dicatat; silakan coba lagi."),
    503: _l("Basis data sedang sibuk atau tidak dapat ditulis. Coba lagi sebentar lagi."),
}

# The heading of an error page: what happened in words, not the bare status code.
HTTP_TITLES = {
    400: _l("Permintaan tidak dapat diproses"),
    403: _l("Tidak diizinkan"),
    404: _l("Halaman tidak ditemukan"),
    409: _l("Sudah berubah"),
    413: _l("Data terlalu besar"),
    422: _l("Isian belum benar"),
    429: _l("Tunggu sebentar"),
    503: _l("Layanan sedang terganggu"),
}

# What the database said, what the person at the PC is told, and the fault named in the log line.
DATABASE_FAULTS = (
    ("missing or replaced", "file missing", _l("Berkas basis data hilang atau diganti saat server berjalan. Tidak ada "
                                               "yang tersimpan dari permintaan ini. Hubungi admin: kembalikan berkasnya, "
                                               "lalu jalankan ulang server.")),
    ("locked", "locked", _l("Basis data sedang sibuk. Tunggu beberapa detik lalu coba lagi; tidak ada data yang hilang.")),
    ("readonly", "read-only", _l("Basis data tidak dapat ditulis (berkas hanya-baca). Tidak ada yang tersimpan dari "
                                 "permintaan ini. Hubungi admin untuk memeriksa izin berkas basis data.")),
    ("full", "disk full", _l("Disk penuh: data tidak dapat disimpan. Tidak ada yang tersimpan dari permintaan ini. "
                             "Hubungi admin untuk mengosongkan ruang disk.")),
)


def database_fault(error) -> tuple[str, str]:
    """Name a database failure for the log and give the message shown to staff."""
    text = str(getattr(error, "orig", error)).lower().replace("-", "")
    for needle, name, message in DATABASE_FAULTS:
        if needle in text:
            return name, str(message)
    return "unavailable", str(HTTP_MESSAGES[503])


def _respond(status, message, headers=None):
    headers = dict(headers or {})
    if is_htmx():
        headers.update({"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"})
        return render_template("_messages.html", errors=[message]), status, headers
    title = HTTP_TITLES.get(status, HTTP_TITLES[400] if status < 500 else _l("Terjadi kesalahan"))
    return render_template("errors/error.html", status=status, title=title, message=message), status, headers


def register_error_handlers(app):
    @app.errorhandler(DomainError)
    def domain_error(error):
        """A refusal: shown the way the view asked (show_refusal), else in the message area."""
        render = refusal_renderer()
        return render(error) if render else _respond(error.status, str(error))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _respond(400, str(_l("Sesi formulir kedaluwarsa atau tidak sah. Muat ulang halaman lalu coba lagi.")))

    @app.errorhandler(HTTPException)
    def http_error(error):
        message = HTTP_MESSAGES.get(error.code, error.description)
        return _respond(error.code or 500, str(message))

    @app.errorhandler(OperationalError)
    def database_error(error):
        from .extensions import db

        db.session.rollback()  # the failed transaction must end before the page reads anything
        fault, message = database_fault(error)
        log.error("database %s on %s %s: %s", fault, request.method, request.path, error.orig)
        return _respond(503, message, {"Retry-After": "5"})

    @app.errorhandler(DataError)
    def data_refused(error):
        """Input the database itself refuses (PostgreSQL: a NUL byte in text, a number out of range):
        bad input, so a 400; the transaction is rolled back and nothing is stored."""
        from .extensions import db

        db.session.rollback()
        log.warning("input refused by the database on %s %s: %s", request.method, request.path, error.orig)
        return _respond(400, str(HTTP_MESSAGES[400]))

    @app.errorhandler(Exception)
    def unexpected_error(error):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(500, str(HTTP_MESSAGES[500]))
