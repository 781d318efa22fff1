"""Counter sessions and every ticket transition at a counter, with its refusals, the priority
rules and transfer ordering."""
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from mpp_app.domain import counter_sessions as desks
from mpp_app.domain import counter_actions, errors, queue_status, tickets
from mpp_app.domain.announce import announcement, number_words
from mpp_app.models import (AuditLog, Counter, CounterState, PriorityCategory, Ticket, TicketStatus, User,
                            counter_service)

from .conftest import agency_by_code

WITA = ZoneInfo("Asia/Makassar")
MONDAY = date(2026, 11, 30)


def at(hh, mm=0, ss=0):
    return datetime.combine(MONDAY, time(hh, mm, ss), tzinfo=WITA)


def user(session, username):
    return session.scalar(select(User).where(User.username == username))


def counter(session, number):
    return session.scalar(select(Counter).where(Counter.number == number))


def issue(session, code="DUKCAPIL", minute=0, index=0, priority=None):
    service = agency_by_code(session, code).services[index]
    return tickets.issue_ticket(session, service_id=service.id, visitor_name="V", priority=priority,
                              now=at(9, minute)).ticket


@pytest.fixture
def officer(session):
    return user(session, "petugas")  # Dukcapil


@pytest.fixture
def loket1(session, officer):
    return desks.open_counter(session, counter(session, 1).id, officer, now=at(8))


def add_officer(session, username, agency="DUKCAPIL"):
    from mpp_app.domain.accounts import create_user
    from mpp_app.models import Role

    return create_user(session, username, username, Role.OFFICER, "sandi-petugas-1", agency_code=agency,
                       must_change_password=False)


# --- counter sessions ---------------------------------------------------------------------

def test_open_counter(session, officer, loket1):
    assert loket1.state is CounterState.OPEN and loket1.officer_id == officer.id
    assert desks.open_counter(session, loket1.id, officer).id == loket1.id  # reopening your own is fine


def test_counter_held_by_one_officer(session, loket1):
    other = add_officer(session, "petugas3")
    with pytest.raises(desks.CounterTakenError) as refused:
        desks.open_counter(session, loket1.id, other)
    assert "sedang dipegang oleh Petugas" in str(refused.value)


def test_officer_holds_one_counter(session, officer, loket1):
    with pytest.raises(desks.AlreadyHoldingError) as refused:
        desks.open_counter(session, counter(session, 2).id, officer)
    assert "Loket 1" in str(refused.value)


def test_officer_cannot_open_other_agency_counter(session, officer):
    bapenda_counter = agency_by_code(session, "BAPENDA").counters[0]
    with pytest.raises(desks.OtherAgencyError):
        desks.open_counter(session, bapenda_counter.id, officer)


def test_pause_resume_close(session, officer, loket1):
    assert desks.pause_counter(session, loket1.id, officer).state is CounterState.PAUSED
    with pytest.raises(desks.CounterStateError):
        desks.pause_counter(session, loket1.id, officer)
    issue(session)
    with pytest.raises(counter_actions.CounterPausedError):
        counter_actions.call_next(session, loket1.id, officer, now=at(10))
    assert desks.resume_counter(session, loket1.id, officer).state is CounterState.OPEN
    closed = desks.close_counter(session, loket1.id, officer)
    assert closed.state is CounterState.CLOSED and closed.officer_id is None


def test_cannot_close_with_active_ticket(session, officer, loket1):
    issue(session)
    counter_actions.call_next(session, loket1.id, officer, now=at(10))
    with pytest.raises(desks.CounterBusyError) as refused:
        desks.close_counter(session, loket1.id, officer)
    assert "A-001" in str(refused.value)


def test_non_holder_is_refused_everything(session, loket1):
    stranger = add_officer(session, "petugas4")
    issue(session)
    for action in (counter_actions.call_next, counter_actions.recall, counter_actions.start_serving):
        with pytest.raises(desks.NotHolderError):
            action(session, loket1.id, stranger)
    with pytest.raises(desks.NotHolderError):
        desks.close_counter(session, loket1.id, stranger)


