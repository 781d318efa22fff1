"""After a ticket the answer carries no service list (issue 17: it cost a fifth of the request): the
page puts back the whole list it has, unchecked and scrolled to the top, without asking the server,
or asks for it when the catalogue changed meanwhile."""
import pytest
from playwright.sync_api import expect

from ..conftest import PASSWORD, agency_by_code
from .conftest import SCREENSHOTS, log_in

pytestmark = pytest.mark.browser


def watch(page):
    """The requests the page sends for the service list, and its console errors and warnings."""
    seen = {"lists": [], "problems": []}
    page.on("request", lambda request: seen["lists"].append(request.url) if "/reception/services" in request.url
            else None)
    page.on("console", lambda message: seen["problems"].append(f"{message.type}: {message.text}")
            if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: seen["problems"].append(f"pageerror: {error}"))
    return seen


def issue_from_search(page, search, name, number):
    page.locator("#service-search").type(search)
    expect(page.locator("#service-choices .choice")).to_have_count(1)
    page.fill("#visitor_name", name)
    page.press("#visitor_name", "Enter")
    expect(page.locator("#issue-form .issued-number")).to_have_text(number)
    expect(page.locator("#service-search")).to_be_focused()


def test_the_next_visitor_gets_the_whole_list_back_without_a_request(live_server, page):
    log_in(page, live_server, "resepsionis", PASSWORD)
    seen = watch(page)
    issue_from_search(page, "pasp", "Maria Fernandez", "K-001")
    choices = page.locator("#service-choices .choice")
    expect(choices).to_have_count(46)
    expect(page.locator("#service-choices input:checked")).to_have_count(0)
    expect(page.locator("#chosen-service")).to_have_text("Belum memilih layanan", use_inner_text=True)
    expect(page.locator("#service-search")).to_have_value("")
    expect(page.locator("#visitor_name")).to_have_value("")

    # Picked with the mouse far down the restored list (the page scrolls down to it), then issued.
    page.locator("#service-choices .choice", has_text="Wesel Pos").click()
    expect(page.locator("#chosen-service")).to_contain_text("Wesel Pos")
    page.fill("#note", "Kirim ke Atambua")
    page.fill("#visitor_name", "Agus")
    page.press("#visitor_name", "Enter")
    expect(page.locator("#issue-form .issued-number")).to_have_text("L-001")
    expect(page.locator("#service-search")).to_be_focused()
    expect(choices).to_have_count(46)
    expect(page.locator("#service-choices input:checked")).to_have_count(0)
    assert page.locator("#service-choices").evaluate("list => list.scrollTop") == 0
    # The number to tell the visitor is in sight, although the page had been scrolled down.
    card = page.locator("#issue-form .issued").bounding_box()
    assert card["y"] >= 0 and card["y"] + card["height"] <= 768, card
    page.wait_for_timeout(300)
    assert seen["lists"] and all(url.split("q=", 1)[-1] for url in seen["lists"]), seen["lists"]  # searches only
    assert seen["problems"] == []
    # Last (Playwright's screenshot leaves style="" on inputs, which htmx copies and the CSP refuses).
    page.screenshot(path=str(SCREENSHOTS / "reception-next-visitor.png"))


def test_a_changed_catalogue_is_fetched_after_the_ticket(live_server, page, session):
    log_in(page, live_server, "resepsionis", PASSWORD)
    seen = watch(page)
    service = agency_by_code(session, "POS").services[-1]
    service.name = "Penjualan meterai dan prangko"
    session.commit()  # a manager renamed it while the page was open
    issue_from_search(page, "akta kelahiran", "Yosef", "A-001")
    expect(page.locator("#service-choices .choice", has_text="Penjualan meterai dan prangko")).to_have_count(1)
    expect(page.locator("#service-choices .choice")).to_have_count(46)
    expect(page.locator("#service-choices input:checked")).to_have_count(0)
    assert any(url.endswith("/reception/services?q=") or url.endswith("/reception/services") for url in seen["lists"])
    assert seen["problems"] == []
