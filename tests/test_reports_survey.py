"""Reports on constructed histories, the IKM formula and grades, and the survey through HTTP."""
import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from mpp_app.reports import charts
from mpp_app.domain import counter_actions, counter_sessions, reports, survey, tickets
from mpp_app.models import Counter, SurveyResponse, Ticket, User

from .conftest import agency_by_code

WITA = ZoneInfo("Asia/Makassar")
MONDAY = date(2026, 11, 30)


def at(hh, mm=0, ss=0, day=MONDAY):
    return datetime.combine(day, time(hh, mm, ss), tzinfo=WITA)


def user(session, name):
    return session.scalar(select(User).where(User.username == name))


@pytest.fixture
def desk(session):
    """Loket 1 of Dukcapil opened by `petugas`, and a helper that runs one visitor through it."""
    officer = user(session, "petugas")
    counter_sessions.open_counter(session, 1, officer, now=at(8))
    service = agency_by_code(session, "DUKCAPIL").services[0]  # expected 15 minutes

    def visit(arrive, call, start=None, finish=None, outcome="done", priority=None):
        ticket = tickets.issue_ticket(session, service_id=service.id, visitor_name="V", priority=priority,
                                    now=arrive).ticket
        if call is None:
            return ticket
        counter_actions.call_ticket(session, 1, ticket.id, officer, now=call)
        if outcome == "no_show":
            return counter_actions.mark_no_show(session, 1, officer, 0, now=start)
        counter_actions.start_serving(session, 1, officer, now=start)
        if outcome == "transfer":
            return counter_actions.transfer(session, 1, officer, agency_by_code(session, "BAPENDA").services[0].id, now=finish)
        return counter_actions.finish(session, 1, officer, now=finish)

    return visit


# --- statistics -----------------------------------------------------------------------------

def test_empty_range(session):
    figures = reports.summary(session, reports.Filters(MONDAY, MONDAY))
    assert (figures.issued, figures.served, figures.waiting.median, figures.within_expected_share) == (0, 0, None, None)
    assert reports.by_group(session, reports.Filters(MONDAY, MONDAY), "agency") == []
    assert reports.arrivals_heatmap(session, reports.Filters(MONDAY, MONDAY))[0][9] == 0


def test_summary_of_a_constructed_day(session, desk):
    desk(at(8, 0), at(8, 10), at(8, 11), at(8, 21))  # wait 10, service 10
    desk(at(8, 5), at(8, 25), at(8, 26), at(8, 56))  # wait 20, service 30 (beyond the 15 expected)
    desk(at(9, 0), at(9, 30), at(9, 31), at(9, 36))  # wait 30, service 5
    desk(at(9, 10), at(9, 40), at(9, 41), outcome="no_show")  # wait 30
    desk(at(10, 0), at(10, 2), at(10, 3), at(10, 8), outcome="transfer")  # wait 2, then waits at Bapenda
    cancelled = desk(at(10, 30), None)
    tickets.cancel_ticket(session, cancelled.id, "pulang", user(session, "resepsionis"), now=at(10, 40))
    figures = reports.summary(session, reports.Filters(MONDAY, MONDAY))
    assert (figures.issued, figures.served, figures.no_show, figures.cancelled, figures.transferred) == (6, 3, 1, 1, 1)
    assert figures.waiting.count == 5 and figures.waiting.mean == pytest.approx((10 + 20 + 30 + 30 + 2) / 5)
    assert figures.waiting.median == 20 and figures.waiting.p90 == 30
    assert figures.service.count == 3 and figures.service.median == 10 and figures.service.p90 == 30
    assert figures.within_expected == 2 and figures.within_expected_share == pytest.approx(2 / 3)


def test_transferred_ticket_counts_in_its_final_queue(session, desk):
    desk(at(8, 0), at(8, 5), at(8, 6), at(8, 10), outcome="transfer")
    by_agency = {row.name: row.figures for row in reports.by_group(session, reports.Filters(MONDAY, MONDAY), "agency")}
    assert by_agency["Bapenda"].issued == 1 and by_agency["Bapenda"].transferred == 1
    assert "Dukcapil" not in by_agency
    moved = session.scalar(select(Ticket))
    assert moved.wait_seconds == 300  # the first call stays the waiting time


def test_service_spanning_a_break_counts_wall_time(session, desk):
    done = desk(at(11, 50), at(11, 55), at(11, 58), at(13, 5))
    assert done.service_seconds == 67 * 60


