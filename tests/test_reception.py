"""Reception pages and fragments: issuing through the real form, every error path, lookup, cancel,
print view, the live overview and the public ticket status page."""
import re

import pytest
from sqlalchemy import func, select

from mpp_app.domain import queue_status
from mpp_app.models import AuditLog, Closure, Ticket, TicketStatus

from .conftest import SEED_DAY, agency_by_code


def count_tickets(session):
    return session.scalar(select(func.count()).select_from(Ticket))


@pytest.fixture
def desk(staff):
    return staff.login("resepsionis")


def form(session, **overrides):
    data = {"service_id": agency_by_code(session, "DUKCAPIL").services[0].id, "visitor_name": "Yohanes Ndun",
            "visitor_phone": "", "priority": "", "note": "", "submission_key": overrides.pop("key", "key-1"),
            "override_reason": ""}
    data.update(overrides)
    return data


def test_reception_page(desk):
    page = desk.get("/reception/").get_data(as_text=True)
    assert 'id="issue-form"' in page and 'id="overview"' in page and 'id="service-search"' in page
    assert "KTP-el baru" in page  # the browsable list of services
    assert 'name="override_reason"' not in page  # only managers may override


def test_manager_sees_override_field(staff):
    assert 'name="override_reason"' in staff.login("manager").get("/reception/").get_data(as_text=True)


