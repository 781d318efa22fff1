"""Officer console and TV board through HTTP: fragments, triggers, refusals, ETag polling."""
import re

import pytest
from sqlalchemy import select

from mpp_app.domain import tickets
from mpp_app.models import Counter, CounterState, PriorityCategory, Ticket, TicketStatus

from .conftest import Staff, agency_by_code


def issue(session, code="DUKCAPIL", name="Yohanes Ndun", index=0):
    service = agency_by_code(session, code).services[index]
    return tickets.issue_ticket(session, service_id=service.id, visitor_name=name).ticket


@pytest.fixture
def officer(staff):
    return staff.login("petugas")


@pytest.fixture
def opened(officer):
    response = officer.post("/counters/1/open")
    assert response.status_code == 302 and response.headers["Location"] == "/counters/1"
    return officer


def test_officer_index_offers_own_counters(officer):
    page = officer.get("/counters/").get_data(as_text=True)
    assert "Loket 1" in page and "Buka loket ini" in page and "Loket 4" not in page  # 4 is Bapenda's


def test_holder_is_sent_to_console(opened):
    response = opened.get("/counters/")
    assert response.status_code == 302 and response.headers["Location"] == "/counters/1"


def test_console_page(opened, session):
    issue(session)
    page = opened.get("/counters/1").get_data(as_text=True)
    assert 'id="current-ticket"' in page and 'id="waiting-list"' in page and 'id="counter-bar"' in page
    assert "Panggil berikutnya" in page and "A-001" in page
    assert "Yohanes" not in page  # the waiting list shows numbers, never names


def test_current_ticket_tells_the_officer_who_and_what_reception_and_other_counters_noted(opened, staff, session):
    service = agency_by_code(session, "DUKCAPIL").services[0]
    tickets.issue_ticket(session, service_id=service.id, visitor_name="Yohanes Ndun", note="membawa KK lama",
                       priority=PriorityCategory.LANSIA)
    body = opened.post("/counters/1/call-next", htmx=True).get_data(as_text=True)
    assert "Pengunjung: <strong>Yohanes Ndun</strong>" in body and "Prioritas: Lanjut usia" in body
    assert "Catatan resepsionis: membawa KK lama" in body and "Dialihkan" not in body
    target = agency_by_code(session, "BAPENDA").services[0]
    opened.post("/counters/1/start", htmx=True)
    opened.post("/counters/1/transfer", {"service_id": str(target.id), "note": "KK sudah beres, urus PBB"}, htmx=True)

    bapenda = Staff(opened.client.application.test_client()).login("petugas2")
    counter_id = session.scalar(select(Counter.id).where(Counter.agency_id == target.agency_id))
    bapenda.post(f"/counters/{counter_id}/open")
    body = bapenda.post(f"/counters/{counter_id}/call-next", htmx=True).get_data(as_text=True)
    assert "A-001" in body and "Yohanes Ndun" in body
    assert f"Dialihkan: {service.name} -&gt; {target.name}: KK sudah beres, urus PBB" in body
    board = opened.client.application.test_client().get("/board/state").get_data(as_text=True)
    assert "A-001" in board and "Yohanes" not in board and "PBB" not in board  # the TV shows no personal data


def test_call_serve_finish_through_htmx(opened, session):
    issue(session)
    called = opened.post("/counters/1/call-next", htmx=True)
    body = called.get_data(as_text=True)
    assert called.status_code == 200 and "<html" not in body and 'id="current-ticket"' in body
    assert called.headers["HX-Trigger"] == "queue-changed"
    assert "A-001" in body and "Nomor antrean, a, nol nol satu, silakan menuju loket satu" in body
    assert "Mulai layani" in opened.post("/counters/1/recall", htmx=True).get_data(as_text=True)
    assert "Selesai" in opened.post("/counters/1/start", htmx=True).get_data(as_text=True)
    too_long = opened.post("/counters/1/finish", {"note": "x" * 201}, htmx=True)
    assert too_long.status_code == 422 and "Catatan terlalu panjang" in too_long.get_data(as_text=True)
    assert "Hari ini di loket ini: 0 selesai, 0 tidak hadir</p>" in " ".join(
        opened.get("/counters/1/waiting", htmx=True).get_data(as_text=True).split())
    done = opened.post("/counters/1/finish", {"note": "Selesai cetak"}, htmx=True)
    assert done.status_code == 200 and "Panggil berikutnya" in done.get_data(as_text=True)
    assert "1 selesai, 0 tidak hadir, rata-rata layanan 0,0 menit" in " ".join(
        opened.get("/counters/1/waiting", htmx=True).get_data(as_text=True).split())
    ticket = session.scalar(select(Ticket))
    assert ticket.status is TicketStatus.DONE and ticket.events[-1].detail == "Selesai cetak"


