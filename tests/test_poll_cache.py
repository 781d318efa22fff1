"""Cheap unchanged answers for every poll (issue 17, item 3): a citizen's status card and an
officer's waiting list answer 304 while they would read the same, and never once something they
show changed; the TV board renders each state once for all the boards polling it."""
import pytest
from flask import template_rendered

from mpp_app.domain import board, counter_actions, counter_sessions, tickets
from mpp_app.extensions import db
from mpp_app.models import Counter, PriorityCategory, User

from .conftest import Staff, agency_by_code, login, user

HX = {"HX-Request": "true"}


def poll(client, url, etag=None):
    return client.get(url, headers={**HX, **({"If-None-Match": etag} if etag else {})})


def changes(client, url, etag):
    """Whether the poll now answers with a new card (a 200 and another ETag) rather than 304."""
    response = poll(client, url, etag)
    if response.status_code == 304:
        assert response.headers["ETag"] == etag and response.get_data() == b""
        return False
    assert response.status_code in (200, 286) and response.headers.get("ETag") != etag
    return True


@pytest.fixture
def officer(session):
    return user(session, "petugas")


def issue(session, code="DUKCAPIL", index=0, **kwargs):
    service = agency_by_code(session, code).services[index]
    return tickets.issue_ticket(session, service_id=service.id, visitor_name="V", **kwargs).ticket


# --- a citizen's status card ----------------------------------------------------------------------

def test_status_card_is_304_until_it_would_read_otherwise(client, world):
    url = f"/t/{world['waiting']}"
    first = poll(client, url)
    assert first.status_code == 200 and first.headers["ETag"]
    # Kept by the phone's browser only, and asked again at every poll.
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert "HX-Request" in first.headers["Vary"]
    again = poll(client, url, first.headers["ETag"])
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["Cache-Control"] == "private, no-cache" and "HX-Request" in again.headers["Vary"]
    assert not changes(client, url, first.headers["ETag"])


def test_status_card_follows_issue_call_no_show_and_transfer(client, world, session, officer):
    url = f"/t/{world['waiting']}"
    tag = poll(client, url).headers["ETag"]

    issue(session, "BAPENDA")  # another agency's line: nothing on this card changes
    issue(session)  # behind this ticket in its line: neither the place nor the estimate moves
    assert not changes(client, url, tag)

    issue(session, priority=PriorityCategory.DISABILITAS)  # a priority ticket goes ahead of it
    assert changes(client, url, tag)
    tag = poll(client, url).headers["ETag"]

    counter_actions.mark_no_show(session, 1, officer, 0)  # the number at Loket 1 leaves "now serving"
    assert changes(client, url, tag)
    tag = poll(client, url).headers["ETag"]

    counter_actions.call_next(session, 1, officer)  # the priority ticket: one fewer ahead, a new number served
    assert changes(client, url, tag)
    tag = poll(client, url).headers["ETag"]

    counter_actions.start_serving(session, 1, officer)
    assert not changes(client, url, tag)  # called or served, the card lists the same number

    other_service = agency_by_code(session, "DUKCAPIL").services[1]
    counter_actions.transfer(session, 1, officer, other_service.id)  # goes back into the line, behind
    assert changes(client, url, tag)  # no longer served now
    tag = poll(client, url).headers["ETag"]

    counter_actions.call_ticket(session, 1, world["ticket"], officer)
    called = poll(client, url, tag)
    assert called.status_code == 200 and "DIPANGGIL" in called.get_data(as_text=True)
    tag = called.headers["ETag"]
    counter_actions.recall(session, 1, officer)  # the phone vibrates again (data-calls)
    recalled = poll(client, url, tag)
    assert recalled.status_code == 200 and 'data-calls="1"' in recalled.get_data(as_text=True)

    counter_actions.start_serving(session, 1, officer)
    counter_actions.finish(session, 1, officer)
    finished = poll(client, url, recalled.headers["ETag"])
    assert finished.status_code == 286 and "Selesai" in finished.get_data(as_text=True)  # stops the polling


def test_status_card_follows_the_estimate_and_a_counter_rename(client, session, officer):
    counter_sessions.open_counter(session, 1, officer)
    issue(session)
    waiting = issue(session)
    url = f"/t/{waiting.public_token}"
    tag = poll(client, url).headers["ETag"]
    # The service's expected minutes (no finished tickets yet) change the wait, nobody moves in line.
    service = agency_by_code(session, "DUKCAPIL").services[0]
    service.expected_minutes += 10
    session.commit()
    assert changes(client, url, tag)
    tag = poll(client, url).headers["ETag"]
    counter = session.get(Counter, 1)
    counter_actions.call_next(session, 1, officer)
    tag = poll(client, url).headers["ETag"]
    counter.name = "Loket Satu"
    session.commit()
    response = poll(client, url, tag)
    assert response.status_code == 200 and "Loket Satu" in response.get_data(as_text=True)


def test_status_card_tag_varies_with_language(app, world):
    url = f"/t/{world['waiting']}"
    indonesian, english = app.test_client(), app.test_client()
    with english.session_transaction() as cookie_session:
        cookie_session["language"] = "en"
    tag = poll(indonesian, url).headers["ETag"]
    response = poll(english, url, tag)
    assert response.status_code == 200 and response.headers["ETag"] != tag
    assert "people ahead" in response.get_data(as_text=True) or "next" in response.get_data(as_text=True)


