"""Counter console forms."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length, Regexp

from ..ids import ROW_ID_PATTERN
from ..reception.forms import clean_text


class FinishForm(FlaskForm):
    note = StringField(_l("Catatan hasil (opsional)"), filters=[clean_text], validators=[
        Length(max=200, message=_l("Catatan terlalu panjang (maksimal %(max)d karakter)."))])


class TransferForm(FlaskForm):
    service_id = StringField(_l("Alihkan ke layanan"), validators=[
        InputRequired(_l("Pilih layanan tujuan.")), Regexp(ROW_ID_PATTERN, message=_l("Pilih layanan tujuan."))])
    note = StringField(_l("Catatan pengalihan (opsional)"), filters=[clean_text], validators=[
        Length(max=150, message=_l("Catatan terlalu panjang (maksimal %(max)d karakter)."))])
