"""What a citizen finds without an account: the home page's links and "Cek tiket saya", the ticket
status page (who is being served, an unmistakable call), and a failed password change for staff."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from mpp_app.domain import counter_actions, queue_status, tickets
from mpp_app.models import Ticket

from .conftest import MONDAY, PASSWORD, agency_by_code, at, csrf_token, login, user
from .test_html_valid import check

UNKNOWN = "Kode tiket tidak dikenal. Periksa lagi kode di bawah kode QR pada tiket Anda."


def issue(session, day=MONDAY, name="Warga"):
    service = agency_by_code(session, "DUKCAPIL").services[0]
    return tickets.issue_ticket(session, service_id=service.id, visitor_name=name, now=at(10, day=day)).ticket


def test_home_links_the_board_the_ikm_and_the_ticket_check(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/board/"' in page and 'href="/ikm"' in page
    assert re.search(r'<form method="get" action="/cek-tiket"', page)
    assert "Cek tiket saya" in page and 'name="kode"' in page


def test_short_code_is_readable_and_stable(session):
    ticket = issue(session)
    code = queue_status.short_code(ticket)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    assert not set(code) & set("OIL")  # never a letter that reads as a digit
    assert queue_status.short_code(ticket) == code


def typed_variants(code):
    """How a citizen may type the printed code: any case, spaces for dashes, O for 0, L for 1."""
    bare = code.replace("-", "")
    return [code, code.lower(), f" {bare[:4]} {bare[4:]} ", bare.replace("0", "O").replace("1", "l"),
            "-".join(bare)]


def test_the_printed_code_however_typed_leads_to_the_status_page(client, session):
    ticket = issue(session)
    for typed in typed_variants(queue_status.short_code(ticket)):
        response = client.get("/cek-tiket", query_string={"kode": typed})
        assert response.status_code == 303, typed
        assert response.headers["Location"] == f"/t/{ticket.public_token}"


def test_the_whole_token_or_the_status_address_works_too(client, session):
    ticket = issue(session)
    for typed in (ticket.public_token, f"http://192.168.1.10:8000/t/{ticket.public_token}"):
        response = client.get("/cek-tiket", query_string={"kode": typed})
        assert response.headers["Location"] == f"/t/{ticket.public_token}"


@pytest.mark.parametrize("typed", ["ZZZZ-ZZZZ", "abc", "A-001", "x" * 300, "%_%_%_%_", "'; drop table ticket; --"])
def test_an_unknown_code_gets_one_sentence_next_to_the_field_and_stays_typed(client, session, typed):
    issue(session)  # A-001 exists: its number is not a code
    response = client.get("/cek-tiket", query_string={"kode": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert f'<p class="field-error" id="ticket-code-error" role="alert">{UNKNOWN}</p>' in page
    kept = re.search(r'<input id="ticket-code" name="kode" value="([^"]*)"', page).group(1)
    assert kept == typed[:200].replace("'", "&#39;")
    assert 'aria-invalid="true" autofocus' in page
    check(page, "/cek-tiket")


def test_an_empty_code_asks_for_it(client):
    response = client.get("/cek-tiket?kode=+")
    assert response.status_code == 422
    assert "Ketik kode yang tercetak di bawah kode QR pada tiket Anda." in response.get_data(as_text=True)


def test_short_codes_are_searched_among_the_last_seven_days_only(client, session):
    week_old, six_days_old = issue(session, MONDAY - timedelta(days=7)), issue(session, MONDAY - timedelta(days=6))
    assert client.get("/cek-tiket", query_string={"kode": queue_status.short_code(week_old)}).status_code == 404
    assert client.get("/cek-tiket", query_string={"kode": queue_status.short_code(six_days_old)}).status_code == 303
    assert client.get("/cek-tiket", query_string={"kode": week_old.public_token}).status_code == 303


def test_waiting_ticket_shows_the_numbers_served_now(client, session, world):
    page = client.get(f"/t/{world['waiting']}").get_data(as_text=True)
    serving = page.split('class="now-serving"')[1]
    assert "Sedang dilayani sekarang" in serving
    assert re.search(r"<strong>A-002</strong> <span class=\"muted\">Loket 1</span>", serving)  # called now
    assert "A-001" not in serving  # finished
    ticket = session.scalar(select(Ticket).where(Ticket.public_token == world["waiting"]))
    assert f"Kode tiket: {queue_status.short_code(ticket)}" in page
    assert "<title>A-003: Anda berikutnya · MPP</title>" in page


def test_nobody_called_yet_is_said(client, session):
    ticket = issue(session)
    page = client.get(f"/t/{ticket.public_token}").get_data(as_text=True)
    assert "Belum ada nomor yang dipanggil." in page


def test_a_called_ticket_is_unmistakable_in_page_and_title(client, session, world):
    called = session.scalar(select(Ticket).where(Ticket.visitor_name == "Dipanggil"))
    page = client.get(f"/t/{called.public_token}").get_data(as_text=True)
    assert '<p class="called-word">DIPANGGIL</p>' in page and "menuju Loket 1" in page
    assert "<title>DIPANGGIL — Loket 1 · A-002 · MPP</title>" in page
    assert 'class="now-serving"' not in page
    fragment = client.get(f"/t/{called.public_token}", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and 'data-status="called"' in body
    assert 'data-title="DIPANGGIL — Loket 1 · A-002 · MPP"' in body
    check(body, "fragment", fragment=True)
    check(page, "page")


def test_a_recall_changes_what_the_phone_watches(client, session, world):
    called = session.scalar(select(Ticket).where(Ticket.visitor_name == "Dipanggil"))
    before = client.get(f"/t/{called.public_token}", headers={"HX-Request": "true"}).get_data(as_text=True)
    counter_actions.recall(session, 1, user(session, "petugas"))
    after = client.get(f"/t/{called.public_token}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-calls="0"' in before and 'data-calls="1"' in after


# A failed password change keeps what is still right: see PasswordForm.forget_refused.
NEW = "sandi-baru-yang-kuat"


def change(client, current, new, confirm):
    return client.post("/password", data={"current": current, "new": new, "confirm": confirm,
                                          "csrf_token": csrf_token(client)})


def value_of(page, name):
    match = re.search(rf'<input[^>]* id="{name}"[^>]*>', page)
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def error_of(page, name):
    match = re.search(rf'<p class="field-error" id="{name}-error">([^<]*)</p>', page)
    return match.group(1) if match else None


def test_a_wrong_current_password_keeps_the_new_one(client, session):
    login(client, "resepsionis")
    response = change(client, "bukan-sandinya-1", NEW, NEW)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_of(page, "current") == "Kata sandi saat ini salah."
    assert value_of(page, "current") == "" and value_of(page, "new") == NEW and value_of(page, "confirm") == NEW
    assert re.search(r'<input[^>]*autofocus[^>]* id="current"', page)
    assert 'class="flash flash-error"' not in page
    assert change(client, PASSWORD, NEW, NEW).status_code == 302


@pytest.mark.parametrize("new, confirm, field, message", [
    ("pendek", "pendek", "new", "Kata sandi baru harus 10 sampai 128 karakter."),
    (NEW, "lain-lagi-kuat", "confirm", "Ulangan kata sandi tidak sama."),
    ("resepsionis", "resepsionis", "new", None),  # refused by the domain: the username
])
def test_a_refused_new_password_keeps_the_current_one(client, new, confirm, field, message):
    login(client, "resepsionis")
    response = change(client, PASSWORD, new, confirm)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert error_of(page, field) and (message is None or error_of(page, field) == message)
    assert value_of(page, "current") == PASSWORD and value_of(page, "new") == "" and value_of(page, "confirm") == ""
    assert re.search(r'<input[^>]*autofocus[^>]* id="new"', page)


def test_the_same_password_again_is_refused_next_to_the_new_field(client):
    login(client, "resepsionis")
    page = change(client, PASSWORD, PASSWORD, PASSWORD).get_data(as_text=True)
    assert error_of(page, "new") == "Kata sandi baru harus berbeda dari yang lama."
    assert value_of(page, "current") == PASSWORD



def test_the_lookup_address_opened_directly_shows_the_form_without_an_error(client):
    response = client.get("/cek-tiket")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'action="/cek-tiket"' in body
    assert "Ketik kode yang tercetak" not in body