def test_status_full_page_is_always_rendered(client, world):
    """The page around the card carries the session's CSRF token and messages: only the polled
    card is answered 304."""
    url = f"/t/{world['waiting']}"
    tag = poll(client, url).headers["ETag"]
    page = client.get(url, headers={"If-None-Match": tag})
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)


# --- an officer's waiting list --------------------------------------------------------------------

def test_waiting_list_is_304_until_it_would_read_otherwise(client, world, session, officer, app):
    staff = Staff(client).login("petugas")
    url = "/counters/1/waiting"
    first = poll(client, url)
    assert first.status_code == 200
    # The officer's browser keeps it (numbers and services, no names), never a shared cache.
    assert first.headers["Cache-Control"] == "private, no-cache"
    tag = first.headers["ETag"]
    assert not changes(client, url, tag)

    issue(session, "BAPENDA")  # another agency
    assert not changes(client, url, tag)

    issue(session)  # a new visitor in this counter's line
    assert changes(client, url, tag)
    tag = poll(client, url).headers["ETag"]

    counter_actions.mark_no_show(session, 1, officer, 0)  # "Tidak hadir hari ini" and the day's figures
    assert changes(client, url, tag)
    tag = poll(client, url).headers["ETag"]

    counter_actions.call_next(session, 1, officer)  # leaves the list
    assert changes(client, url, tag)
    tag = poll(client, url).headers["ETag"]

    other_service = agency_by_code(session, "DUKCAPIL").services[1]
    counter_actions.start_serving(session, 1, officer)
    counter_actions.transfer(session, 1, officer, other_service.id)  # back in the list, "pindahan dari"
    response = poll(client, url, tag)
    assert response.status_code == 200 and "pindahan dari" in response.get_data(as_text=True)
    tag = response.headers["ETag"]

    app.config["MPP_FROZEN_NOW"] = "2026-11-30T10:07:00+08:00"  # minutes waited move on
    assert changes(client, url, tag)
    assert staff  # logged in throughout


def test_waiting_list_is_per_user_and_language(app, world, session):
    url = "/counters/1/waiting"
    officer_client, manager_client = app.test_client(), app.test_client()
    assert login(officer_client, "petugas").status_code == 302
    assert login(manager_client, "manager").status_code == 302
    tag = poll(officer_client, url).headers["ETag"]
    # The manager sees no call buttons (not the holder): never the officer's copy.
    response = poll(manager_client, url, tag)
    assert response.status_code == 200 and response.headers["ETag"] != tag
    assert "Panggil" in poll(officer_client, url).get_data(as_text=True)
    assert "Panggil</button>" not in response.get_data(as_text=True)

    session.scalar(db.select(User).where(User.username == "petugas")).language = "en"
    session.commit()
    english = poll(officer_client, url, tag)
    assert english.status_code == 200 and english.headers["ETag"] != tag


# --- the TV board ---------------------------------------------------------------------------------

@pytest.fixture
def board_renders(app):
    rendered = []

    def count(sender, template, context, **extra):
        if template.name == "board/_board_state.html":
            rendered.append(template.name)

    template_rendered.connect(count, app)
    yield rendered
    template_rendered.disconnect(count, app)


def test_board_renders_each_state_once_for_all_tvs(app, world, session, officer, board_renders):
    tvs = [app.test_client() for _ in range(10)]
    answers = [tv.get("/board/state", headers=HX) for tv in tvs]
    assert {a.status_code for a in answers} == {200}
    assert len({a.get_data() for a in answers}) == 1 and len({a.headers["ETag"] for a in answers}) == 1
    assert len(board_renders) == 1  # ten TVs, one render
    tag = answers[0].headers["ETag"]
    assert all(tv.get("/board/state", headers={"If-None-Match": tag}).status_code == 304 for tv in tvs)

    counter_actions.recall(session, 1, officer)
    answers = [tv.get("/board/state", headers={**HX, "If-None-Match": tag}) for tv in tvs]
    assert {a.status_code for a in answers} == {200} and answers[0].headers["ETag"] != tag
    assert len(board_renders) == 2  # the new state, once


def test_board_bodies_differ_by_language_and_filter(app, world, board_renders):
    indonesian, english = app.test_client(), app.test_client()
    with english.session_transaction() as cookie_session:
        cookie_session["language"] = "en"
    first = indonesian.get("/board/state")
    other = english.get("/board/state", headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200 and other.headers["ETag"] != first.headers["ETag"]
    assert "menunggu" in first.get_data(as_text=True) and "menunggu" not in other.get_data(as_text=True)
    # Two filters naming the same agencies share a fingerprint, not a body (the body links its filter).
    by_prefix = indonesian.get("/board/state?agencies=A").get_data(as_text=True)
    by_code = indonesian.get("/board/state?agencies=DUKCAPIL").get_data(as_text=True)
    assert 'hx-get="/board/state?agencies=A"' in by_prefix and 'hx-get="/board/state?agencies=DUKCAPIL"' in by_code
    assert len(board_renders) == 4


def test_rendered_boards_keep_the_last_few():
    boards = board.RenderedBoards(size=2)
    renders = []

    def render(text):
        return lambda: renders.append(text) or text

    assert boards.get("a", render("A")) == "A"
    assert boards.get("b", render("B")) == "B"
    assert boards.get("a", render("A2")) == "A"  # kept, and now the most recent
    assert boards.get("c", render("C")) == "C"  # evicts b, the least recently used
    assert boards.get("b", render("B2")) == "B2"
    assert renders == ["A", "B", "C", "B2"]