def test_by_officer_counter_and_service(session, desk):
    desk(at(8, 0), at(8, 1), at(8, 2), at(8, 12))
    f = reports.Filters(MONDAY, MONDAY)
    officers = reports.by_group(session, f, "officer")
    assert [(row.name, row.figures.served) for row in officers] == [("Petugas", 1)]
    assert reports.by_group(session, f, "counter")[0].name == "Loket 1"
    assert reports.by_group(session, f, "service")[0].name.startswith("KTP-el baru")
    assert reports.summary(session, reports.Filters(MONDAY, MONDAY, officer_id=user(session, "petugas").id)).served == 1
    assert reports.summary(session, reports.Filters(MONDAY, MONDAY, agency_id=agency_by_code(session, "PLN").id)).issued == 0


def test_per_day_and_heatmap(session, desk):
    desk(at(8, 0), at(8, 1), at(8, 2), at(8, 12))
    desk(at(9, 30), None)
    desk(at(9, 45), None)
    desk(at(8, 20, day=MONDAY + timedelta(days=1)), None)
    f = reports.Filters(MONDAY, MONDAY + timedelta(days=1))
    assert [(d, i, int(s)) for d, i, s in reports.per_day(session, f)] == [(MONDAY, 3, 1), (MONDAY + timedelta(days=1), 1, 0)]
    grid = reports.arrivals_heatmap(session, f)
    assert grid[0][8] == 1 and grid[0][9] == 2 and grid[1][8] == 1 and sum(map(sum, grid)) == 4


def test_durations_nearest_rank():
    d = reports.Durations.of([60 * m for m in range(1, 11)])
    assert (d.mean, d.median, d.p90) == (5.5, 5.5, 9)
    assert reports.Durations.of([120]).p90 == 2


# --- IKM ----------------------------------------------------------------------------------

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


# --- through HTTP ---------------------------------------------------------------------------

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


def test_report_pages_and_exports(staff, session, desk):
    desk(at(8, 0), at(8, 10), at(8, 11), at(8, 21))
    manager = staff.login("manager")
    page = manager.get("/reports/?start=2026-11-30&end=2026-11-30").get_data(as_text=True)
    assert 'data-figure="issued">1<' in page and "<svg" in page and "Dukcapil" in page
    assert "<title>Diterbitkan 30/11: 1</title></circle>" in page
    exported = manager.get("/reports/export.csv?start=2026-11-30&end=2026-11-30")
    rows = list(csv.reader(io.StringIO(exported.get_data().decode("utf-8-sig"))))
    assert rows[1][:3] == ["Kelompok", "Diterbitkan", "Dilayani"] and rows[2][:3] == ["Dukcapil", "1", "1"]
    assert "attachment" in exported.headers["Content-Disposition"]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(manager.get("/reports/export.xlsx?start=2026-11-30&end=2026-11-30").get_data()))
    assert book.sheetnames == ["Kinerja", "Harian", "SKM"] and book["Kinerja"]["B3"].value == 1
    for query, message in [("start=2026-13-01", "Tanggal tidak valid"), ("start=2026-12-02&end=2026-12-01", "sebelum"),
                           ("start=2020-01-01&end=2026-01-01", "paling lama"), ("by=planet", "Pengelompokan"),
                           ("agency=NOPE", "tidak dikenal"), ("service=abc", "tidak valid")]:
        response = manager.get(f"/reports/?{query}")
        assert response.status_code == 422 and message in response.get_data(as_text=True), query


def test_trend_chart_marks_each_day_so_a_single_day_shows():
    one = charts.trend([date(2026, 11, 30)], {"Diterbitkan": [5], "Dilayani": [0]})
    issued, served = one["lines"]
    assert issued.dots == ((320.0, 32.0, date(2026, 11, 30), 5),) and served.dots[0][1] == 188.0
    month = [date(2026, 11, 1) + timedelta(days=n) for n in range(30)]
    line = charts.trend(month, {"Diterbitkan": list(range(30))})["lines"][0]
    assert len(line.dots) == 30 and line.dots[0][0] == charts.PAD and line.dots[-1][0] == charts.WIDTH - charts.PAD
    year = [date(2026, 1, 1) + timedelta(days=n) for n in range(365)]
    assert charts.trend(year, {"Diterbitkan": [1] * 365})["lines"][0].dots == ()


def test_officer_sees_only_own_agency(staff, session, desk):
    desk(at(8, 0), at(8, 10), at(8, 11), at(8, 21))
    other = staff.login("petugas2")  # Bapenda
    page = other.get("/reports/?start=2026-11-30&end=2026-11-30&agency=DUKCAPIL").get_data(as_text=True)
    assert 'data-figure="issued">0<' in page
    assert "Tidak ada tiket pada periode ini" in other.get("/reports/today").get_data(as_text=True)
