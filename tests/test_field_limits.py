"""Every text field of every form at its longest, through the real routes: accepted and stored whole
on SQLite and on PostgreSQL (which, unlike SQLite, refuses a value longer than its column), and one
character more refused with a 422 and an Indonesian message. A form's limit is its column's length
less whatever the domain stores in front of the text (the override reason's "override: ")."""
import pytest
from sqlalchemy import func, select

from mpp_app.domain import tickets
from mpp_app.models import (AuditLog, Closure, Counter, LoginFailure, Service, Setting, SpecialHours,
                            Ticket, TicketEvent, TicketEventKind, User)

from .conftest import PASSWORD, agency_by_code, login

SATURDAY_10AM = "2026-12-05T10:00:00+08:00"


def filled(length, unit="Ndoé"):
    """Text of exactly `length` characters; non-ASCII, as PostgreSQL counts characters, not bytes."""
    return (unit * length)[:length]


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def refuses_one_more(client, url, data, limits, htmx=True):
    """Each field of `limits` ({field: (maximum, message, unit)}) one character too long: 422 with
    its message, nothing else wrong in the form."""
    for field, (maximum, message, unit) in limits.items():
        response = client.post(url, {**data, field: filled(maximum + 1, unit)}, htmx=htmx)
        body = response.get_data(as_text=True)
        assert response.status_code == 422, (field, body[:2000])
        assert message in body, (field, message)


def longest(data, limits):
    return {**data, **{field: filled(maximum, unit) for field, (maximum, _m, unit) in limits.items()}}


def accepted(response):
    assert response.status_code in (200, 302), response.get_data(as_text=True)[:3000]
    assert 'class="field-error' not in response.get_data(as_text=True)
    return response


# --- reception ------------------------------------------------------------------------------

def issue_form(session, **values):
    return {"service_id": agency_by_code(session, "DUKCAPIL").services[0].id, "visitor_name": "Yohanes Ndun",
            "visitor_phone": "", "priority": "", "note": "", "submission_key": "key-1", "override_reason": "",
            **values}


def test_issue_form_at_its_limits(staff, session):
    desk = staff.login("resepsionis")
    limits = {"visitor_name": (100, "Nama terlalu panjang (maksimal 100 karakter).", "Ndoé"),
              "note": (200, "Catatan terlalu panjang (maksimal 200 karakter).", "Ndoé"),
              "visitor_phone": (16, "Nomor HP tidak valid", "1"),
              "submission_key": (64, "Formulir tidak lengkap. Muat ulang halaman.", "k")}
    data = issue_form(session)
    refuses_one_more(desk, "/reception/tickets", {**data, "visitor_phone": ""},
                     {k: v for k, v in limits.items() if k != "visitor_phone"})
    too_long_phone = desk.post("/reception/tickets", {**data, "visitor_phone": "+6281" + "1" * 12}, htmx=True)
    assert too_long_phone.status_code == 422 and "Nomor HP tidak valid" in too_long_phone.get_data(as_text=True)
    assert count(session, Ticket) == 0
    phone = "+6281" + "1" * 11  # the longest the pattern allows
    accepted(desk.post("/reception/tickets", {**longest(data, limits), "visitor_phone": phone}, htmx=True))
    ticket = session.scalar(select(Ticket))
    assert (ticket.visitor_name, ticket.note, ticket.visitor_phone, ticket.submission_key) == (
        filled(100), filled(200), phone, filled(64, "k"))


def test_override_reason_fits_behind_its_prefix(app, staff, session):
    app.config["MPP_FROZEN_NOW"] = SATURDAY_10AM  # closed: a manager's reason lets the ticket out
    manager = staff.login("manager")
    assert tickets.OVERRIDE_REASON_MAX == 190
    refuses_one_more(manager, "/reception/tickets", issue_form(session),
                     {"override_reason": (190, "Alasan terlalu panjang (maksimal 190 karakter).", "Ndoé")})
    assert count(session, Ticket) == 0
    accepted(manager.post("/reception/tickets", issue_form(session, override_reason=filled(190)), htmx=True))
    issued = session.scalar(select(TicketEvent).where(TicketEvent.kind == TicketEventKind.ISSUED))
    assert issued.detail == "override: " + filled(190) and len(issued.detail) == 200
    assert filled(190) in session.scalar(select(AuditLog.after).where(AuditLog.action == "ticket_override"))


