"""Browser fixtures: the app served by waitress on a loopback port, and Debian's chromium driven by Playwright."""
import shutil
import threading
from pathlib import Path

import pytest
from waitress import wasyncore
from waitress.server import create_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture
def live_server(app):
    app.config["MPP_BOARD_CACHE_SECONDS"] = 0.5  # as deployed
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.effective_port}"
    # Let requests in flight finish before their wake-up pipe is closed: a worker writing to it
    # afterwards wrote into whatever file next got that descriptor (the next test's database).
    server.task_dispatcher.shutdown()
    wasyncore.close_all(server._map)
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser, locale="id-ID", width=1366, height=768):
    """A page in a context of its own (cookies, language), as one person's browser."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
    page = context.new_page()
    page.set_default_timeout(10000)
    return page


@pytest.fixture
def page(browser):
    page = open_page(browser)
    yield page
    page.context.close()


def log_in(page, base, username, password):
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    # htmx binds its triggers on load; typing before that would be lost.
    page.wait_for_load_state("load")


SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-screenshots"


def screenshot(page, name):
    """Save what the person at that screen sees, to look at before a change is called done
    (test-screenshots/ is ignored by git)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    # caret="initial": hiding the caret is an inline style, which our CSP blocks and reports.
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, caret="initial")
