"""Administration forms. Date and time fields parse themselves so every message is Indonesian."""
from datetime import date, time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import TextInput

from ..opening_hours import DayHours
from ..reception.forms import clean_text


class TimeOfDayField(Field):
    """HH:MM from an <input type="time">; empty is None."""

    widget = TextInput(input_type="time")

    def _value(self):
        return self.data.strftime("%H:%M") if self.data else (self.raw_data[0] if self.raw_data else "")

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if text:
            try:
                self.data = time.fromisoformat(text[:8])
            except ValueError:
                raise ValueError(_l("Format jam tidak dikenal; gunakan JJ:MM, mis. 08:00.")) from None


class LocalDateField(Field):
    """YYYY-MM-DD from an <input type="date">."""

    widget = TextInput(input_type="date")

    def _value(self):
        return self.data.isoformat() if self.data else (self.raw_data[0] if self.raw_data else "")

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if text:
            try:
                self.data = date.fromisoformat(text)
            except ValueError:
                raise ValueError(_l("Format tanggal tidak dikenal; gunakan TTTT-BB-HH.")) from None

    def pre_validate(self, form):
        if self.data is None and not self.errors:
            raise ValidationError(_l("Isi tanggal."))


class DayHoursForm(FlaskForm):
    is_open = BooleanField(_l("Buka"))
    opens_at = TimeOfDayField(_l("Buka"))
    closes_at = TimeOfDayField(_l("Tutup"))
    break_start = TimeOfDayField(_l("Istirahat mulai"))
    break_end = TimeOfDayField(_l("Istirahat selesai"))
    last_ticket_at = TimeOfDayField(_l("Nomor terakhir"))

    def to_hours(self) -> DayHours:
        return DayHours(self.is_open.data, self.opens_at.data, self.closes_at.data, self.break_start.data,
                        self.break_end.data, self.last_ticket_at.data)


class ClosureForm(FlaskForm):
    closure_id = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])
    start_date = LocalDateField(_l("Dari tanggal"))
    end_date = LocalDateField(_l("Sampai tanggal"))
    reason = StringField(_l("Keterangan"), filters=[clean_text], validators=[
        DataRequired(_l("Isi keterangan.")), Length(min=3, max=200, message=_l("Keterangan 3 sampai 200 karakter."))])


class HolidayYearForm(FlaskForm):
    year = StringField(_l("Tahun"), validators=[DataRequired(_l("Isi tahun.")),
                                                Regexp(r"^20\d\d$", message=_l("Tahun tidak valid."))])


class SpecialHoursForm(FlaskForm):
    start_date = LocalDateField(_l("Dari tanggal"))
    end_date = LocalDateField(_l("Sampai tanggal"))
    opens_at = TimeOfDayField(_l("Buka"))
    closes_at = TimeOfDayField(_l("Tutup"))
    break_start = TimeOfDayField(_l("Istirahat mulai"))
    break_end = TimeOfDayField(_l("Istirahat selesai"))
    last_ticket_at = TimeOfDayField(_l("Nomor terakhir"))
    reason = StringField(_l("Keterangan"), filters=[clean_text], validators=[
        DataRequired(_l("Isi keterangan.")), Length(min=3, max=200, message=_l("Keterangan 3 sampai 200 karakter."))])

    def to_hours(self) -> DayHours:
        return DayHours(True, self.opens_at.data, self.closes_at.data, self.break_start.data, self.break_end.data,
                        self.last_ticket_at.data)
