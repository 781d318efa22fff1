"""Manager administration: hours rules and edits, closures, holidays, special hours, catalogue,
staff, settings and the audit log; every form's success and its validation errors."""
import json
import re
import sqlite3
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from mpp_app.domain import counter_actions, counter_sessions, hours, hours_admin, tickets
from mpp_app.models import (Agency, AuditLog, Closure, Counter, OpeningHours, Service, Setting, SpecialHours, User)

from .conftest import POSTGRES_URL, Staff, agency_by_code

WITA = ZoneInfo("Asia/Makassar")
MONDAY = date(2026, 11, 30)
FRIDAY = date(2026, 12, 4)


def at(day, hh, mm=0):
    return datetime.combine(day, time(hh, mm), tzinfo=WITA)


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def manager_of(session):
    return session.scalar(select(User).where(User.username == "manager"))


@pytest.fixture
def manager(staff):
    return staff.login("manager")


# --- hours rules (domain) ------------------------------------------------------------------

def test_special_hours_replace_weekly_times(session):
    hours_admin.save_special_hours(
        session, MONDAY, MONDAY + timedelta(days=6),
        hours_admin.DayHours(True, time(8), time(14), time(12), time(12, 30), time(13, 30)),
        "Ramadan", manager_of(session), MONDAY)
    schedule = hours.schedule_for(session, MONDAY)
    assert (schedule.opens_at, schedule.closes_at, schedule.last_ticket_at) == (time(8), time(14), time(13, 30))
    assert schedule.breaks == ((time(12), time(12, 30)),)
    saturday = hours.schedule_for(session, date(2026, 12, 5))
    assert not saturday.is_open_day  # special hours never open a closed weekday
    assert hours.schedule_for(session, MONDAY + timedelta(days=7)).closes_at == time(15)


def test_closure_beats_special_hours(session):
    actor = manager_of(session)
    hours_admin.save_special_hours(session, MONDAY, FRIDAY, hours_admin.DayHours(True, time(9), time(13)),
                                     "Ramadan", actor, MONDAY)
    hours_admin.save_closure(session, FRIDAY, FRIDAY, "Idulfitri", actor, MONDAY)
    assert hours.schedule_for(session, FRIDAY).closure_reason == "Idulfitri"
    assert hours.schedule_for(session, FRIDAY - timedelta(days=1)).opens_at == time(9)


def test_agency_hours_within_special_hours(session):
    actor = manager_of(session)
    bank = agency_by_code(session, "BANKNTT")
    hours_admin.save_weekday(session, MONDAY.weekday(), hours_admin.DayHours(True, time(8), time(14)),
                               actor, bank.id)
    hours_admin.save_special_hours(session, MONDAY, MONDAY, hours_admin.DayHours(True, time(9), time(12)),
                                     "Acara", actor, MONDAY)
    schedule = hours.schedule_for(session, MONDAY, bank.id)
    assert (schedule.opens_at, schedule.closes_at) == (time(9), time(12))


@pytest.mark.parametrize("values, message", [
    (dict(opens_at=None, closes_at=time(15)), "Isi jam buka dan jam tutup"),
    (dict(opens_at=time(15), closes_at=time(8)), "Jam tutup harus setelah jam buka"),
    (dict(opens_at=time(8), closes_at=time(8)), "Jam tutup harus setelah jam buka"),
    (dict(opens_at=time(8), closes_at=time(15), break_start=time(12)), "awal dan akhir istirahat"),
    (dict(opens_at=time(8), closes_at=time(15), break_start=time(7), break_end=time(9)), "di dalam jam buka"),
    (dict(opens_at=time(8), closes_at=time(15), break_start=time(13), break_end=time(12)), "di dalam jam buka"),
    (dict(opens_at=time(8), closes_at=time(15), break_start=time(14), break_end=time(15)), "di dalam jam buka"),
    (dict(opens_at=time(8), closes_at=time(15), last_ticket_at=time(15, 1)), "Batas pengambilan nomor"),
    (dict(opens_at=time(8), closes_at=time(15), last_ticket_at=time(8)), "Batas pengambilan nomor"),
])
def test_day_hours_validation(session, values, message):
    with pytest.raises(hours_admin.HoursError) as refused:
        hours_admin.save_weekday(session, 0, hours_admin.DayHours(True, **values), manager_of(session))
    assert message in str(refused.value)
    session.rollback()
    assert session.scalar(select(OpeningHours.closes_at).where(OpeningHours.agency_id.is_(None),
                                                               OpeningHours.weekday == 0)) == time(15)


def test_edge_values_are_accepted(session):
    hours_admin.save_weekday(session, 0, hours_admin.DayHours(True, time(8), time(15), time(8, 1), time(14, 59),
                                                                   time(15)), manager_of(session))
    assert hours.schedule_for(session, MONDAY).last_ticket_at == time(15)


def test_agency_hours_never_wider_than_mall(session):
    pln = agency_by_code(session, "PLN")
    with pytest.raises(hours_admin.HoursError) as refused:
        hours_admin.save_weekday(session, 0, hours_admin.DayHours(True, time(7), time(15)), manager_of(session),
                                   pln.id)
    assert "tidak boleh lebih luas dari jam mal (08.00–15.00)" in str(refused.value)
    with pytest.raises(hours_admin.HoursError):
        hours_admin.save_weekday(session, 5, hours_admin.DayHours(True, time(8), time(12)), manager_of(session),
                                   pln.id)  # the mall is closed on Saturday


def test_preview_of_an_unsaved_weekday_edit_changes_only_its_days_and_stores_nothing(session):
    rows, audits = count(session, OpeningHours), count(session, AuditLog)
    hours_admin.save_closure(session, date(2026, 12, 11), date(2026, 12, 11), "Rapat kerja", manager_of(session),
                               MONDAY)
    preview = hours_admin.preview_weekday(
        session, 4, hours_admin.DayHours(True, time(8), time(14), last_ticket_at=time(13, 30)), MONDAY, 14)
    assert [day.day for day, _ in preview] == [MONDAY + timedelta(days=n) for n in range(14)]
    changed = {day.day: day for day, is_changed in preview if is_changed}
    assert list(changed) == [FRIDAY]  # the next Friday is closed, and a closure beats weekly hours
    assert (changed[FRIDAY].closes_at, changed[FRIDAY].last_ticket_at) == (time(14), time(13, 30))
    assert hours.schedule_for(session, FRIDAY).closes_at == time(15)
    assert count(session, OpeningHours) == rows and count(session, AuditLog) == audits + 1  # the closure only


