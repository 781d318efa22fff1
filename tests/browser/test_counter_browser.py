"""People clicking at the counters, with the TV board watching."""
import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from mpp_app.domain import counter_sessions, tickets
from mpp_app.domain.accounts import create_user
from mpp_app.models import Role, User

from ..conftest import PASSWORD, agency_by_code
from .conftest import log_in, screenshot

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


# --- a sense of time, clear answers, and asking before destroying --------------------------

def set_clock(app, hh, mm=0, ss=0):
    app.config["MPP_FROZEN_NOW"] = f"2026-11-30T{hh:02d}:{mm:02d}:{ss:02d}+08:00"


def watch_csp(page):
    """Collect what the browser refuses under the Content-Security-Policy (inline script or style).
    Check it before the first screenshot: Playwright hides the caret for a screenshot with an inline
    style, which the policy refuses at the next swap (an artefact of the test, not of the app)."""
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    return refused


def test_console_clock_runs_from_the_servers_time_and_a_break_is_a_banner(live_server, app, page, session):
    issue(session, 2)
    refused = watch_csp(page)
    open_console(page, live_server, "petugas", PASSWORD, 1)
    page.keyboard.press("n")  # called at 10:00:00 by the server's (frozen) clock
    timer = page.locator("#current-ticket time.timer")
    expect(page.locator("#current-ticket .ticket-clock")).to_contain_text("Sejak dipanggil")
    # It runs in the browser, second by second (a loaded CI machine may show the next second first).
    expect(timer).to_have_text(re.compile(r"00:0[2-4]"), timeout=4000)

    # The browser's own clock is another day entirely: only the server's "now" counts.
    set_clock(app, 10, 2, 17)
    page.reload()
    expect(page.locator("#current-ticket time.timer")).to_have_text(re.compile(r"^02:1[78]$"))
    expect(page.locator("#no-show-reason")).to_have_text(
        "“Tidak hadir” bisa dipilih setelah dipanggil ulang 2 kali (sudah 0).")
    assert refused == [], refused
    screenshot(page, "console-called-timer")

    page.keyboard.press("m")  # serving since 10:02:17
    expect(page.locator("#current-ticket .ticket-clock")).to_contain_text("Lama dilayani")
    set_clock(app, 10, 21, 40)
    page.reload()
    expect(page.locator("#current-ticket time.timer")).to_have_text(re.compile(r"^19:2[34]$"))
    expect(page.locator("#current-ticket time.timer")).to_have_class(re.compile("timer-over"))  # target 15 min
    screenshot(page, "console-serving")

    page.keyboard.press("s")
    expect(page.locator("#current-ticket .action-notice")).to_have_text("A-001 selesai dilayani.")
    expect(page.locator("#current-ticket")).to_contain_text("Belum ada tiket yang dipanggil")

    set_clock(app, 10, 15)
    page.locator("#counter-bar button", has_text="Istirahat").click()
    banner = page.locator("#counter-bar .break-banner")
    expect(banner.locator(".break-title")).to_have_text("Istirahat sejak 10.15")
    expect(page.locator("[data-shortcut=n]")).to_be_disabled()
    box = banner.bounding_box()
    assert box["width"] > 1000 and box["height"] > 80  # seen from across the room, not small text
    screenshot(page, "console-break")
    banner.locator("button", has_text="Lanjutkan").click()
    expect(banner).to_have_count(0)
    expect(page.locator("[data-shortcut=n]")).to_be_enabled()


def test_waiting_list_shows_minutes_and_transferred_tickets(live_server, app, page, session):
    issue(session, 3)
    open_console(page, live_server, "petugas", PASSWORD, 1)
    page.keyboard.press("n")
    expect(page.locator("#current-ticket .current-number")).to_have_text("A-001")
    page.keyboard.press("a")
    page.select_option("#transfer-service", str(agency_by_code(session, "DUKCAPIL").services[1].id))
    page.locator("#current-ticket details button[type=submit]").click()
    expect(page.locator("#current-ticket .action-notice")).to_contain_text("A-001 dialihkan ke")
    set_clock(app, 10, 14)
    page.reload()
    rows = page.locator("#waiting-list ol.waiting > li")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("A-001")
    expect(rows.nth(0).locator(".badge-transfer")).to_have_text("pindahan dari Loket 1 · Dukcapil")
    expect(rows.nth(1).locator(".badge-transfer")).to_have_count(0)
    for n in range(3):
        expect(rows.nth(n).locator(".waited")).to_have_text("menunggu 14 mnt")
    screenshot(page, "console-waiting-transferred")


def test_other_agencys_counter_is_refused_in_a_sentence_with_the_way_back(live_server, page):
    log_in(page, live_server, "petugas2", PASSWORD)  # Bapenda
    response = page.goto(f"{live_server}/counters/1")
    assert response.status == 403
    expect(page.locator("main h1")).to_have_text("Loket tidak dapat dibuka")
    expect(page.locator("main .lead")).to_have_text("Loket 1 milik Dukcapil; Anda petugas Bapenda.")
    screenshot(page, "counter-other-agency-refused")
    page.click("text=Kembali ke daftar loket")
    expect(page.locator("main h1")).to_have_text("Loket")
    expect(page.locator("main table")).to_contain_text("Bapenda")


def test_release_and_close_ask_first(live_server, browser, page, session):
    counter_sessions.open_counter(session, 1, session.scalar(select(User).where(User.username == "petugas")))
    refused = watch_csp(page)
    log_in(page, live_server, "manager", PASSWORD)
    page.goto(f"{live_server}/counters/")
    page.wait_for_load_state("load")
    row = page.locator("tr").filter(has=page.locator("td strong", has_text=re.compile("^Loket 1$")))
    asked = []

    def answer(dialog, accept):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    row.locator("button", has_text="Lepas loket").click()
    page.wait_for_timeout(300)
    assert asked == ["Lepas Loket 1 dari Petugas? Tiket yang sedang dipanggil atau dilayani di loket ini "
                     "kembali ke antrean."]
    expect(row).to_contain_text("Petugas")  # nothing was sent
    assert refused == [], refused
    screenshot(page, "counter-release-cancelled")

    page.once("dialog", lambda dialog: answer(dialog, True))
    with page.expect_navigation():
        row.locator("button", has_text="Lepas loket").click()
    expect(page.locator("#messages")).to_contain_text("Loket 1 telah dilepas.")
    expect(row).not_to_contain_text("Petugas")
    screenshot(page, "counter-release-done")
    assert len(asked) == 2

    # The same attribute on an htmx button (the officer's "Tutup loket"): asked once, then sent.
    officer = browser.new_page(viewport={"width": 1366, "height": 768})
    open_console(officer, live_server, "petugas", PASSWORD, 1)
    questions = []
    officer.on("dialog", lambda dialog: (questions.append(dialog.message),
                                         dialog.dismiss() if len(questions) == 1 else dialog.accept()))
    close = officer.locator("#counter-bar button", has_text="Tutup loket")
    close.click()
    officer.wait_for_timeout(300)
    expect(officer.locator("#counter-bar")).to_be_visible()
    close.click()
    officer.wait_for_url(f"{live_server}/counters/")
    assert questions == ["Tutup loket untuk hari ini?", "Tutup loket untuk hari ini?"]
    officer.close()
