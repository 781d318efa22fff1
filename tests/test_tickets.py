"""Reception domain rules: numbering, the hours gate, overrides, double submits, cancellation,
queue position, wait estimates and the purge of personal data."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select

from mpp_app.domain import errors, estimates, queue_status, reference, settings, tickets
from mpp_app import housekeeping
from mpp_app.extensions import db
from mpp_app.domain.errors import NotFoundError
from mpp_app.models import AuditLog, Counter, DailyNumber, PriorityCategory, Ticket, TicketStatus, User

from .conftest import agency_by_code

WITA = ZoneInfo("Asia/Makassar")
MONDAY = date(2026, 11, 30)


def at(day, hh, mm=0, ss=0):
    return datetime.combine(day, time(hh, mm, ss), tzinfo=WITA)


def service_of(session, code, index=0):
    return agency_by_code(session, code).services[index]


def staff(session, username):
    return session.scalar(select(User).where(User.username == username))


def issue(session, code="DUKCAPIL", when=None, index=0, **kwargs):
    kwargs.setdefault("visitor_name", "Yohanes Ndun")
    return tickets.issue_ticket(session, service_id=service_of(session, code, index).id,
                              now=when or at(MONDAY, 10), **kwargs).ticket


def test_first_ticket_of_the_day_is_001(session):
    ticket = issue(session)
    assert ticket.display_number == "A-001"
    assert ticket.business_date == MONDAY and ticket.status is TicketStatus.WAITING
    assert [e.kind for e in ticket.events] == ["issued"]


def test_numbers_are_per_agency_and_gapless(session):
    numbers = [issue(session, code).display_number for code in
               ["DUKCAPIL", "DUKCAPIL", "BAPENDA", "DUKCAPIL", "BAPENDA", "POS"]]
    assert numbers == ["A-001", "A-002", "B-001", "A-003", "B-002", "L-001"]


def test_all_services_of_an_agency_share_its_sequence(session):
    assert issue(session, index=0).number == 1
    assert issue(session, index=5).number == 2


def test_numbering_restarts_each_business_day(session):
    issue(session, when=at(MONDAY, 10))
    issue(session, when=at(MONDAY, 11))
    tuesday = issue(session, when=at(MONDAY + timedelta(days=1), 9))
    assert tuesday.display_number == "A-001" and tuesday.business_date == MONDAY + timedelta(days=1)


def test_business_day_turns_at_wita_midnight(session):
    manager = staff(session, "manager")
    before = issue(session, when=datetime(2026, 11, 30, 15, 59, 59, tzinfo=timezone.utc),
                   actor=manager, override_reason="uji tengah malam")
    after = issue(session, when=datetime(2026, 11, 30, 16, 0, 0, tzinfo=timezone.utc),
                  actor=manager, override_reason="uji tengah malam")
    assert before.business_date == MONDAY and after.business_date == MONDAY + timedelta(days=1)
    assert before.number == 1 and after.number == 1


def test_outside_hours_is_refused_with_next_opening(session):
    with pytest.raises(tickets.OutsideHoursError) as refused:
        issue(session, when=at(date(2026, 12, 5), 10))  # Saturday
    assert "Senin, 7 Desember 2026, 08.00" in str(refused.value)
    assert session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_after_cutoff_is_refused(session):
    issue(session, when=at(MONDAY, 14, 44))
    with pytest.raises(tickets.OutsideHoursError) as refused:
        issue(session, when=at(MONDAY, 14, 45))
    assert "Selasa, 1 Desember 2026, 08.00" in str(refused.value)


def test_holiday_is_refused(session):
    with pytest.raises(tickets.OutsideHoursError) as refused:
        issue(session, when=at(date(2026, 12, 25), 9))
    assert "Senin, 28 Desember 2026" in str(refused.value)


def test_agency_specific_closure_only_blocks_that_agency(session):
    from mpp_app.models import Closure

    session.add(Closure(agency_id=agency_by_code(session, "BPN").id, start_date=MONDAY, end_date=MONDAY,
                        reason="Sistem pusat gangguan"))
    session.commit()
    with pytest.raises(tickets.OutsideHoursError):
        issue(session, "BPN")
    assert issue(session, "PLN").display_number == "G-001"


def test_override_needs_manager_and_is_audited(session):
    saturday = at(date(2026, 12, 5), 10)
    with pytest.raises(tickets.OverrideNotAllowedError):
        issue(session, when=saturday, actor=staff(session, "resepsionis"), override_reason="acara khusus")
    ticket = issue(session, when=saturday, actor=staff(session, "manager"), override_reason="Layanan jemput bola")
    assert ticket.display_number == "A-001"
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "ticket_override"))
    assert entry.user.username == "manager" and "Layanan jemput bola" in entry.after
    assert "override: Layanan jemput bola" in ticket.events[0].detail


@pytest.mark.parametrize("change", ["service", "agency", "unknown"])
def test_unknown_or_inactive_service_is_refused(session, change):
    service = service_of(session, "KPP")
    if change == "service":
        service.active = False
    elif change == "agency":
        service.agency.active = False
    session.commit()
    service_id = 999999 if change == "unknown" else service.id
    with pytest.raises(tickets.ServiceUnavailableError):
        tickets.issue_ticket(session, service_id=service_id, visitor_name="X", now=at(MONDAY, 10))


def test_double_submit_returns_the_same_ticket(session):
    first = tickets.issue_ticket(session, service_id=service_of(session, "PLN").id, visitor_name="Maria",
                               submission_key="k-123", now=at(MONDAY, 10))
    second = tickets.issue_ticket(session, service_id=service_of(session, "PLN").id, visitor_name="Maria",
                                submission_key="k-123", now=at(MONDAY, 10))
    assert second.duplicate and second.ticket.id == first.ticket.id
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1
    assert session.scalar(select(DailyNumber.last_number)) == 1


def test_cancel_waiting_ticket(session):
    ticket = issue(session)
    cancelled = tickets.cancel_ticket(session, ticket.id, "Pengunjung pulang", staff(session, "resepsionis"),
                                    now=at(MONDAY, 10, 5))
    assert cancelled.status is TicketStatus.CANCELLED and cancelled.cancel_reason == "Pengunjung pulang"
    assert [e.kind for e in cancelled.events] == ["issued", "cancelled"]
    with pytest.raises(tickets.TicketNotInStateError) as refused:
        tickets.cancel_ticket(session, ticket.id, "lagi", staff(session, "resepsionis"))
    assert "A-001 sudah berstatus dibatalkan" in str(refused.value)


def test_cannot_cancel_a_ticket_being_served(session):
    ticket = issue(session)
    ticket.status = TicketStatus.SERVING
    session.commit()
    with pytest.raises(tickets.TicketNotInStateError):
        tickets.cancel_ticket(session, ticket.id, "salah", staff(session, "resepsionis"))
    session.expire_all()
    assert session.get(Ticket, ticket.id).status is TicketStatus.SERVING


def test_cancel_unknown_ticket(session):
    with pytest.raises(NotFoundError):
        tickets.cancel_ticket(session, 424242, "tidak ada", staff(session, "resepsionis"))


@pytest.mark.parametrize("typed", ["A-002", "a2", "A 002", " a-2 ", "A0002"])
def test_find_by_number_variants(session, typed):
    issue(session)
    issue(session)
    assert queue_status.find_by_number(session, typed, MONDAY).number == 2


@pytest.mark.parametrize("typed", ["", "002", "AB-1", "A-", "<script>"])
def test_find_by_number_rejects_malformed(session, typed):
    with pytest.raises(errors.DomainError):
        queue_status.find_by_number(session, typed, MONDAY)


def test_find_by_number_only_today(session):
    issue(session)
    with pytest.raises(NotFoundError):
        queue_status.find_by_number(session, "A-001", MONDAY + timedelta(days=1))


def test_lookup_by_name_today_every_word_any_case_newest_first(session):
    issue(session, visitor_name="Maria Lede", when=at(MONDAY - timedelta(days=3), 10))  # last Friday
    first = issue(session, visitor_name="Maria Lede")
    second = issue(session, "PLN", visitor_name="maria fernandez", when=at(MONDAY, 10, 5))
    issue(session, visitor_name="Yohanes 50%_ Ndun")
    assert queue_status.lookup(session, "MARIA", MONDAY) == [second, first]
    assert queue_status.lookup(session, "  lede   maria ", MONDAY) == [first]
    assert queue_status.lookup(session, "a-1", MONDAY) == [first]  # a number is a number
    assert [t.visitor_name for t in queue_status.lookup(session, "50%_", MONDAY)] == ["Yohanes 50%_ Ndun"]
    for typed in ("a%", "r_a", "Maria Ndun"):  # wildcards are literal; every word must match
        with pytest.raises(NotFoundError):
            queue_status.lookup(session, typed, MONDAY)
    for typed in ("", "  ", "m", "% "):
        with pytest.raises(errors.DomainError, match="minimal 2 huruf"):
            queue_status.lookup(session, typed, MONDAY)


def test_priority_tickets_go_first(session):
    regular1 = issue(session, when=at(MONDAY, 9))
    regular2 = issue(session, when=at(MONDAY, 9, 5))
    elder = issue(session, when=at(MONDAY, 9, 10), priority=PriorityCategory.LANSIA)
    pregnant = issue(session, when=at(MONDAY, 9, 15), priority=PriorityCategory.IBU_HAMIL)
    other_agency = issue(session, "PLN", when=at(MONDAY, 8, 30))
    assert queue_status.ticket_position(session, elder).ahead == 0
    assert queue_status.ticket_position(session, pregnant).ahead == 1
    assert queue_status.ticket_position(session, regular1).ahead == 2
    assert queue_status.ticket_position(session, regular2).ahead == 3
    assert queue_status.ticket_position(session, other_agency).ahead == 0
    regular1.status = TicketStatus.CALLED  # called tickets are no longer ahead of anybody
    session.commit()
    assert queue_status.ticket_position(session, regular2).ahead == 2


def _finished(session, service, minutes, finished_at):
    ticket = Ticket(agency_id=service.agency_id, queue_agency_id=service.agency_id, service_id=service.id, business_date=finished_at.date(),
                    number=900 + session.scalar(select(func.count()).select_from(Ticket)),
                    status=TicketStatus.DONE, issued_at=finished_at - timedelta(minutes=minutes + 5),
                    queued_at=finished_at - timedelta(minutes=minutes + 5),
                    serving_started_at=finished_at - timedelta(minutes=minutes), finished_at=finished_at)
    session.add(ticket)
    session.commit()


def test_wait_estimate_falls_back_to_expected_minutes(session):
    service = service_of(session, "KPP")  # expected 10 minutes, one counter
    assert estimates.minutes_per_visit(session, service, at(MONDAY, 10)) == 10
    for _ in range(3):
        issue(session, "KPP")
    last = issue(session, "KPP")
    position = queue_status.ticket_position(session, last, at(MONDAY, 10))
    assert (position.ahead, position.estimated_wait) == (3, 30)


def test_wait_estimate_from_recent_history_and_open_counters(session):
    service = service_of(session, "DUKCAPIL")  # three counters serve it
    for minutes in (6, 8, 10):
        _finished(session, service, minutes, at(MONDAY, 9))
    _finished(session, service, 60, at(MONDAY - timedelta(days=20), 9))  # too old to count
    assert estimates.minutes_per_visit(session, service, at(MONDAY, 10)) == pytest.approx(8)
    tickets = [issue(session) for _ in range(5)]
    assert queue_status.ticket_position(session, tickets[-1], at(MONDAY, 10)).estimated_wait == 11  # ceil(4*8/3)
    session.query(Counter).filter(Counter.agency_id == service.agency_id, Counter.number > 1).update(
        {"active": False})
    session.commit()
    assert queue_status.ticket_position(session, tickets[-1], at(MONDAY, 10)).estimated_wait == 32  # ceil(4*8/1)


def test_wait_estimate_needs_three_samples(session):
    service = service_of(session, "DUKCAPIL")
    for minutes in (30, 40):
        _finished(session, service, minutes, at(MONDAY, 9))
    assert estimates.minutes_per_visit(session, service, at(MONDAY, 10)) == service.expected_minutes


def test_wait_minutes_formula():
    assert estimates.wait_minutes(0, 12, 3) == 0
    assert estimates.wait_minutes(1, 12, 0) == 12
    assert estimates.wait_minutes(5, 7.5, 2) == 19


def test_reception_overview(session):
    issue(session)
    issue(session)
    called = issue(session)
    called.status, called.counter_id, called.called_at = TicketStatus.CALLED, 1, at(MONDAY, 10, 1)
    issue(session, "PLN")
    session.commit()
    rows = {row.agency.code: row for row in queue_status.reception_overview(session, at(MONDAY, 10, 2))}
    assert len(rows) == 11
    assert rows["DUKCAPIL"].waiting == 2
    assert [t.display_number for t in rows["DUKCAPIL"].now_serving] == ["A-003"]
    assert rows["DUKCAPIL"].estimated_wait == 10  # ceil(2 * 15 / 3)
    assert rows["PLN"].waiting == 1 and rows["PLN"].hours.accepts_tickets
    assert rows["KPP"].waiting == 0 and rows["KPP"].estimated_wait == 0


def test_reception_overview_queries_do_not_grow_with_tickets(session):
    """Polled every few seconds by every front desk: a fixed number of queries plus one per agency."""
    def queries_of_one_overview():
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            session.expire_all()
            rows = queue_status.reception_overview(session, at(MONDAY, 10, 30))
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements), rows

    reference.current(session)  # the catalogue and hours, read once per process and then cached
    few, rows = queries_of_one_overview()
    for n in range(30):
        issue(session, ("DUKCAPIL", "PLN", "KPP")[n % 3])
    many, rows = queries_of_one_overview()
    assert many == few <= len(rows) + 8
    assert sum(row.waiting for row in rows) == 30


def test_purge_personal_data_after_retention(session):
    old = issue(session, when=at(MONDAY - timedelta(days=91), 10), visitor_phone="081234567890",
                note="membawa berkas", actor=staff(session, "manager"), override_reason="data lama")
    recent = issue(session, when=at(MONDAY - timedelta(days=89), 10), visitor_phone="081298765432",
                   actor=staff(session, "manager"), override_reason="data lama")
    assert tickets.purge_personal_data(session, 90, now=at(MONDAY, 10)) == 1
    session.expire_all()
    old, recent = session.get(Ticket, old.id), session.get(Ticket, recent.id)
    assert (old.visitor_name, old.visitor_phone, old.note) == (None, None, None)
    assert old.personal_data_purged_at is not None
    assert old.status is TicketStatus.WAITING and old.number == 1  # statistics stay
    assert recent.visitor_name == "Yohanes Ndun" and recent.visitor_phone == "081298765432"
    audits = session.scalar(select(func.count()).select_from(AuditLog))
    assert tickets.purge_personal_data(session, 90, now=at(MONDAY, 10)) == 0
    assert session.scalar(select(func.count()).select_from(AuditLog)) == audits  # nothing erased, nothing logged


def test_server_housekeeping_purges_by_the_retention_setting(app, session):
    old = issue(session, when=at(MONDAY - timedelta(days=40), 10), actor=staff(session, "manager"),
                override_reason="data lama")
    assert housekeeping.purge_expired_personal_data(app) == 0  # 40 days is inside the default 90
    settings.put(session, "retention_days", "30", staff(session, "manager"))
    assert housekeeping.purge_expired_personal_data(app) == 1
    session.expire_all()
    assert session.get(Ticket, old.id).visitor_name is None
    assert session.scalar(select(AuditLog.action).order_by(AuditLog.id.desc())) == "personal_data_purged"


def test_every_ticket_has_an_unguessable_token(session):
    first, second = issue(session), issue(session)
    assert len(first.public_token) >= 40 and first.public_token != second.public_token
    assert queue_status.by_public_token(session, first.public_token).id == first.id
    with pytest.raises(NotFoundError):
        queue_status.by_public_token(session, "tebakan")
