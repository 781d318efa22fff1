"""Issuing a ticket at reception stays cheap (issue 17, item 2): at most 8 SQL statements per request,
everything included (Flask-Login's user load, the reference data, the number, the ticket, its place
in line), for a first submit, a repeated one and a manager's override; and the answer is the issued
ticket and an empty form, not the 46-service list again.

Statements are counted as the database sees them: every cursor execution on the app's engine
during one real request through the test client, with CSRF on and htmx's headers."""
import re

import pytest
from sqlalchemy import func, select

from mpp_app.extensions import db
from mpp_app.models import AuditLog, Ticket, User

from .conftest import agency_by_code, csrf_token, login
from .helpers import counting

MAX_STATEMENTS = 8


class Desk:
    """A logged-in reception PC that has its page open (the per-process caches are as they are all day)."""

    def __init__(self, client, username):
        assert login(client, username).status_code == 302
        self.client = client
        assert client.get("/reception/").status_code == 200
        self.token = csrf_token(client)

    def issue(self, data):
        return self.client.post("/reception/tickets", data=data,
                                headers={"X-CSRFToken": self.token, "HX-Request": "true"})


def form(session, key, **overrides):
    return {"service_id": agency_by_code(session, "DUKCAPIL").services[0].id, "visitor_name": "Yohanes Ndun",
            "visitor_phone": "", "priority": "", "note": "", "submission_key": key, "override_reason": "",
            "q": "ktp", **overrides}


def issued_number(body):
    return re.search(r'class="issued-number">([A-Z]-\d{3})<', body).group(1)


def assert_cheap(statements, what):
    assert len(statements) <= MAX_STATEMENTS, (
        f"{what}: {len(statements)} statements (at most {MAX_STATEMENTS}):\n" + "\n".join(statements))


def test_issue_costs_at_most_8_statements(app, client, session):
    desk = Desk(client, "resepsionis")
    for key, number in (("cost-1", "A-001"), ("cost-2", "A-002")):  # the first ticket of the day and a later one
        with counting(app) as statements:
            response = desk.issue(form(session, key, priority="lansia" if key == "cost-1" else ""))
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and issued_number(body) == number, body
        assert_cheap(statements, f"issuing {number}")
    assert "1 orang di depan" in body  # A-002 has A-001 (a priority ticket) ahead of it


def test_answer_is_the_ticket_and_an_empty_form_without_the_service_list(app, client, session):
    body = Desk(client, "resepsionis").issue(form(session, "small-1")).get_data(as_text=True)
    assert issued_number(body) == "A-001" and "Cetak tiket" in body
    assert 'name="service_id"' not in body and "Paspor" not in body  # the page keeps its own list
    assert 'id="service-choices"' in body  # where reception.js puts it back, unchecked
    assert 'name="submission_key" type="hidden" value="small-1"' not in body  # a new key for the next visitor


def test_a_repeated_submit_costs_at_most_8_statements_and_issues_nothing(app, client, session):
    desk = Desk(client, "resepsionis")
    assert desk.issue(form(session, "twice")).status_code == 200
    with counting(app) as statements:
        response = desk.issue(form(session, "twice"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and issued_number(body) == "A-001" and "sudah terkirim" in body
    assert_cheap(statements, "a repeated submit")
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_a_managers_override_costs_at_most_8_statements(app, client, session):
    app.config["MPP_FROZEN_NOW"] = "2026-12-05T10:00:00+08:00"  # a Saturday: closed
    desk = Desk(client, "manager")
    with counting(app) as statements:
        response = desk.issue(form(session, "override", override_reason="Pelayanan akhir pekan"))
    assert response.status_code == 200 and issued_number(response.get_data(as_text=True)) == "A-001"
    assert_cheap(statements, "an override")
    assert session.scalar(select(AuditLog).where(AuditLog.action == "ticket_override")) is not None


@pytest.mark.parametrize("closed", [False, True])
def test_a_repeated_submit_finds_its_ticket_even_when_it_would_now_be_refused(app, client, session, closed):
    """The first submit got a ticket; the repeat (a retry after a lost answer) comes after the cutoff
    or after the service was withdrawn: it still shows that ticket instead of a refusal."""
    desk = Desk(client, "resepsionis")
    assert desk.issue(form(session, "late")).status_code == 200
    if closed:
        app.config["MPP_FROZEN_NOW"] = "2026-11-30T14:50:00+08:00"  # after the last-ticket cutoff
    else:
        service = agency_by_code(session, "DUKCAPIL").services[0]
        service.active = False
        session.commit()
    response = desk.issue(form(session, "late"))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and issued_number(body) == "A-001" and "sudah terkirim" in body


def test_the_form_for_the_next_visitor_has_fresh_tokens_each_time(app, client, session):
    """The empty form is rendered once and reused: each answer still carries a new submission key and
    this session's CSRF token, and a form taken from one answer issues the next ticket."""
    desk = Desk(client, "resepsionis")
    first = desk.issue(form(session, "first")).get_data(as_text=True)
    second = desk.issue(form(session, "second")).get_data(as_text=True)
    keys = [re.search(r'name="submission_key" type="hidden" value="([0-9a-f]{32})"', body).group(1)
            for body in (first, second)]
    assert keys[0] != keys[1] and "slot" not in first + second
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', second).group(1)
    third = client.post("/reception/tickets", data={**form(session, keys[1]), "csrf_token": csrf},
                        headers={"HX-Request": "true"})
    assert third.status_code == 200 and issued_number(third.get_data(as_text=True)) == "A-003"


def test_the_next_visitors_form_follows_the_language_and_the_role(app, client, session):
    desk = Desk(client, "resepsionis")
    assert "Terbitkan tiket" in desk.issue(form(session, "a")).get_data(as_text=True)
    assert 'name="override_reason"' not in desk.issue(form(session, "b")).get_data(as_text=True)
    session.execute(db.update(User).where(User.username == "manager").values(language="en"))
    session.commit()
    managers_desk = Desk(app.test_client(), "manager")
    english = managers_desk.issue(form(session, "c")).get_data(as_text=True)
    assert 'name="override_reason"' in english and "Issue ticket (Enter)" in english
    assert "Terbitkan tiket" in desk.issue(form(session, "d")).get_data(as_text=True)
