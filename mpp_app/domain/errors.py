"""Domain errors: a refused request, with a message in the user's language and the HTTP status
the app's error handler answers with. Domain modules raise them; views let them through."""
from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A refused request: carries an Indonesian message and the HTTP status to answer with."""

    status = 422
    message = _l("Permintaan tidak dapat diproses.")

    def __init__(self, message=None, **params):
        super().__init__(message)
        if message is not None:
            self.message = message
        self.params = params

    def __str__(self):
        return str(self.message) % self.params if self.params else str(self.message)


class NotFoundError(DomainError):
    status = 404
    message = _l("Data tidak ditemukan.")


class ConflictError(DomainError):
    status = 409
    message = _l("Data telah diubah oleh orang lain. Muat ulang halaman lalu coba lagi.")


class InvalidCredentialsError(DomainError):
    status = 401
    message = _l("Nama pengguna atau kata sandi salah.")


class LoginLockedError(DomainError):
    status = 429
    message = _l("Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(minutes)s menit atau hubungi admin.")


class PasswordPolicyError(DomainError):
    message = _l("Kata sandi tidak memenuhi syarat.")
