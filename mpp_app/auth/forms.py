"""Login and password forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length

from ..domain.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[
        DataRequired(_l("Isi nama pengguna.")), Length(max=40, message=_l("Nama pengguna terlalu panjang."))])
    password = PasswordField(_l("Kata sandi"), validators=[
        DataRequired(_l("Isi kata sandi.")), Length(max=MAX_PASSWORD_LENGTH, message=_l("Kata sandi terlalu panjang."))])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Kata sandi saat ini"), validators=[DataRequired(_l("Isi kata sandi saat ini."))])
    new = PasswordField(_l("Kata sandi baru"), validators=[
        DataRequired(_l("Isi kata sandi baru.")),
        Length(min=MIN_PASSWORD_LENGTH, max=MAX_PASSWORD_LENGTH,
               message=_l("Kata sandi baru harus %(min)d sampai %(max)d karakter."))])
    confirm = PasswordField(_l("Ulangi kata sandi baru"), validators=[
        EqualTo("new", message=_l("Ulangan kata sandi tidak sama."))])


class LanguageForm(FlaskForm):
    language = StringField(_l("Bahasa"), validators=[AnyOf(["id", "en"], message=_l("Bahasa tidak dikenal."))])
