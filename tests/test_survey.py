"""The citizen satisfaction survey: the IKM formula and grades (PermenPANRB 14/2017), the rules
of an answer, and the kiosk and phone surveys through HTTP."""
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from mpp_app.domain import survey
from mpp_app.models import Counter, SurveyResponse

from .conftest import at
from .test_html_valid import check


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
    assert str(missing.value) == "Pertanyaan 7 belum dijawab."
    with pytest.raises(survey.SurveyAnswerError) as outside:
        survey.submit(session, done, {**answers, "u2": "5"}, "phone")  # not one of the four answers
    assert outside.value.gaps == [2] and outside.value.status == 422
    response = survey.submit(session, done, answers, "phone", comment="  Bagus ", profile={"sex": "P", "age_band": "99"})
    assert response.comment == "Bagus" and response.sex == "P" and response.age_band is None
    with pytest.raises(survey.AlreadyAnsweredError):
        survey.submit(session, done, answers, "kiosk")
    assert session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    assert not hasattr(SurveyResponse, "visitor_name")  # anonymous by construction


def test_every_gap_is_named_once(app):
    with app.test_request_context():
        assert str(survey.SurveyAnswerError([2, 5])) == "Pertanyaan 2 dan 5 belum dijawab."
        assert str(survey.SurveyAnswerError([2, 5, 7])) == "Pertanyaan 2, 5, dan 7 belum dijawab."
    assert survey.gaps({"u1": "4", "u2": "", "u3": 3, "u4": "0", "u5": "x", "u6": "4", "u7": "1", "u8": "2"}) == [2, 4, 5, 9]


@pytest.mark.parametrize("given, screen, back, expected", [
    ({}, "u1", False, "u1"),                       # no answer tapped: the same question again
    ({"u1": "3"}, "u1", False, "u2"),
    ({"u1": "3"}, "u2", True, "u1"),
    ({}, "u1", True, "u1"),                        # nothing before the first question
    (ALL := {c: "2" for c in survey.CODES}, "u9", False, "end"),
    (ALL, "end", True, "u9"),
    ({**ALL, "u6": ""}, "u3", False, "u6"),        # went back to change u3: returns where it was
    ({**ALL, "u2": "", "u5": ""}, "u2", False, "u2"),
    ({**ALL, "u5": ""}, "u2", False, "u5"),        # a named gap, then the next one
    ({**ALL, "u2": ""}, "u5", False, "u2"),        # then one left before
    ({**ALL, "u2": ""}, "bogus", False, "u2"),       # an unknown screen: the first question left
])
def test_next_screen(given, screen, back, expected):
    assert survey.next_screen(given, screen, back=back) == expected


def test_kiosk_ticket_is_the_latest_finished_while_unanswered(session, desk):
    desk(at(8, 0), at(8, 1), at(8, 2), at(8, 5))
    second = desk(at(8, 6), at(8, 7), at(8, 8), at(8, 10))
    assert survey.kiosk_ticket(session, 1, now=at(8, 11)).id == second.id
    survey.submit(session, second, {c: "3" for c in survey.CODES}, "kiosk")
    # The earlier citizen has left: the tablet invites the next one instead of asking about them.
    assert survey.kiosk_ticket(session, 1, now=at(8, 11)) is None
    third = desk(at(8, 12), at(8, 13), at(8, 14), at(8, 16))
    assert survey.kiosk_ticket(session, 1, now=at(8, 20)).id == third.id
    assert survey.kiosk_ticket(session, 1, now=at(8, 32)) is None  # more than 15 minutes later


def test_kiosk_survey_accepts_the_screen_it_was_opened_for(session, desk):
    first = desk(at(8, 0), at(8, 1), at(8, 2), at(8, 5))
    second = desk(at(8, 6), at(8, 7), at(8, 8), at(8, 10))
    # The officer finished the next citizen while the first was still answering: still counted.
    assert survey.kiosk_survey(session, 1, str(first.id), now=at(8, 11)).id == first.id
    with pytest.raises(survey.StaleSurveyError):
        survey.kiosk_survey(session, 1, str(first.id), now=at(8, 21))  # left for more than 15 minutes
    with pytest.raises(survey.StaleSurveyError):
        survey.kiosk_survey(session, 2, str(second.id), now=at(8, 11))  # another counter's ticket
    for bogus in ("", "abc", "-1", "9" * 30):
        with pytest.raises(survey.StaleSurveyError):
            survey.kiosk_survey(session, 1, bogus, now=at(8, 11))
    survey.submit(session, second, {c: "3" for c in survey.CODES}, "kiosk")
    with pytest.raises(survey.AlreadyAnsweredError):
        survey.kiosk_survey(session, 1, str(second.id), now=at(8, 11))


HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def form_fields(body):
    """What a browser without JavaScript posts from the survey screen: its hidden fields."""
    return dict(HIDDEN.findall(body))


def progress(body):
    return re.search(r'id="survey-progress-text">([^<]+)<', body).group(1)


def test_kiosk_one_question_per_swap_back_keeps_answers_and_counts_once(client, session, desk, app):
    app.config["MPP_FROZEN_NOW"] = at(8, 12).isoformat()
    done = desk(at(8, 0), at(8, 1), at(8, 2), at(8, 10))
    token = session.get(Counter, 1).kiosk_token
    url = f"/survey/kiosk/{token}"
    page = client.get(url).get_data(as_text=True)
    assert "A-001" in page and "Yohanes" not in page and page.count('name="answer"') == 4
    assert progress(page) == "Pertanyaan 1 dari 9" and '<progress max="9" value="0"' in page
    assert 'href="/static/css/survey.css"' in page
    check(page, "kiosk question 1")
    headers = {"HX-Request": "true"}
    fields = form_fields(page)
    for number, answer in enumerate([4, 3, 2], 1):
        swap = client.post(url, data={**fields, "answer": str(answer)}, headers=headers)
        body = swap.get_data(as_text=True)
        assert swap.status_code == 200 and body.startswith("<section id=\"kiosk\"") and "<html" not in body
        assert progress(body) == f"Pertanyaan {number + 1} dari 9"
        fields = form_fields(body)
    assert {k: fields[k] for k in ("u1", "u2", "u3")} == {"u1": "4", "u2": "3", "u3": "2"}
    back = client.post(url, data={**fields, "nav": "back"}, headers=headers).get_data(as_text=True)
    assert progress(back) == "Pertanyaan 3 dari 9" and form_fields(back)["u1"] == "4"
    assert 'value="2" class="answer-button level-2 chosen"' in back and "Pilihan Anda" in back
    check(back, "kiosk question, answered before", fragment=True)
    fields = form_fields(back)
    for answer in [1, 3, 3, 4, 4, 4, 4]:  # u3 changed to 1, then u4..u9
        fields = form_fields(client.post(url, data={**fields, "answer": str(answer)}, headers=headers).get_data(as_text=True))
    assert fields["step"] == "end"
    last = client.post(url, data={**fields, "nav": "back"}, headers=headers).get_data(as_text=True)
    assert progress(last) == "Pertanyaan 9 dari 9"
    check(client.post(url, data=fields, headers=headers).get_data(as_text=True), "kiosk last screen", fragment=True)
    fields = form_fields(client.post(url, data={**form_fields(last), "answer": "4"}, headers=headers).get_data(as_text=True))
    send = {**fields, "nav": "send", "comment": "Cepat", "sex": "P"}
    thanks = client.post(url, data=send, headers=headers)
    assert thanks.status_code == 200 and "Terima kasih" in thanks.get_data(as_text=True)
    assert 'hx-trigger="load delay:8s"' in thanks.get_data(as_text=True)  # back to the invitation
    check(thanks.get_data(as_text=True), "kiosk thanks", fragment=True)
    again = client.post(url, data=send, headers=headers)  # a double tap on send
    assert again.status_code == 409 and "sudah diisi" in again.get_data(as_text=True)
    stored = session.scalars(select(SurveyResponse)).all()
    assert len(stored) == 1 and stored[0].ticket_id == done.id and stored[0].channel == "kiosk"
    assert [getattr(stored[0], code) for code in survey.CODES] == [4, 3, 1, 3, 3, 4, 4, 4, 4]
    assert (stored[0].comment, stored[0].sex) == ("Cepat", "P")
    assert survey.compute_index(session, at(8).date(), at(8).date()).value == Decimal("83.33")  # 30/9 x 25
    idle = client.get(url).get_data(as_text=True)
    assert "Silakan isi survei kepuasan" in idle and 'hx-trigger="every 5s"' in idle
    assert 'http-equiv="refresh" content="5;' in idle  # without JavaScript too
    check(idle, "kiosk invitation")
    assert client.get("/survey/kiosk/bukan-token").status_code == 404


