"""Reception forms: issue a ticket, look one up, cancel one."""
import re
import unicodedata

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, Regexp

from ..domain.tickets import OVERRIDE_REASON_MAX
from ..ids import ROW_ID_PATTERN
from ..models import PriorityCategory

PHONE_PATTERN = r"^(\+62|62|0)8\d{7,12}$"


def clean_text(value):
    """Drop control characters and fold runs of white space: names are printed and displayed."""
    if value is None:
        return value
    value = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C" or ch in " ")
    return re.sub(r"\s+", " ", value).strip()


def clean_phone(value):
    return re.sub(r"[\s().-]", "", value) if value else value


class IssueTicketForm(FlaskForm):
    service_id = StringField(_l("Layanan"), validators=[
        InputRequired(_l("Pilih layanan terlebih dahulu.")),
        Regexp(ROW_ID_PATTERN, message=_l("Pilih layanan terlebih dahulu."))])
    visitor_name = StringField(_l("Nama pengunjung"), filters=[clean_text], validators=[
        DataRequired(_l("Isi nama pengunjung.")),
        Length(max=100, message=_l("Nama terlalu panjang (maksimal %(max)d karakter)."))])
    visitor_phone = StringField(_l("Nomor HP (opsional)"), filters=[clean_phone], validators=[
        Optional(), Regexp(PHONE_PATTERN, message=_l("Nomor HP tidak valid. Contoh: 081234567890."))])
    priority = StringField(_l("Prioritas (UU 25/2009 Pasal 29)"), validators=[
        Optional(), AnyOf([p.value for p in PriorityCategory], message=_l("Kategori prioritas tidak dikenal."))])
    note = TextAreaField(_l("Catatan (opsional)"), filters=[clean_text], validators=[
        Length(max=200, message=_l("Catatan terlalu panjang (maksimal %(max)d karakter)."))])
    submission_key = HiddenField(validators=[
        DataRequired(_l("Formulir tidak lengkap. Muat ulang halaman.")),
        Length(max=64, message=_l("Formulir tidak lengkap. Muat ulang halaman."))])
    override_reason = StringField(_l("Alasan di luar jam layanan (khusus manajer)"), filters=[clean_text],
                                  validators=[Length(max=OVERRIDE_REASON_MAX, message=_l(
                                      "Alasan terlalu panjang (maksimal %(max)d karakter)."))])


class CancelTicketForm(FlaskForm):
    reason = StringField(_l("Alasan pembatalan"), filters=[clean_text], validators=[
        DataRequired(_l("Isi alasan pembatalan.")),
        Length(min=3, max=200, message=_l("Alasan 3 sampai %(max)d karakter."))])