def test_cancel_reason_at_its_limit(staff, session):
    desk = staff.login("resepsionis")
    ticket = tickets.issue_ticket(session, service_id=agency_by_code(session, "DUKCAPIL").services[0].id,
                                  visitor_name="Maria").ticket
    url = f"/reception/tickets/{ticket.id}/cancel"
    refuses_one_more(desk, url, {}, {"reason": (200, "Alasan 3 sampai 200 karakter.", "Ndoé")})
    accepted(desk.post(url, {"reason": filled(200)}, htmx=True))
    session.expire_all()
    ticket = session.get(Ticket, ticket.id)
    assert ticket.cancel_reason == filled(200) and ticket.events[-1].detail == filled(200)


# --- counters -------------------------------------------------------------------------------

def test_finish_and_transfer_notes_at_their_limits(staff, session):
    officer = staff.login("petugas")
    assert officer.post("/counters/1/open").status_code == 302
    dukcapil, bapenda = agency_by_code(session, "DUKCAPIL"), agency_by_code(session, "BAPENDA")
    service, target = dukcapil.services[0], bapenda.services[0]
    service.name, target.name = filled(200, "Layanan "), filled(200, "Tujuan ")  # the longest names there are
    session.commit()
    for name in ("Pertama", "Kedua"):
        tickets.issue_ticket(session, service_id=service.id, visitor_name=name)

    assert officer.post("/counters/1/call-next", htmx=True).status_code == 200
    assert officer.post("/counters/1/start", htmx=True).status_code == 200
    refuses_one_more(officer, "/counters/1/finish", {},
                     {"note": (200, "Catatan terlalu panjang (maksimal 200 karakter).", "Ndoé")})
    accepted(officer.post("/counters/1/finish", {"note": filled(200)}, htmx=True))

    assert officer.post("/counters/1/call-next", htmx=True).status_code == 200
    refuses_one_more(officer, "/counters/1/transfer", {"service_id": str(target.id)},
                     {"note": (150, "Catatan terlalu panjang (maksimal 150 karakter).", "Ndoé")})
    accepted(officer.post("/counters/1/transfer", {"service_id": str(target.id), "note": filled(150)}, htmx=True))

    session.expire_all()
    details = dict(session.execute(select(TicketEvent.kind, TicketEvent.detail).where(
        TicketEvent.kind.in_([TicketEventKind.FINISHED, TicketEventKind.TRANSFERRED]))).all())
    assert details[TicketEventKind.FINISHED] == filled(200)
    # Both service names and the note do not fit beside each other: the detail keeps what does.
    assert details[TicketEventKind.TRANSFERRED] == f"{service.name} -> {target.name}: {filled(150)}"[:200]


# --- administration -------------------------------------------------------------------------

@pytest.fixture
def manager(staff):
    return staff.login("manager")


def test_closure_and_special_hours_reasons_at_their_limit(manager, session):
    limits = {"reason": (200, "Keterangan 3 sampai 200 karakter.", "Ndoé")}
    closure = {"start_date": "2026-12-02", "end_date": "2026-12-02"}
    refuses_one_more(manager, "/admin/closures", closure, limits)
    accepted(manager.post("/admin/closures", longest(closure, limits), htmx=True))
    assert session.scalar(select(Closure.reason).where(Closure.source == "manual")) == filled(200)
    special = {"start_date": "2027-02-08", "end_date": "2027-02-09", "opens_at": "08:00", "closes_at": "14:00"}
    refuses_one_more(manager, "/admin/special-hours", special, limits)
    accepted(manager.post("/admin/special-hours", longest(special, limits), htmx=True))
    assert session.scalar(select(SpecialHours.reason)) == filled(200)


def test_agency_form_at_its_limits(manager, session):
    limits = {"code": (20, "Kode maksimal 20 karakter.", "DISNAKER_"),
              "name": (200, "Nama maksimal 200 karakter.", "Ndoé"),
              "short_name": (60, "Nama singkat maksimal 60 karakter.", "Ndoé")}
    data = {"code": "DISNAKER", "name": "Dinas Tenaga Kerja", "short_name": "Disnaker", "prefix": "M",
            "sort_order": "12", "priority_every": "3", "active": "y"}
    refuses_one_more(manager, "/admin/agencies/new", data, limits)
    accepted(manager.post("/admin/agencies/new", longest(data, limits), htmx=True))
    agency = agency_by_code(session, filled(20, "DISNAKER_"))
    assert (agency.name, agency.short_name) == (filled(200), filled(60))


