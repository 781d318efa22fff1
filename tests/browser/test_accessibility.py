"""Every page, as the person who uses it, checked by axe-core in Debian's chromium: no serious or
critical violation (WCAG 2.1 A/AA rules and axe's best practices)."""
import pytest
from axe_playwright_python.sync_playwright import Axe

from ..conftest import PASSWORD
from ..helpers import PAGES
from .conftest import log_in

pytestmark = pytest.mark.browser

AXE = Axe()
BLOCKING = {"serious", "critical"}




def violations(page):
    found = AXE.run(page).response["violations"]
    return [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
            for v in found if v["impact"] in BLOCKING]


@pytest.mark.parametrize("role", list(PAGES), ids=lambda role: role or "public")
@pytest.mark.parametrize("language", ["id", "en"])
def test_no_serious_accessibility_violations(live_server, browser, world, role, language):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)  # to inject axe
    page = context.new_page()
    if role:
        log_in(page, live_server, role, PASSWORD)
    if language == "en":
        page.goto(f"{live_server}/layanan")
        page.select_option("#language-select", "en")
        with page.expect_navigation():
            page.click("form.language button")
        assert page.locator("html").get_attribute("lang") == "en"
    failures = {}
    for path in PAGES[role]:
        page.goto(live_server + path.format(**world))
        page.wait_for_load_state("load")
        found = violations(page)
        if found:
            failures[path] = found
    context.close()
    assert not failures, failures
