"""A citizen with a phone: the home page (header, "Cek tiket saya", links), a mistyped code, the
status page while waiting and when called; at a desk PC, the home page and a failed password change."""
import pytest
from playwright.sync_api import expect

from mpp_app.domain import counter_actions, counter_sessions, queue_status, tickets

from ..conftest import PASSWORD, agency_by_code, user
from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
# A phone's vibration, recorded: Chromium without a touch from a real finger would ignore it.
RECORD_VIBRATIONS = "window.vibrations = []; navigator.vibrate = (p) => { window.vibrations.push(p); return true; };"


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, locale="id-ID", is_mobile=True, has_touch=True)
    context.add_init_script(RECORD_VIBRATIONS)
    page = context.new_page()
    page.set_default_timeout(10000)
    page.problems = []  # CSP violations, script errors: what a phone would silently suffer
    page.on("console", lambda m: m.type == "error" and "Failed to load resource" not in m.text
            and page.problems.append(m.text))
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    yield page
    assert page.problems == []
    context.close()


def header_height(page):
    return page.locator("header.site-header").bounding_box()["height"]


def test_phone_checks_a_ticket_by_its_code_and_sees_it_called(live_server, phone, session):
    officer = user(session, "petugas")
    counter_sessions.open_counter(session, 1, officer)
    service = agency_by_code(session, "DUKCAPIL").services[0]
    tickets.issue_ticket(session, service_id=service.id, visitor_name="Sebelum")
    counter_actions.call_next(session, 1, officer)
    mine = tickets.issue_ticket(session, service_id=service.id, visitor_name="Warga").ticket
    code = queue_status.short_code(mine)

    phone.goto(live_server)
    assert header_height(phone) <= 100
    assert phone.locator("header.site-header nav").evaluate("n => n.scrollWidth <= n.clientWidth")  # all seen
    expect(phone.get_by_role("link", name="Layar antrean: nomor yang sedang dipanggil")).to_be_visible()
    expect(phone.get_by_role("link", name="Indeks Kepuasan Masyarakat (IKM)")).to_be_visible()
    box = phone.locator("#ticket-code").bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"]  # the box is on the first screen
    screenshot(phone, "citizen-phone-home")

    phone.fill("#ticket-code", "ZZZZ-ZZZZ")
    phone.locator(".check-ticket button[type=submit]").click()
    expect(phone.locator("#ticket-code-error")).to_have_text(
        "Kode tiket tidak dikenal. Periksa lagi kode di bawah kode QR pada tiket Anda.")
    expect(phone.locator("#ticket-code")).to_have_value("ZZZZ-ZZZZ")
    expect(phone.locator("#ticket-code")).to_be_focused()
    error = phone.locator("#ticket-code-error").bounding_box()
    assert error["y"] + error["height"] <= PHONE["height"]
    screenshot(phone, "citizen-phone-code-error")

    phone.fill("#ticket-code", code.lower().replace("-", " "))
    phone.keyboard.press("Enter")
    expect(phone).to_have_url(f"{live_server}/t/{mine.public_token}")
    expect(phone.locator("#ticket-status .status-line")).to_contain_text("Anda berikutnya")
    expect(phone.locator(".now-serving")).to_contain_text("A-001")
    expect(phone.locator(".now-serving")).to_contain_text("Loket 1")
    expect(phone).to_have_title("A-002: Anda berikutnya · MPP")
    assert header_height(phone) <= 100
    screenshot(phone, "citizen-phone-status-waiting")

    phone.locator("#ticket-status .issued-number").tap()  # a citizen touches the page: vibration allowed
    counter_actions.start_serving(session, 1, officer)
    counter_actions.finish(session, 1, officer)
    counter_actions.call_next(session, 1, officer)
    banner = phone.locator(".called-banner")
    expect(banner).to_contain_text("DIPANGGIL", timeout=12000)  # the page polls every 5 s
    expect(banner).to_contain_text("menuju Loket 1")
    expect(phone).to_have_title("DIPANGGIL — Loket 1 · A-002 · MPP")
    assert phone.evaluate("window.vibrations.length") == 1
    colours = banner.evaluate("b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color]")
    assert colours == ["rgb(255, 212, 0)", "rgb(0, 0, 0)"]
    assert banner.bounding_box()["y"] < PHONE["height"] / 2  # seen without scrolling
    screenshot(phone, "citizen-phone-status-called")

    counter_actions.recall(session, 1, officer)
    for _ in range(48):  # called again: vibrates again at the next poll (wait_for_function needs eval)
        if phone.evaluate("window.vibrations.length") == 2:
            break
        phone.wait_for_timeout(250)
    assert phone.evaluate("window.vibrations.length") == 2


