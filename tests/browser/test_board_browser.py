"""The TV board on the wall: sound without a mouse, and a busy hall legible at 1920x1080 and 1366x768."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from mpp_app.domain import board as board_rules, counter_actions, counter_sessions, tickets
from mpp_app.domain.accounts import create_user
from mpp_app.models import Agency, Counter, Role

from ..conftest import PASSWORD, agency_by_code, at, user
from .conftest import CHROMIUM, CHROMIUM_ARGS, screenshot

pytestmark = pytest.mark.browser

KIOSK_ARGS = CHROMIUM_ARGS + ["--autoplay-policy=no-user-gesture-required"]  # as README's kiosk start line
HALL = {"width": 1920, "height": 1080}


@pytest.fixture(scope="module")
def kiosk_browser(browser):
    """Chromium as the TV starts it: sound allowed without anyone touching the screen (a second
    browser of the same Playwright, which allows only one per process)."""
    kiosk = browser.browser_type.launch(executable_path=CHROMIUM, args=KIOSK_ARGS)
    yield kiosk
    kiosk.close()


def officer_at(session, counter_id):
    counter = session.get(Counter, counter_id)
    name = f"petugas-loket{counter_id}"
    officer = user(session, name) or create_user(session, name, f"Petugas Loket {counter_id}", Role.OFFICER,
                                                 PASSWORD, agency_code=counter.agency.code,
                                                 must_change_password=False)
    return officer


def issue(session, code, n, minute=30):
    service = agency_by_code(session, code).services[0]
    for _ in range(n):
        tickets.issue_ticket(session, service_id=service.id, visitor_name="Nama Rahasia", now=at(9, minute))


def open_and_call(session, counter_id, minute, serve=False):
    officer = officer_at(session, counter_id)
    counter_sessions.open_counter(session, counter_id, officer, now=at(8))
    counter_actions.call_next(session, counter_id, officer, now=at(9, minute))
    if serve:
        counter_actions.start_serving(session, counter_id, officer, now=at(9, minute + 1))
    return officer


def busy_hall(session):
    """Every agency has people waiting; nine counters call or serve, one is on a break, Loket 1 recalls.
    The app's clock stands at 10:00, so the calls of 09:4x are a few minutes old."""
    for position, agency in enumerate(session.scalars(select(Agency).order_by(Agency.sort_order))):
        issue(session, agency.code, 3 + (position * 7) % 11)
    issue(session, "DUKCAPIL", 20, minute=35)
    for counter_id, minute, serve in [(2, 40, True), (3, 41, False), (4, 42, True), (5, 43, False), (6, 44, True),
                                      (7, 45, True), (9, 46, False), (12, 47, True), (1, 48, False)]:
        open_and_call(session, counter_id, minute, serve)
    paused = officer_at(session, 8)
    counter_sessions.open_counter(session, 8, paused, now=at(8))
    counter_sessions.pause_counter(session, 8, paused, now=at(9, 50))
    counter_actions.recall(session, 1, officer_at(session, 1), now=at(9, 58))


def boxes(page, selector):
    return page.locator(selector).evaluate_all("els => els.map(e => e.getBoundingClientRect().toJSON())")


def overlaps(a, b):
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def test_kiosk_browser_announces_a_call_without_any_click(live_server, kiosk_browser, session):
    issue(session, "DUKCAPIL", 1)
    officer = open_and_call(session, 1, 0)
    board = kiosk_browser.new_page(viewport=HALL)
    board.goto(f"{live_server}/board/")
    body = board.locator("body")
    expect(body).to_have_attribute("data-sound", "on")
    expect(board.locator("#sound-toggle")).to_be_hidden()

    issue(session, "DUKCAPIL", 1)
    counter_actions.start_serving(session, 1, officer)
    counter_actions.finish(session, 1, officer)
    counter_actions.call_next(session, 1, officer)  # A-002, nobody touched the board
    expect(board.locator(".newest-number")).to_have_text("A-002", timeout=3000)
    expect(body).to_have_attribute("data-played", "1", timeout=3000)
    assert board.evaluate("window.mppAnnouncements") == [
        "Nomor antrean, a, nol nol dua, silakan menuju loket satu"]
    board.close()


def test_default_browser_says_sound_is_blocked_in_a_corner_and_any_key_turns_it_on(live_server, browser, session):
    busy_hall(session)
    board = browser.new_page(viewport=HALL)
    board.goto(f"{live_server}/board/")
    body = board.locator("body")
    notice = board.locator("#sound-toggle")
    expect(body).to_have_attribute("data-sound", "blocked")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Suara mati")
    corner = notice.bounding_box()
    assert corner["x"] + corner["width"] > HALL["width"] * 0.9 and corner["y"] + corner["height"] > HALL["height"] * 0.9
    notice_box = boxes(board, "#sound-toggle")[0]
    panels = boxes(board, ".newest, .agencies, .agency, .recent, .recent li, .ticker")
    assert len(panels) > 10 and not [p for p in panels if overlaps(notice_box, p)]

    officer = officer_at(session, 3)
    counter_actions.recall(session, 3, officer)
    expect(board.locator(".newest-number")).to_have_text("A-002", timeout=3000)
    board.wait_for_timeout(500)
    expect(body).to_have_attribute("data-played", "0")  # blocked: nothing played, nothing queued for later

    board.keyboard.press("Space")  # a remote's or keyboard's key, no mouse
    expect(body).to_have_attribute("data-sound", "on")
    expect(notice).to_be_hidden()
    counter_actions.recall(session, 3, officer)
    expect(body).to_have_attribute("data-played", "1", timeout=3000)
    board.close()


