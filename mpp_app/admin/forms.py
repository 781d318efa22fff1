"""Administration forms. Days and times are typed in one fixed form, whatever the browser (mpp_app/inputs.py)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError
from wtforms.widgets import NumberInput

from ..ids import ROW_ID_PATTERN
from ..inputs import ClockField, DayField
from ..domain import catalogue_admin, settings
from ..domain.errors import DomainError
from ..domain.hours_admin import DayHours
from ..reception.forms import clean_text


class TimesForm(FlaskForm):
    """The times of a day; DayHoursForm and SpecialHoursForm add what differs."""

    opens_at = ClockField(_l("Buka"))
    closes_at = ClockField(_l("Tutup"))
    break_start = ClockField(_l("Istirahat mulai"))
    break_end = ClockField(_l("Istirahat selesai"))
    last_ticket_at = ClockField(_l("Nomor terakhir"))

    def to_hours(self) -> DayHours:
        is_open = self.is_open.data if hasattr(self, "is_open") else True
        return DayHours(is_open, self.opens_at.data, self.closes_at.data, self.break_start.data,
                        self.break_end.data, self.last_ticket_at.data)


class DayHoursForm(TimesForm):
    is_open = BooleanField(_l("Buka"))


class ClosureForm(FlaskForm):
    closure_id = HiddenField(validators=[Optional(), Regexp(ROW_ID_PATTERN)])
    start_date = DayField(_l("Dari tanggal"), required=True)
    end_date = DayField(_l("Sampai tanggal"), required=True)
    reason = StringField(_l("Keterangan"), filters=[clean_text], validators=[
        DataRequired(_l("Isi keterangan.")), Length(min=3, max=200, message=_l("Keterangan 3 sampai 200 karakter."))])


class HolidayYearForm(FlaskForm):
    year = StringField(_l("Tahun"), validators=[DataRequired(_l("Isi tahun.")),
                                                Regexp(r"^20\d\d$", message=_l("Tahun tidak valid."))])


class SpecialHoursForm(TimesForm):
    start_date = DayField(_l("Dari tanggal"), required=True)
    end_date = DayField(_l("Sampai tanggal"), required=True)
    reason = StringField(_l("Keterangan"), filters=[clean_text], validators=[
        DataRequired(_l("Isi keterangan.")), Length(min=3, max=200, message=_l("Keterangan 3 sampai 200 karakter."))])


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(_l("Isi dengan angka bulat.")) from None


class ChoiceField(SelectField):
    def pre_validate(self, form):
        if self.data not in {choice.value for choice in self.choices}:
            raise ValidationError(_l("Pilihan tidak dikenal."))


def choices(pairs):
    return [SelectChoice(str(value), str(label)) for value, label in pairs]


class AgencyForm(FlaskForm):
    code = StringField(_l("Kode"), validators=[DataRequired(_l("Isi kode.")), Length(max=20, message=_l("Kode maksimal 20 karakter."))])
    name = StringField(_l("Nama lengkap"), filters=[clean_text], validators=[
        DataRequired(_l("Isi nama.")), Length(max=200, message=_l("Nama maksimal 200 karakter."))])
    short_name = StringField(_l("Nama singkat"), filters=[clean_text], validators=[
        DataRequired(_l("Isi nama singkat.")), Length(max=60, message=_l("Nama singkat maksimal 60 karakter."))])
    prefix = StringField(_l("Huruf awalan nomor"), validators=[DataRequired(_l("Isi huruf awalan.")),
                                                              Length(max=1, message=_l("Satu huruf saja."))])
    sort_order = WholeNumberField(_l("Urutan tampil"), default=0, validators=[
        InputRequired(_l("Isi urutan (angka).")), NumberRange(0, 999, message=_l("Urutan 0 sampai 999."))])
    priority_every = WholeNumberField(_l("Aturan prioritas (0 = selalu didahulukan; N = satu prioritas setiap N reguler)"),
                                  default=0, validators=[InputRequired(_l("Isi angka 0 sampai 20.")), NumberRange(
                                      0, catalogue_admin.PRIORITY_EVERY_MAX, message=_l("Isi angka 0 sampai 20."))])
    active = BooleanField(_l("Aktif"), default=True)

    def values(self):
        return {f: getattr(self, f).data for f in ("code", "name", "short_name", "prefix", "sort_order",
                                                   "priority_every", "active")}


class ServiceForm(FlaskForm):
    agency_id = ChoiceField(_l("Instansi"), validators=[InputRequired(_l("Pilih instansi."))])
    name = StringField(_l("Nama layanan"), filters=[clean_text], validators=[
        DataRequired(_l("Isi nama layanan.")), Length(min=3, max=200, message=_l("Nama layanan 3 sampai 200 karakter."))])
    requirements = TextAreaField(_l("Persyaratan"), validators=[Length(max=4000, message=_l("Maksimal 4000 karakter."))])
    procedure = TextAreaField(_l("Sistem, mekanisme dan prosedur"), validators=[Length(max=4000, message=_l("Maksimal 4000 karakter."))])
    processing_time = StringField(_l("Jangka waktu penyelesaian"), filters=[clean_text], validators=[Length(max=200, message=_l("Maksimal 200 karakter."))])
    fee = StringField(_l("Biaya/tarif"), filters=[clean_text], validators=[Length(max=300, message=_l("Maksimal 300 karakter."))])
    product = StringField(_l("Produk layanan"), filters=[clean_text], validators=[Length(max=300, message=_l("Maksimal 300 karakter."))])
    legal_basis = TextAreaField(_l("Dasar hukum"), validators=[Length(max=2000, message=_l("Maksimal 2000 karakter."))])
    complaints = TextAreaField(_l("Penanganan pengaduan"), validators=[Length(max=2000, message=_l("Maksimal 2000 karakter."))])
    expected_minutes = WholeNumberField(_l("Perkiraan menit per kunjungan"), default=10, validators=[
        InputRequired(_l("Isi perkiraan menit (angka).")), NumberRange(1, 480, message=_l("Perkiraan menit 1 sampai 480."))])
    sort_order = WholeNumberField(_l("Urutan tampil"), default=0, validators=[
        InputRequired(_l("Isi urutan (angka).")), NumberRange(0, 999, message=_l("Urutan 0 sampai 999."))])
    active = BooleanField(_l("Aktif"), default=True)

    def values(self):
        data = {f: getattr(self, f).data for f in ("name", "requirements", "procedure", "processing_time", "fee",
                                                   "product", "legal_basis", "complaints", "expected_minutes",
                                                   "sort_order", "active")}
        return {**data, "agency_id": int(self.agency_id.data)}


class CounterForm(FlaskForm):
    number = WholeNumberField(_l("Nomor loket"), validators=[InputRequired(_l("Isi nomor loket (angka).")),
                                                         NumberRange(1, 999, message=_l("Nomor loket 1 sampai 999."))])
    name = StringField(_l("Nama loket"), filters=[clean_text], validators=[
        DataRequired(_l("Isi nama loket.")), Length(max=100, message=_l("Nama loket maksimal 100 karakter."))])
    agency_id = ChoiceField(_l("Instansi"), validators=[InputRequired(_l("Pilih instansi."))])
    active = BooleanField(_l("Aktif"), default=True)

    def values(self):
        return {"number": self.number.data, "name": self.name.data, "agency_id": int(self.agency_id.data),
                "active": self.active.data}


class UserForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(_l("Isi nama pengguna.")),
                                                            Length(max=40, message=_l("Maksimal 40 karakter."))])
    full_name = StringField(_l("Nama lengkap"), filters=[clean_text], validators=[
        DataRequired(_l("Isi nama lengkap.")), Length(max=120, message=_l("Maksimal 120 karakter."))])
    role = ChoiceField(_l("Peran"), validators=[InputRequired(_l("Pilih peran."))])
    agency = ChoiceField(_l("Instansi (wajib untuk petugas loket)"))


class UserEditForm(FlaskForm):
    """What may change on an account: not the username, which the audit log and logins refer to."""

    full_name = UserForm.full_name
    role = UserForm.role
    agency = UserForm.agency


class SettingRule:
    """A field validator that asks the settings domain (settings.check), so the page and the CLI
    accept exactly the same values."""

    def __call__(self, form, field):
        try:
            settings.check(field.name, field.data)
        except DomainError as error:
            raise ValidationError(str(error)) from None


class SettingsForm(FlaskForm):
    mpp_name = StringField(_l("Nama MPP"), filters=[clean_text], validators=[SettingRule()])
    mpp_address = StringField(_l("Alamat"), filters=[clean_text], validators=[SettingRule()])
    running_text = TextAreaField(_l("Teks berjalan di papan"), filters=[clean_text], validators=[SettingRule()])
    announce_mode = ChoiceField(_l("Cara menyebut nomor"))
    recalls_before_no_show = StringField(_l("Panggilan ulang sebelum boleh ditandai tidak hadir"),
                                         widget=NumberInput(), validators=[SettingRule()])
    retention_days = StringField(_l("Simpan data pribadi pengunjung (hari)"), widget=NumberInput(),
                                 validators=[SettingRule()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.announce_mode.choices = choices(settings.ANNOUNCE_MODES.items())  # in the user's language

    def values(self) -> dict:
        return {key: self[key].data for key in settings.RULES}