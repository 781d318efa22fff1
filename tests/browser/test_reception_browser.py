"""People clicking: logging in, and a receptionist issuing a ticket with the keyboard."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from mpp_app.domain import accounts
from mpp_app.models import Role, Ticket

from ..conftest import PASSWORD
from .conftest import log_in

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
    page.fill("#ticket-card #reason", "Pengunjung membatalkan")
    page.click("#ticket-card button.danger")
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