def test_call_next_with_nobody_waiting(opened):
    response = opened.post("/counters/1/call-next", htmx=True)
    assert response.status_code == 409 and response.headers["HX-Retarget"] == "#messages"
    assert "Tidak ada antrean yang menunggu" in response.get_data(as_text=True)


def test_stale_page_actions_are_refused(opened, session):
    issue(session)
    opened.post("/counters/1/call-next", htmx=True)
    opened.post("/counters/1/start", htmx=True)
    stale = opened.post("/counters/1/recall", htmx=True)  # a second tab still showing "called"
    assert stale.status_code == 409 and "Muat ulang halaman" in stale.get_data(as_text=True)
    twice = opened.post("/counters/1/call-next", htmx=True)
    assert twice.status_code == 409 and "masih menangani A-001" in twice.get_data(as_text=True)


def test_no_show_button_after_recalls(opened, session):
    issue(session)
    opened.post("/counters/1/call-next", htmx=True)
    early = opened.post("/counters/1/no-show", htmx=True)
    assert early.status_code == 409 and "minimal 2 kali" in early.get_data(as_text=True)
    opened.post("/counters/1/recall", htmx=True)
    opened.post("/counters/1/recall", htmx=True)
    assert opened.post("/counters/1/no-show", htmx=True).status_code == 200
    waiting = opened.get("/counters/1/waiting", htmx=True).get_data(as_text=True)
    assert "Tidak hadir hari ini" in waiting and "Panggil lagi" in waiting


def test_call_specific_ticket(opened, session):
    issue(session)
    second = issue(session)
    response = opened.post(f"/counters/1/call/{second.id}", htmx=True)
    assert response.status_code == 200 and "A-002" in response.get_data(as_text=True)


def test_transfer_form(opened, session):
    issue(session)
    opened.post("/counters/1/call-next", htmx=True)
    missing = opened.post("/counters/1/transfer", {"service_id": ""}, htmx=True)
    assert missing.status_code == 422 and "Pilih layanan tujuan" in missing.get_data(as_text=True)
    same = opened.post("/counters/1/transfer", {"service_id": str(session.scalar(select(Ticket)).service_id)},
                       htmx=True)
    assert same.status_code == 422 and "Layanan tujuan tidak dikenal" in same.get_data(as_text=True)
    target = agency_by_code(session, "BAPENDA").services[0]
    moved = opened.post("/counters/1/transfer", {"service_id": str(target.id), "note": "Urus PBB"}, htmx=True)
    assert moved.status_code == 200 and "Panggil berikutnya" in moved.get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(Ticket)).queue_agency_id == target.agency_id


def test_pause_resume_and_close(opened, session):
    paused = opened.post("/counters/1/pause", htmx=True)
    assert paused.status_code == 200 and "Lanjutkan" in paused.get_data(as_text=True)
    assert "counter-refresh" in paused.headers["HX-Trigger"]
    issue(session)
    refused = opened.post("/counters/1/call-next", htmx=True)
    assert refused.status_code == 409 and "istirahat" in refused.get_data(as_text=True)
    opened.post("/counters/1/resume", htmx=True)
    opened.post("/counters/1/call-next", htmx=True)
    busy = opened.post("/counters/1/close", htmx=True)
    assert busy.status_code == 409 and "sebelum menutup loket" in busy.get_data(as_text=True)
    opened.post("/counters/1/start", htmx=True)
    opened.post("/counters/1/finish", htmx=True)
    closed = opened.post("/counters/1/close", htmx=True)
    assert closed.status_code == 200 and closed.headers["HX-Redirect"] == "/counters/"
    session.expire_all()
    assert session.get(Counter, 1).state is CounterState.CLOSED


def test_second_officer_cannot_take_a_held_counter(opened, app, session):
    from mpp_app.domain.accounts import create_user
    from mpp_app.models import Role

    create_user(session, "petugas9", "Petugas Sembilan", Role.OFFICER, "sandi-petugas-9", agency_code="DUKCAPIL",
                must_change_password=False)
    other = Staff(app.test_client())
    other.client.post("/login", data={"username": "petugas9", "password": "sandi-petugas-9",
                                      "csrf_token": re.search(r'csrf-token" content="([^"]+)',
                                                              other.client.get("/login").get_data(as_text=True)).group(1)})
    response = other.post("/counters/1/open")
    assert response.status_code == 409 and "sedang dipegang oleh Petugas" in response.get_data(as_text=True)


