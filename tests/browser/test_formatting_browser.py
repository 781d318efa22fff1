"""An English browser (en-US: mm/dd/yyyy and AM/PM in its own pickers) types days and times into the hours
editor and the report range: 10-12 is the tenth of December. Numbers read in the reader's language."""
from datetime import date, time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from mpp_app.domain import survey
from mpp_app.models import Closure, OpeningHours

from ..conftest import PASSWORD, at
from .conftest import log_in, open_page, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def english_page(browser):
    page = open_page(browser, locale="en-US")
    yield page
    page.context.close()


def test_hours_editor_in_an_english_browser(live_server, english_page, session):
    page = english_page
    log_in(page, live_server, "manager", PASSWORD)
    page.goto(f"{live_server}/admin/hours")
    assert page.evaluate("navigator.language") == "en-US"

    monday = page.locator("#weekday-0")
    monday.locator("button", has_text="Ubah").click()
    expect(page.locator("#opens_at-0")).to_have_attribute("type", "text")
    expect(monday).to_contain_text("Jam ditulis 24 jam: jj.mm")
    page.fill("#opens_at-0", "07.30")
    page.fill("#closes_at-0", "14:30")
    page.fill("#last_ticket_at-0", "14.15")
    monday.locator("button", has_text="Simpan").click()
    expect(monday.locator(".saved-note")).to_have_text("Jam buka Senin disimpan.")
    expect(monday).to_contain_text("07.30–14.30")
    session.expire_all()
    row = session.scalar(select(OpeningHours).where(OpeningHours.agency_id.is_(None), OpeningHours.weekday == 0))
    assert (row.opens_at, row.closes_at, row.last_ticket_at) == (time(7, 30), time(14, 30), time(14, 15))

    closures = page.locator("#closures")
    expect(closures.locator("#start_date-hint")).to_have_text("hh-bb-tttt")
    expect(closures.locator("#start_date")).to_have_attribute("aria-describedby", "start_date-hint")
    page.fill("#closures #start_date", "10-12-2026")
    page.fill("#closures #end_date", "10/12/2026")
    page.fill("#closures #reason", "Rapat kerja pimpinan")
    closures.locator("button", has_text="Simpan penutupan").click()
    expect(page.locator("#closures .flash-success")).to_have_text("Penutupan 10-12-2026 ditambahkan.")
    expect(page.locator('#hours-preview [data-day="2026-12-10"]')).to_contain_text("Tutup: Rapat kerja pimpinan")
    session.expire_all()
    closure = session.scalar(select(Closure).where(Closure.reason == "Rapat kerja pimpinan"))
    assert (closure.start_date, closure.end_date) == (date(2026, 12, 10), date(2026, 12, 10))  # not 12 October
    page.locator("#weekday-0").scroll_into_view_if_needed()
    screenshot(page, "hours-confirmation")

    page.fill("#closures #start_date", "31-02-2026")
    page.fill("#closures #end_date", "12/31/2026")
    page.fill("#closures #reason", "Rapat lagi")
    page.locator("#closures button", has_text="Simpan penutupan").click()
    expect(page.locator("#start_date-error")).to_have_text("31-02-2026 bukan tanggal yang ada.")
    expect(page.locator("#end_date-error")).to_have_text("12/31/2026 bukan tanggal yang ada.")
    expect(page.locator("#closures #start_date")).to_have_value("31-02-2026")
    expect(page.locator("#closures #reason")).to_have_value("Rapat lagi")

    monday.locator("button", has_text="Ubah").click()
    page.fill("#opens_at-0", "25.00")
    page.fill("#closes_at-0", "2:00 PM")
    monday.locator("button", has_text="Simpan").click()
    expect(page.locator("#opens_at-0-error")).to_have_text("25.00 bukan jam yang benar (00.00 sampai 23.59).")
    expect(page.locator("#closes_at-0-error")).to_contain_text("Format jam tidak dikenal: 2:00 PM.")
    expect(page.locator("#opens_at-0")).to_have_value("25.00")
    page.locator("#weekday-0").scroll_into_view_if_needed()
    screenshot(page, "hours-errors")


def test_report_range_in_an_english_browser(live_server, english_page, desk):
    desk(at(8, 0), at(8, 10), at(8, 11), at(8, 21))  # Monday 30 November 2026
    desk(at(8, 5), at(8, 25), at(8, 26), at(8, 56))
    page = english_page
    log_in(page, live_server, "manager", PASSWORD)
    page.goto(f"{live_server}/reports/")
    expect(page.locator("#r-start")).to_have_attribute("type", "text")
    page.fill("#r-start", "10-12-2026")
    page.fill("#r-end", "01/12/2026")
    page.locator("main button", has_text="Tampilkan").click()
    expect(page.locator("#r-end-error")).to_have_text("Tanggal akhir sebelum tanggal awal.")
    expect(page.locator("h1")).to_have_text("Laporan kinerja pelayanan")
    assert "422" not in page.title()
    expect(page.locator("#r-start")).to_have_value("10-12-2026")
    expect(page.locator("#r-end")).to_have_value("01/12/2026")
    screenshot(page, "reports-range-error")

    page.fill("#r-start", "30-11-2026")
    page.fill("#r-end", "10-12-2026")
    page.locator("main button", has_text="Tampilkan").click()
    expect(page.locator("main")).to_contain_text("Periode 30 Nov 2026 s.d. 10 Des 2026 (WITA)")  # 10 December
    expect(page.locator('[data-figure="issued"]')).to_have_text("2")
    expect(page.locator("table.report")).to_contain_text("15,0 / 15,0 / 20,0")
    screenshot(page, "reports-id")


def test_public_ikm_in_indonesian_and_english(live_server, page, session, desk):
    for minute, answer in ((0, "4"), (10, "4"), (20, "3")):  # IKM 25 x 11/3 = 91.67
        done = desk(at(8, minute), at(8, minute + 1), at(8, minute + 2), at(8, minute + 5))
        survey.submit(session, done, {code: answer for code in survey.CODES}, "kiosk")
    page.goto(f"{live_server}/ikm?year=2026")
    expect(page.locator(".ikm-value")).to_contain_text("91,67")
    expect(page.locator("main table").first).to_contain_text("3,667")
    screenshot(page, "ikm-id")
    page.select_option("#language-select", "en")
    page.locator("header button", has_text="Ganti").click()
    expect(page.locator(".ikm-value")).to_contain_text("91.67")
    expect(page.locator("main table").first).to_contain_text("3.667")
    screenshot(page, "ikm-en")
