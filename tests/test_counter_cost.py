"""What an officer's press of a button costs the server (issue 17, item 2): every write path of the
console (call next, call one, recall, no-show, start, finish, transfer) runs at most 8 SQL statements
per request, counted as the real app executes them for a real htmx request with its CSRF header
(Flask-Login's user load included), and that count does not grow with the queue."""
import re

import pytest
from sqlalchemy import select

from mpp_app.domain import tickets
from mpp_app.models import Ticket, TicketStatus

from .conftest import Staff, agency_by_code, csrf_token
from .helpers import counting

MOST_STATEMENTS = 8


class Officer:
    """The officer at Loket 1 (Dukcapil), posting as the console does: htmx, CSRF in a header."""

    def __init__(self, app):
        self.app = app
        self.client = Staff(app.test_client()).login("petugas").client
        self.headers = {"X-CSRFToken": csrf_token(self.client), "HX-Request": "true"}
        assert self.post("/counters/1/open", htmx=False).status_code == 302

    def post(self, url, data=None, htmx=True):
        headers = self.headers if htmx else {"X-CSRFToken": self.headers["X-CSRFToken"]}
        return self.client.post(url, data=data or {}, headers=headers)

    def cost(self, url, data=None, status=200):
        """The statements one request runs, after checking that it did what it was asked."""
        with counting(self.app) as statements:
            response = self.post(url, data)
        assert response.status_code == status, response.get_data(as_text=True)
        return response.get_data(as_text=True), statements


def issue(session, count=1, code="DUKCAPIL", name="Yohanes Ndun"):
    service = agency_by_code(session, code).services[0]
    return [tickets.issue_ticket(session, service_id=service.id, visitor_name=name).ticket for _ in range(count)]


@pytest.fixture
def officer(app):
    return Officer(app)


def check(statements, most=MOST_STATEMENTS):
    assert len(statements) <= most, f"{len(statements)} statements:\n" + "\n".join(statements)


def test_every_write_path_of_a_cycle_costs_at_most_eight_statements(officer, session):
    issue(session, 3)
    body, statements = officer.cost("/counters/1/call-next")
    assert "A-001" in body and "Nomor antrean, a, nol nol satu, silakan menuju loket satu" in body
    check(statements)
    body, statements = officer.cost("/counters/1/recall")
    assert "dipanggil ulang 1 kali" in body
    check(statements)
    body, statements = officer.cost("/counters/1/start")
    assert "Lama dilayani" in body
    check(statements)
    body, statements = officer.cost("/counters/1/finish", {"note": "KTP dicetak"})
    assert "A-001 selesai dilayani." in body and "Panggil berikutnya" in body
    check(statements)

    body, statements = officer.cost("/counters/1/call-next")
    assert "A-002" in body
    officer.post("/counters/1/recall")
    officer.post("/counters/1/recall")
    body, statements = officer.cost("/counters/1/no-show")
    assert "A-002 ditandai tidak hadir." in body
    check(statements)

    waiting = session.scalar(select(Ticket.id).where(Ticket.number == 3))
    body, statements = officer.cost(f"/counters/1/call/{waiting}")
    assert "A-003" in body
    check(statements)
    target = agency_by_code(session, "BAPENDA").services[0]
    body, statements = officer.cost("/counters/1/transfer", {"service_id": str(target.id), "note": "Urus PBB"})
    assert f"A-003 dialihkan ke {target.name}." in body
    check(statements)

    session.expire_all()
    events = [event.kind.value for event in session.scalar(select(Ticket).where(Ticket.number == 3)).events]
    assert events == ["issued", "called", "transferred"]


def test_a_transferred_ticket_is_called_and_shown_with_its_history_at_the_same_cost(officer, app, session):
    (ticket,) = issue(session)
    officer.post("/counters/1/call-next")
    other = agency_by_code(session, "DUKCAPIL").services[1]
    officer.post("/counters/1/transfer", {"service_id": str(other.id), "note": "Salah pilih layanan"})
    body, statements = officer.cost("/counters/1/call-next")
    assert "A-001" in body and "pindahan dari Loket 1 · Dukcapil" in body
    assert "Salah pilih layanan" in body
    check(statements)
    body, statements = officer.cost("/counters/1/start")
    assert "pindahan dari Loket 1 · Dukcapil" in body
    check(statements)


def test_call_next_costs_the_same_with_a_long_queue(officer, session):
    issue(session, 2)
    _body, few = officer.cost("/counters/1/call-next")
    officer.post("/counters/1/start")
    officer.post("/counters/1/finish")
    issue(session, 40)
    _body, many = officer.cost("/counters/1/call-next")
    assert len(many) == len(few)


def test_refusals_stay_refusals(officer, session):
    """The cheaper paths keep every answer: nobody waiting, a busy counter, a ticket not in line."""
    body, _statements = officer.cost("/counters/1/call-next", status=409)
    assert "Tidak ada antrean yang menunggu" in body
    first, second = issue(session, 2)
    officer.post("/counters/1/call-next")
    body, _statements = officer.cost("/counters/1/call-next", status=409)
    assert "masih menangani A-001" in body
    body, _statements = officer.cost(f"/counters/1/call/{second.id}", status=409)
    assert "masih menangani A-001" in body
    body, _statements = officer.cost("/counters/1/no-show", status=409)
    assert "minimal 2 kali" in body
    body, _statements = officer.cost("/counters/1/finish", status=409)
    assert "Muat ulang halaman" in body
    session.expire_all()
    assert session.get(Ticket, second.id).status is TicketStatus.WAITING


def test_the_transfer_list_is_loaded_when_the_officer_opens_the_dialog(officer, session):
    issue(session)
    body, _statements = officer.cost("/counters/1/call-next")
    targets = re.search(r'hx-get="([^"]*transfer-targets[^"]*)"', body).group(1).replace("&amp;", "&")
    assert "<option" not in body.split('id="transfer-service"')[1].split("</select>")[0].replace(
        '<option value="">', "")
    own = session.scalar(select(Ticket)).service
    options = officer.client.get(targets, headers={"HX-Request": "true"}).get_data(as_text=True)
    bapenda = agency_by_code(session, "BAPENDA").services[0]
    assert f'<option value="{bapenda.id}">{bapenda.name}</option>' in options
    assert f'value="{own.id}"' not in options  # not to the service it is at