def test_incomplete_answers_name_every_gap_once_and_keep_the_rest(client, session, desk, app):
    app.config["MPP_FROZEN_NOW"] = at(8, 12).isoformat()
    done = desk(at(8, 0), at(8, 1), at(8, 2), at(8, 10))
    token = session.get(Counter, 1).kiosk_token
    fields = form_fields(client.get(f"/survey/kiosk/{token}").get_data(as_text=True))
    given = {code: "3" for code in survey.CODES if code not in ("u2", "u5")}
    # The whole questionnaire posted at once (a stale page, a hand-made request), without JavaScript.
    refused = client.post(f"/survey/kiosk/{token}", data={"csrf_token": fields["csrf_token"], "ticket_id": done.id,
                                                          **given, "comment": "ramah"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "<html" in body
    assert body.count("Pertanyaan 2 dan 5 belum dijawab.") == 1 and body.count("belum dijawab") == 1
    assert progress(body) == "Pertanyaan 2 dari 9"
    check(body, "kiosk gaps")
    kept = form_fields(body)
    assert {code: kept.get(code) for code in given} == given and kept["comment"] == "ramah"
    after_two = client.post(f"/survey/kiosk/{token}", data={**kept, "answer": "4"}).get_data(as_text=True)
    assert progress(after_two) == "Pertanyaan 5 dari 9" and "belum dijawab" not in after_two
    last = client.post(f"/survey/kiosk/{token}", data={**form_fields(after_two), "answer": "4"}).get_data(as_text=True)
    assert "Langkah terakhir" in last and ">ramah</textarea>" in last
    sent = client.post(f"/survey/kiosk/{token}", data={**form_fields(last), "comment": "ramah", "nav": "send"})
    assert sent.status_code == 200 and "Terima kasih" in sent.get_data(as_text=True)
    assert 'content="8;url=/survey/kiosk/' in sent.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


def test_stale_kiosk_screen_is_refused_with_the_current_state(client, session, desk, app):
    app.config["MPP_FROZEN_NOW"] = at(8, 40).isoformat()
    desk(at(8, 0), at(8, 1), at(8, 2), at(8, 10))
    token = session.get(Counter, 1).kiosk_token
    idle = client.get(f"/survey/kiosk/{token}").get_data(as_text=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', idle).group(1)
    old = client.post(f"/survey/kiosk/{token}", data={"ticket_id": "1", "step": "u1", "answer": "4"},
                      headers={"HX-Request": "true", "X-CSRFToken": csrf})
    assert old.status_code == 409 and "Sesi survei sudah berganti" in old.get_data(as_text=True)
    assert "Silakan isi survei kepuasan" in old.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
    for odd in ("²", "١", "99999999999", "-1", "1.0", ""):
        refused = client.post(f"/survey/kiosk/{token}", data={"ticket_id": odd, "step": "u1", "answer": "4"},
                              headers={"HX-Request": "true", "X-CSRFToken": csrf})
        assert refused.status_code == 409, odd


def test_phone_survey_step_by_step_without_javascript(client, session, desk):
    done = desk(at(8, 0), at(8, 1), at(8, 2), at(8, 10))
    status = client.get(f"/t/{done.public_token}").get_data(as_text=True)
    assert f"/t/{done.public_token}/survey" in status
    url = f"/t/{done.public_token}/survey"
    body = client.get(url).get_data(as_text=True)
    assert progress(body) == "Pertanyaan 1 dari 9" and "ticket_id" not in body
    for number in range(1, 10):
        response = client.post(url, data={**form_fields(body), "answer": "3"})
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and "<html" in body  # a whole page each step
    assert "Langkah terakhir" in body
    check(body, "phone last screen")
    posted = client.post(url, data={**form_fields(body), "nav": "send"})
    assert posted.status_code == 200 and "sudah kami terima" in posted.get_data(as_text=True)
    again = client.post(url, data={**form_fields(body), "nav": "send"})
    assert "sudah kami terima" in again.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    ikm = client.get("/ikm?year=2026").get_data(as_text=True)
    assert "Mutu C" in ikm and "1 responden" in ikm


def test_phone_swaps_one_partial_with_htmx(client, session, desk):
    done = desk(at(8, 0), at(8, 1), at(8, 2), at(8, 10))
    url = f"/t/{done.public_token}/survey"
    fields = form_fields(client.get(url).get_data(as_text=True))
    swap = client.post(url, data={**fields, "answer": "2"}, headers={"HX-Request": "true"})
    body = swap.get_data(as_text=True)
    assert body.startswith('<section id="survey"') and "<html" not in body and progress(body) == "Pertanyaan 2 dari 9"
    assert "HX-Request" in swap.headers.get("Vary", "")
