"""Keyboard only, from logging in to the end of the task: only Tab, typing, arrows, Space and Enter
(and the console's one-key shortcuts). Every control used must be reachable with Tab."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from mpp_app.domain import tickets
from mpp_app.models import PriorityCategory, Ticket

from ..conftest import PASSWORD, agency_by_code

pytestmark = pytest.mark.browser


def tab_to(page, selector, limit=100):
    """Press Tab until the element matching selector has focus; fail if Tab never reaches it."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"{selector} cannot be reached with Tab")


def above_the_bar(page, selector):
    """The bar with the chosen service and the issue button sticks to the window's bottom: a field
    reached with Tab must be scrolled into view above it, not left under it."""
    field, bar = page.locator(selector).bounding_box(), page.locator(".issue-bar").bounding_box()
    assert field["y"] + field["height"] <= bar["y"], (selector, field, bar)


def log_in_by_keyboard(page, base, username):
    page.goto(f"{base}/login")
    expect(page.locator("#username")).to_be_focused()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")


def test_reception_by_keyboard_only(live_server, page, session):
    log_in_by_keyboard(page, live_server, "resepsionis")
    search = page.locator("#service-search")
    expect(search).to_be_focused()
    page.keyboard.type("paspor")
    expect(page.locator("#service-choices .choice")).to_have_count(1)
    expect(page.locator("#chosen-service")).to_contain_text("Paspor biasa")  # named above the button
    tab_to(page, "#visitor_name")
    above_the_bar(page, "#visitor_name")
    page.keyboard.type("Maria Fernandez")
    tab_to(page, "#priority")
    above_the_bar(page, "#priority")
    page.keyboard.type("Lanjut")  # type-ahead picks "Lanjut usia"
    tab_to(page, "#issue-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".issued-number")).to_have_text("K-001")
    expect(search).to_be_focused()  # ready for the next visitor without touching the mouse
    ticket = session.scalar(select(Ticket))
    assert ticket.visitor_name == "Maria Fernandez" and ticket.priority is PriorityCategory.LANSIA

    tab_to(page, "#ticket-lookup")
    page.keyboard.type("k1")
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-card .issued-number")).to_have_text("K-001")
    tab_to(page, "#ticket-card #reason")
    page.keyboard.type("Pengunjung pulang")
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-card .ticket-status")).to_contain_text("dibatalkan")


def test_tab_never_leaves_a_field_under_the_issue_bar(live_server, page):
    """With all 46 services listed the form is taller than the window: every field Tab reaches
    is scrolled above the bar that sticks to the window's bottom."""
    log_in_by_keyboard(page, live_server, "resepsionis")
    for selector in ("#visitor_name", "#visitor_phone", "#priority", "#note"):
        tab_to(page, selector)
        above_the_bar(page, selector)


def test_officer_console_by_keyboard_only(live_server, page, session):
    service = agency_by_code(session, "DUKCAPIL").services[0]
    for name in ("Satu", "Dua"):
        tickets.issue_ticket(session, service_id=service.id, visitor_name=name)
    log_in_by_keyboard(page, live_server, "petugas")
    tab_to(page, "form[action$='/counters/1/open'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("load")
    expect(page.locator("#counter-bar h1")).to_contain_text("Loket 1")

    page.keyboard.press("n")
    expect(page.locator("#current-ticket .current-number")).to_have_text("A-001")
    page.keyboard.press("u")
    expect(page.locator("#current-ticket")).to_contain_text("dipanggil ulang 1 kali")
    page.keyboard.press("m")
    expect(page.locator("#current-ticket .ticket-status")).to_contain_text("sedang dilayani")
    tab_to(page, "#current-ticket [data-shortcut='s']")
    page.keyboard.press("Enter")  # finishing from the focused button works as well as the S key
    expect(page.locator("#current-ticket")).to_contain_text("Belum ada tiket yang dipanggil")

    page.keyboard.press("n")
    expect(page.locator("#current-ticket .current-number")).to_have_text("A-002")
    page.keyboard.press("m")
    expect(page.locator("#current-ticket .ticket-status")).to_contain_text("sedang dilayani")
    page.keyboard.press("a")  # opens the transfer form
    target = agency_by_code(session, "BAPENDA").services[0]
    tab_to(page, "#transfer-service")
    # The list arrives when the dialog opens (a few ms on the LAN); the officer types once it is there.
    expect(page.locator(f"#transfer-service option[value='{target.id}']")).to_be_attached()
    page.keyboard.type(target.name[:12])  # type-ahead, as in any select
    expect(page.locator("#transfer-service")).to_have_value(str(target.id))
    tab_to(page, "#current-ticket details button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#current-ticket")).to_contain_text("Belum ada tiket yang dipanggil")
    transferred = session.scalar(select(Ticket).where(Ticket.number == 2))
    session.refresh(transferred)
    assert transferred.service_id == target.id
