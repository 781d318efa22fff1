"""The citizen satisfaction survey: the IKM formula and grades (PermenPANRB 14/2017), the rules
of an answer, and the kiosk and phone surveys through HTTP."""
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from mpp_app.domain import survey
from mpp_app.models import Counter, SurveyResponse

from .conftest import at


def test_ikm_worked_example():
    # Four questionnaires, answers for U1..U9 (computed by hand):
    answers = [
        [4, 3, 3, 4, 3, 4, 4, 3, 2],
        [3, 3, 2, 4, 3, 3, 4, 3, 3],
        [4, 4, 3, 4, 4, 4, 4, 4, 3],
        [3, 3, 3, 4, 3, 4, 3, 3, 2],
    ]
    sums = [sum(column) for column in zip(*answers)]  # 14 13 11 16 13 15 15 13 10
    index = survey.index_from(sums, 4)
    # NRRs 3.5 3.25 2.75 4 3.25 3.75 3.75 3.25 2.5; mean 30/9 = 3.3333; x 25 = 83.33
    assert index.nrr[0] == Decimal("3.500") and index.nrr[8] == Decimal("2.500")
    assert index.value == Decimal("83.33") and (index.grade, index.label) == ("B", "Baik")
    rounded_weight = sum(Decimal(s) / 4 * Decimal("0.11") for s in sums) * 25
    assert rounded_weight.quantize(Decimal("0.01")) == Decimal("82.50")  # what the 0,11 shortcut would report


@pytest.mark.parametrize("value, letter", [
    ("25.00", "D"), ("64.99", "D"), ("64.994", "D"), ("64.995", "C"), ("65.00", "C"), ("76.60", "C"),
    ("76.61", "B"), ("88.30", "B"), ("88.31", "A"), ("100.00", "A"),
])
def test_grade_boundaries(value, letter):
    assert survey.grade(Decimal(value))[0] == letter


def test_no_respondents():
    index = survey.index_from([0] * 9, 0)
    assert index.respondents == 0 and index.value is None


def test_submit_rules(session, desk):
    waiting = desk(at(8, 0), None)
    answers = {code: "4" for code in survey.CODES}
    with pytest.raises(survey.NotFinishedError):
        survey.submit(session, waiting, answers, "phone")
    done = desk(at(8, 1), at(8, 2), at(8, 3), at(8, 9))
    with pytest.raises(survey.SurveyAnswerError) as missing:
        survey.submit(session, done, {**answers, "u7": ""}, "phone")
    assert "U7 belum dijawab" in str(missing.value)
    with pytest.raises(survey.SurveyAnswerError):
        survey.submit(session, done, {**answers, "u2": "5"}, "phone")
    response = survey.submit(session, done, answers, "phone", comment="  Bagus ", profile={"sex": "P", "age_band": "99"})
    assert response.comment == "Bagus" and response.sex == "P" and response.age_band is None
    with pytest.raises(survey.AlreadyAnsweredError):
        survey.submit(session, done, answers, "kiosk")
    assert session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    assert not hasattr(SurveyResponse, "visitor_name")  # anonymous by construction


def test_kiosk_ticket_is_latest_unanswered_within_window(session, desk):
    first = desk(at(8, 0), at(8, 1), at(8, 2), at(8, 5))
    second = desk(at(8, 6), at(8, 7), at(8, 8), at(8, 10))
    assert survey.kiosk_ticket(session, 1, now=at(8, 11)).id == second.id
    survey.submit(session, second, {c: "3" for c in survey.CODES}, "kiosk")
    assert survey.kiosk_ticket(session, 1, now=at(8, 11)).id == first.id
    assert survey.kiosk_ticket(session, 1, now=at(8, 30)) is None  # more than 15 minutes later


def test_kiosk_flow(client, session, desk, app):
    app.config["MPP_FROZEN_NOW"] = at(8, 12).isoformat()
    done = desk(at(8, 0), at(8, 1), at(8, 2), at(8, 10))
    token = session.get(Counter, 1).kiosk_token
    page = client.get(f"/survey/kiosk/{token}").get_data(as_text=True)
    assert "A-001" in page and "U9" in page and "Yohanes" not in page
    csrf = page.split('name="csrf-token" content="')[1].split('"')[0]
    headers = {"X-CSRFToken": csrf, "HX-Request": "true"}
    partial = client.post(f"/survey/kiosk/{token}", data={"ticket_id": done.id, "u1": "4"}, headers=headers)
    assert partial.status_code == 422 and "belum dijawab" in partial.get_data(as_text=True)
    answers = {code: "4" for code in survey.CODES}
    thanks = client.post(f"/survey/kiosk/{token}", data={"ticket_id": done.id, **answers}, headers=headers)
    assert thanks.status_code == 200 and "Terima kasih" in thanks.get_data(as_text=True)
    assert 'hx-trigger="load delay:5s"' in thanks.get_data(as_text=True)  # resets itself
    again = client.post(f"/survey/kiosk/{token}", data={"ticket_id": done.id, **answers}, headers=headers)
    assert again.status_code == 409
    assert session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    assert client.get("/survey/kiosk/bukan-token").status_code == 404


def test_phone_survey_from_ticket_status(client, session, desk):
    done = desk(at(8, 0), at(8, 1), at(8, 2), at(8, 10))
    status = client.get(f"/t/{done.public_token}").get_data(as_text=True)
    assert f"/t/{done.public_token}/survey" in status
    form = client.get(f"/t/{done.public_token}/survey").get_data(as_text=True)
    csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
    answers = {code: "3" for code in survey.CODES}
    posted = client.post(f"/t/{done.public_token}/survey", data={"csrf_token": csrf, **answers})
    assert posted.status_code == 200 and "sudah kami terima" in posted.get_data(as_text=True)
    ikm = client.get("/ikm?year=2026").get_data(as_text=True)
    assert "75.00" in ikm and "Mutu C" in ikm and "1 responden" in ikm
