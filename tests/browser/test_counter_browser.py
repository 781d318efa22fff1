"""People clicking at the counters, with the TV board watching."""
import time

import pytest
from playwright.sync_api import expect

from mpp_app.domain import tickets
from mpp_app.domain.accounts import create_user
from mpp_app.models import Role

from ..conftest import PASSWORD, agency_by_code
from .conftest import log_in

pytestmark = pytest.mark.browser


def issue(session, n=1):
    service = agency_by_code(session, "DUKCAPIL").services[0]
    for i in range(n):
        tickets.issue_ticket(session, service_id=service.id, visitor_name=f"Warga {i}")


def open_console(page, base, username, password, counter_number):
    log_in(page, base, username, password)
    page.goto(f"{base}/counters/")
    page.locator("tr", has_text=f"Loket {counter_number}").locator("button", has_text="Buka loket ini").click()
    expect(page.locator("#counter-bar h1")).to_contain_text(f"Loket {counter_number}")
    page.wait_for_load_state("load")  # the deferred shortcut script is in place


def test_call_appears_on_board_within_two_seconds_and_is_announced(live_server, browser, page, session):
    issue(session, 2)
    board = browser.new_page(viewport={"width": 1920, "height": 1080})
    board.goto(f"{live_server}/board/")
    expect(board.locator(".newest-label")).to_have_text("Belum ada panggilan")
    board.click("#sound-toggle")

    open_console(page, live_server, "petugas", PASSWORD, 1)
    page.keyboard.press("n")  # the keyboard shortcut for call next
    expect(page.locator("#current-ticket .current-number")).to_have_text("A-001")
    clicked = time.monotonic()
    expect(board.locator(".newest-number")).to_have_text("A-001", timeout=2000)
    assert time.monotonic() - clicked < 2.0
    expect(board.locator(".counter-tile.highlight .tile-number")).to_have_text("A-001")
    board.wait_for_function("() => window.mppAnnouncements.length === 1")
    assert board.evaluate("window.mppAnnouncements") == [
        "Nomor antrean, a, nol nol satu, silakan menuju loket satu"]

    page.keyboard.press("u")  # recall: announced again
    board.wait_for_function("() => window.mppAnnouncements.length === 2", timeout=3000)
    expect(board.locator(".newest-label")).to_contain_text("ulang")

    board.reload()  # a reload does not replay old calls
    board.wait_for_timeout(1500)
    assert board.evaluate("window.mppAnnouncements") == []
    board.close()


def test_officer_serves_and_transfers_with_the_keyboard(live_server, page, session):
    issue(session, 1)
    open_console(page, live_server, "petugas", PASSWORD, 1)
    page.keyboard.press("n")
    expect(page.locator("#current-ticket .ticket-status")).to_contain_text("dipanggil")
    page.keyboard.press("m")
    expect(page.locator("#current-ticket .ticket-status")).to_contain_text("sedang dilayani")
    page.keyboard.press("a")
    target = agency_by_code(session, "BAPENDA").services[0]
    page.select_option("#transfer-service", str(target.id))
    page.fill("#current-ticket #note >> nth=-1", "Lanjut mutasi PBB")
    page.locator("#current-ticket details button[type=submit]").click()
    expect(page.locator("#current-ticket")).to_contain_text("Belum ada tiket yang dipanggil")
    expect(page.locator("#waiting-list .count")).to_have_text("0")


def test_two_officers_clicking_at_once_get_different_tickets(live_server, browser, page, session):
    issue(session, 2)
    create_user(session, "petugas7", "Petugas Tujuh", Role.OFFICER, PASSWORD, agency_code="DUKCAPIL",
                must_change_password=False)
    other_context = browser.new_context(viewport={"width": 1366, "height": 900})
    other = other_context.new_page()
    open_console(page, live_server, "petugas", PASSWORD, 1)
    open_console(other, live_server, "petugas7", PASSWORD, 2)
    at = "Date.now() + 400"
    for p in (page, other):
        p.evaluate(f"""(() => {{ const when = {at};
            const button = document.querySelector('[data-shortcut="n"]');
            setTimeout(() => button.click(), Math.max(0, when - Date.now())); }})()""")
    expect(page.locator("#current-ticket .current-number")).to_have_count(1)
    expect(other.locator("#current-ticket .current-number")).to_have_count(1)
    numbers = {page.locator("#current-ticket .current-number").inner_text(),
               other.locator("#current-ticket .current-number").inner_text()}
    assert numbers == {"A-001", "A-002"}
    other_context.close()