def test_issue_ticket_with_htmx(desk, session):
    response = desk.post("/reception/tickets", form(session, visitor_phone="0812-3456-7890"), htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert response.headers["HX-Trigger"] == "queue-changed"
    assert "A-001" in body and 'id="issue-form"' in body and "Cetak tiket" in body
    assert 'name="submission_key" type="hidden" value="key-1"' not in body  # a fresh key for the next visitor
    ticket = session.scalar(select(Ticket))
    assert ticket.visitor_phone == "081234567890" and ticket.issued_by_id is not None


def test_issue_without_htmx_redirects_to_print(desk, session):
    response = desk.post("/reception/tickets", form(session))
    ticket = session.scalar(select(Ticket))
    assert response.status_code == 302 and response.headers["Location"] == f"/reception/tickets/{ticket.id}/print"


@pytest.mark.parametrize("overrides, message", [
    ({"visitor_name": ""}, "Isi nama pengunjung."),
    ({"visitor_name": "   \t "}, "Isi nama pengunjung."),
    ({"visitor_name": "N" * 101}, "Nama terlalu panjang"),
    ({"visitor_phone": "12345"}, "Nomor HP tidak valid"),
    ({"visitor_phone": "08abc"}, "Nomor HP tidak valid"),
    ({"service_id": ""}, "Pilih layanan terlebih dahulu."),
    ({"service_id": "abc"}, "Pilih layanan terlebih dahulu."),
    ({"service_id": "999999"}, "Layanan tidak dikenal atau sudah tidak aktif"),
    ({"priority": "vip"}, "Kategori prioritas tidak dikenal."),
    ({"note": "x" * 201}, "Catatan terlalu panjang"),
    ({"submission_key": ""}, "Formulir tidak lengkap"),
])
def test_issue_errors(desk, session, overrides, message):
    response = desk.post("/reception/tickets", form(session, **overrides), htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 422, body
    assert message in body and "<html" not in body and 'id="issue-form"' in body
    assert count_tickets(session) == 0


def test_error_keeps_what_was_typed(desk, session):
    body = desk.post("/reception/tickets", form(session, visitor_phone="123"), htmx=True).get_data(as_text=True)
    assert 'value="Yohanes Ndun"' in body


def tag(body, element_id):
    return re.search(rf'<[^>]*\sid="{element_id}"[^>]*>', body).group(0)


def chosen_line(body):
    return re.search(r'<p id="chosen-service".*?</p>', body, re.S).group(0)


def test_page_starts_with_no_service_chosen(desk):
    line = chosen_line(desk.get("/reception/").get_data(as_text=True))
    assert "is-empty" in line and '<span class="chosen-none">Belum memilih layanan</span>' in line
    assert '<span class="chosen-some" hidden>' in line


def test_error_keeps_the_search_and_the_chosen_service_in_sight(desk, session):
    """The search text comes back, so the list shows the chosen service (not 46 with it scrolled
    away), and the line above the issue button names it; focus goes to the field to fix."""
    passport = agency_by_code(session, "KEMENKUM").services[0]
    response = desk.post("/reception/tickets", form(session, q="paspor", service_id=passport.id, visitor_name="",
                                                    visitor_phone="0812", priority="lansia", note="Berkas lama"),
                         htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="paspor"' in tag(body, "service-search")
    assert re.search(rf'value="{passport.id}"[^>]*checked', body) and "KTP-el" not in body
    line = chosen_line(body)
    assert "is-empty" not in line and passport.name in line and "Kemenkum/Imigrasi" in line
    assert 'value="0812"' in body and 'value="lansia" selected' in body and "Berkas lama</textarea>" in body
    assert "autofocus" in tag(body, "visitor_name") and "autofocus" not in tag(body, "service-search")


def test_error_without_a_search_keeps_the_service_checked_in_the_whole_list(desk, session):
    stamp = agency_by_code(session, "POS").services[-1]
    body = desk.post("/reception/tickets", form(session, service_id=stamp.id, visitor_name=""),
                     htmx=True).get_data(as_text=True)
    assert re.search(rf'value="{stamp.id}"[^>]*checked', body) and "KTP-el baru" in body
    assert stamp.name in chosen_line(body)


def test_full_page_error_without_htmx(desk, session):
    response = desk.post("/reception/tickets", form(session, visitor_name=""))
    assert response.status_code == 422 and "<html" in response.get_data(as_text=True)


def test_stale_page_after_service_deactivated(desk, session):
    service = agency_by_code(session, "DUKCAPIL").services[0]
    service.active = False
    session.commit()
    response = desk.post("/reception/tickets", form(session, service_id=service.id), htmx=True)
    assert response.status_code == 422
    assert "sudah tidak aktif. Muat ulang halaman" in response.get_data(as_text=True)
    assert count_tickets(session) == 0


def test_double_submit_creates_one_ticket(desk, session):
    first = desk.post("/reception/tickets", form(session), htmx=True)
    second = desk.post("/reception/tickets", form(session), htmx=True)
    assert first.status_code == second.status_code == 200
    assert "A-001" in second.get_data(as_text=True) and "sudah terkirim" in second.get_data(as_text=True)
    assert count_tickets(session) == 1
    # A desk that prints automatically prints the first answer only, never the repeated one.
    ticket_id = session.scalar(select(Ticket.id))
    assert f'data-print-url="/reception/tickets/{ticket_id}/print"' in first.get_data(as_text=True)
    assert "data-print-url" not in second.get_data(as_text=True)


def test_unicode_and_markup_in_names_are_stored_as_text(desk, session):
    name = "Mária <b>Ndoen</b> 'Kupang' 🇮🇩\x07"
    desk.post("/reception/tickets", form(session, visitor_name=name), htmx=True)
    ticket = session.scalar(select(Ticket))
    assert ticket.visitor_name == "Mária <b>Ndoen</b> 'Kupang' 🇮🇩"  # the bell character is dropped
    card = desk.get("/reception/tickets/lookup?q=A-001", htmx=True).get_data(as_text=True)
    assert "&lt;b&gt;Ndoen&lt;/b&gt;" in card and "<b>Ndoen" not in card


def test_outside_hours_message_names_next_opening(app, desk, session):
    app.config["MPP_FROZEN_NOW"] = "2026-12-05T10:00:00+08:00"  # Saturday
    response = desk.post("/reception/tickets", form(session), htmx=True)
    assert response.status_code == 422
    assert "Buka kembali Senin, 7 Desember 2026, 08.00 WITA" in response.get_data(as_text=True)
    assert count_tickets(session) == 0


def test_manager_override_outside_hours(app, staff, session):
    app.config["MPP_FROZEN_NOW"] = "2026-12-05T10:00:00+08:00"
    manager = staff.login("manager")
    response = manager.post("/reception/tickets", form(session, override_reason="Pelayanan akhir pekan"),
                            htmx=True)
    assert response.status_code == 200 and "A-001" in response.get_data(as_text=True)
    assert session.scalar(select(AuditLog).where(AuditLog.action == "ticket_override")) is not None


def test_receptionist_override_is_refused(app, desk, session):
    app.config["MPP_FROZEN_NOW"] = "2026-12-05T10:00:00+08:00"
    response = desk.post("/reception/tickets", form(session, override_reason="coba"), htmx=True)
    assert response.status_code == 403 and "Hanya manajer" in response.get_data(as_text=True)
    assert count_tickets(session) == 0


def test_issued_card_names_the_visitor_and_priority_once(desk, session):
    body = desk.post("/reception/tickets", form(session, priority="lansia"), htmx=True).get_data(as_text=True)
    card = re.search(r'<div class="issued".*?</div>', body, re.S).group(0)
    assert card.count("Yohanes Ndun") == 1 and card.count("Lanjut usia") == 1
    assert 'value=""' in tag(body, "service-search") and "autofocus" in tag(body, "service-search")
    assert "is-empty" in chosen_line(body)  # the next visitor starts with no service chosen


def test_service_search_fragment(desk):
    body = desk.get("/reception/services?q=paspor", htmx=True).get_data(as_text=True)
    assert 'id="service-choices"' in body and "Paspor biasa" in body and "<html" not in body
    assert "KTP-el" not in body and "checked" in body  # the single match is preselected
    assert "Tidak ada layanan yang cocok" in desk.get("/reception/services?q=zzzz", htmx=True).get_data(as_text=True)
    assert "Bapenda" in desk.get("/reception/services?q=bapenda", htmx=True).get_data(as_text=True)


def test_search_treats_wildcards_literally(desk):
    assert "Tidak ada layanan" in desk.get("/reception/services?q=%25", htmx=True).get_data(as_text=True)


def test_lookup_and_cancel(desk, session):
    desk.post("/reception/tickets", form(session), htmx=True)
    card = desk.get("/reception/tickets/lookup?q=a1", htmx=True)
    assert card.status_code == 200 and "A-001" in card.get_data(as_text=True)
    assert "Cetak ulang" in card.get_data(as_text=True)
    ticket = session.scalar(select(Ticket))
    missing_reason = desk.post(f"/reception/tickets/{ticket.id}/cancel", {"reason": ""}, htmx=True)
    assert missing_reason.status_code == 422 and "Isi alasan pembatalan" in missing_reason.get_data(as_text=True)
    assert "dibatalkan." not in missing_reason.get_data(as_text=True)
    too_short = desk.post(f"/reception/tickets/{ticket.id}/cancel", {"reason": "ab"}, htmx=True).get_data(as_text=True)
    assert "Alasan 3 sampai 200 karakter." in too_short and 'value="ab"' in too_short  # next to the field, as typed
    done = desk.post(f"/reception/tickets/{ticket.id}/cancel", {"reason": "Berkas belum lengkap"}, htmx=True)
    assert done.status_code == 200 and done.headers["HX-Trigger"] == "queue-changed"
    assert "Tiket A-001 dibatalkan." in done.get_data(as_text=True)
    assert "Cetak ulang" not in done.get_data(as_text=True)  # a cancelled ticket is not printed again
    assert "Cetak ulang" not in desk.get("/reception/tickets/lookup?q=a1", htmx=True).get_data(as_text=True)
    again = desk.post(f"/reception/tickets/{ticket.id}/cancel", {"reason": "lagi ya"}, htmx=True)
    assert again.status_code == 409 and again.headers["HX-Retarget"] == "#messages"
    session.expire_all()
    assert session.get(Ticket, ticket.id).cancel_reason == "Berkas belum lengkap"


def test_lookup_errors(desk):
    unknown = desk.get("/reception/tickets/lookup?q=A-999", htmx=True)
    assert unknown.status_code == 404 and "Tiket A-999 tidak ada hari ini" in unknown.get_data(as_text=True)
    markup = desk.get("/reception/tickets/lookup?q=%3Cscript%3E", htmx=True)
    assert markup.status_code == 404 and "atas nama “&lt;script&gt;”" in markup.get_data(as_text=True)
    too_short = desk.get("/reception/tickets/lookup?q=m", htmx=True)
    assert too_short.status_code == 422 and "minimal 2 huruf" in too_short.get_data(as_text=True)


def test_lookup_by_name_lists_matches_to_pick_from(desk, session):
    for name, key in [("Maria Lede", "k1"), ("Maria Fernandez", "k2"), ("Yohanes Ndun", "k3")]:
        desk.post("/reception/tickets", form(session, visitor_name=name, key=key), htmx=True)
    listed = desk.get("/reception/tickets/lookup?q=maria", htmx=True)
    body = listed.get_data(as_text=True)
    assert listed.status_code == 200 and "2 tiket hari ini cocok" in body and "Yohanes" not in body
    assert 'hx-get="/reception/tickets/lookup?q=A-002"' in body and "Maria Fernandez" in body
    single = desk.get("/reception/tickets/lookup?q=yohanes", htmx=True).get_data(as_text=True)
    assert 'class="issued-number">A-003<' in single and "Batalkan tiket" in single


def test_print_view(desk, session):
    desk.post("/reception/tickets", form(session, priority="lansia"), htmx=True)
    ticket = session.scalar(select(Ticket))
    page = desk.get(f"/reception/tickets/{ticket.id}/print").get_data(as_text=True)
    assert "A-001" in page and "PRIORITAS" in page and "30 Nov 2026, 10.00 WITA" in page
    assert 'src="data:image/svg+xml' in page and "0 orang di depan Anda" in page
    assert "Yohanes" not in page  # no personal data on the printed ticket
    assert 'class="paper-80"' in page
    assert 'class="paper-58"' in desk.get(f"/reception/tickets/{ticket.id}/print?paper=58").get_data(as_text=True)


def test_print_view_has_a_code_to_type_under_the_qr(app, desk, session):
    app.config["MPP_PUBLIC_URL"] = "http://192.0.2.10:8000/"
    desk.post("/reception/tickets", form(session), htmx=True)
    ticket = session.scalar(select(Ticket))
    page = desk.get(f"/reception/tickets/{ticket.id}/print").get_data(as_text=True)
    code = queue_status.short_code(ticket)
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    assert f'<p class="code">{code}</p>' in page and "buka 192.0.2.10:8000, pilih “Cek tiket saya”" in page
    found = desk.get(f"/cek-tiket?kode={code.lower()}")  # what a citizen types on a phone
    assert found.status_code == 303 and found.headers["Location"].endswith(f"/t/{ticket.public_token}")
    # Without MPP_PUBLIC_URL the address would be the reception PC's own, which no phone reaches.
    app.config["MPP_PUBLIC_URL"] = ""
    page = desk.get(f"/reception/tickets/{ticket.id}/print").get_data(as_text=True)  # http://localhost/
    assert f'<p class="code">{code}</p>' in page and "Tanpa pemindai QR" not in page


def test_only_the_print_view_may_be_framed_and_only_by_our_own_pages(desk, session):
    desk.post("/reception/tickets", form(session), htmx=True)
    printed = desk.get(f"/reception/tickets/{session.scalar(select(Ticket.id))}/print").headers
    assert "frame-ancestors 'self'" in printed["Content-Security-Policy"] and printed["X-Frame-Options"] == "SAMEORIGIN"
    assert "script-src 'self'" in printed["Content-Security-Policy"]
    reception = desk.get("/reception/").headers
    assert "frame-ancestors 'none'" in reception["Content-Security-Policy"] and reception["X-Frame-Options"] == "DENY"


def test_qr_code_encodes_status_url(app, desk, session):
    app.config["MPP_PUBLIC_URL"] = "http://192.0.2.10:8000"
    desk.post("/reception/tickets", form(session), htmx=True)
    ticket = session.scalar(select(Ticket))
    from mpp_app.web import qr_data_uri

    page = desk.get(f"/reception/tickets/{ticket.id}/print").get_data(as_text=True)
    assert qr_data_uri(f"http://192.0.2.10:8000/t/{ticket.public_token}") in page


def test_overview_fragment(desk, session):
    desk.post("/reception/tickets", form(session), htmx=True)
    body = desk.get("/reception/overview", htmx=True).get_data(as_text=True)
    assert 'id="overview"' in body and "<html" not in body
    row = re.search(r"data-waiting=\"DUKCAPIL\">(\d+)<", body)
    assert row and row.group(1) == "1"


def overview_banners(body):
    return re.findall(r'<p class="flash flash-info overview-closed".*?</p>', body, re.S)


def test_overview_says_once_that_the_mall_is_closed(app, desk):
    app.config["MPP_FROZEN_NOW"] = "2026-12-05T10:00:00+08:00"  # Saturday
    body = desk.get("/reception/overview", htmx=True).get_data(as_text=True)
    banners = overview_banners(body)
    assert len(banners) == 1 and "Buka kembali Senin, 7 Desember 2026" in banners[0]
    assert "(" not in banners[0].split("WITA.")[-1]  # the whole mall: no list of agencies
    assert body.count("Buka kembali") == 1 and body.count('<tr class="closed">') == 11


def test_overview_names_the_agencies_a_closure_applies_to(desk, session):
    pos = agency_by_code(session, "POS")
    session.add(Closure(agency_id=pos.id, start_date=SEED_DAY, end_date=SEED_DAY, reason="Pelatihan petugas"))
    session.commit()
    body = desk.get("/reception/overview", htmx=True).get_data(as_text=True)
    banners = overview_banners(body)
    assert len(banners) == 1 and "Tutup hari ini: Pelatihan petugas." in banners[0] and "(PT Pos)" in banners[0]
    assert body.count('<tr class="closed">') == 1


def test_overview_has_no_banner_while_open(desk):
    assert overview_banners(desk.get("/reception/overview", htmx=True).get_data(as_text=True)) == []


def test_public_status_page_has_no_personal_data(client, desk, session):
    desk.post("/reception/tickets", form(session, visitor_phone="081234567890", note="rahasia"), htmx=True)
    desk.post("/reception/tickets", form(session, key="key-2", visitor_name="Kedua"), htmx=True)
    first, second = session.scalars(select(Ticket).order_by(Ticket.id)).all()
    public = client.application.test_client()
    page = public.get(f"/t/{second.public_token}").get_data(as_text=True)
    assert "A-002" in page and "Menunggu, 1 orang di depan Anda" in page
    assert "Yohanes" not in page and "0812" not in page and "rahasia" not in page and "Kedua" not in page
    assert "Menunggu, Anda berikutnya" in public.get(f"/t/{first.public_token}").get_data(as_text=True)


def test_public_status_follows_the_ticket(client, desk, session):
    desk.post("/reception/tickets", form(session), htmx=True)
    ticket = session.scalar(select(Ticket))
    ticket.status, ticket.counter_id = TicketStatus.CALLED, 2
    session.commit()
    poll = client.get(f"/t/{ticket.public_token}", headers={"HX-Request": "true"})
    assert poll.status_code == 200 and "Silakan menuju Loket 2" in poll.get_data(as_text=True)
    ticket.status = TicketStatus.DONE
    session.commit()
    final = client.get(f"/t/{ticket.public_token}", headers={"HX-Request": "true"})
    assert final.status_code == 286 and "Selesai" in final.get_data(as_text=True)
    assert 'hx-trigger="every 5s"' not in final.get_data(as_text=True)


def test_unknown_token_is_404(client):
    assert client.get("/t/bukan-token").status_code == 404


def test_purge_command(runner, desk, session):
    desk.post("/reception/tickets", form(session), htmx=True)
    result = runner.invoke(args=["purge-personal-data", "--days", "0"])
    assert result.exit_code == 0 and "0 ticket(s)" in result.output  # today's tickets are kept
    ticket = session.scalar(select(Ticket))
    ticket.business_date = ticket.business_date.replace(year=2025)
    session.commit()
    result = runner.invoke(args=["purge-personal-data"])
    assert "1 ticket(s) older than 90 day(s)" in result.output
    session.expire_all()
    assert session.scalar(select(Ticket.visitor_name)) is None
