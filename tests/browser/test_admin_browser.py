"""The manager changes Friday's hours and adds a closure; reception feels it at once."""
import re

import pytest
from playwright.sync_api import expect

from ..conftest import PASSWORD
from .conftest import log_in, screenshot

pytestmark = pytest.mark.browser


def test_manager_changes_friday_and_adds_closure_then_reception_is_refused(app, live_server, browser, page):
    log_in(page, live_server, "manager", PASSWORD)
    page.goto(f"{live_server}/admin/hours")
    friday = page.locator("#weekday-4")
    friday.locator("button", has_text="Ubah").click()
    page.fill("#closes_at-4", "14:00")
    page.fill("#last_ticket_at-4", "13:30")
    page.locator("#weekday-4 button", has_text="Pratinjau").click()  # before saving: the effect, marked
    expect(page.locator('#hours-preview [data-day="2026-12-04"]')).to_contain_text("08.00–14.00")
    expect(page.locator('#hours-preview [data-day="2026-12-04"]')).to_contain_text("berubah")
    expect(page.locator('#hours-preview [data-day="2026-12-03"]')).not_to_contain_text("berubah")
    page.locator("#weekday-4 button", has_text="Simpan").click()
    expect(page.locator("#weekday-4")).to_contain_text("08.00–14.00")
    expect(page.locator('#hours-preview [data-day="2026-12-04"]')).to_contain_text("08.00–14.00")
    expect(page.locator('#hours-preview [data-day="2026-12-04"]')).not_to_contain_text("berubah")

    page.fill("#closures #start_date", "2026-12-07")
    page.fill("#closures #end_date", "2026-12-07")
    page.fill("#closures #reason", "Rapat kerja pimpinan")
    page.locator("#closures button", has_text="Simpan penutupan").click()
    expect(page.locator("#closures")).to_contain_text("Rapat kerja pimpinan")
    expect(page.locator('#hours-preview [data-day="2026-12-07"]')).to_contain_text("Tutup: Rapat kerja pimpinan")

    # A validation error is shown in place and nothing changes.
    friday.locator("button", has_text="Ubah").click()
    page.fill("#closes_at-4", "07:00")
    page.locator("#weekday-4 button", has_text="Simpan").click()
    expect(page.locator("#weekday-4")).to_contain_text("Jam tutup harus setelah jam buka")
    page.locator("#weekday-4 button", has_text="Batal").click()
    expect(page.locator("#weekday-4")).to_contain_text("08.00–14.00")

    app.config["MPP_FROZEN_NOW"] = "2026-12-04T13:45:00+08:00"  # Friday, after the new cutoff
    desk_context = browser.new_context(viewport={"width": 1366, "height": 900})
    desk = desk_context.new_page()
    log_in(desk, live_server, "resepsionis", PASSWORD)
    expect(desk.locator("#service-search")).to_be_focused()
    desk.locator("#service-search").type("akta kematian")
    expect(desk.locator("#service-choices .choice")).to_have_count(1)
    desk.fill("#visitor_name", "Yakobus")
    desk.press("#visitor_name", "Enter")
    expect(desk.locator("#issue-form .flash-error")).to_contain_text(
        "Buka kembali Selasa, 8 Desember 2026, 08.00 WITA")
    desk_context.close()


def test_a_new_staff_account_shows_its_one_time_password_in_place_of_the_form(live_server, page):
    """The first thing a new admin does: the password panel replaces the form, inside the one page
    (not a second header and menu drawn inside the form)."""
    log_in(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server}/admin/users/new")
    page.fill("#username", "maria.tefa")
    page.fill("#full_name", "Maria Tefa")
    page.select_option("#role", "receptionist")
    page.locator("#record-form button[type=submit]").click()
    expect(page.locator("#record-form")).to_contain_text("Kata sandi sekali pakai")
    expect(page.locator("#record-form .one-time-password code")).to_have_text(re.compile(r"\S{10,}"))
    expect(page.locator("header")).to_have_count(1)
    expect(page.locator("nav")).to_have_count(1)
    expect(page.locator("#record-form form")).to_have_count(0)
    screenshot(page, "admin-new-user-password")
