"""Every page, as the person who uses it, leaves the browser console clean: no script error, no
Content-Security-Policy violation (an inline style or script the policy blocks), no htmx error (a
selector that matches nothing), and no failed request for a page asset."""
import pytest

from ..conftest import PASSWORD
from ..helpers import PAGES
from .conftest import log_in

pytestmark = pytest.mark.browser


def watch(page):
    """Collect what the console and the network report as wrong while the page is used."""
    problems = []
    page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
            if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    # ERR_ABORTED: the browser dropped a request of the page it was leaving (a favicon during a
    # navigation), not a failure of the app.
    page.on("requestfailed", lambda request: problems.append(f"request failed: {request.url} {request.failure}")
            if "ERR_ABORTED" not in (request.failure or "") else None)
    return problems


def use(page, path):
    """What the person does on the page beyond opening it, where htmx requests follow."""
    if path == "/reception/":
        page.fill("#service-search", "ktp")
        page.wait_for_timeout(600)
        page.fill("#service-search", "")
        page.wait_for_timeout(600)
    else:
        page.wait_for_timeout(300)


@pytest.mark.parametrize("role", list(PAGES), ids=lambda role: role or "public")
def test_pages_leave_the_console_clean(live_server, browser, world, role):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID")
    page = context.new_page()
    problems = watch(page)
    if role:
        log_in(page, live_server, role, PASSWORD)
    failures = {}
    for path in PAGES[role]:
        problems.clear()
        response = page.goto(live_server + path.format(**world))
        page.wait_for_load_state("load")
        use(page, path)
        # The 404 page reports its own status to the console; that one is expected.
        found = [p for p in problems if not (response.status == 404 and "404" in p)]
        if found:
            failures[path] = found
    context.close()
    assert not failures, failures