def test_manager_release_requeues_ticket(session, officer, loket1):
    first = issue(session, minute=1)
    issue(session, minute=2)
    counter_actions.call_next(session, loket1.id, officer, now=at(10))
    manager = user(session, "manager")
    released = desks.release_counter(session, loket1.id, manager, now=at(10, 5))
    assert released.state is CounterState.CLOSED and released.officer_id is None
    session.expire_all()
    again = session.get(Ticket, first.id)
    assert again.status is TicketStatus.WAITING and again.counter_id is None
    assert queue_status.ticket_position(session, again).ahead == 0  # it kept its place
    assert session.scalar(select(AuditLog).where(AuditLog.action == "counter_released")) is not None


# --- transitions --------------------------------------------------------------------------

def test_full_lifecycle_records_every_event(session, officer, loket1):
    ticket = issue(session)
    called = counter_actions.call_next(session, loket1.id, officer, now=at(10))
    assert called.id == ticket.id and called.status is TicketStatus.CALLED and called.counter_id == loket1.id
    assert counter_actions.recall(session, loket1.id, officer, now=at(10, 1)).recall_count == 1
    serving = counter_actions.start_serving(session, loket1.id, officer, now=at(10, 2))
    assert serving.status is TicketStatus.SERVING and serving.serving_started_at == at(10, 2)
    done = counter_actions.finish(session, loket1.id, officer, note="KTP dicetak", now=at(10, 12))
    assert done.status is TicketStatus.DONE and done.finished_at == at(10, 12)
    events = [(e.kind, e.actor_id, e.counter_id) for e in done.events]
    assert [kind for kind, *_ in events] == ["issued", "called", "recalled", "serving", "finished"]
    assert all(actor == officer.id and where == loket1.id for _kind, actor, where in events[1:])
    assert done.events[-1].detail == "KTP dicetak"


def test_call_next_oldest_first_and_only_own_services(session, officer, loket1):
    session.execute(counter_service.delete().where(counter_service.c.counter_id == loket1.id,
                                                   counter_service.c.service_id != loket1.services[0].id))
    session.commit()
    issue(session, minute=1, index=3)  # a service this counter no longer serves
    second = issue(session, minute=2, index=0)
    third = issue(session, minute=3, index=0)
    issue(session, "BAPENDA", minute=0)
    assert counter_actions.call_next(session, loket1.id, officer, now=at(10)).id == second.id
    counter_actions.start_serving(session, loket1.id, officer)
    counter_actions.finish(session, loket1.id, officer)
    assert counter_actions.call_next(session, loket1.id, officer, now=at(10, 5)).id == third.id
    counter_actions.start_serving(session, loket1.id, officer)
    counter_actions.finish(session, loket1.id, officer)
    with pytest.raises(counter_actions.NoTicketWaitingError):
        counter_actions.call_next(session, loket1.id, officer, now=at(10, 10))


def test_officer_holds_at_most_one_active_ticket(session, officer, loket1):
    issue(session)
    issue(session)
    counter_actions.call_next(session, loket1.id, officer)
    with pytest.raises(counter_actions.OfficerBusyError) as refused:
        counter_actions.call_next(session, loket1.id, officer)
    assert "A-001" in str(refused.value)


@pytest.mark.parametrize("action", ["recall", "start_serving", "finish", "no_show"])
def test_transitions_from_wrong_state_are_refused(session, officer, loket1, action):
    calls = {"recall": lambda: counter_actions.recall(session, loket1.id, officer),
             "start_serving": lambda: counter_actions.start_serving(session, loket1.id, officer),
             "finish": lambda: counter_actions.finish(session, loket1.id, officer),
             "no_show": lambda: counter_actions.mark_no_show(session, loket1.id, officer, 0)}
    with pytest.raises(counter_actions.NoActiveTicketError):
        calls[action]()  # nothing called yet
    issue(session)
    counter_actions.call_next(session, loket1.id, officer)
    if action == "finish":
        with pytest.raises(counter_actions.NoActiveTicketError):
            calls[action]()  # called, not yet serving
    counter_actions.start_serving(session, loket1.id, officer)
    if action in ("recall", "start_serving", "no_show"):
        with pytest.raises(counter_actions.NoActiveTicketError):
            calls[action]()  # already serving


