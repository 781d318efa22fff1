"""A citizen answers the survey after being served: on the counter's tablet (one question per screen,
large buttons, progress, Back) and on a phone, with and without JavaScript; and it is counted once."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from mpp_app.domain import tickets
from mpp_app.models import Counter, SurveyResponse

from ..conftest import PASSWORD, agency_by_code, at
from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser

TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}


def tap(screen, label):
    """Touch the answer whose words are exactly `label` (or the n-th answer, counting from 1)."""
    buttons = screen.locator("#kiosk .answer-button, #survey .answer-button")
    if isinstance(label, int):
        buttons.nth(label - 1).click()
    else:
        buttons.filter(has=screen.get_by_text(label, exact=True)).click()


def test_finish_answer_on_kiosk_and_see_it_counted(live_server, browser, page, session):
    service = agency_by_code(session, "DUKCAPIL").services[0]
    tickets.issue_ticket(session, service_id=service.id, visitor_name="Warga")
    kiosk_token = session.scalar(select(Counter.kiosk_token).where(Counter.number == 1))
    tablet = browser.new_page(viewport=TABLET)
    tablet.goto(f"{live_server}/survey/kiosk/{kiosk_token}")
    expect(tablet.locator("#kiosk h1")).to_have_text("Silakan isi survei kepuasan kami")
    screenshot(tablet, "survey-kiosk-idle")

    log_in(page, live_server, "petugas", PASSWORD)
    page.goto(f"{live_server}/counters/")
    page.locator("tr", has_text="Loket 1").locator("button", has_text="Buka loket ini").click()
    page.wait_for_load_state("load")
    page.keyboard.press("n")
    expect(page.locator("#current-ticket .current-number")).to_have_text("A-001")
    page.keyboard.press("m")
    expect(page.locator("#current-ticket")).to_contain_text("sedang dilayani")
    page.locator("#current-ticket button", has_text="Selesai").click()
    expect(page.locator("#current-ticket")).to_contain_text("Belum ada tiket yang dipanggil")

    expect(tablet.locator("#kiosk")).to_contain_text("A-001", timeout=8000)  # the tablet polls every 5 s
    expect(tablet.locator("#survey-progress-text")).to_have_text("Pertanyaan 1 dari 9")
    buttons = tablet.locator("#kiosk .answer-button")
    expect(buttons).to_have_count(4)
    for box in (buttons.nth(i).bounding_box() for i in range(4)):
        assert box["width"] >= 200 and box["height"] >= 120  # a fingertip at arm's length
    assert tablet.locator("#kiosk .back-button").count() == 0  # nothing before the first question
    screenshot(tablet, "survey-kiosk-question-1")

    for label in ("Sangat sesuai", "Sangat mudah", "Sangat cepat", "Gratis"):
        tap(tablet, label)
    expect(tablet.locator("#survey-progress-text")).to_have_text("Pertanyaan 5 dari 9")
    assert tablet.locator("#kiosk progress").get_attribute("value") == "4"
    screenshot(tablet, "survey-kiosk-question-5")
    tablet.locator("#kiosk .back-button").click()  # change the answer about the fee
    expect(tablet.locator("#survey-progress-text")).to_have_text("Pertanyaan 4 dari 9")
    expect(tablet.locator("#kiosk .answer-button.chosen")).to_contain_text("Gratis")
    tap(tablet, "Murah")
    expect(tablet.locator("#survey-progress-text")).to_have_text("Pertanyaan 5 dari 9")  # where it was
    for label in ("Sangat sesuai", "Sangat kompeten", "Sangat sopan dan ramah", "Sangat baik", "Dikelola dengan baik"):
        tap(tablet, label)
    expect(tablet.locator("#survey-progress-text")).to_have_text("Langkah terakhir")
    tablet.fill("#comment", "Pelayanan cepat, terima kasih")
    screenshot(tablet, "survey-kiosk-last-screen")
    tablet.locator("#kiosk .send-button").click()
    expect(tablet.locator("#kiosk h1")).to_have_text("Terima kasih atas penilaian Anda!")
    screenshot(tablet, "survey-kiosk-thanks")
    # After 8 seconds the tablet invites the next citizen again.
    expect(tablet.locator("#kiosk h1")).to_have_text("Silakan isi survei kepuasan kami", timeout=12000)
    session.rollback()  # read what the server wrote since
    answers = session.execute(select(SurveyResponse.u4, SurveyResponse.u1, SurveyResponse.comment)).all()
    assert answers == [(3, 4, "Pelayanan cepat, terima kasih")]

    manager_context = browser.new_context()
    manager = manager_context.new_page()
    log_in(manager, live_server, "manager", PASSWORD)
    manager.goto(f"{live_server}/reports/?start=2026-11-30&end=2026-11-30")
    # (4 x 8 + 3) / 9 x 25 = 97.22
    expect(manager.locator(".ikm-value")).to_contain_text(re.compile(r"97[.,]22"))
    expect(manager.locator(".ikm-value")).to_contain_text("1 responden")
    manager_context.close()
    tablet.close()


def test_kiosk_names_every_gap_of_a_stale_screen(live_server, browser, session, desk):
    desk(at(9, 40), at(9, 41), at(9, 42), at(9, 55))  # the app's clock reads 10:00
    kiosk_token = session.scalar(select(Counter.kiosk_token).where(Counter.number == 1))
    tablet = browser.new_page(viewport=TABLET)
    tablet.goto(f"{live_server}/survey/kiosk/{kiosk_token}")
    for number in range(1, 10):
        expect(tablet.locator("#survey-progress-text")).to_have_text(f"Pertanyaan {number} dari 9")
        tap(tablet, 3)
    expect(tablet.locator("#survey-progress-text")).to_have_text("Langkah terakhir")
    # A screen that lost two answers (an old copy, a hand-made post): the server must name both.
    tablet.locator('#kiosk input[name="u2"], #kiosk input[name="u5"]').evaluate_all("inputs => inputs.forEach(i => i.remove())")
    tablet.locator("#kiosk .send-button").click()
    expect(tablet.locator("#kiosk .survey-error")).to_have_text("Pertanyaan 2 dan 5 belum dijawab.")
    expect(tablet.locator("#survey-progress-text")).to_have_text("Pertanyaan 2 dari 9")
    screenshot(tablet, "survey-kiosk-gaps")
    tap(tablet, "Sangat mudah")
    expect(tablet.locator("#survey-progress-text")).to_have_text("Pertanyaan 5 dari 9")
    expect(tablet.locator("#kiosk .survey-error")).to_have_count(0)
    tap(tablet, "Sangat sesuai")
    tablet.locator("#kiosk .send-button").click()
    expect(tablet.locator("#kiosk h1")).to_have_text("Terima kasih atas penilaian Anda!")
    session.rollback()
    row = session.execute(select(SurveyResponse.u1, SurveyResponse.u2, SurveyResponse.u5, SurveyResponse.u9)).one()
    assert tuple(row) == (3, 4, 4, 3)
    tablet.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-javascript"])
def test_phone_survey_one_question_per_screen(live_server, browser, session, desk, javascript):
    done = desk(at(9, 0), at(9, 1), at(9, 2), at(9, 20))
    context = browser.new_context(viewport=PHONE, java_script_enabled=javascript, locale="id-ID")
    phone = context.new_page()
    phone.goto(f"{live_server}/t/{done.public_token}")
    phone.locator("a", has_text="Isi survei kepuasan").click()
    expect(phone.locator("#survey-progress-text")).to_have_text("Pertanyaan 1 dari 9")
    for box in (phone.locator("#survey .answer-button").nth(i).bounding_box() for i in range(4)):
        assert box["width"] >= 300 and box["height"] >= 56
    tap(phone, "Sesuai")
    tap(phone, "Mudah")
    expect(phone.locator("#survey-progress-text")).to_have_text("Pertanyaan 3 dari 9")
    if javascript:
        screenshot(phone, "survey-phone-question")
        assert phone.evaluate("window.scrollY") == 0  # the next question is read from its top
    phone.locator("#survey .back-button").click()
    expect(phone.locator("#survey .answer-button.chosen")).to_contain_text("Mudah")
    for label in ("Sangat mudah", "Cepat", "Murah", "Sesuai", "Kompeten", "Sopan dan ramah", "Baik",
                  "Dikelola dengan baik"):
        tap(phone, label)
    phone.locator("#survey .send-button").click()
    expect(phone.locator("#survey")).to_contain_text("penilaian Anda sudah kami terima")
    if javascript:
        screenshot(phone, "survey-phone-thanks")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    assert session.execute(select(SurveyResponse.u2, SurveyResponse.channel)).one() == (4, "phone")
    context.close()
