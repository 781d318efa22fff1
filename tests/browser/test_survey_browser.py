"""A citizen answers the survey on the counter's tablet after being served, and it is counted."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from mpp_app.domain import tickets
from mpp_app.models import Counter

from ..conftest import PASSWORD, agency_by_code
from .conftest import log_in

pytestmark = pytest.mark.browser


def test_finish_answer_on_kiosk_and_see_it_counted(live_server, browser, page, session):
    service = agency_by_code(session, "DUKCAPIL").services[0]
    tickets.issue_ticket(session, service_id=service.id, visitor_name="Warga")
    kiosk_token = session.scalar(select(Counter.kiosk_token).where(Counter.number == 1))
    tablet = browser.new_page(viewport={"width": 1024, "height": 768})
    tablet.goto(f"{live_server}/survey/kiosk/{kiosk_token}")
    expect(tablet.locator("#kiosk")).to_contain_text("setelah layanan Anda selesai")

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
    for n in range(1, 10):
        tablet.locator(f'input[name="u{n}"][value="4"]').check()
    tablet.fill("#comment", "Pelayanan cepat, terima kasih")
    tablet.locator("#kiosk button[type=submit]").click()
    expect(tablet.locator("#kiosk .thanks")).to_contain_text("Terima kasih")
    expect(tablet.locator("#kiosk")).to_contain_text("setelah layanan Anda selesai", timeout=8000)  # reset

    manager_context = browser.new_context()
    manager = manager_context.new_page()
    log_in(manager, live_server, "manager", PASSWORD)
    manager.goto(f"{live_server}/reports/?start=2026-11-30&end=2026-11-30")
    expect(manager.locator(".ikm-value")).to_contain_text("100.00")
    expect(manager.locator(".ikm-value")).to_contain_text("1 responden")
    manager.goto(f"{live_server}/ikm?year=2026")
    expect(manager.locator(".ikm-value")).to_contain_text("100.00 · Mutu A")
    manager_context.close()
    tablet.close()