def test_preview_of_closing_a_day_and_of_agency_hours(session):
    closed = hours_admin.preview_weekday(session, 0, hours_admin.DayHours(False), MONDAY, 14)
    assert {day.day for day, is_changed in closed if is_changed} == {MONDAY, MONDAY + timedelta(days=7)}
    assert all(not day.is_open_day for day, is_changed in closed if is_changed)
    pln = agency_by_code(session, "PLN")
    narrowed = hours_admin.preview_weekday(session, 2, hours_admin.DayHours(True, time(9), time(14)), MONDAY, 14,
                                             pln.id)
    assert [day.opens_at for day, is_changed in narrowed if is_changed] == [time(9), time(9)]
    assert hours.schedule_for(session, date(2026, 12, 2), pln.id).opens_at == time(8)
    with pytest.raises(hours_admin.HoursError):  # refused exactly as saving would be
        hours_admin.preview_weekday(session, 2, hours_admin.DayHours(True, time(7), time(14)), MONDAY, 14, pln.id)
    with pytest.raises(hours_admin.HoursError):
        hours_admin.preview_weekday(session, 2, hours_admin.DayHours(True, time(14), time(9)), MONDAY, 14)


def test_follow_mall_removes_agency_row(session):
    pln = agency_by_code(session, "PLN")
    hours_admin.save_weekday(session, 0, hours_admin.DayHours(False), manager_of(session), pln.id)
    assert not hours.schedule_for(session, MONDAY, pln.id).is_open_day
    hours_admin.follow_mall(session, 0, pln.id, manager_of(session))
    assert hours.schedule_for(session, MONDAY, pln.id).is_open_day


@pytest.mark.parametrize("start, end, reason, message", [
    (date(2026, 12, 3), date(2026, 12, 2), "Rapat", "tidak boleh sebelum"),
    (date(2026, 11, 1), date(2026, 11, 2), "Lampau", "sudah lewat"),
    (date(2026, 12, 1), date(2028, 1, 1), "Panjang", "paling lama satu tahun"),
    (date(2026, 12, 1), date(2026, 12, 1), "ab", "3 sampai 200"),
    (date(2026, 12, 23), date(2026, 12, 24), "Bertumpuk", "bertumpuk dengan penutupan lain: Cuti Bersama"),
])
def test_closure_validation(session, start, end, reason, message):
    before = count(session, Closure)
    with pytest.raises(hours_admin.HoursError) as refused:
        hours_admin.save_closure(session, start, end, reason, manager_of(session), MONDAY)
    assert message in str(refused.value)
    assert count(session, Closure) == before


def test_agency_closure_may_overlap_mall_closure(session):
    pos = agency_by_code(session, "POS")
    hours_admin.save_closure(session, date(2026, 12, 24), date(2026, 12, 24), "Stok opname", manager_of(session),
                               MONDAY, pos.id)


def test_edit_closure_and_audit(session):
    actor = manager_of(session)
    closure = hours_admin.save_closure(session, FRIDAY, FRIDAY, "Rapat kerja", actor, MONDAY)
    hours_admin.save_closure(session, FRIDAY, FRIDAY + timedelta(days=1), "Rapat kerja tahunan", actor, MONDAY,
                               closure_id=closure.id)
    session.expire_all()
    assert session.get(Closure, closure.id).reason == "Rapat kerja tahunan"
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "closure_saved").order_by(AuditLog.id.desc()))
    assert '"reason": "Rapat kerja"' in entry.before and "tahunan" in entry.after


def test_holiday_import_reviews_and_skips_known(session):
    candidates = hours_admin.holiday_candidates(session, 2027)
    assert all(c.known for c in candidates)  # the seed imported next year already
    session.query(Closure).filter(Closure.source == "holiday", Closure.start_date >= date(2027, 1, 1)).delete()
    session.commit()
    candidates = hours_admin.holiday_candidates(session, 2027)
    chosen = {c.day for c in candidates[:3]}
    assert hours_admin.import_holidays(session, 2027, chosen, manager_of(session)) == 3
    assert hours_admin.import_holidays(session, 2027, chosen, manager_of(session)) == 0


def test_waiting_tickets_survive_a_closure_added_today(session):
    service = agency_by_code(session, "DUKCAPIL").services[0]
    ticket = tickets.issue_ticket(session, service_id=service.id, visitor_name="A", now=at(MONDAY, 9)).ticket
    hours_admin.save_closure(session, MONDAY, MONDAY, "Listrik padam", manager_of(session), MONDAY)
    officer = session.scalar(select(User).where(User.username == "petugas"))
    counter_sessions.open_counter(session, 1, officer)
    assert counter_actions.call_next(session, 1, officer, now=at(MONDAY, 10)).id == ticket.id
    with pytest.raises(tickets.OutsideHoursError):
        tickets.issue_ticket(session, service_id=service.id, visitor_name="B", now=at(MONDAY, 10))


# --- hours through the pages ---------------------------------------------------------------

def test_edit_friday_inline(manager, session):
    editing = manager.get("/admin/hours/4/edit", htmx=True)
    assert editing.status_code == 200 and 'id="weekday-4"' in editing.get_data(as_text=True)
    saved = manager.post("/admin/hours/4", {"is_open": "y", "opens_at": "08:00", "closes_at": "14:00",
                                            "last_ticket_at": "13:30"}, htmx=True)
    assert saved.status_code == 200 and saved.headers["HX-Trigger"] == "hours-changed"
    assert "08.00–14.00" in saved.get_data(as_text=True)
    preview = manager.get("/admin/hours/preview", htmx=True).get_data(as_text=True)
    assert "Jum, 4 Des" in preview and "08.00–14.00" in preview


