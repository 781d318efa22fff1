"""Login and password forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.widgets import PasswordInput
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length

from ..domain.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[
        DataRequired(_l("Isi nama pengguna.")), Length(max=40, message=_l("Nama pengguna terlalu panjang."))])
    password = PasswordField(_l("Kata sandi"), validators=[
        DataRequired(_l("Isi kata sandi.")), Length(max=MAX_PASSWORD_LENGTH, message=_l("Kata sandi terlalu panjang."))])


# Typed passwords are sent back only on the page that refused them, to the person who typed them
# (staff pages are never cached), and only where they were not the problem: see forget_refused.
KEPT = PasswordInput(hide_value=False)


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Kata sandi saat ini"), widget=KEPT,
                            validators=[DataRequired(_l("Isi kata sandi saat ini."))])
    new = PasswordField(_l("Kata sandi baru"), widget=KEPT, validators=[
        DataRequired(_l("Isi kata sandi baru.")),
        Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
               message=_l("Kata sandi baru harus %(min)d sampai %(max)d karakter."))])
    confirm = PasswordField(_l("Ulangi kata sandi baru"), widget=KEPT, validators=[
        EqualTo("new", message=_l("Ulangan kata sandi tidak sama."))])

    def forget_refused(self):
        """Empty what a refusal asks to type again and keep the rest: a wrong current password is
        typed again alone, the new one (already typed twice) stays; a refused new password, or a
        confirmation that differs from it (which of the two was mistyped cannot be seen behind the
        dots), empties both new fields and keeps the current one."""
        if self.current.errors:
            self.current.data = ""
        if self.new.errors or self.confirm.errors:
            self.new.data = self.confirm.data = ""


class LanguageForm(FlaskForm):
    language = StringField(_l("Bahasa"), validators=[AnyOf(["id", "en"], message=_l("Bahasa tidak dikenal."))])
