"""Days and times typed in one fixed form whatever the browser (mpp_app/inputs.py), and numbers shown
in the reader's language (the public IKM page)."""
from datetime import date, time

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form

from mpp_app.domain import survey
from mpp_app.inputs import ClockField, DayField, InputError, clock_text, day_text, parse_clock, parse_day

from .conftest import Staff, at


@pytest.mark.parametrize("text", ["10-12-2026", "10/12/2026", "10.12.2026", "2026-12-10", " 10-12-2026 "])
def test_days_are_read_day_first(text):
    assert parse_day(text) == date(2026, 12, 10)  # the tenth of December, never the twelfth of October


@pytest.mark.parametrize("text, message", [
    ("31-02-2026", "31-02-2026 bukan tanggal yang ada."),
    ("12/31/2026", "12/31/2026 bukan tanggal yang ada."),  # month first, as an English browser writes it
    ("2026-02-30", "2026-02-30 bukan tanggal yang ada."),
    ("10-12-26", "Format tanggal tidak dikenal: 10-12-26. Tulis hh-bb-tttt, mis. 25-12-2026."),
    ("10-12/2026", "Format tanggal tidak dikenal"),
    ("Dec 10, 2026", "Format tanggal tidak dikenal"),
    ("1" * 40, "Format tanggal tidak dikenal: " + "1" * 20 + "…."),
])
def test_days_that_are_not_days(app, text, message):
    with app.test_request_context():
        with pytest.raises(InputError) as refused:
            parse_day(text)
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize("text, expected", [("08.00", time(8)), ("8:05", time(8, 5)), ("23.59", time(23, 59)),
                                            ("00:00", time(0)), ("14.30", time(14, 30))])
def test_times_are_read_on_the_24_hour_clock(text, expected):
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text, message", [
    ("25.00", "25.00 bukan jam yang benar (00.00 sampai 23.59)."),
    ("12:60", "12:60 bukan jam yang benar"),
    ("8:00 PM", "Format jam tidak dikenal: 8:00 PM. Tulis jam 24 jam, mis. 08.00 atau 14.30."),
    ("0800", "Format jam tidak dikenal"),
    ("8", "Format jam tidak dikenal"),
])
def test_times_that_are_not_times(app, text, message):
    with app.test_request_context():
        with pytest.raises(InputError) as refused:
            parse_clock(text)
    assert str(refused.value).startswith(message)


def test_shown_the_way_they_are_typed_in_each_language(app):
    with app.test_request_context():
        assert (day_text(date(2026, 12, 10)), clock_text(time(8, 5))) == ("10-12-2026", "08.05")
    with app.test_request_context():
        from flask import session

        session["language"] = "en"
        assert (day_text(date(2026, 12, 10)), clock_text(time(8, 5))) == ("10-12-2026", "08:05")


class Typed(Form):
    day = DayField("Tanggal", required=True)
    clock = ClockField("Jam")


def test_fields_keep_what_was_typed_and_label_the_form(app):
    with app.test_request_context():
        form = Typed(MultiDict({"day": "31-02-2026", "clock": "25.00"}))
        assert not form.validate()
        assert form.errors == {"day": ["31-02-2026 bukan tanggal yang ada."],
                               "clock": ["25.00 bukan jam yang benar (00.00 sampai 23.59)."]}
        assert 'value="31-02-2026"' in form.day() and 'value="25.00"' in form.clock()
        assert 'type="text"' in form.day() and "placeholder" not in form.day()
        assert str(form.day.description) == "hh-bb-tttt" and str(form.clock.description) == "jj.mm"

        form = Typed(MultiDict({"day": "2026-12-10", "clock": "8:5"}))
        assert not form.validate() and "day" not in form.errors
        assert form.day.data == date(2026, 12, 10) and 'value="10-12-2026"' in form.day()

        form = Typed(MultiDict({"day": "", "clock": ""}))
        assert not form.validate() and form.errors == {"day": ["Isi tanggal."]} and form.clock.data is None


def _ikm_world(session, desk):
    # Two respondents answer 4 to everything, one answers 3: NRR 11/3 = 3.667, IKM 25 x 11/3 = 91.67.
    for minute, answer in ((0, "4"), (10, "4"), (20, "3")):
        done = desk(at(8, minute), at(8, minute + 1), at(8, minute + 2), at(8, minute + 5))
        survey.submit(session, done, {code: answer for code in survey.CODES}, "kiosk")


def test_public_ikm_in_indonesian_and_in_english(client, session, desk):
    _ikm_world(session, desk)
    page = client.get("/ikm?year=2026").get_data(as_text=True)
    assert "91,67 · Mutu A" in page and '<td class="num">3,667</td>' in page and "91.67" not in page
    Staff(client).post("/language", {"language": "en", "next": "/ikm"})
    page = client.get("/ikm?year=2026").get_data(as_text=True)
    assert "91.67" in page and '<td class="num">3.667</td>' in page and "91,67 ·" not in page
