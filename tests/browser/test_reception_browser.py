"""People clicking: logging in, and a receptionist issuing a ticket with the keyboard."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from mpp_app.domain import accounts, queue_status, tickets
from mpp_app.models import PriorityCategory, Role, Ticket

from ..conftest import PASSWORD, agency_by_code
from .conftest import SCREENSHOTS, log_in, screenshot

pytestmark = pytest.mark.browser


def test_first_login_forces_password_change(live_server, page, session):
    accounts.create_user(session, "kasir", "Kasir Baru", Role.RECEPTIONIST, "sementara-123")
    log_in(page, live_server, "kasir", "sementara-123")
    expect(page).to_have_url(f"{live_server}/password")
    expect(page.locator("h1")).to_have_text("Ganti kata sandi")
    page.fill("#current", "sementara-123")
    page.fill("#new", "sandi-baru-kasir")
    page.fill("#confirm", "sandi-baru-kasir")
    page.click("main button[type=submit]")
    expect(page).to_have_url(f"{live_server}/reception/")
    expect(page.locator(".flash-success")).to_contain_text("Kata sandi berhasil diganti")
    page.click("text=Keluar")
    expect(page).to_have_url(f"{live_server}/login")
    page.goto(f"{live_server}/reception/")
    expect(page).to_have_url(f"{live_server}/login?next=%2Freception%2F")


def test_wrong_password_message(live_server, page):
    log_in(page, live_server, "resepsionis", "salah-salah-salah")
    expect(page.locator(".flash-error")).to_contain_text("Nama pengguna atau kata sandi salah")


def test_receptionist_issues_ticket_with_keyboard(live_server, page, session):
    log_in(page, live_server, "resepsionis", PASSWORD)
    expect(page).to_have_url(f"{live_server}/reception/")
    search = page.locator("#service-search")
    expect(search).to_be_focused()
    search.type("pasp")
    expect(page.locator("#service-choices .choice")).to_have_count(1)
    expect(page.locator("#service-choices input[type=radio]")).to_be_checked()
    page.fill("#visitor_name", "Maria Fernandez")
    page.fill("#visitor_phone", "0812 3456 7890")
    page.press("#visitor_phone", "Enter")
    issued = page.locator(".issued-number")
    expect(issued).to_have_text("K-001")
    expect(page.locator("#service-search")).to_be_focused()  # ready for the next visitor
    expect(page.locator("#visitor_name")).to_have_value("")
    expect(page.locator('[data-waiting="KEMENKUM"]')).to_have_text("1")  # the overview refreshed

    # A validation error keeps the form and says what is wrong.
    page.locator("#service-search").type("ktp baru")
    expect(page.locator("#service-choices .choice")).to_have_count(1)
    page.press("#service-search", "Enter")
    expect(page.locator("#issue-form .field-error")).to_contain_text("Isi nama pengunjung.")

    ticket = session.scalar(select(Ticket))
    print_page = page.context.new_page()
    print_page.goto(f"{live_server}/reception/tickets/{ticket.id}/print?preview=1")
    expect(print_page.locator(".number")).to_have_text("K-001")
    expect(print_page.locator("img.qr")).to_be_visible()
    expect(print_page.locator("body")).not_to_contain_text("Maria")

    status_page = page.context.new_page()
    status_page.goto(f"{live_server}/t/{ticket.public_token}")
    expect(status_page.locator("#ticket-status")).to_contain_text("Menunggu, Anda berikutnya")
    expect(status_page.locator("body")).not_to_contain_text("Maria")


def issue(page, service, name, number):
    """Find the one service by typing, name the visitor, press Enter, and wait for the next visitor's form."""
    page.locator("#service-search").type(service)
    expect(page.locator("#service-choices .choice")).to_have_count(1)
    page.fill("#visitor_name", name)
    page.press("#visitor_name", "Enter")
    expect(page.locator("#issue-form .issued-number")).to_have_text(number)
    expect(page.locator("#service-search")).to_be_focused()  # htmx has settled the new form


