"""Typed days and clock times: what people type is read here, and shown back in the same fixed form.

A browser's own date and time pickers follow the browser's language, not the user's (an English
Windows shows mm/dd/yyyy and AM/PM, so 10/12 meant 12 October to one manager and 10 December to
the next). So days and times are plain text in one fixed, labelled form whatever the browser:
days day first ("25-12-2026", "25/12/2026" or "25.12.2026"; ISO "2026-12-25" too, for bookmarked
report URLs and scripts), times on the 24-hour clock ("08.00" or "08:00"). Two-digit years, AM/PM
and month-first days are refused with a message that says how to write it, never guessed.
"""
import re
from datetime import date, time

from flask_babel import gettext as _, lazy_gettext as _l
from wtforms import Field
from wtforms.validators import ValidationError
from wtforms.widgets import TextInput

from .clock import clock_text, day_text

DAY_FIRST = re.compile(r"(\d{1,2})([-/.])(\d{1,2})\2(\d{4})")
ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
CLOCK = re.compile(r"(\d{1,2})[.:](\d{2})")
SHOWN_MAX = 20  # of what was typed, repeated in a message

DAY_HINT = _l("hh-bb-tttt")
CLOCK_HINT = _l("jj.mm")


class InputError(ValueError):
    """Text that is not a day or a time; str() is the message for the person who typed it."""


def _shown(text: str) -> str:
    return text if len(text) <= SHOWN_MAX else text[:SHOWN_MAX] + "…"


def parse_day(text: str) -> date:
    """The day written as dd-mm-yyyy (or with / or .), or as ISO yyyy-mm-dd; raises InputError."""
    text = text.strip()
    if match := DAY_FIRST.fullmatch(text):
        day, _sep, month, year = match.groups()
    elif match := ISO_DAY.fullmatch(text):
        year, month, day = match.groups()
    else:
        raise InputError(_("Format tanggal tidak dikenal: %(text)s. Tulis hh-bb-tttt, mis. 25-12-2026.",
                             text=_shown(text)))
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise InputError(_("%(text)s bukan tanggal yang ada.", text=_shown(text))) from None


def parse_clock(text: str) -> time:
    """The time of day written as HH.MM or HH:MM on the 24-hour clock; raises InputError."""
    text = text.strip()
    match = CLOCK.fullmatch(text)
    if not match:
        raise InputError(_("Format jam tidak dikenal: %(text)s. Tulis jam 24 jam, mis. 08.00 atau 14.30.",
                             text=_shown(text)))
    hour, minute = map(int, match.groups())
    if hour > 23 or minute > 59:
        raise InputError(_("%(text)s bukan jam yang benar (00.00 sampai 23.59).", text=_shown(text)))
    return time(hour, minute)


class _TypedField(Field):
    """A text input for a value typed in a fixed form, with that form as its description (shown
    beside the label by _macros.field, not as a placeholder that looks like a value); what was
    typed stays on an error."""

    widget = TextInput()
    hint = None

    def __init__(self, label=None, validators=None, required=False, **kwargs):
        kwargs.setdefault("description", self.hint)
        super().__init__(label, validators, **kwargs)
        self.required = required

    def __call__(self, **kwargs):
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("spellcheck", "false")
        return super().__call__(**kwargs)

    def _value(self):
        if self.raw_data and (self.errors or self.process_errors):
            return self.raw_data[0]
        return self.show(self.data) if self.data is not None else (self.raw_data[0] if self.raw_data else "")

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip()
        self.data = None
        if text:
            try:
                self.data = self.parse(text)
            except InputError as error:
                raise ValueError(str(error)) from None

    def pre_validate(self, form):
        if self.required and self.data is None and not self.process_errors:
            raise ValidationError(str(self.missing))


class DayField(_TypedField):
    """A day typed as dd-mm-yyyy (see parse_day); data is a date or None when left empty."""

    hint = DAY_HINT
    missing = _l("Isi tanggal.")
    parse = staticmethod(parse_day)
    show = staticmethod(day_text)


class ClockField(_TypedField):
    """A time typed as HH.MM or HH:MM (see parse_clock); data is a time or None when left empty."""

    hint = CLOCK_HINT
    missing = _l("Isi jam.")
    parse = staticmethod(parse_clock)
    show = staticmethod(clock_text)