def test_preview_of_an_unsaved_edit_through_the_page(manager, session):
    def friday_row(body):
        return re.search(r'<tr class="([^"]*)" data-day="2026-12-04">(.*?)</tr>', body, re.S).groups()

    response = manager.post("/admin/hours/4/preview", {"is_open": "y", "opens_at": "08:00", "closes_at": "14:00",
                                                       "last_ticket_at": "13:30"}, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "belum disimpan" in body and "<html" not in body
    classes, cells = friday_row(body)
    assert "changed" in classes and "08.00–14.00" in cells and "berubah" in cells
    assert "changed" not in friday_row(manager.get("/admin/hours/preview", htmx=True).get_data(as_text=True))[0]
    assert session.scalar(select(OpeningHours.closes_at).where(OpeningHours.agency_id.is_(None),
                                                               OpeningHours.weekday == 4)) == time(15)

    refused = manager.post("/admin/hours/4/preview", {"is_open": "y", "opens_at": "14:00", "closes_at": "08:00"},
                           htmx=True)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Jam tutup harus setelah jam buka" in body
    assert "belum disimpan" not in body and "08.00–15.00" in friday_row(body)[1]
    assert manager.post("/admin/hours/4/preview", {"is_open": "y", "opens_at": "abc"}, htmx=True).status_code == 422
    assert manager.get("/admin/hours/4", htmx=True).headers["HX-Trigger"] == "hours-edit-cancelled"


@pytest.mark.parametrize("data, message", [
    ({"is_open": "y", "opens_at": "25:00", "closes_at": "14:00"}, "25:00 bukan jam yang benar"),
    ({"is_open": "y", "opens_at": "abc", "closes_at": "14:00"}, "Format jam tidak dikenal"),
    ({"is_open": "y", "opens_at": "14:00", "closes_at": "08:00"}, "Jam tutup harus setelah jam buka"),
    ({"is_open": "y", "opens_at": "", "closes_at": ""}, "Isi jam buka dan jam tutup"),
])
def test_weekday_form_errors(manager, session, data, message):
    response = manager.post("/admin/hours/4", data, htmx=True)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert "<html" not in response.get_data(as_text=True)
    assert session.scalar(select(OpeningHours.closes_at).where(OpeningHours.agency_id.is_(None),
                                                               OpeningHours.weekday == 4)) == time(15)


def test_agency_scope_and_unknown_agency(manager):
    assert "Mengikuti jam mal" in manager.get("/admin/hours?agency=PLN").get_data(as_text=True)
    assert manager.get("/admin/hours?agency=NOPE").status_code == 404
    assert manager.post("/admin/hours/9", {"is_open": ""}, htmx=True).status_code == 404


def test_closure_forms(manager, session):
    before = count(session, Closure)
    added = manager.post("/admin/closures", {"start_date": "2026-12-02", "end_date": "2026-12-02",
                                             "reason": "Rapat kerja"}, htmx=True)
    assert added.status_code == 200 and "Rapat kerja" in added.get_data(as_text=True)
    assert count(session, Closure) == before + 1
    for data, message in [({"start_date": "x", "end_date": "2026-12-02", "reason": "Rapat"}, "Format tanggal"),
                          ({"start_date": "", "end_date": "2026-12-02", "reason": "Rapat"}, "Isi tanggal"),
                          ({"start_date": "2026-12-02", "end_date": "2026-12-02", "reason": ""}, "Isi keterangan"),
                          ({"start_date": "2026-12-02", "end_date": "2026-12-02", "reason": "Dobel"}, "bertumpuk")]:
        refused = manager.post("/admin/closures", data, htmx=True)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True), message
    assert count(session, Closure) == before + 1
    closure_id = session.scalar(select(Closure.id).where(Closure.reason == "Rapat kerja"))
    assert "Ubah penutupan" in manager.get(f"/admin/closures/{closure_id}/edit", htmx=True).get_data(as_text=True)
    assert manager.post(f"/admin/closures/{closure_id}/delete", htmx=True).status_code == 200
    assert count(session, Closure) == before


def test_holiday_import_through_pages(manager, session):
    session.query(Closure).filter(Closure.start_date >= date(2027, 1, 1)).delete()
    session.commit()
    review = manager.post("/admin/closures/holidays", {"year": "2027"}, htmx=True)
    assert review.status_code == 200 and "Tahun Baru Masehi" in review.get_data(as_text=True)
    assert manager.post("/admin/closures/holidays", {"year": "99"}, htmx=True).status_code == 422
    imported = manager.post("/admin/closures/holidays/import", {"year": "2027", "day": ["2027-01-01"]}, htmx=True)
    assert imported.status_code == 200
    assert session.scalar(select(Closure.reason).where(Closure.start_date == date(2027, 1, 1))) == "Tahun Baru Masehi"
    bad = manager.post("/admin/closures/holidays/import", {"year": "2027", "day": ["bukan-tanggal"]}, htmx=True)
    assert bad.status_code == 422


def test_special_hours_forms(manager, session):
    data = {"start_date": "2027-02-08", "end_date": "2027-03-09", "opens_at": "08:00", "closes_at": "14:00",
            "reason": "Ramadan 1448 H"}
    assert manager.post("/admin/special-hours", data, htmx=True).status_code == 200
    overlap = manager.post("/admin/special-hours", {**data, "reason": "Lagi"}, htmx=True)
    assert overlap.status_code == 422 and "bertumpuk dengan jam khusus lain" in overlap.get_data(as_text=True)
    assert count(session, SpecialHours) == 1
    special_id = session.scalar(select(SpecialHours.id))
    assert manager.post(f"/admin/special-hours/{special_id}/delete", htmx=True).status_code == 200
    assert count(session, SpecialHours) == 0


# --- catalogue, staff, settings, audit ----------------------------------------------------

def test_agency_form(manager, session):
    data = {"code": "disnaker", "name": "Dinas Tenaga Kerja", "short_name": "Disnaker", "prefix": "m",
            "sort_order": "12", "priority_every": "3", "active": "y"}
    saved = manager.post("/admin/agencies/new", data, htmx=True)
    assert saved.status_code == 200 and saved.headers["HX-Redirect"] == "/admin/agencies"
    agency = agency_by_code(session, "DISNAKER")
    assert agency.prefix == "M" and agency.priority_every == 3
    for change, message in [({"prefix": "O"}, "bukan I atau O"), ({"prefix": "A"}, "sudah dipakai oleh Dukcapil"),
                            ({"code": "PLN", "prefix": "N"}, "Kode PLN sudah dipakai"),
                            ({"code": "a b"}, "Kode instansi"), ({"priority_every": "x"}, "angka bulat"),
                            ({"priority_every": "21"}, "0 sampai 20"), ({"name": ""}, "Isi nama.")]:
        refused = manager.post("/admin/agencies/new", {**data, "code": "BARU", "prefix": "N", **change}, htmx=True)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True), message
    assert count(session, Agency) == 12