def test_no_show_needs_recalls(session, officer, loket1):
    issue(session)
    counter_actions.call_next(session, loket1.id, officer)
    with pytest.raises(counter_actions.RecallsNeededError) as refused:
        counter_actions.mark_no_show(session, loket1.id, officer, 2)
    assert "minimal 2 kali" in str(refused.value)
    counter_actions.recall(session, loket1.id, officer)
    counter_actions.recall(session, loket1.id, officer)
    gone = counter_actions.mark_no_show(session, loket1.id, officer, 2, now=at(10, 3))
    assert gone.status is TicketStatus.NO_SHOW and gone.finished_at == at(10, 3)


def test_no_show_who_came_back_can_be_called(session, officer, loket1):
    ticket = issue(session)
    counter_actions.call_next(session, loket1.id, officer)
    counter_actions.mark_no_show(session, loket1.id, officer, 0)
    assert [t.ticket_id for t in queue_status.no_shows(session, loket1, MONDAY)] == [ticket.id]
    back = counter_actions.call_ticket(session, loket1.id, ticket.id, officer, now=at(11))
    assert back.status is TicketStatus.CALLED and back.finished_at is None and back.called_at == at(11)


def test_call_specific_refusals(session, officer, loket1):
    bapenda = issue(session, "BAPENDA")
    with pytest.raises(errors.NotFoundError):
        counter_actions.call_ticket(session, loket1.id, bapenda.id, officer)
    mine = issue(session)
    counter_actions.call_ticket(session, loket1.id, mine.id, officer)
    counter_actions.start_serving(session, loket1.id, officer)
    counter_actions.finish(session, loket1.id, officer)
    with pytest.raises(tickets.TicketNotInStateError) as refused:
        counter_actions.call_ticket(session, loket1.id, mine.id, officer)
    assert "selesai" in str(refused.value)


def test_two_counters_never_call_the_same_ticket(session, officer, loket1):
    other = add_officer(session, "petugas5")
    loket2 = desks.open_counter(session, counter(session, 2).id, other)
    first, second = issue(session, minute=1), issue(session, minute=2)
    assert counter_actions.call_next(session, loket1.id, officer).id == first.id
    assert counter_actions.call_next(session, loket2.id, other).id == second.id


# --- priority rules -----------------------------------------------------------------------

def test_strict_priority_first(session, officer, loket1):
    regular = issue(session, minute=1)
    elder = issue(session, minute=5, priority=PriorityCategory.LANSIA)
    order = []
    for _ in range(2):
        order.append(counter_actions.call_next(session, loket1.id, officer).id)
        counter_actions.start_serving(session, loket1.id, officer)
        counter_actions.finish(session, loket1.id, officer)
    assert order == [elder.id, regular.id]


def test_one_priority_after_every_n_regular(session, officer, loket1):
    agency = agency_by_code(session, "DUKCAPIL")
    agency.priority_every = 2
    session.commit()
    regular = [issue(session, minute=m) for m in range(1, 5)]
    priority = [issue(session, minute=10 + m, priority=PriorityCategory.DISABILITAS) for m in range(2)]
    called = []
    for minute in range(6):
        called.append(counter_actions.call_next(session, loket1.id, officer, now=at(10, minute)).id)
        counter_actions.start_serving(session, loket1.id, officer, now=at(10, minute, 10))
        counter_actions.finish(session, loket1.id, officer, now=at(10, minute, 30))
    # No priority call yet today, so two regular first; then one priority; two regular; one priority.
    assert called == [regular[0].id, regular[1].id, priority[0].id, regular[2].id, regular[3].id, priority[1].id]