def test_manager_releases_counter(opened, app, session):
    manager = Staff(app.test_client()).login("manager")
    page = manager.get("/counters/").get_data(as_text=True)
    assert "Lepas loket" in page
    assert manager.post("/counters/1/release").status_code == 302
    session.expire_all()
    assert session.get(Counter, 1).officer_id is None


# --- the board ----------------------------------------------------------------------------

def test_board_page_is_public_and_has_no_personal_data(client, opened, session):
    issue(session, name="Rahasia Pribadi")
    opened.post("/counters/1/call-next", htmx=True)
    page = client.get("/board/").get_data(as_text=True)
    assert "A-001" in page and "Loket 1" in page and "Rahasia" not in page
    assert 'data-sentence="Nomor antrean, a, nol nol satu, silakan menuju loket satu"' in page
    assert "Jam layanan hari ini" in page and "08.00–15.00 WITA" in page
    assert "Selamat datang" in page  # the running text


def test_board_polling_answers_304_when_unchanged(client, opened, session):
    first = client.get("/board/state", headers={"HX-Request": "true"})
    tag = first.headers["ETag"]
    assert first.status_code == 200 and first.headers["Cache-Control"] == "no-cache"
    same = client.get("/board/state", headers={"HX-Request": "true", "If-None-Match": tag})
    assert same.status_code == 304 and same.get_data() == b""
    issue(session)
    issued = client.get("/board/state", headers={"If-None-Match": tag})  # the agency's waiting count changed
    assert issued.status_code == 200 and issued.headers["ETag"] != tag
    tag = issued.headers["ETag"]
    opened.post("/counters/1/call-next", htmx=True)
    changed = client.get("/board/state", headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert "A-001" in changed.get_data(as_text=True)
    recall_tag = changed.headers["ETag"]
    opened.post("/counters/1/recall", htmx=True)
    recalled = client.get("/board/state", headers={"If-None-Match": recall_tag})
    assert recalled.status_code == 200 and "(ulang)" in recalled.get_data(as_text=True)


def test_board_filtered_by_agency(client, opened, app, session):
    issue(session)
    opened.post("/counters/1/call-next", htmx=True)
    assert "A-001" in client.get("/board/?agencies=A").get_data(as_text=True)
    other = client.get("/board/?agencies=B,PLN").get_data(as_text=True)
    assert "A-001" not in other and "Loket 1" not in other


def test_board_shows_paused_counter(client, opened):
    opened.post("/counters/1/pause", htmx=True)
    assert "Istirahat" in client.get("/board/state").get_data(as_text=True)


# --- a sense of time, and clear answers ----------------------------------------------------

def set_clock(app, hh, mm=0, ss=0):
    app.config["MPP_FROZEN_NOW"] = f"2026-11-30T{hh:02d}:{mm:02d}:{ss:02d}+08:00"


def timer_text(body):
    return re.search(r'<time class="timer[^"]*"[^>]*>([^<]*)</time>', body).group(1)


def test_current_ticket_counts_time_since_called_then_since_service_started(opened, app, session):
    issue(session)
    opened.post("/counters/1/call-next", htmx=True)  # at 10:00:00
    set_clock(app, 10, 3, 25)
    body = opened.get("/counters/1/current", htmx=True).get_data(as_text=True)
    assert "Sejak dipanggil" in body and timer_text(body) == "03:25"
    # The server's start and its "now", for the script that keeps the clock running in the browser.
    assert 'datetime="2026-11-30T02:00:00.000+00:00"' in body and 'data-now="2026-11-30T10:03:25.000+08:00"' in body

    started = opened.post("/counters/1/start", htmx=True).get_data(as_text=True)  # at 10:03:25
    assert "Lama dilayani" in started and timer_text(started) == "00:00" and "timer-over" not in started
    expected = session.scalar(select(Ticket)).service.expected_minutes
    assert f"target {expected} mnt" in started and f'data-limit="{expected * 60}"' in started
    set_clock(app, 10, 3 + expected, 26)
    late = opened.get("/counters/1/current", htmx=True).get_data(as_text=True)
    assert timer_text(late) == f"{expected:02d}:01" and 'class="timer timer-over"' in late


def test_waiting_list_shows_minutes_waited_and_marks_transferred_tickets(opened, app, session):
    issue(session)
    issue(session)
    opened.post("/counters/1/call-next", htmx=True)
    other_service = agency_by_code(session, "DUKCAPIL").services[1]
    set_clock(app, 10, 5)
    opened.post("/counters/1/transfer", {"service_id": str(other_service.id)}, htmx=True)
    set_clock(app, 10, 12, 40)
    body = opened.get("/counters/1/waiting", htmx=True).get_data(as_text=True)
    assert body.count("menunggu 12 mnt") == 2 and "10.00" not in body  # minutes waited, not the issue time
    assert body.count("pindahan dari Loket 1 · Dukcapil") == 1
    first, second = body.index("A-001"), body.index("A-002")
    assert first < body.index("pindahan dari") < second  # the badge is on the transferred ticket


def test_no_show_rule_is_written_next_to_the_button(opened, session):
    issue(session)
    called = opened.post("/counters/1/call-next", htmx=True).get_data(as_text=True)
    reason = "“Tidak hadir” bisa dipilih setelah dipanggil ulang 2 kali (sudah 0)."
    assert reason in called and 'aria-describedby="no-show-reason"' in called
    assert "minimal 2 kali dulu" not in called  # the old hover-only title
    assert "(sudah 1)." in opened.post("/counters/1/recall", htmx=True).get_data(as_text=True)
    ready = opened.post("/counters/1/recall", htmx=True).get_data(as_text=True)
    assert "bisa dipilih setelah" not in ready and "disabled" not in ready


def test_break_is_a_banner_with_its_start_and_the_resume_button(opened, app):
    set_clock(app, 10, 15)
    paused = opened.post("/counters/1/pause", htmx=True).get_data(as_text=True)
    assert 'class="break-banner"' in paused and "Istirahat sejak 10.15" in paused
    assert 'hx-post="/counters/1/resume"' in paused.split('class="break-banner"')[1]
    set_clock(app, 10, 27, 3)
    page = opened.get("/counters/1").get_data(as_text=True)
    assert "Istirahat sejak 10.15" in page and timer_text(page.split("break-banner")[1]) == "12:03"
    resumed = opened.post("/counters/1/resume", htmx=True).get_data(as_text=True)
    assert "break-banner" not in resumed and "Istirahat sejak" not in resumed


def test_break_start_follows_the_users_language(opened, app):
    set_clock(app, 14, 5)
    opened.post("/counters/1/pause", htmx=True)
    opened.post("/language", {"language": "en", "next": "/counters/1"})
    page = opened.get("/counters/1").get_data(as_text=True).replace("\u202f", " ")
    assert "14:05" in page and "14.05" not in page and "PM" not in page


def test_finish_transfer_and_no_show_are_confirmed_in_place(opened, session):
    for _ in range(3):
        issue(session)
    opened.post("/counters/1/call-next", htmx=True)
    opened.post("/counters/1/start", htmx=True)
    done = opened.post("/counters/1/finish", htmx=True)
    assert done.status_code == 200 and "A-001 selesai dilayani." in done.get_data(as_text=True)
    assert "selesai dilayani" not in opened.get("/counters/1/current", htmx=True).get_data(as_text=True)
    assert "selesai dilayani" not in opened.post("/counters/1/call-next", htmx=True).get_data(as_text=True)
    target = agency_by_code(session, "BAPENDA").services[0]
    moved = opened.post("/counters/1/transfer", {"service_id": str(target.id)}, htmx=True).get_data(as_text=True)
    assert f"A-002 dialihkan ke {target.name}." in moved
    opened.post("/counters/1/call-next", htmx=True)
    opened.post("/counters/1/recall", htmx=True)
    opened.post("/counters/1/recall", htmx=True)
    assert "A-003 ditandai tidak hadir." in opened.post("/counters/1/no-show", htmx=True).get_data(as_text=True)


def test_officer_opening_another_agencys_counter_is_told_why(staff):
    bapenda = staff.login("petugas2")
    page = bapenda.get("/counters/1")
    body = page.get_data(as_text=True)
    assert page.status_code == 403
    assert "Loket 1 milik Dukcapil; Anda petugas Bapenda." in body and 'href="/counters/"' in body
    assert "<title>Loket tidak dapat dibuka" in body and "<h1>403" not in body
    opening = bapenda.post("/counters/1/open")
    assert opening.status_code == 403 and "Loket 1 milik Dukcapil" in opening.get_data(as_text=True)
    action = bapenda.post("/counters/1/call-next", htmx=True)  # a stale htmx button: the message area
    assert action.status_code == 403 and action.headers["HX-Retarget"] == "#messages"
    assert "Loket 1 milik Dukcapil; Anda petugas Bapenda." in action.get_data(as_text=True)


def test_release_and_close_ask_before_acting(opened, app):
    manager = Staff(app.test_client()).login("manager")
    page = manager.get("/counters/").get_data(as_text=True)
    assert ('data-confirm="Lepas Loket 1 dari Petugas? Tiket yang sedang dipanggil atau dilayani di loket ini '
            'kembali ke antrean."') in page
    assert "js/confirm.js" in page
    console = opened.get("/counters/1").get_data(as_text=True)
    assert 'data-confirm="Tutup loket untuk hari ini?"' in console and "js/confirm.js" in console