def test_deactivating_agency_hides_it_from_reception(manager, session):
    pos = agency_by_code(session, "POS")
    manager.post(f"/admin/agencies/{pos.id}", {"code": "POS", "name": pos.name, "short_name": pos.short_name,
                                               "prefix": "L", "sort_order": "11", "priority_every": "0"}, htmx=True)
    session.expire_all()
    assert agency_by_code(session, "POS").active is False
    assert "Wesel Pos" not in manager.get("/reception/services?q=wesel", htmx=True).get_data(as_text=True)


def test_service_form(manager, session):
    pln = agency_by_code(session, "PLN")
    data = {"agency_id": str(pln.id), "name": "Pemasangan PJU", "requirements": "KTP", "procedure": "",
            "processing_time": "3 hari", "fee": "Gratis", "product": "PJU", "legal_basis": "", "complaints": "",
            "expected_minutes": "12", "sort_order": "9", "active": "y"}
    assert manager.post("/admin/services/new", data, htmx=True).status_code == 200
    service = session.scalar(select(Service).where(Service.name == "Pemasangan PJU"))
    assert service.expected_minutes == 12 and service in pln.counters[0].services
    for change, message in [({"name": "Pemasangan PJU"}, "sudah ada di PLN"), ({"expected_minutes": "0"}, "1 sampai 480"),
                            ({"agency_id": "9999"}, "Pilihan tidak dikenal"), ({"name": "x" * 201}, "3 sampai 200")]:
        refused = manager.post("/admin/services/new", {**data, **change}, htmx=True)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True), message
    assert session.scalar(select(func.count()).where(Service.agency_id == pln.id)) == 5


def test_counter_form(manager, session):
    kpp = agency_by_code(session, "KPP")
    services = [str(s.id) for s in kpp.services[:2]]
    data = {"number": "30", "name": "Loket 30", "agency_id": str(kpp.id), "active": "y", "service_ids": services}
    assert manager.post("/admin/counters/new", data, htmx=True).status_code == 200
    counter = session.scalar(select(Counter).where(Counter.number == 30))
    assert len(counter.services) == 2
    other = str(agency_by_code(session, "PLN").services[0].id)
    for change, message in [({"number": "1"}, "sudah dipakai Loket 1"), ({"service_ids": []}, "minimal satu layanan"),
                            ({"service_ids": [other]}, "layanan instansinya sendiri"), ({"number": "0"}, "1 sampai 999")]:
        refused = manager.post("/admin/counters/new", {**data, "number": "31", **change}, htmx=True)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True), message
    assert count(session, Counter) == 14


def test_staff_create_reset_deactivate(manager, session, app):
    created = manager.post("/admin/users/new", {"username": "maria.tefa", "full_name": "Maria Tefa",
                                                "role": "officer", "agency": "PLN"}, htmx=True)
    body = created.get_data(as_text=True)
    assert created.status_code == 200 and "sekali pakai" in body
    password = body.split("<code>")[1].split("</code>")[0]
    new = Staff(app.test_client())
    assert new.client.post("/login", data={"username": "maria.tefa", "password": password,
                                           "csrf_token": _token(new.client)}).headers["Location"] == "/counters/"
    user = session.scalar(select(User).where(User.username == "maria.tefa"))
    assert user.must_change_password and user.agency.code == "PLN"
    listed = re.search(r"<td>maria\.tefa</td>.*?</tr>", manager.get("/admin/users").get_data(as_text=True), re.S)
    assert "<td>Petugas loket</td>" in listed.group(0)
    for data, message in [({"role": "officer", "agency": ""}, "harus terdaftar pada satu instansi"),
                          ({"role": "admin"}, "Pilihan tidak dikenal"),  # a manager cannot create admins
                          ({"username": "manager"}, "sudah dipakai")]:
        refused = manager.post("/admin/users/new", {"username": "baru1", "full_name": "Baru", "role": "receptionist",
                                                    "agency": "", **data}, htmx=True)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True), message
    reset = manager.post(f"/admin/users/{user.id}/reset-password")
    assert reset.status_code == 200 and "<code>" in reset.get_data(as_text=True)
    assert manager.post(f"/admin/users/{user.id}/active", {"active": "0"}).status_code == 302
    session.expire_all()
    assert session.get(User, user.id).active is False
    admin = session.scalar(select(User).where(User.username == "admin"))
    assert manager.post(f"/admin/users/{admin.id}/reset-password").status_code == 403


def _token(client):
    import re

    return re.search(r'csrf-token" content="([^"]+)', client.get("/login").get_data(as_text=True)).group(1)


def test_cannot_deactivate_yourself(staff, session):
    admin = staff.login("admin")
    me = session.scalar(select(User).where(User.username == "admin"))
    refused = admin.post(f"/admin/users/{me.id}/active", {"active": "0"})
    assert refused.status_code == 422 and "akun Anda sendiri" in refused.get_data(as_text=True)


def test_settings_form(manager, client, session):
    data = {"mpp_name": "MPP Kota Kupang BESTI", "mpp_address": "Jl. Timor Raya 124", "running_text": "Selamat datang",
            "announce_mode": "words", "recalls_before_no_show": "3", "retention_days": "60"}
    assert manager.post("/admin/settings", data, htmx=True).status_code == 200
    assert "MPP Kota Kupang BESTI" in client.get("/").get_data(as_text=True)
    stored = dict(session.execute(select(Setting.key, Setting.value)).all())
    assert stored["announce_mode"] == "words" and stored["retention_days"] == "60"
    for change, message in [({"recalls_before_no_show": "11"}, "0 sampai 10"), ({"announce_mode": "loud"}, "Pilihan"),
                            ({"mpp_name": ""}, "Isi nama MPP"), ({"retention_days": "0"}, "1 sampai 3650")]:
        refused = manager.post("/admin/settings", {**data, **change}, htmx=True)
        assert refused.status_code == 422 and message in refused.get_data(as_text=True), message
    assert session.scalar(select(Setting.value).where(Setting.key == "recalls_before_no_show")) == "3"