# --- transfers ----------------------------------------------------------------------------

def test_transfer_keeps_number_and_joins_by_issue_time(session, officer, loket1):
    ticket = issue(session, minute=1)
    counter_actions.call_next(session, loket1.id, officer, now=at(10))
    counter_actions.start_serving(session, loket1.id, officer, now=at(10, 1))
    later = issue(session, "BAPENDA", minute=30)
    target = agency_by_code(session, "BAPENDA").services[1]
    moved = counter_actions.transfer(session, loket1.id, officer, target.id, note="Perlu mutasi PBB", now=at(10, 5))
    assert moved.display_number == "A-001" and moved.status is TicketStatus.WAITING
    assert moved.queue_agency.code == "BAPENDA" and moved.service_id == target.id and moved.counter_id is None
    assert moved.queued_at == moved.issued_at
    assert queue_status.ticket_position(session, moved).ahead == 0 and queue_status.ticket_position(session, later).ahead == 1
    assert "Perlu mutasi PBB" in moved.events[-1].detail
    assert desks.active_ticket(session, loket1.id) is None
    # A Bapenda officer calls it next, before the later Bapenda arrival.
    bapenda_officer = user(session, "petugas2")
    b_counter = agency_by_code(session, "BAPENDA").counters[0]
    desks.open_counter(session, b_counter.id, bapenda_officer)
    assert counter_actions.call_next(session, b_counter.id, bapenda_officer).id == ticket.id


@pytest.mark.parametrize("target", ["same", "inactive", "unknown"])
def test_transfer_refusals(session, officer, loket1, target):
    ticket = issue(session)
    counter_actions.call_next(session, loket1.id, officer)
    service = agency_by_code(session, "PLN").services[0]
    if target == "inactive":
        service.active = False
        session.commit()
    service_id = {"same": ticket.service_id, "inactive": service.id, "unknown": 99999}[target]
    with pytest.raises(counter_actions.TransferTargetError):
        counter_actions.transfer(session, loket1.id, officer, service_id)
    session.expire_all()
    assert session.get(Ticket, ticket.id).status is TicketStatus.CALLED


def test_transfer_needs_active_ticket(session, officer, loket1):
    with pytest.raises(counter_actions.NoActiveTicketError):
        counter_actions.transfer(session, loket1.id, officer, agency_by_code(session, "PLN").services[0].id)


# --- announcements ------------------------------------------------------------------------

@pytest.mark.parametrize("prefix, number, counter_no, mode, text", [
    ("A", 1, 1, "digits", "Nomor antrean, a, nol nol satu, silakan menuju loket satu"),
    ("B", 12, 3, "digits", "Nomor antrean, be, nol satu dua, silakan menuju loket tiga"),
    ("K", 10, 11, "words", "Nomor antrean, ka, sepuluh, silakan menuju loket sebelas"),
    ("L", 123, 12, "words", "Nomor antrean, el, seratus dua puluh tiga, silakan menuju loket dua belas"),
    ("J", 1005, 20, "digits", "Nomor antrean, je, satu nol nol lima, silakan menuju loket dua puluh"),
])
def test_announcement_sentence(prefix, number, counter_no, mode, text):
    assert announcement(prefix, number, counter_no, mode) == text


@pytest.mark.parametrize("n, words", [
    (0, "nol"), (1, "satu"), (10, "sepuluh"), (11, "sebelas"), (12, "dua belas"), (19, "sembilan belas"),
    (20, "dua puluh"), (21, "dua puluh satu"), (100, "seratus"), (101, "seratus satu"), (110, "seratus sepuluh"),
    (999, "sembilan ratus sembilan puluh sembilan"), (1000, "seribu"), (2500, "dua ribu lima ratus"),
])
def test_number_words(n, words):
    assert number_words(n) == words


