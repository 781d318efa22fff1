"""What the TV board shows: the call still being called, one recent row per ticket, the waiting per agency."""
import re
from datetime import timedelta

import pytest

from mpp_app.domain import board, counter_actions, counter_sessions, tickets
from mpp_app.domain.accounts import create_user
from mpp_app.models import Role

from .conftest import PASSWORD, agency_by_code, at, user


@pytest.fixture
def hall(session):
    """Loket 1 and 2 of Dukcapil and Loket 4 of Bapenda open at 08:00, with a way to issue tickets."""
    create_user(session, "petugas3", "Petugas Tiga", Role.OFFICER, PASSWORD, agency_code="DUKCAPIL",
                must_change_password=False)
    officers = {1: user(session, "petugas"), 2: user(session, "petugas3"), 4: user(session, "petugas2")}
    for counter_id, officer in officers.items():
        counter_sessions.open_counter(session, counter_id, officer, now=at(8))

    def issue(code, n=1, name="Rahasia Pribadi"):
        service = agency_by_code(session, code).services[0]
        for _ in range(n):
            tickets.issue_ticket(session, service_id=service.id, visitor_name=name, now=at(8, 30))

    return officers, issue


def everyone(session):
    return board.agencies_from(session, "")


def test_the_big_box_shows_the_latest_call_still_being_called(session, hall):
    officers, issue = hall
    issue("DUKCAPIL", 2)
    issue("BAPENDA")
    counter_actions.call_next(session, 1, officers[1], now=at(9))          # A-001 at Loket 1
    counter_actions.call_next(session, 4, officers[4], now=at(9, 5))       # B-001 at Loket 4
    assert board.state(session, everyone(session), now=at(9, 6)).newest.number == "B-001"

    counter_actions.start_serving(session, 4, officers[4], now=at(9, 7))
    counter_actions.finish(session, 4, officers[4], now=at(9, 20))
    state = board.state(session, everyone(session), now=at(9, 21))
    assert state.newest.number == "A-001" and state.newest.counter_name == "Loket 1"  # not the finished B-001

    counter_actions.start_serving(session, 1, officers[1], now=at(9, 22))
    state = board.state(session, everyone(session), now=at(9, 23))
    assert state.newest is None  # being served, no longer called
    assert [c.number for c in state.calls] == ["B-001", "A-001"]  # the history stays


def test_the_big_box_fades_after_three_minutes(session, hall, client):
    officers, issue = hall
    issue("DUKCAPIL")
    counter_actions.call_next(session, 1, officers[1], now=at(9))
    assert board.state(session, everyone(session), now=at(9, 2, 59)).newest_fresh
    stale = board.state(session, everyone(session), now=at(9, 3, 1))
    assert stale.newest.number == "A-001" and not stale.newest_fresh
    assert board.NEWEST_FADES_AFTER == timedelta(minutes=3)
    # The app's frozen clock is Monday 10:00: the call of 09:00 is drawn faded, with what the
    # browser needs to fade a fresh one by itself.
    page = client.get("/board/state").get_data(as_text=True)
    assert re.search(r'<section class="newest faded"[^>]*data-called-at="\d+" data-fade-ms="180000"', page)


def test_a_recall_moves_its_row_to_the_top_instead_of_adding_one(session, hall):
    officers, issue = hall
    issue("DUKCAPIL", 2)
    counter_actions.call_next(session, 1, officers[1], now=at(9))
    counter_actions.call_next(session, 2, officers[2], now=at(9, 1))
    counter_actions.recall(session, 1, officers[1], now=at(9, 2))
    counter_actions.recall(session, 1, officers[1], now=at(9, 3))
    state = board.state(session, everyone(session), now=at(9, 4))
    assert [(c.number, c.recall, c.at) for c in state.calls] == [("A-001", True, at(9, 3)), ("A-002", False, at(9, 1))]
    assert state.newest.number == "A-001" and state.newest.recall
    assert state.calls[0].event_id > state.calls[1].event_id  # a new id: the board announces it again


def test_each_agency_shows_how_many_wait_and_who_is_served(session, hall, client):
    officers, issue = hall
    issue("DUKCAPIL", 5)
    issue("BAPENDA", 2)
    issue("PLN", 3)  # no PLN counter is open: still worth knowing how many wait
    counter_actions.call_next(session, 1, officers[1], now=at(9))
    counter_actions.call_next(session, 2, officers[2], now=at(9, 1))
    counter_actions.start_serving(session, 2, officers[2], now=at(9, 2))
    state = board.state(session, everyone(session), now=at(9, 3))
    rows = {line.agency.code: line for line in state.agencies}
    assert list(rows) == ["DUKCAPIL", "BAPENDA", "PLN"]  # the mall's order; agencies with nothing going on left out
    assert (rows["DUKCAPIL"].waiting, rows["BAPENDA"].waiting, rows["PLN"].waiting) == (3, 2, 3)
    served = [(t.counter.name, t.ticket and t.ticket.display_number, t.calling) for t in rows["DUKCAPIL"].counters]
    assert served == [("Loket 1", "A-001", True), ("Loket 2", "A-002", False)]
    assert [t.ticket for t in rows["BAPENDA"].counters] == [None] and rows["PLN"].counters == []

    page = client.get("/board/").get_data(as_text=True)
    assert "Rahasia" not in page  # numbers, counters and agencies only
    assert re.search(r'agency-name">Dukcapil</p>\s*<p class="agency-waiting"><strong>3</strong> menunggu</p>', page)
    assert re.search(r'agency-name">PLN</p>\s*<p class="agency-waiting"><strong>3</strong> menunggu</p>\s*'
                     r'<div class="agency-counters">\s*<p class="agency-closed">Loket belum buka', page)