def test_public_home_lists_upcoming_closures(client):
    page = client.get("/").get_data(as_text=True)
    assert "Hari libur dan penutupan mendatang" in page and "Cuti Bersama Hari Raya Natal" in page


# --- database backup from the admin page ----------------------------------------------------

def test_admin_downloads_a_checked_backup_while_the_app_serves(staff, session, app, tmp_path):
    tickets.issue_ticket(session, service_id=agency_by_code(session, "DUKCAPIL").services[0].id, visitor_name="Maria")
    admin = staff.login("admin")
    offered = "Unduh cadangan sekarang" in admin.get("/admin/").get_data(as_text=True)
    assert offered is not bool(POSTGRES_URL)
    response = admin.post("/admin/backup")
    if POSTGRES_URL:  # pg_dump's job: refused with the way to do it, nothing written
        assert response.status_code == 409 and "pg_dump" in response.get_data(as_text=True)
        assert session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "backup_downloaded")) == 0
        return
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=mpp-")
    downloaded = tmp_path / "downloaded.sqlite"
    downloaded.write_bytes(response.get_data())
    with sqlite3.connect(downloaded) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT visitor_name FROM ticket").fetchall() == [("Maria",)]
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "backup_downloaded"))
    after = json.loads(entry.after)
    assert after["tickets"] == 1 and after["file"].startswith("mpp-")
    for _ in range(8):
        admin.post("/admin/backup").close()
    assert len(list((Path(app.instance_path) / "backups").glob("mpp-*.sqlite"))) == 7  # the newest seven stay


def test_a_backup_that_fails_its_check_is_not_handed_out(staff, session):
    if POSTGRES_URL:
        pytest.skip("the embedded SQLite file")
    session.execute(text("DROP TABLE alembic_version"))  # without its migration version it is not this app's database
    session.commit()
    response = staff.login("admin").post("/admin/backup")
    assert response.status_code == 503 and "Cadangan gagal diperiksa" in response.get_data(as_text=True)
    assert "attachment" not in response.headers.get("Content-Disposition", "")


def test_backup_is_for_admins_only(staff):
    manager = staff.login("manager")
    assert "Unduh cadangan" not in manager.get("/admin/").get_data(as_text=True)
    assert manager.post("/admin/backup").status_code == 403


# --- the audit log in words ----------------------------------------------------------------

def _codes_written_by_the_app() -> set:
    """Every action code the app passes to audit.record (read from its source, so that a new code
    without a description fails test_every_action_code_reads_as_a_sentence)."""
    import ast

    codes = set()
    for path in Path(__file__).resolve().parents[1].joinpath("mpp_app").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            is_record = (isinstance(func, ast.Attribute) and func.attr == "record"
                         and isinstance(func.value, ast.Name) and func.value.id == "audit")
            is_catalogue_save = isinstance(func, ast.Name) and func.id == "_save" and path.name == "catalogue_admin.py"
            if not (is_record or is_catalogue_save):
                continue
            argument = node.args[2] if is_record else node.args[-1]
            for value in ([argument.body, argument.orelse] if isinstance(argument, ast.IfExp) else [argument]):
                if isinstance(value, ast.Constant):
                    codes.add(value.value)
                else:
                    assert isinstance(value, ast.Name) and value.id == "action", ast.dump(value)
    return codes


def _write_every_kind_of_entry(session, app):
    """Run the real domain functions that write each action code; returns the manager."""
    from mpp_app.domain import accounts, catalogue_admin, settings
    from mpp_app.domain.accounts import ThrottlePolicy
    from mpp_app.domain.errors import InvalidCredentialsError
    from mpp_app.domain.hours_admin import DayHours
    from mpp_app.models import Role

    from .conftest import PASSWORD

    manager = manager_of(session)
    admin = session.scalar(select(User).where(User.username == "admin"))
    policy = ThrottlePolicy()
    accounts.authenticate(session, "manager", PASSWORD, "10.0.0.5", policy)
    with pytest.raises(InvalidCredentialsError):
        accounts.authenticate(session, "resepsionis", "salah-sekali-1", "10.0.0.9", policy)
    with pytest.raises(InvalidCredentialsError):
        accounts.authenticate(session, "tidak.ada", "salah-sekali-1", "10.0.0.9", policy)
    accounts.end_session(session, manager)
    accounts.change_password(session, manager, PASSWORD, "kata-sandi-baru-2026")
    rina = accounts.create_user(session, "rina", "Rina Bessie", Role.OFFICER, "sementara-123", "DUKCAPIL", admin)
    accounts.update_user(session, rina, "Rina Bessie Ndoen", Role.OFFICER, "BAPENDA", manager)
    accounts.unlock(session, rina, manager)
    accounts.reset_password(session, rina, manager)
    accounts.reset_password(session, rina, None)
    accounts.set_active(session, rina, False, manager)
    accounts.set_active(session, rina, True, manager)
    pln = agency_by_code(session, "PLN")
    catalogue_admin.save_agency(session, {**audit_snapshot(pln, catalogue_admin.AGENCY_FIELDS),
                                          "short_name": "PLN Kupang", "active": False}, manager, pln.id)
    catalogue_admin.set_priority_rule(session, "PLN", 3, manager)
    service = pln.services[0]
    catalogue_admin.save_service(session, {**audit_snapshot(service, catalogue_admin.SERVICE_FIELDS),
                                           "expected_minutes": 25}, manager, service.id)
    counter = session.get(Counter, 1)
    catalogue_admin.save_counter(session, {**audit_snapshot(counter, catalogue_admin.COUNTER_FIELDS),
                                           "name": "Loket 1 Dukcapil"}, [s.id for s in counter.services], manager,
                                 counter.id)
    settings.put(session, "announce_mode", "words", manager)
    dukcapil_service = agency_by_code(session, "DUKCAPIL").services[0]
    tickets.issue_ticket(session, service_id=dukcapil_service.id, visitor_name="Yakobus", actor=manager,
                         now=at(MONDAY, 16), override_reason="Lansia datang dari Semau")
    tickets.purge_personal_data(session, 0, now=at(MONDAY + timedelta(days=1), 9))
    hours_admin.save_weekday(session, 0, DayHours(True, time(8), time(14), time(12), time(13), time(13, 30)), manager)
    hours_admin.save_weekday(session, 1, DayHours(True, time(9), time(14), None, None, time(13, 30)), manager,
                             agency_id=pln.id)
    hours_admin.follow_mall(session, 1, pln.id, manager)
    hours_admin.save_weekday(session, 2, DayHours(False), manager, agency_id=pln.id)
    closure = hours_admin.save_closure(session, date(2026, 12, 7), date(2026, 12, 8), "Rapat kerja", manager, MONDAY)
    hours_admin.save_closure(session, date(2026, 12, 7), date(2026, 12, 9), "Rapat kerja pimpinan", manager, MONDAY,
                             closure_id=closure.id)
    hours_admin.delete_closure(session, closure.id, manager)
    hours_admin.import_holidays(session, 2030, {date(2030, 1, 1)}, manager)
    special = hours_admin.save_special_hours(session, date(2027, 3, 1), date(2027, 3, 5),
                                             DayHours(True, time(8), time(13), None, None, time(12)), "Ramadan",
                                             manager, MONDAY)
    hours_admin.delete_special_hours(session, special.id, manager)
    officer = session.scalar(select(User).where(User.username == "petugas"))
    counter_sessions.open_counter(session, 1, officer)
    counter_sessions.release_counter(session, 1, manager)
    if not POSTGRES_URL:
        from mpp_app.domain import backup

        backup.backup_for_download(session, admin, Path(app.instance_path) / "backups")
    else:  # the download is SQLite's; the row it writes is the same
        from mpp_app.domain import audit

        audit.record(session, admin, "backup_downloaded", after={"file": "mpp-20261130.sqlite", "tickets": 3,
                                                                 "bytes": 9000})
        session.commit()
    return manager