def test_the_big_box_fades_in_the_browser_without_a_new_board(live_server, browser, session, monkeypatch):
    monkeypatch.setattr(board_rules, "NEWEST_FADES_AFTER", timedelta(seconds=3))  # three minutes in production
    issue(session, "DUKCAPIL", 1)
    officer = open_and_call(session, 1, 0)
    counter_actions.recall(session, 1, officer)  # at the app's 10:00
    board = browser.new_page(viewport=HALL)
    board.goto(f"{live_server}/board/")
    newest = board.locator(".newest")
    expect(newest).to_have_class("newest")
    expect(board.locator(".newest-number")).to_have_text("A-001")
    expect(newest).to_have_class("newest faded", timeout=6000)
    expect(board.locator(".newest-number")).to_have_text("A-001")  # still readable, no longer shouting
    board.wait_for_timeout(3500)  # the colour change takes 3 s
    screenshot(board, "board-faded")
    board.close()


@pytest.mark.parametrize("width,height", [(1920, 1080), (1366, 768)])
def test_busy_hall_fits_the_screen_and_reads_from_five_metres(live_server, browser, session, width, height):
    busy_hall(session)
    board = browser.new_page(viewport={"width": width, "height": height})
    errors = []
    board.on("console", lambda message: message.type == "error" and errors.append(message.text))
    board.goto(f"{live_server}/board/")
    expect(board.locator("body")).to_have_attribute("data-sound", "blocked")

    # The big box: Loket 1's recall of A-003, the latest call still being called (A-001 at Loket 2 is
    # being served).
    expect(board.locator(".newest-label")).to_have_text("Panggilan (ulang)")
    expect(board.locator(".newest-number")).to_have_text("A-003")
    expect(board.locator(".newest")).to_have_class("newest")  # two minutes old: not faded yet
    expect(board.locator(".counter-tile.highlight .tile-number")).to_have_text("A-003")
    # One row per ticket in recent calls, the recall on top.
    numbers = board.locator(".recent li strong").all_text_contents()
    assert numbers[0] == "A-003" and len(numbers) == len(set(numbers)) == 8
    # Every agency with its waiting count and its counters.
    dukcapil = board.locator(".agency", has_text="Dukcapil")
    expect(dukcapil.locator(".agency-waiting")).to_have_text("20 menunggu")
    expect(dukcapil.locator(".tile-number")).to_have_text(["A-003", "A-001", "A-002"])
    expect(board.locator(".agency")).to_have_count(11)
    expect(board.locator(".agency", has_text="BPJS Ketenagakerjaan").locator(".tile-number")).to_have_text("Istirahat")
    assert "Nama Rahasia" not in board.content()
    screenshot(board, f"board-{width}")
    assert errors == []  # no CSP violation, no script error

    size = board.evaluate("""() => ({w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight,
                                      bw: document.body.scrollWidth, bh: document.body.scrollHeight})""")
    assert size["w"] <= width and size["h"] <= height and size["bw"] <= width and size["bh"] <= height, size
    # Nothing cut off: every box inside the screen, no text wider or taller than its box.
    outside = board.evaluate("""([w, h]) => Array.from(document.querySelectorAll('body *'))
        .filter(e => !e.closest('.ticker') && e.offsetParent !== null)
        .filter(e => { const r = e.getBoundingClientRect(); return r.right > w + 0.5 || r.bottom > h + 0.5; })
        .map(e => e.className || e.tagName)""", [width, height])
    assert outside == []
    clipped = board.evaluate("""() => Array.from(document.querySelectorAll(
        '.newest p, .agency p, .agency strong, .counter-tile, .counter-tile p, .recent li, .recent li > *, .board-header > *'))
        .filter(e => e.scrollWidth > e.clientWidth + 1)
        .map(e => e.className + ': ' + e.textContent.trim())""")
    spilled = board.evaluate("""() => Array.from(document.querySelectorAll(
        '.newest > *, .agency, .agency > *, .counter-tile, .recent li, .board-header > *')).filter(e => {
            const r = e.getBoundingClientRect(), p = e.parentElement.getBoundingClientRect();
            return r.left < p.left - 1 || r.top < p.top - 1 || r.right > p.right + 1 || r.bottom > p.bottom + 1;
        }).map(e => e.className + ': ' + e.textContent.trim())""")
    assert spilled == []
    assert clipped == []
    # From 5 m: the called number a tenth of the screen high, every counter's number and waiting count
    # at least 3.5 % of it, and no text under 2 %.
    px = board.evaluate("""() => Object.fromEntries(['.newest-number', '.tile-number', '.agency-waiting strong',
        '.recent li strong', '.agency-name'].map(s => [s, parseFloat(getComputedStyle(document.querySelector(s)).fontSize)]))""")
    assert px[".newest-number"] >= 0.12 * height
    assert min(px[".tile-number"], px[".agency-waiting strong"], px[".recent li strong"]) >= 0.035 * height
    smallest = board.evaluate("""() => Math.min(...Array.from(document.querySelectorAll('body *'))
        .filter(e => e.offsetParent !== null && e.childNodes.length && Array.from(e.childNodes).some(
            n => n.nodeType === 3 && n.textContent.trim()))
        .map(e => parseFloat(getComputedStyle(e).fontSize)))""")
    assert smallest >= 0.02 * height - 0.5
    board.close()