def test_service_form_at_its_limits(manager, session):
    limits = {"name": (200, "Nama layanan 3 sampai 200 karakter.", "Ndoé"),
              "processing_time": (200, "Maksimal 200 karakter.", "Ndoé"),
              "fee": (300, "Maksimal 300 karakter.", "Ndoé"), "product": (300, "Maksimal 300 karakter.", "Ndoé"),
              "requirements": (4000, "Maksimal 4000 karakter.", "Ndoé"),
              "procedure": (4000, "Maksimal 4000 karakter.", "Ndoé"),
              "legal_basis": (2000, "Maksimal 2000 karakter.", "Ndoé"),
              "complaints": (2000, "Maksimal 2000 karakter.", "Ndoé")}
    pln = agency_by_code(session, "PLN")
    data = {"agency_id": str(pln.id), "name": "Pemasangan PJU", "requirements": "", "procedure": "",
            "processing_time": "", "fee": "", "product": "", "legal_basis": "", "complaints": "",
            "expected_minutes": "12", "sort_order": "9", "active": "y"}
    refuses_one_more(manager, "/admin/services/new", data, limits)
    accepted(manager.post("/admin/services/new", longest(data, limits), htmx=True))
    service = session.scalar(select(Service).where(Service.agency_id == pln.id, Service.name == filled(200)))
    assert {field: len(getattr(service, field)) for field in limits} == {f: m for f, (m, _x, _u) in limits.items()}
    assert service.requirements == filled(4000)


def test_counter_form_at_its_limit(manager, session):
    kpp = agency_by_code(session, "KPP")
    data = {"number": "30", "name": "Loket 30", "agency_id": str(kpp.id), "active": "y",
            "service_ids": [str(kpp.services[0].id)]}
    limits = {"name": (100, "Nama loket maksimal 100 karakter.", "Ndoé")}
    refuses_one_more(manager, "/admin/counters/new", data, limits)
    accepted(manager.post("/admin/counters/new", longest(data, limits), htmx=True))
    assert session.scalar(select(Counter.name).where(Counter.number == 30)) == filled(100)


def test_user_form_at_its_limits(manager, session):
    limits = {"username": (40, "Maksimal 40 karakter.", "maria.tefa"),
              "full_name": (120, "Maksimal 120 karakter.", "Ndoé")}
    data = {"username": "baru1", "full_name": "Baru", "role": "receptionist", "agency": ""}
    refuses_one_more(manager, "/admin/users/new", data, limits)
    accepted(manager.post("/admin/users/new", longest(data, limits), htmx=True))
    assert session.scalar(select(User.full_name).where(User.username == filled(40, "maria.tefa"))) == filled(120)


def test_settings_form_at_its_limits(manager, session):
    limits = {"mpp_name": (120, "Isi nama MPP, maksimal 120 karakter.", "Ndoé"),
              "mpp_address": (200, "Isi alamat, maksimal 200 karakter.", "Ndoé"),
              "running_text": (500, "Maksimal 500 karakter.", "Ndoé")}
    data = {"mpp_name": "MPP Kota Kupang", "mpp_address": "Jl. Timor Raya 124", "running_text": "Selamat datang",
            "announce_mode": "words", "recalls_before_no_show": "3", "retention_days": "60"}
    refuses_one_more(manager, "/admin/settings", data, limits)
    accepted(manager.post("/admin/settings", longest(data, limits), htmx=True))
    stored = dict(session.execute(select(Setting.key, Setting.value)).all())
    assert {key: stored[key] for key in limits} == {key: filled(m, u) for key, (m, _x, u) in limits.items()}


# --- sign-in and password -------------------------------------------------------------------

def test_login_username_at_its_limit_is_counted_as_a_failure(client, session):
    too_long = login(client, filled(41, "tamu."), "salah-sekali")
    assert too_long.status_code == 422 and "Nama pengguna terlalu panjang." in too_long.get_data(as_text=True)
    assert count(session, LoginFailure) == 0
    refused = login(client, filled(40, "tamu."), "salah-sekali")
    assert refused.status_code != 302
    assert session.scalar(select(LoginFailure.username)) == filled(40, "tamu.")


def test_new_password_at_its_limit(staff, app):
    desk = staff.login("resepsionis")
    data = {"current": PASSWORD}
    too_long = filled(129, "Sandi-Kupang#")
    refused = desk.post("/password", {**data, "new": too_long, "confirm": too_long})
    assert refused.status_code == 422 and "Kata sandi baru harus 10 sampai 128 karakter." in refused.get_data(
        as_text=True)
    longest_password = filled(128, "Sandi-Kupang#")
    accepted(desk.post("/password", {**data, "new": longest_password, "confirm": longest_password}))
    assert login(app.test_client(), "resepsionis", longest_password).status_code == 302  # hashed whole