def audit_snapshot(record, fields):
    return {name: getattr(record, name) for name in fields}


def _lines(session):
    from mpp_app.domain.audit import describe

    entries = session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    return {entry.id: describe(entry) for entry in entries}, entries


def test_every_action_code_reads_as_a_sentence(app, session):
    with app.test_request_context():
        _write_every_kind_of_entry(session, app)
        lines, entries = _lines(session)
    written = {entry.action for entry in entries}
    assert _codes_written_by_the_app() <= written, "write (and describe) the new action codes here"
    for entry in entries:
        line = lines[entry.id]
        assert line.sentence and "“%s”" % entry.action not in line.sentence, (entry.action, line.sentence)
        assert "{" not in line.sentence and "#None" not in line.sentence, line.sentence
    by_action = {}
    for entry in entries:
        by_action.setdefault(entry.action, []).append(lines[entry.id])
    said = {action: [line.sentence for line in found] for action, found in by_action.items()}
    assert "Manajer Manager masuk dari 10.0.0.5." in said["login"]
    assert "Percobaan masuk yang gagal dengan nama pengguna “tidak.ada” dari 10.0.0.9." in said["login_failed"]
    assert "Admin Admin membuat akun petugas loket “rina” (Dukcapil)." in said["user_created"]
    assert said["user_updated"] == ["Manajer Manager mengubah akun “rina”."]
    assert {(c.label, c.before, c.after) for c in by_action["user_updated"][0].changes} == {
        ("Nama lengkap", "Rina Bessie", "Rina Bessie Ndoen"), ("Instansi", "Dukcapil", "Bapenda")}
    assert "Kata sandi akun “rina” diatur ulang dari konsol server (mpp reset-password)." in said["password_reset"]
    assert by_action["password_reset"][1].actor == "Sistem"
    assert said["user_deactivated"] == ["Manajer Manager menonaktifkan akun “rina”."]
    assert said["priority_rule_changed"] == [
        "Manajer Manager mengubah aturan prioritas PLN Kupang: prioritas selalu didahulukan → "
        "satu prioritas setiap 3 reguler."]
    agency = by_action["agency_saved"][0]
    assert agency.sentence == "Manajer Manager mengubah instansi PLN Kupang."
    assert {(c.label, c.before, c.after) for c in agency.changes} == {
        ("Nama singkat", "PLN", "PLN Kupang"), ("Aktif", "Ya", "Tidak")}
    assert [(c.label, c.before, c.after) for c in by_action["service_saved"][0].changes][0][0] == \
        "Perkiraan menit per kunjungan"
    assert by_action["setting_changed"][0].changes[0].label == "Cara menyebut nomor"
    assert by_action["setting_changed"][0].changes[0].after == "Bilangan utuh: seratus dua puluh tiga"
    assert said["opening_hours_changed"][0] == ("Manajer Manager mengubah jam buka Senin: 08.00–15.00 → "
                                                "08.00–14.00 (istirahat 12.00–13.00).")
    assert ("Tutup", "15.00", "14.00") in {(c.label, c.before, c.after)
                                           for c in by_action["opening_hours_changed"][0].changes}
    # Tuesday's row of PLN was removed afterwards (it follows the mall again): the day is not known.
    assert said["opening_hours_changed"][1] == "Manajer Manager menetapkan jam buka sebuah hari: 09.00–14.00."
    assert said["opening_hours_changed"][2] == "Manajer Manager menetapkan jam buka Rabu (PLN Kupang): tutup."
    assert said["opening_hours_removed"] == ["Manajer Manager menghapus jam buka sendiri sebuah instansi untuk satu "
                                             "hari (09.00–14.00); instansi itu kembali mengikuti jam mal."]
    assert said["closure_saved"] == ["Manajer Manager menutup seluruh mal 7 Des 2026 s.d. 8 Des 2026: Rapat kerja.",
                                     "Manajer Manager mengubah penutupan seluruh mal 7 Des 2026 s.d. 9 Des 2026: "
                                     "Rapat kerja pimpinan."]
    assert said["holidays_imported"] == ["Manajer Manager mengimpor 1 hari libur tahun 2030 sebagai penutupan."]
    assert "A-001" in said["ticket_override"][0] and "Lansia datang dari Semau" in said["ticket_override"][0]
    assert said["counter_released"][0].startswith("Manajer Manager melepas Loket 1 Dukcapil dari petugas petugas")
    assert all(re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d\.\d\d\.\d\d", line.when) for line in lines.values())


def test_unknown_or_broken_entries_still_read(app, session):
    from mpp_app.domain.audit import describe

    manager = manager_of(session)
    odd = [AuditLog(user_id=manager.id, action="moon_landed", record_type="rocket", record_id=7, before="{not json",
                    after='["a list"]'),
           AuditLog(action="setting_changed", before=None, after=None),
           AuditLog(user_id=manager.id, action="opening_hours_changed", record_type="openinghours", record_id=99999,
                    before='{"opens_at": "banana"}', after='{"is_open": false}'),
           AuditLog(user_id=manager.id, action="closure_saved", record_type="closure", record_id=5,
                    after='{"agency_id": 424242, "start_date": "2026-13-45", "reason": "?"}')]
    session.add_all(odd)
    session.commit()
    with app.test_request_context():
        lines = [describe(entry) for entry in odd]
    assert lines[0].sentence == "Manajer Manager melakukan “moon_landed” pada rocket #7."
    assert lines[0].actor == "Manager" and lines[0].username == "manager"
    assert lines[1].actor == "Sistem" and lines[1].sentence == "Sistem melakukan “setting_changed”."
    assert lines[2].sentence == "Manajer Manager mengubah jam buka sebuah hari: banana–— → tutup."
    assert "2026-13-45" in lines[3].sentence and "424242" in lines[3].sentence


def test_audit_page_reads_in_words_in_the_readers_language(manager, staff, session):
    manager.post("/admin/closures", {"start_date": "2026-12-02", "end_date": "2026-12-02", "reason": "Rapat kerja"},
                 htmx=True)
    page = manager.get("/admin/audit").get_data(as_text=True)
    body = page.split("<tbody>")[1]
    assert "Manajer Manager menutup seluruh mal 2 Des 2026: Rapat kerja." in body
    assert "closure_saved" not in body.replace('data-action="closure_saved"', "")
    assert "{&#34;" not in page and '{"' not in body  # no raw JSON
    saved = session.scalar(select(AuditLog).where(AuditLog.action == "closure_saved"))
    moment = saved.at.replace(tzinfo=saved.at.tzinfo or ZoneInfo("UTC")).astimezone(WITA)
    months = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
    assert f"{moment.day} {months[moment.month - 1]} {moment.year}, {moment:%H.%M.%S}" in body  # WITA
    assert ">Penutupan</option>" in page
    manager.post("/language", {"language": "en", "next": "/admin/audit"})
    english = manager.get("/admin/audit").get_data(as_text=True)
    assert f"{moment:%H:%M:%S}" in english and f"{moment:%H.%M.%S}" not in english


def test_audit_page_filters(manager, session):
    manager.post("/admin/closures", {"start_date": "2026-12-02", "end_date": "2026-12-02", "reason": "Rapat kerja"},
                 htmx=True)
    page = manager.get("/admin/audit?type=closure&user=manager").get_data(as_text=True)
    assert 'data-action="closure_saved"' in page and "Rapat kerja" in page
    assert 'data-action="login"' not in page
    assert "Tidak ada catatan" in manager.get("/admin/audit?user=resepsionis&type=closure").get_data(as_text=True)
    assert manager.get("/admin/audit?from=2026-13-01").status_code == 422
    assert 'data-action="closure_saved"' in manager.get("/admin/audit?from=2026-11-01&to=2099-01-01").get_data(
        as_text=True)


# --- editing accounts ------------------------------------------------------------------------

def _user(session, username):
    session.expire_all()
    return session.scalar(select(User).where(User.username == username))


def _field_error(page, field):
    match = re.search(r'<p class="field-error" id="%s-error">(.*?)</p>' % field, page, re.S)
    return match.group(1) if match else ""


def test_manager_edits_an_officers_name_and_agency_audited(manager, session):
    officer = _user(session, "petugas")
    form = manager.get(f"/admin/users/{officer.id}/edit").get_data(as_text=True)
    assert 'value="Petugas"' in form and '<option selected value="DUKCAPIL">' in form
    saved = manager.post(f"/admin/users/{officer.id}/edit", {"full_name": "Petrus Taolin", "role": "officer",
                                                             "agency": "BAPENDA"}, htmx=True)
    assert saved.status_code == 200 and saved.headers["HX-Redirect"] == "/admin/users"
    officer = _user(session, "petugas")
    assert officer.full_name == "Petrus Taolin" and officer.agency.code == "BAPENDA"
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "user_updated"))
    assert json.loads(entry.before) == {"full_name": "Petugas", "agency": "DUKCAPIL"}
    assert json.loads(entry.after) == {"full_name": "Petrus Taolin", "agency": "BAPENDA"}
    assert "Akun petugas tersimpan." in manager.get("/admin/users").get_data(as_text=True)
    # Unchanged values write nothing.
    manager.post(f"/admin/users/{officer.id}/edit", {"full_name": "Petrus Taolin", "role": "officer",
                                                     "agency": "BAPENDA"}, htmx=True)
    assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "user_updated")) == 1