def test_the_staff_header_fits_a_phone_too(live_server, phone):
    log_in(phone, live_server, "petugas", PASSWORD)
    assert header_height(phone) <= 100
    nav = phone.locator("header.site-header nav")
    assert nav.evaluate("n => n.scrollWidth > n.clientWidth")  # the rest of the menu scrolls sideways
    phone.get_by_role("link", name="Ganti kata sandi").scroll_into_view_if_needed()
    expect(phone.get_by_role("link", name="Ganti kata sandi")).to_be_in_viewport()


def test_desk_home_and_a_failed_password_change(live_server, page):
    page.goto(live_server)
    expect(page.locator("#ticket-code")).to_be_visible()
    assert header_height(page) <= 60
    screenshot(page, "citizen-desktop-home")

    log_in(page, live_server, "resepsionis", PASSWORD)
    page.goto(f"{live_server}/password")
    page.fill("#current", "bukan-sandinya-1")
    page.fill("#new", "sandi-baru-yang-kuat")
    page.fill("#confirm", "sandi-baru-yang-kuat")
    page.locator("main button[type=submit]").click()
    expect(page.locator("#current-error")).to_have_text("Kata sandi saat ini salah.")
    expect(page.locator("#current")).to_have_value("")
    expect(page.locator("#current")).to_be_focused()
    expect(page.locator("#new")).to_have_value("sandi-baru-yang-kuat")
    expect(page.locator("#confirm")).to_have_value("sandi-baru-yang-kuat")
    screenshot(page, "citizen-desktop-password-error")

    page.fill("#current", PASSWORD)
    page.locator("main button[type=submit]").click()
    expect(page.locator("#messages")).to_contain_text("Kata sandi berhasil diganti.")



def test_unchanged_status_card_is_revalidated_and_left_in_place(live_server, phone, session):
    """Polls of an unchanged card are answered 304; the browser hands htmx its copy of the card,
    which the page leaves in place (no swap, nothing read again), until the ticket moves."""
    officer = user(session, "petugas")
    counter_sessions.open_counter(session, 1, officer)
    service = agency_by_code(session, "DUKCAPIL").services[0]
    tickets.issue_ticket(session, service_id=service.id, visitor_name="Sebelum")
    mine = tickets.issue_ticket(session, service_id=service.id, visitor_name="Warga").ticket
    polls = []
    phone.on("requestfinished", lambda request: "/t/" in request.url and request.headers.get("hx-request")
             and polls.append(request.all_headers().get("if-none-match")))
    phone.goto(f"{live_server}/t/{mine.public_token}")
    expect(phone.locator("#ticket-status .status-line")).to_contain_text("1 orang di depan Anda")

    def wait_for_polls(count):
        for _ in range(60):
            if len(polls) >= count:
                break
            phone.wait_for_timeout(250)
        phone.wait_for_timeout(500)

    wait_for_polls(1)  # the first poll replaces the card the page came with
    phone.evaluate("document.getElementById('ticket-status').dataset.sameNode = 'yes'")
    wait_for_polls(3)  # two more, 5 s apart, each with the ETag of the card it has
    assert polls[1] and polls[2], polls  # revalidated: If-None-Match sent by the browser
    expect(phone.locator("#ticket-status[data-same-node=yes]")).to_be_visible()  # not swapped
    screenshot(phone, "citizen-phone-status-unchanged")

    counter_actions.call_next(session, 1, officer)
    expect(phone.locator("#ticket-status .status-line")).to_contain_text("Anda berikutnya", timeout=12000)
    expect(phone.locator("#ticket-status[data-same-node=yes]")).to_have_count(0)  # a new card
    expect(phone.locator(".now-serving")).to_contain_text("A-001")
