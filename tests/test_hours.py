"""Opening hours: breaks, cutoffs, closures, per-agency hours, midnight and weekends (WITA)."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from mpp_app.domain import hours
from mpp_app.domain.hours import State
from mpp_app.models import Closure, OpeningHours

from .conftest import agency_by_code

WITA = ZoneInfo("Asia/Makassar")
MONDAY = date(2026, 11, 30)


def at(day, hh, mm=0):
    return datetime.combine(day, time(hh, mm), tzinfo=WITA)



def mall_row(session, weekday):
    return session.query(OpeningHours).filter_by(agency_id=None, weekday=weekday).one()


@pytest.fixture
def with_break(session):
    row = mall_row(session, MONDAY.weekday())
    row.break_start, row.break_end = time(12, 0), time(13, 0)
    session.commit()
    return row


@pytest.mark.parametrize("clock, state, accepts", [
    ((7, 59), State.BEFORE_OPEN, False),
    ((8, 0), State.OPEN, True),
    ((14, 44), State.OPEN, True),
    ((14, 45), State.AFTER_CUTOFF, False),
    ((14, 59), State.AFTER_CUTOFF, False),
    ((15, 0), State.AFTER_CLOSE, False),
    ((23, 59), State.AFTER_CLOSE, False),
])
def test_seeded_monday_edges(session, clock, state, accepts):
    status = hours.status_at(session, at(MONDAY, *clock))
    assert status.state is state
    assert status.accepts_tickets is accepts


def test_open_now_reports_itself_as_next_opening(session):
    status = hours.status_at(session, at(MONDAY, 9))
    assert status.next_opening == at(MONDAY, 9)


def test_before_opening_opens_today(session):
    assert hours.status_at(session, at(MONDAY, 6, 30)).next_opening == at(MONDAY, 8)


def test_after_cutoff_opens_next_working_day(session):
    status = hours.status_at(session, at(MONDAY, 14, 50))
    assert status.is_open and not status.accepts_tickets
    assert status.next_opening == at(MONDAY + timedelta(days=1), 8)


def test_friday_evening_opens_monday(session):
    friday = date(2026, 12, 4)
    assert hours.status_at(session, at(friday, 16)).next_opening == at(friday + timedelta(days=3), 8)


def test_weekend_is_closed(session):
    saturday = date(2026, 12, 5)
    status = hours.status_at(session, at(saturday, 10))
    assert status.state is State.CLOSED_DAY
    assert status.next_opening == at(date(2026, 12, 7), 8)


def test_break_reopens_after_break(session, with_break):
    status = hours.status_at(session, at(MONDAY, 12, 30))
    assert status.state is State.BREAK and not status.accepts_tickets
    assert status.next_opening == at(MONDAY, 13)
    assert hours.status_at(session, at(MONDAY, 13)).state is State.OPEN
    assert hours.status_at(session, at(MONDAY, 11, 59)).state is State.OPEN


def test_break_ending_after_cutoff_points_to_next_day(session, with_break):
    with_break.last_ticket_at = time(12, 30)
    session.commit()
    assert hours.status_at(session, at(MONDAY, 12, 15)).next_opening == at(MONDAY + timedelta(days=1), 8)


def test_midnight_in_wita_not_utc(session):
    # 16:30 UTC on Monday is already 00:30 WITA on Tuesday: closed, opening at 08:00 Tuesday.
    moment = datetime(2026, 11, 30, 16, 30, tzinfo=timezone.utc)
    status = hours.status_at(session, moment)
    assert status.schedule.day == date(2026, 12, 1)
    assert status.state is State.BEFORE_OPEN
    assert status.next_opening == at(date(2026, 12, 1), 8)
    # 23:59 WITA Monday: after close, opening on Tuesday.
    assert hours.status_at(session, at(MONDAY, 23, 59)).next_opening == at(date(2026, 12, 1), 8)


def test_national_holiday_closure_and_cuti_bersama(session):
    christmas_eve = date(2026, 12, 24)  # cuti bersama, Thursday
    status = hours.status_at(session, at(christmas_eve, 10))
    assert status.state is State.CLOSURE
    assert "Cuti Bersama" in status.schedule.closure_reason
    # 25 Dec is Natal (Friday), then the weekend: next opening Monday 28 Dec.
    assert status.next_opening == at(date(2026, 12, 28), 8)


def test_closure_range_spans_days(session):
    session.add(Closure(start_date=MONDAY, end_date=MONDAY + timedelta(days=2), reason="Renovasi"))
    session.commit()
    status = hours.status_at(session, at(MONDAY, 9))
    assert status.state is State.CLOSURE and status.schedule.closure_reason == "Renovasi"
    assert status.next_opening == at(MONDAY + timedelta(days=3), 8)


def test_agency_hours_narrow_the_mall(session):
    bank = agency_by_code(session, "BANKNTT")
    session.add(OpeningHours(agency_id=bank.id, weekday=MONDAY.weekday(), is_open=True,
                             opens_at=time(9), closes_at=time(16), last_ticket_at=time(13, 30)))
    session.commit()
    schedule = hours.schedule_for(session, MONDAY, bank.id)
    assert (schedule.opens_at, schedule.closes_at) == (time(9), time(15))  # never wider than the mall
    assert schedule.last_ticket_at == time(13, 30)
    assert hours.status_at(session, at(MONDAY, 8, 30), bank.id).state is State.BEFORE_OPEN
    assert hours.status_at(session, at(MONDAY, 8, 30)).state is State.OPEN  # the mall itself is open
    assert hours.status_at(session, at(MONDAY, 13, 45), bank.id).state is State.AFTER_CUTOFF


def test_agency_closed_weekday_and_agency_closure(session):
    pos = agency_by_code(session, "POS")
    session.add(OpeningHours(agency_id=pos.id, weekday=1, is_open=False))
    session.add(Closure(agency_id=pos.id, start_date=MONDAY, end_date=MONDAY, reason="Pelatihan petugas"))
    session.commit()
    status = hours.status_at(session, at(MONDAY, 10), pos.id)
    assert status.state is State.CLOSURE
    assert status.next_opening == at(MONDAY + timedelta(days=2), 8)  # Tuesday is closed for Pos
    other = agency_by_code(session, "PLN")
    assert hours.status_at(session, at(MONDAY, 10), other.id).accepts_tickets


@pytest.mark.parametrize("moment", [at(MONDAY, 7), at(MONDAY, 9, 30), at(MONDAY, 13, 45), at(MONDAY, 16),
                                    at(MONDAY + timedelta(days=5), 10)])
def test_statuses_of_many_agencies_match_each_agency_alone(session, with_break, moment):
    bank, pos, pln = (agency_by_code(session, code) for code in ("BANKNTT", "POS", "PLN"))
    session.add_all([
        OpeningHours(agency_id=bank.id, weekday=0, is_open=True, opens_at=time(9), closes_at=time(14),
                     last_ticket_at=time(13, 30)),
        OpeningHours(agency_id=pos.id, weekday=1, is_open=False),
        Closure(agency_id=pos.id, start_date=MONDAY, end_date=MONDAY, reason="Pelatihan petugas"),
        Closure(agency_id=pln.id, start_date=MONDAY + timedelta(days=7), end_date=MONDAY + timedelta(days=8),
                reason="Audit"),
    ])
    session.commit()
    ids = [None, bank.id, pos.id, pln.id, agency_by_code(session, "KPP").id]
    assert hours.statuses_at(session, moment, ids) == {agency_id: hours.status_at(session, moment, agency_id)
                                                       for agency_id in ids}


def test_agency_break_adds_to_mall(session, with_break):
    pln = agency_by_code(session, "PLN")
    session.add(OpeningHours(agency_id=pln.id, weekday=MONDAY.weekday(), is_open=True, opens_at=time(8),
                             closes_at=time(15), break_start=time(10), break_end=time(10, 30)))
    session.commit()
    assert hours.status_at(session, at(MONDAY, 10, 10), pln.id).next_opening == at(MONDAY, 10, 30)
    assert hours.status_at(session, at(MONDAY, 12, 10), pln.id).state is State.BREAK


def test_no_opening_at_all(session):
    session.query(OpeningHours).update({"is_open": False, "opens_at": None, "closes_at": None,
                                        "last_ticket_at": None})
    session.commit()
    status = hours.status_at(session, at(MONDAY, 10))
    assert status.state is State.CLOSED_DAY and status.next_opening is None


def test_upcoming_lists_fourteen_days(session):
    days = hours.upcoming(session, MONDAY, 14)
    assert [d.day for d in days] == [MONDAY + timedelta(days=n) for n in range(14)]
    open_days = [d for d in days if d.is_open_day]
    assert len(open_days) == 10
    assert all(d.opens_at == time(8) and d.closes_at == time(15) for d in open_days)


# --- the hours pages: days and times typed day first on the 24-hour clock, confirmations in place ------------

@pytest.fixture
def manager(staff):
    return staff.login("manager")


def test_closure_typed_day_first_is_that_day_and_says_so(manager, session):
    added = manager.post("/admin/closures", {"start_date": "10-12-2026", "end_date": "10/12/2026",
                                             "reason": "Rapat kerja"}, htmx=True)
    body = added.get_data(as_text=True)
    assert added.status_code == 200 and added.headers["HX-Trigger"] == "hours-changed"
    assert '<p class="flash flash-success" role="status">Penutupan 10-12-2026 ditambahkan.</p>' in body
    closure = session.query(Closure).filter_by(reason="Rapat kerja").one()
    assert (closure.start_date, closure.end_date) == (date(2026, 12, 10), date(2026, 12, 10))  # not 12 October

    ranged = manager.post("/admin/closures", {"start_date": "2026-12-21", "end_date": "23-12-2026",
                                              "reason": "Renovasi"}, htmx=True)
    assert "Penutupan 21-12-2026 s.d. 23-12-2026 ditambahkan." in ranged.get_data(as_text=True)
    edit = manager.get(f"/admin/closures/{closure.id}/edit", htmx=True).get_data(as_text=True)
    assert 'value="10-12-2026"' in edit and 'type="date"' not in edit and "hh-bb-tttt" in edit
    changed = manager.post("/admin/closures", {"closure_id": str(closure.id), "start_date": "11-12-2026",
                                               "end_date": "11-12-2026", "reason": "Rapat kerja"}, htmx=True)
    assert "Penutupan 11-12-2026 diubah." in changed.get_data(as_text=True)
    deleted = manager.post(f"/admin/closures/{closure.id}/delete", htmx=True)
    assert "Penutupan 11-12-2026 dihapus." in deleted.get_data(as_text=True)


def test_a_closure_day_that_does_not_exist_is_said_next_to_the_field_and_kept(manager, session):
    before = session.query(Closure).count()
    refused = manager.post("/admin/closures", {"start_date": "31-02-2026", "end_date": "12/31/2026",
                                               "reason": "Rapat kerja"}, htmx=True)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and session.query(Closure).count() == before
    assert ('id="start_date-error">31-02-2026 bukan tanggal yang ada.</p>' in body
            and 'id="end_date-error">12/31/2026 bukan tanggal yang ada.</p>' in body)
    assert 'value="31-02-2026"' in body and 'value="Rapat kerja"' in body and "flash-success" not in body


def test_weekday_saved_says_which_day_and_shows_times_in_the_readers_language(manager, session):
    saved = manager.post("/admin/hours/0", {"is_open": "y", "opens_at": "8.00", "closes_at": "14:30",
                                            "break_start": "12.00", "break_end": "12.30", "last_ticket_at": "14.15"},
                         htmx=True)
    body = saved.get_data(as_text=True)
    assert saved.status_code == 200 and '<p class="saved-note" role="status">Jam buka Senin disimpan.</p>' in body
    assert "08.00–14.30" in body and "12.00–12.30" in body
    row = mall_row(session, 0)
    assert (row.opens_at, row.closes_at, row.break_start, row.last_ticket_at) == (time(8), time(14, 30), time(12), time(14, 15))
    editing = manager.get("/admin/hours/0/edit", htmx=True).get_data(as_text=True)
    assert 'value="14.30"' in editing and 'type="time"' not in editing
    manager.post("/language", {"language": "en", "next": "/admin/hours"})
    assert "08:00–14:30" in manager.get("/admin/hours").get_data(as_text=True)


def test_a_time_that_is_not_one_is_said_next_to_its_field_and_kept(manager, session):
    refused = manager.post("/admin/hours/0", {"is_open": "y", "opens_at": "25.00", "closes_at": "2 PM"}, htmx=True)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "disimpan" not in body
    assert 'id="opens_at-0-error">25.00 bukan jam yang benar (00.00 sampai 23.59).</p>' in body
    assert 'id="closes_at-0-error">Format jam tidak dikenal: 2 PM.' in body
    assert 'value="25.00"' in body and 'value="2 PM"' in body and 'aria-invalid="true"' in body
    assert mall_row(session, 0).opens_at == time(8)


def test_holidays_imported_and_following_the_mall_are_confirmed(manager, session):
    session.query(Closure).filter(Closure.start_date >= date(2027, 1, 1)).delete()
    session.commit()
    imported = manager.post("/admin/closures/holidays/import",
                            {"year": "2027", "day": ["2027-01-01", "2027-08-17", "2027-12-25"]}, htmx=True)
    assert "3 hari libur diimpor." in imported.get_data(as_text=True)
    again = manager.post("/admin/closures/holidays/import", {"year": "2027", "day": ["2027-01-01"]}, htmx=True)
    assert "Tidak ada hari libur baru yang diimpor." in again.get_data(as_text=True)
    manager.post("/admin/hours/1?agency=PLN", {"is_open": "y", "opens_at": "09.00", "closes_at": "14.00"}, htmx=True)
    followed = manager.post("/admin/hours/1/follow-mall?agency=PLN", htmx=True)
    assert "Selasa kembali mengikuti jam mal." in followed.get_data(as_text=True)


def test_special_hours_typed_day_first_are_confirmed(manager, session):
    from mpp_app.models import SpecialHours

    data = {"start_date": "08-02-2027", "end_date": "09-03-2027", "opens_at": "08.00", "closes_at": "14.00",
            "reason": "Ramadan 1448 H"}
    saved = manager.post("/admin/special-hours", data, htmx=True).get_data(as_text=True)
    assert "Jam khusus 08-02-2027 s.d. 09-03-2027 disimpan." in saved and "08.00–14.00" in saved
    special = session.query(SpecialHours).one()
    assert (special.start_date, special.end_date) == (date(2027, 2, 8), date(2027, 3, 9))
    deleted = manager.post(f"/admin/special-hours/{special.id}/delete", htmx=True).get_data(as_text=True)
    assert "Jam khusus 08-02-2027 s.d. 09-03-2027 dihapus." in deleted
