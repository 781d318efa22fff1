"""The report filter: a GET form (bookmarkable, no CSRF) whose every refusal is a sentence next to its field."""
from datetime import date

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import Form, StringField
from wtforms.validators import ValidationError

from ..domain import catalogue, reports
from ..extensions import db
from ..ids import parse_row_id
from ..inputs import DayField

MAX_DAYS = 400


class ReportForm(Form):
    """start and end are typed days (dd-mm-yyyy, or ISO from bookmarked URLs); empty means this
    month so far. After validate(), start.data <= end.data and the range is at most MAX_DAYS days."""

    start = DayField(_l("Dari"))
    end = DayField(_l("Sampai"))
    agency = StringField(_l("Instansi"))
    by = StringField(_l("Kelompokkan per"), default="agency")
    service = StringField()
    counter = StringField()
    officer = StringField()

    def __init__(self, formdata, today: date):
        super().__init__(formdata)
        self.today = today
        self.agency_id = None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.start.data is None and not self.start.errors:
            self.start.data = self.today.replace(day=1)
        if self.end.data is None and not self.end.errors:
            self.end.data = self.today
        if self.start.errors or self.end.errors:
            return False
        if self.end.data < self.start.data:
            self.end.errors.append(_("Tanggal akhir sebelum tanggal awal."))
        elif (self.end.data - self.start.data).days > MAX_DAYS:
            self.end.errors.append(_("Rentang laporan paling lama %(days)d hari.", days=MAX_DAYS))
        return valid and not self.errors

    def validate_by(self, field):
        if (field.data or "agency") not in reports.GROUPS:
            raise ValidationError(_("Pengelompokan tidak dikenal."))

    def validate_agency(self, field):
        field.data = (field.data or "")[:20].upper()
        if field.data:
            agency = catalogue.agency_by_code(db.session, field.data)
            if agency is None:
                raise ValidationError(_("Instansi %(code)s tidak dikenal.", code=field.data))
            self.agency_id = agency.id

    def _row_id(self, field):
        if field.data and parse_row_id(field.data) is None:
            raise ValidationError(_("Filter %(name)s tidak valid.", name=field.name))

    validate_service = validate_counter = validate_officer = _row_id

    def row_id(self, name: str):
        raw = self[name].data
        return parse_row_id(raw) if raw else None
