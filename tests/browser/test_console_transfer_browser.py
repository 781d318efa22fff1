"""The officer's console after call next answers with the current ticket only; the transfer dialog
fetches its list of services when the officer opens it, and a refused transfer keeps the choice."""
import pytest
from playwright.sync_api import expect

from mpp_app.domain import tickets

from ..conftest import PASSWORD, agency_by_code
from .conftest import screenshot
from .test_counter_browser import open_console

pytestmark = pytest.mark.browser


def test_call_next_then_transfer_from_a_list_loaded_on_opening(live_server, page, session):
    service = agency_by_code(session, "DUKCAPIL").services[0]
    for name in ("Yohanes Ndun", "Maria Bili"):
        tickets.issue_ticket(session, service_id=service.id, visitor_name=name, note="membawa KK lama")
    open_console(page, live_server, "petugas", PASSWORD, 1)
    requests = []
    page.on("request", lambda request: requests.append(request.url))

    page.keyboard.press("n")
    expect(page.locator("#current-ticket .current-number")).to_have_text("A-001")
    expect(page.locator("#current-ticket")).to_contain_text("Pengunjung: Yohanes Ndun")
    expect(page.locator("#transfer-service option")).to_have_count(1)  # not fetched until opened
    assert not [url for url in requests if "transfer-targets" in url]
    screenshot(page, "console-after-call-next")

    page.keyboard.press("a")
    target = agency_by_code(session, "BAPENDA").services[0]
    expect(page.locator(f"#transfer-service option[value='{target.id}']")).to_have_count(1)
    expect(page.locator(f"#transfer-service option[value='{service.id}']")).to_have_count(0)  # its own service
    expect(page.locator("#transfer-service optgroup").first).to_have_attribute("label", "A · Dukcapil")
    page.select_option("#transfer-service", str(target.id))
    # Past the field's maxlength (as a browser that ignores it would send): the server refuses it.
    page.eval_on_selector("#current-ticket details input[name=note]", "input => { input.value = 'x'.repeat(151); }")
    page.locator("#current-ticket details button[type=submit]").click()
    expect(page.locator("#current-ticket .field-error")).to_contain_text("Catatan terlalu panjang")
    expect(page.locator("#transfer-service")).to_have_value(str(target.id))  # the choice is kept
    page.fill("#current-ticket details input[name=note]", "Urus PBB")
    screenshot(page, "console-transfer-open")
    page.locator("#current-ticket details button[type=submit]").click()
    expect(page.locator("#current-ticket")).to_contain_text(f"A-001 dialihkan ke {target.name}.")
    expect(page.locator("#waiting-list .count")).to_have_text("1")
    screenshot(page, "console-after-transfer")