def test_counter_day_counts_where_tickets_ended(session, officer, loket1):
    assert queue_status.counter_day(session, loket1.id, MONDAY) == queue_status.CounterDay(0, 0, None)
    for minute, (start, finish) in enumerate([(at(10, 10), at(10, 16)), (at(10, 20), at(10, 29))]):
        issue(session, minute=minute)
        counter_actions.call_next(session, loket1.id, officer, now=start)
        counter_actions.start_serving(session, loket1.id, officer, now=start)
        counter_actions.finish(session, loket1.id, officer, now=finish)
    issue(session, minute=5)
    counter_actions.call_next(session, loket1.id, officer, now=at(10, 30))
    counter_actions.mark_no_show(session, loket1.id, officer, 0, now=at(10, 35))
    issue(session, minute=6)
    counter_actions.call_next(session, loket1.id, officer, now=at(10, 40))
    counter_actions.start_serving(session, loket1.id, officer, now=at(10, 40))
    counter_actions.transfer(session, loket1.id, officer, agency_by_code(session, "BAPENDA").services[0].id, now=at(10, 45))
    assert queue_status.counter_day(session, loket1.id, MONDAY) == queue_status.CounterDay(2, 1, 7.5)  # (6 + 9) / 2
    assert queue_status.counter_day(session, loket1.id, date(2026, 12, 1)) == queue_status.CounterDay(0, 0, None)


# --- what the console shows ---------------------------------------------------------------

def test_officer_of_another_agency_is_told_whose_counter_it_is(session, officer):
    bapenda_counter = agency_by_code(session, "BAPENDA").counters[0]
    with pytest.raises(desks.OtherAgencyError) as refused:
        desks.counter_for(session, bapenda_counter.id, officer)
    assert refused.value.status == 403
    assert str(refused.value) == f"{bapenda_counter.name} milik Bapenda; Anda petugas Dukcapil."
    assert desks.counter_for(session, 1, officer).id == 1
    assert desks.counter_for(session, bapenda_counter.id, user(session, "manager")).id == bapenda_counter.id
    with pytest.raises(errors.NotFoundError):
        desks.counter_for(session, 9999, officer)


def test_waiting_list_counts_minutes_and_names_where_a_transfer_came_from(session, officer, loket1):
    first = issue(session, minute=0)
    second = issue(session, minute=30)
    counter_actions.call_next(session, loket1.id, officer, now=at(9, 40))
    other_service = agency_by_code(session, "DUKCAPIL").services[1]
    counter_actions.transfer(session, loket1.id, officer, other_service.id, now=at(9, 45))

    entries = queue_status.counter_queue(session, loket1, now=at(9, 52, 59))
    assert [(e.ticket_id, e.minutes_waited) for e in entries] == [(first.id, 52), (second.id, 22)]
    assert entries[0].transferred_from == queue_status.TransferOrigin("Loket 1", "Dukcapil")
    assert entries[1].transferred_from is None
    assert queue_status.minutes_waited(second, at(9, 29)) == 0  # a clock set back never shows a negative wait


def test_transfer_origin_is_the_latest_transfer(session, officer, loket1):
    ticket = issue(session)
    bapenda = agency_by_code(session, "BAPENDA")
    counter_actions.call_next(session, loket1.id, officer, now=at(9, 5))
    counter_actions.transfer(session, loket1.id, officer, bapenda.services[0].id, now=at(9, 10))
    other = add_officer(session, "petugas6", agency="BAPENDA")
    loket_b = desks.open_counter(session, bapenda.counters[0].id, other)
    counter_actions.call_next(session, loket_b.id, other, now=at(9, 20))
    counter_actions.transfer(session, loket_b.id, other, agency_by_code(session, "DUKCAPIL").services[1].id,
                             now=at(9, 25))
    assert queue_status.transfer_origins(session, [ticket.id]) == {
        ticket.id: queue_status.TransferOrigin(loket_b.name, "Bapenda")}
    assert queue_status.transfer_origins(session, []) == {}