def test_auto_print_prints_each_new_ticket_from_a_hidden_frame(live_server, page):
    log_in(page, live_server, "resepsionis", PASSWORD)
    expect(page.locator("#auto-print")).not_to_be_checked()  # off until a desk turns it on
    issue(page, "akta kelahiran", "Yosef", "A-001")
    assert page.locator("#print-frame").get_attribute("src") is None

    page.check("#auto-print")
    page.select_option("#paper-width", "58")
    page.reload()  # the choice belongs to this PC and survives a reload
    expect(page.locator("#auto-print")).to_be_checked()
    expect(page.locator("#paper-width")).to_have_value("58")
    issue(page, "akta kelahiran", "Maria", "A-002")
    printed = page.frame_locator("#print-frame")
    expect(printed.locator(".number")).to_have_text("A-002")  # the print view may be framed by our own page
    expect(printed.locator("body")).to_have_class(re.compile(r"\bpaper-58\b"))
    expect(page.locator("#print-frame")).to_have_attribute("src", re.compile(r"/reception/tickets/\d+/print\?paper=58$"))
    expect(page.locator("#service-search")).to_be_focused()


def test_lookup_and_cancel_in_browser(live_server, page):
    log_in(page, live_server, "resepsionis", PASSWORD)
    issue(page, "akta kelahiran", "Yosef", "A-001")
    page.fill("#ticket-lookup", "a1")
    page.press("#ticket-lookup", "Enter")
    expect(page.locator("#ticket-card .issued-number")).to_have_text("A-001")
    page.click("#ticket-card button.danger")
    expect(page.locator("#ticket-card .field-error")).to_contain_text("Isi alasan pembatalan")
    page.fill("#ticket-card #reason", "ok")
    page.click("#ticket-card button.danger")
    expect(page.locator("#ticket-card .field-error")).to_contain_text("Alasan 3 sampai 200 karakter.")
    expect(page.locator("#ticket-card #reason")).to_have_value("ok")  # kept, to correct
    page.fill("#ticket-card #reason", "Pengunjung membatalkan")
    page.click("#ticket-card button.danger")
    expect(page.locator("#ticket-card .flash-success")).to_have_text("Tiket A-001 dibatalkan.")
    expect(page.locator("#ticket-card .ticket-status")).to_contain_text("dibatalkan")
    page.fill("#ticket-lookup", "Z-9")
    page.press("#ticket-lookup", "Enter")
    expect(page.locator("#messages .flash-error")).to_contain_text("tidak ada hari ini")

    # A citizen who lost the number: found by name, picked from the list.
    issue(page, "akta kematian", "Yosefina Bria", "A-002")
    page.fill("#ticket-lookup", "yosef")
    page.press("#ticket-lookup", "Enter")
    expect(page.locator("#ticket-card li")).to_have_count(2)
    page.locator("#ticket-card li", has_text="Yosefina Bria").locator("button").click()
    expect(page.locator("#ticket-card .issued-number")).to_have_text("A-002")
    expect(page.locator("#ticket-card")).to_contain_text("menunggu")


def test_an_expired_session_takes_the_desk_to_login_and_back(live_server, page):
    """The overview polls every few seconds; once the session is gone, the next poll moves the
    whole page to the login form (not into the panel), and signing in returns to reception."""
    log_in(page, live_server, "resepsionis", PASSWORD)
    expect(page).to_have_url(f"{live_server}/reception/")
    page.context.clear_cookies()  # what an expired session looks like to the server
    page.wait_for_url(f"{live_server}/login?next=%2Freception%2F", timeout=15000)
    expect(page.locator("#overview")).to_have_count(0)
    expect(page.locator(".flash-info")).to_contain_text("Silakan masuk terlebih dahulu")
    page.fill("#username", "resepsionis")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    expect(page).to_have_url(f"{live_server}/reception/")