@pytest.mark.parametrize("data, field, message", [
    ({"full_name": "  "}, "full_name", "Isi nama lengkap."),
    ({"agency": ""}, "agency", "Petugas loket harus terdaftar pada satu instansi."),
    ({"role": "manager"}, "role", "Pilihan tidak dikenal."),  # a manager cannot make managers
    ({"agency": "NASA"}, "agency", "Pilihan tidak dikenal."),
])
def test_user_edit_errors_stand_next_to_their_field_and_keep_the_input(manager, session, data, field, message):
    officer = _user(session, "petugas")
    typed = {"full_name": "Petrus Taolin", "role": "officer", "agency": "BAPENDA", **data}
    refused = manager.post(f"/admin/users/{officer.id}/edit", typed, htmx=True)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and message in _field_error(page, field), page
    if field != "full_name":
        assert 'value="Petrus Taolin"' in page
    assert _user(session, "petugas").full_name == "Petugas"


def test_an_officer_holding_a_counter_keeps_agency_until_it_is_closed(manager, session):
    officer = _user(session, "petugas")
    counter_sessions.open_counter(session, 1, officer)
    refused = manager.post(f"/admin/users/{officer.id}/edit", {"full_name": "Petugas", "role": "officer",
                                                               "agency": "BAPENDA"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "sedang memegang Loket 1" in _field_error(page, "agency")
    assert '<option selected value="BAPENDA">' in page  # what was chosen stays chosen
    assert _user(session, "petugas").agency.code == "DUKCAPIL"
    # The name alone may change while the counter is held.
    assert manager.post(f"/admin/users/{officer.id}/edit", {"full_name": "Petrus", "role": "officer",
                                                            "agency": "DUKCAPIL"}).status_code == 302
    counter_sessions.release_counter(session, 1, manager_of(session))
    assert manager.post(f"/admin/users/{officer.id}/edit", {"full_name": "Petrus", "role": "receptionist",
                                                            "agency": ""}).status_code == 302
    assert _user(session, "petugas").role.value == "receptionist"


def test_who_may_change_which_account_and_role(staff, session):
    from mpp_app.domain import accounts
    from mpp_app.domain.accounts import AccountFieldError
    from mpp_app.models import Role

    admin_account = _user(session, "admin")
    manager = staff.login("manager")
    assert manager.get(f"/admin/users/{admin_account.id}/edit").status_code == 403
    assert manager.post(f"/admin/users/{_user(session, 'manager').id}/edit",
                        {"full_name": "X", "role": "manager", "agency": ""}).status_code == 403
    admin = Staff(staff.client.application.test_client()).login("admin")
    own = admin.post(f"/admin/users/{admin_account.id}/edit", {"full_name": "Admin MPP", "role": "manager",
                                                                "agency": ""})
    assert own.status_code == 422 and "peran akun Anda sendiri" in _field_error(own.get_data(as_text=True), "role")
    assert admin.post(f"/admin/users/{admin_account.id}/edit", {"full_name": "Admin MPP", "role": "admin",
                                                                 "agency": ""}).status_code == 302
    promoted = admin.post(f"/admin/users/{_user(session, 'manager').id}/edit",
                          {"full_name": "Manager", "role": "admin", "agency": ""})
    assert promoted.status_code == 302 and _user(session, "manager").role is Role.ADMIN
    # The last active admin stays one, whoever asks (here an admin account deactivated meanwhile).
    accounts.set_active(session, _user(session, "manager"), False, _user(session, "admin"))
    with pytest.raises(AccountFieldError, match="admin aktif terakhir"):
        accounts.update_user(session, _user(session, "admin"), "Admin", Role.MANAGER, None, _user(session, "manager"))


def test_users_page_asks_before_reset_and_deactivate(manager, session):
    page = manager.get("/admin/users").get_data(as_text=True)
    row = re.search(r"<td>petugas</td>.*?</tr>", page, re.S).group(0)
    assert 'data-confirm="Atur ulang kata sandi Petugas (petugas)?' in row
    assert 'data-confirm="Nonaktifkan akun Petugas (petugas)?' in row
    assert "/admin/users/" in row and "/edit" in row
    assert "/static/js/confirm.js" in page


# --- the start page: screens to set up -----------------------------------------------------

def test_start_page_lists_each_screen_with_its_address_and_qr(staff, session, app):
    from mpp_app.web import qr_data_uri

    page = staff.login("manager").get("/admin/").get_data(as_text=True)
    for address in ("http://localhost/board/", "http://localhost/", "http://localhost/layanan", "http://localhost/ikm"):
        assert f"<code>{address}</code>" in page, address
        assert f'src="{qr_data_uri(address, scale=3)}"' in page, address
    kiosk = f"http://localhost/survey/kiosk/{session.get(Counter, 1).kiosk_token}"
    assert f"<code>{kiosk}</code>" in page and f'src="{qr_data_uri(kiosk, scale=3)}"' in page
    assert "mode kios" in page
    assert "hanya dapat dibuka di komputer ini" in page  # localhost: a phone cannot reach it
    app.config["MPP_PUBLIC_URL"] = "http://192.168.1.10:8000/"
    configured = staff.get("/admin/").get_data(as_text=True)
    assert "hanya dapat dibuka di komputer ini" not in configured
    assert "<code>http://192.168.1.10:8000/board/</code>" in configured
    assert f'src="{qr_data_uri("http://192.168.1.10:8000/ikm", scale=3)}"' in configured


@pytest.mark.parametrize("url, only_here", [
    ("http://127.0.0.1:8000/board/", True), ("http://[::1]:8000/", True), ("http://localhost:8000/", True),
    ("http://192.168.1.10:8000/board/", False), ("http://mpp.kupang.local/", False)])
def test_which_addresses_only_work_on_this_pc(url, only_here):
    from mpp_app.web import only_this_pc

    assert only_this_pc(url) is only_here


def test_deactivating_an_officer_at_work_sends_the_called_ticket_back_to_the_line(manager, session, world):
    from mpp_app.models import Ticket, TicketStatus

    called = session.scalar(select(Ticket).where(Ticket.visitor_name == "Dipanggil"))
    officer = _user(session, "petugas")
    assert manager.post(f"/admin/users/{officer.id}/active", {"active": "0"}).status_code == 302
    session.expire_all()
    assert session.get(Ticket, called.id).status is TicketStatus.WAITING
    counter = session.get(Counter, 1)
    assert counter.officer_id is None and counter.state.value == "closed"
    assert {"counter_released", "user_deactivated"} <= set(session.scalars(select(AuditLog.action)))


def test_an_officer_holding_a_counter_deactivated_meanwhile_can_still_be_deactivated(manager, session, world):
    from mpp_app.models import Ticket, TicketStatus

    called = session.scalar(select(Ticket).where(Ticket.visitor_name == "Dipanggil"))
    session.get(Counter, 1).active = False  # a manager took the counter out of service while it was held
    session.commit()
    officer = _user(session, "petugas")
    assert manager.post(f"/admin/users/{officer.id}/active", {"active": "0"}).status_code == 302
    session.expire_all()
    assert session.get(User, officer.id).active is False
    assert session.get(Ticket, called.id).status is TicketStatus.WAITING
    assert session.get(Counter, 1).officer_id is None
