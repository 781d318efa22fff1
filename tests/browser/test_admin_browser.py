"""The manager changes Friday's hours and adds a closure; reception feels it at once."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from mpp_app.models import Counter, Role, User

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


def _user_row(page, username):
    return page.locator("table.data tbody tr", has=page.locator("td", has_text=re.compile(rf"^{re.escape(username)}$")))


def test_audit_log_says_who_changed_what_in_words(live_server, page, session):
    from datetime import date, time

    from mpp_app.domain import accounts, hours_admin, settings
    from mpp_app.domain.hours_admin import DayHours

    manager = session.scalar(select(User).where(User.username == "manager"))
    admin = session.scalar(select(User).where(User.username == "admin"))
    manager.full_name = "Budi Santoso"
    session.commit()
    rina = accounts.create_user(session, "rina", "Rina Bessie", Role.OFFICER, "sementara-123", "DUKCAPIL", admin)
    accounts.update_user(session, rina, "Rina Bessie Ndoen", Role.OFFICER, "BAPENDA", manager)
    hours_admin.save_weekday(session, 0, DayHours(True, time(8), time(14), time(12), time(13), time(13, 30)), manager)
    hours_admin.save_closure(session, date(2026, 12, 7), date(2026, 12, 7), "Rapat kerja pimpinan", manager,
                             date(2026, 11, 30))
    settings.put(session, "recalls_before_no_show", "3", manager)
    accounts.set_active(session, rina, False, admin)

    log_in(page, live_server, "manager", PASSWORD)
    page.goto(f"{live_server}/admin/audit")
    rows = page.locator("table.audit > tbody > tr")
    expect(rows.first).to_contain_text("Manajer Budi Santoso masuk dari 127.0.0.1.")  # newest first
    expect(rows.nth(1)).to_contain_text("Admin Admin menonaktifkan akun “rina”.")
    hours = page.locator('tr[data-action="opening_hours_changed"]')
    expect(hours).to_contain_text("Manajer Budi Santoso mengubah jam buka Senin: 08.00–15.00 → "
                                  "08.00–14.00 (istirahat 12.00–13.00).")
    expect(hours.locator(".audit-changes tbody tr", has_text="Tutup")).to_contain_text("15.00")
    expect(hours).to_contain_text("manager")  # the username under the full name
    edit = page.locator('tr[data-action="user_updated"]')
    expect(edit.locator(".audit-changes tbody tr", has_text="Instansi")).to_have_text(re.compile(r"Instansi\s*Dukcapil\s*Bapenda"))
    expect(page.locator('tr[data-action="user_created"]').first).to_contain_text(
        "Admin Admin membuat akun petugas loket “rina” (Dukcapil).")
    expect(page.locator('tr[data-action="setting_changed"]')).to_contain_text("Panggilan ulang sebelum boleh ditandai")
    expect(page.locator("table.audit")).not_to_contain_text("{\"")
    screenshot(page, "admin-audit-log")

    page.select_option("#audit-type", label="Penutupan")
    page.click("form.filters button[type=submit]")
    expect(page.locator("table.audit > tbody > tr")).to_have_count(1)
    expect(page.locator("table.audit > tbody")).to_contain_text("Rapat kerja pimpinan")


def test_manager_start_page_lists_the_screens_with_a_qr_each(live_server, page, session):
    log_in(page, live_server, "manager", PASSWORD)
    expect(page).to_have_url(f"{live_server}/admin/")
    screens = page.locator("#screens > ul.screens:not(.kiosks) > li")
    expect(screens).to_have_count(4)
    expect(screens.first).to_contain_text("Papan antrean (TV)")
    expect(screens.first).to_contain_text(f"{live_server}/board/")
    expect(page.locator("#screens")).to_contain_text(f"{live_server}/ikm")
    kiosks = page.locator("#screens ul.kiosks > li")
    expect(kiosks).to_have_count(session.scalar(select(func.count()).select_from(Counter).where(Counter.active)))
    expect(kiosks.first).to_contain_text("Loket 1")
    # Every QR code is drawn (the CSP allows data: images) and is square and large enough to scan.
    sizes = page.eval_on_selector_all("#screens img.qr", "imgs => imgs.map(i => [i.naturalWidth, i.width, i.height])")
    assert sizes and all(natural > 0 and width == height >= 96 for natural, width, height in sizes), sizes
    expect(page.locator("#screens .flash-info")).to_contain_text("MPP_PUBLIC_URL")  # 127.0.0.1 is this PC only
    with page.expect_popup() as popup:
        screens.first.locator("a").click()
    expect(popup.value).to_have_url(f"{live_server}/board/")
    popup.value.close()
    screenshot(page, "admin-start-screens")


def test_editing_an_account_shows_errors_at_the_field_then_saves(live_server, page, session):
    log_in(page, live_server, "admin", PASSWORD)
    page.goto(f"{live_server}/admin/users")
    _user_row(page, "petugas").locator("a", has_text="Ubah").click()
    expect(page.locator("h1")).to_have_text("Ubah akun petugas")
    page.fill("#full_name", "Petrus Taolin")
    page.select_option("#agency", "")
    page.locator("#record-form button[type=submit]").click()
    expect(page.locator("#agency-error")).to_have_text("Petugas loket harus terdaftar pada satu instansi.")
    expect(page.locator("#full_name")).to_have_value("Petrus Taolin")
    expect(page.locator("header")).to_have_count(1)
    screenshot(page, "admin-user-edit-error")
    page.select_option("#agency", "BAPENDA")
    page.locator("#record-form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server}/admin/users")
    expect(page.locator(".flash-success")).to_contain_text("Akun petugas tersimpan.")
    expect(_user_row(page, "petugas")).to_contain_text("Petrus Taolin")
    expect(_user_row(page, "petugas")).to_contain_text("Bapenda")


def test_reset_password_and_deactivate_ask_first(live_server, page, session):
    log_in(page, live_server, "manager", PASSWORD)
    page.goto(f"{live_server}/admin/users")
    page.wait_for_load_state("load")  # confirm.js (deferred) is in place
    asked = []

    def answer(dialog, accept):
        asked.append((dialog.type, dialog.message))
        dialog.accept() if accept else dialog.dismiss()

    row = _user_row(page, "petugas")
    page.once("dialog", lambda dialog: answer(dialog, False))
    row.locator("button", has_text="Nonaktifkan").click()
    assert asked == [("confirm", "Nonaktifkan akun Petugas (petugas)? Ia langsung keluar dan tidak dapat masuk "
                                 "lagi; loket yang dipegangnya dilepas dan nomor yang sedang dilayani kembali ke "
                                 "antrean.")]
    expect(page).to_have_url(f"{live_server}/admin/users")
    expect(row).to_contain_text("Aktif")
    session.expire_all()
    assert session.scalar(select(User.active).where(User.username == "petugas")) is True

    page.once("dialog", lambda dialog: answer(dialog, True))
    row.locator("button", has_text="Nonaktifkan").click()
    expect(page.locator(".flash-success")).to_contain_text("Akun petugas dinonaktifkan.")
    expect(_user_row(page, "petugas")).to_contain_text("Nonaktif")
    screenshot(page, "admin-users-after-confirm")

    page.once("dialog", lambda dialog: answer(dialog, False))
    _user_row(page, "resepsionis").locator("button", has_text="Atur ulang sandi").click()
    assert asked[-1][1].startswith("Atur ulang kata sandi Resepsionis (resepsionis)?")
    expect(page).to_have_url(f"{live_server}/admin/users")
    page.once("dialog", lambda dialog: answer(dialog, True))
    _user_row(page, "resepsionis").locator("button", has_text="Atur ulang sandi").click()
    expect(page.locator(".one-time-password code")).to_have_text(re.compile(r"\S{16}"))
    assert len(asked) == 4