def window_screenshot(page, name):
    """What the window shows, as the receptionist sees it: a full-page capture would draw the bar
    that sticks to the window's bottom in the middle of the page."""
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def watch_console(page):
    """Everything the page logs as an error or warning (htmx's complaints, CSP refusals) and every
    uncaught script error, from now on."""
    problems = []
    page.on("console", lambda message: problems.append(f"{message.type}: {message.text}")
            if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    return problems


def test_reception_logs_no_errors(live_server, page):
    """A morning's clicks without one console error: htmx once complained on every search that the
    form's hx-disabled-elt selector found nothing (the search inherited it). Screenshots come after
    the check: Playwright leaves style="" on inputs, which htmx then copies and the CSP refuses."""
    problems = watch_console(page)
    log_in(page, live_server, "resepsionis", PASSWORD)
    page.locator("#service-search").type("akta")
    expect(page.locator("#service-choices .choice")).to_have_count(2)
    page.locator("#service-choices .choice", has_text="Akta kematian").click()
    page.fill("#visitor_name", "Maria")
    page.press("#visitor_name", "Enter")
    expect(page.locator("#issue-form .issued-number")).to_have_text("A-001")
    # As issue() does: the new form's autofocus lands after the swap settles; an Enter pressed in
    # the lookup before that went to the issue form instead (a loaded CI machine hit it).
    expect(page.locator("#service-search")).to_be_focused()
    page.fill("#ticket-lookup", "A-001")
    page.press("#ticket-lookup", "Enter")
    page.fill("#ticket-card #reason", "Salah layanan")
    page.click("#ticket-card button.danger")
    expect(page.locator("#ticket-card .flash-success")).to_be_visible()
    page.wait_for_timeout(5500)  # one poll of the overview as well
    assert problems == []


def test_chosen_service_is_named_above_the_issue_button(live_server, page):
    """46 services, 8 in sight: the line above the button says which one will be issued, however
    it was picked, and stays in the window while the list scrolls."""
    log_in(page, live_server, "resepsionis", PASSWORD)
    chosen = page.locator("#chosen-service")
    expect(chosen).to_have_text("Belum memilih layanan", use_inner_text=True)
    page.locator("#service-search").type("ktp")
    expect(page.locator("#service-choices .choice").first).to_contain_text("KTP-el baru")
    expect(chosen).to_contain_text("KTP-el baru")  # the first match, preselected
    page.keyboard.press("Tab")  # onto the checked service
    page.keyboard.press("ArrowDown")
    expect(chosen).to_contain_text("KTP-el penggantian")
    expect(chosen).to_contain_text("Dukcapil")

    page.fill("#service-search", "")  # back to all 46: a new search, nothing picked yet
    expect(page.locator("#service-choices .choice")).to_have_count(46)
    expect(chosen).to_have_text("Belum memilih layanan", use_inner_text=True)
    page.locator("#service-choices .choice", has_text="Wesel Pos").click()  # scrolled far down the list
    expect(chosen).to_contain_text("Wesel Pos (kirim / cairkan)")
    expect(chosen).to_contain_text("PT Pos")
    page.locator("#service-choices").evaluate("list => { list.scrollTop = 0; }")
    line, button = chosen.bounding_box(), page.locator("#issue-form button[type=submit]").bounding_box()
    assert line["y"] >= 0 and button["y"] + button["height"] <= 768  # both in the window
    assert line["y"] + line["height"] <= button["y"] and abs(line["x"] - button["x"]) < 2  # right above it
    window_screenshot(page, "reception-chosen-service")


def test_validation_error_keeps_everything_typed(live_server, page):
    log_in(page, live_server, "resepsionis", PASSWORD)
    page.locator("#service-search").type("paspor")
    expect(page.locator("#chosen-service")).to_contain_text("Paspor biasa")
    page.fill("#visitor_phone", "12345")
    page.select_option("#priority", "lansia")
    page.fill("#note", "Membawa paspor lama")
    page.press("#visitor_phone", "Enter")  # the name was forgotten
    expect(page.locator("#issue-form")).to_contain_text("Isi nama pengunjung.")
    expect(page.locator("#issue-form")).to_contain_text("Nomor HP tidak valid")
    expect(page.locator("#service-search")).to_have_value("paspor")
    expect(page.locator("#service-choices .choice")).to_have_count(1)
    expect(page.locator("#service-choices input[type=radio]")).to_be_checked()
    expect(page.locator("#chosen-service")).to_contain_text("Paspor biasa")
    expect(page.locator("#chosen-service")).to_contain_text("Kemenkum/Imigrasi")
    expect(page.locator("#visitor_phone")).to_have_value("12345")
    expect(page.locator("#priority")).to_have_value("lansia")
    expect(page.locator("#note")).to_have_value("Membawa paspor lama")
    expect(page.locator("#visitor_name")).to_be_focused()  # the first thing to fix
    window_screenshot(page, "reception-validation-error")

    page.keyboard.type("Maria Fernandez")
    page.fill("#visitor_phone", "081234567890")
    page.press("#visitor_name", "Enter")
    expect(page.locator("#issue-form .issued-number")).to_have_text("K-001")

    # Picked from the whole list with the mouse, far down: after the error it is still in sight.
    page.locator("#service-choices .choice", has_text="Penjualan meterai").click()
    page.press("#visitor_phone", "Enter")
    expect(page.locator("#issue-form")).to_contain_text("Isi nama pengunjung.")
    item = page.locator("#service-choices .choice", has_text="Penjualan meterai")
    expect(item.locator("input")).to_be_checked()
    shown, box = item.bounding_box(), page.locator("#service-choices").bounding_box()
    assert box["y"] <= shown["y"] and shown["y"] + shown["height"] <= box["y"] + box["height"]


def test_closed_mall_is_said_once_above_the_overview(app, live_server, page):
    app.config["MPP_FROZEN_NOW"] = "2026-12-05T10:00:00+08:00"  # Saturday
    log_in(page, live_server, "resepsionis", PASSWORD)
    banner = page.locator("#overview .overview-closed")
    expect(banner).to_have_count(1)
    expect(banner).to_contain_text("Buka kembali Senin, 7 Desember 2026, 08.00 WITA")
    expect(page.locator("#overview tbody tr.closed")).to_have_count(11)
    expect(page.locator("#overview tbody")).not_to_contain_text("Buka kembali")
    assert page.locator("#overview").evaluate("panel => panel.scrollWidth <= panel.clientWidth")  # no overflow
    heights = page.locator("#overview tbody tr").evaluate_all("rows => rows.map(row => row.offsetHeight)")
    assert max(heights) < 60, heights  # a row is one or two lines, not five
    screenshot(page, "reception-closed")


def test_issued_card_names_visitor_and_priority_once(live_server, page):
    log_in(page, live_server, "resepsionis", PASSWORD)
    page.locator("#service-search").type("akta kelahiran")
    expect(page.locator("#service-choices .choice")).to_have_count(1)
    page.fill("#visitor_name", "Maria Fernandez")
    page.select_option("#priority", "ibu_hamil")
    page.press("#visitor_name", "Enter")
    card = page.locator("#issue-form .issued")
    expect(card.locator(".issued-number")).to_have_text("A-001")
    text = card.inner_text()
    assert text.count("Maria Fernandez") == 1 and text.count("Ibu hamil") == 1, text
    expect(page.locator("#chosen-service")).to_have_text("Belum memilih layanan", use_inner_text=True)  # the next visitor's form
    window_screenshot(page, "reception-issued")


@pytest.mark.parametrize("paper, width", [("80", 302), ("58", 219)])  # the roll's width in CSS pixels
def test_printed_ticket_carries_a_code_to_type(live_server, app, page, session, paper, width):
    app.config["MPP_PUBLIC_URL"] = "http://192.168.1.10:8000"  # the office LAN address phones reach
    service = agency_by_code(session, "DUKCAPIL").services[0]
    ticket = tickets.issue_ticket(session, service_id=service.id, visitor_name="Maria",
                                  priority=PriorityCategory.LANSIA).ticket
    log_in(page, live_server, "resepsionis", PASSWORD)
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(media="print")
    page.goto(f"{live_server}/reception/tickets/{ticket.id}/print?preview=1&paper={paper}")
    code = queue_status.short_code(ticket)
    expect(page.locator(".code")).to_have_text(code)
    expect(page.locator(".code-hint")).to_contain_text("buka 192.168.1.10:8000, pilih")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing runs off the paper
    qr, printed = page.locator("img.qr").bounding_box(), page.locator(".code").bounding_box()
    assert printed["y"] > qr["y"] + qr["height"]  # under the QR
    screenshot(page, f"reception-print-{paper}")

    phone = page.context.new_page()  # a citizen without a QR reader types it, in lower case
    phone.goto(f"{live_server}/cek-tiket?kode={code.lower()}")
    expect(phone).to_have_url(f"{live_server}/t/{ticket.public_token}")
    expect(phone.locator(".issued-number")).to_have_text("A-001")
