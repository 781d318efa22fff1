"""The per-process cache of reference data (domain/reference.py): one SELECT of the token per
request, and every write to the reference tables seen at once, whoever makes it: this process,
another app instance on the same database (another server process), or plain SQL."""

import pytest
from sqlalchemy import text

from mpp_app.domain import hours, reference, settings
from mpp_app.extensions import db
from mpp_app.models import Counter, CounterState, ReferenceVersion, Service

from .conftest import agency_by_code
from .helpers import counting


def token(session):
    session.rollback()
    return session.scalar(db.select(ReferenceVersion.token))


WRITES = {
    "agency": "UPDATE agency SET short_name = short_name || 'x' WHERE code = 'PLN'",
    "service": "UPDATE service SET expected_minutes = expected_minutes + 1 WHERE id = 1",
    "counter_service": "DELETE FROM counter_service WHERE counter_id = 1 AND service_id = 1",
    "opening_hours": "UPDATE opening_hours SET last_ticket_at = closes_at WHERE weekday = 0 AND agency_id IS NULL",
    "closure": "INSERT INTO closure (start_date, end_date, reason, source) VALUES ('2027-01-05', '2027-01-05', 'Rapat', 'manual')",
    "special_hours": "INSERT INTO special_hours (start_date, end_date, opens_at, closes_at, reason) "
                     "VALUES ('2027-03-01', '2027-03-30', '08:00:00', '14:00:00', 'Ramadan')",
    "setting": "INSERT INTO setting (key, value) VALUES ('announce_mode', 'words')",
    "counter configuration": "UPDATE counter SET name = 'Loket Baru' WHERE id = 1",
}


@pytest.mark.parametrize("table", WRITES)
def test_every_write_to_reference_data_changes_the_token(session, table):
    before = token(session)
    session.execute(text(WRITES[table]))
    session.commit()
    assert token(session) != before


def test_a_counters_state_changing_all_day_keeps_the_token(session):
    before = token(session)
    session.execute(db.update(Counter).where(Counter.id == 1).values(state=CounterState.PAUSED))
    session.execute(text("UPDATE counter SET state_since = CURRENT_TIMESTAMP WHERE id = 1"))
    session.commit()
    assert token(session) == before


def test_a_rolled_back_write_leaves_the_token(session):
    before = token(session)
    session.execute(text(WRITES["setting"]))
    session.rollback()
    assert token(session) == before


def test_a_change_by_another_process_is_seen_by_the_next_request(app, session, staff):
    """`session` is a second app instance with its own engine: another server process."""
    staff.login("petugas")
    with app.test_request_context():
        assert settings.get(db.session, "announce_mode") == "digits"
    session.execute(text(WRITES["setting"]))
    session.commit()
    with app.test_request_context():
        assert settings.get(db.session, "announce_mode") == "words"


def test_hours_changed_by_plain_sql_close_the_desk_at_once(app, session, staff):
    staff.login("resepsionis")
    service_id = session.scalar(db.select(Service.id).where(Service.agency_id == agency_by_code(session, "PLN").id))
    issue = {"service_id": service_id, "visitor_name": "Warga", "submission_key": "k1"}
    assert staff.post("/reception/tickets", issue, htmx=True).status_code == 200
    session.execute(text("UPDATE opening_hours SET is_open = false, opens_at = NULL, closes_at = NULL, "
                         "break_start = NULL, break_end = NULL, last_ticket_at = NULL "
                         "WHERE weekday = 0 AND agency_id IS NULL"))
    session.commit()
    response = staff.post("/reception/tickets", {**issue, "submission_key": "k2"}, htmx=True)
    assert response.status_code == 422
    assert "tidak menerima antrean" in response.get_data(as_text=True)


def test_one_select_of_the_token_per_request_once_cached(app):
    with app.test_request_context():
        reference.current(db.session)  # fill the cache
    with app.test_request_context(), counting(app) as seen:
        app.preprocess_request()  # the app's before_request hooks: one read of the token per request
        first = reference.current(db.session)
        settings.get(db.session, "running_text")
        hours.status_at(db.session)
        hours.statuses_at(db.session, None, [a.id for a in first.active_agencies])
        assert reference.current(db.session) is first
    assert len(seen) == 1 and "reference_version" in seen[0]


def test_a_setting_saved_in_a_request_is_read_back_in_the_same_request(app, session):
    with app.test_request_context():
        assert settings.get(db.session, "recalls_before_no_show") == "2"
        settings.put(db.session, "recalls_before_no_show", "4")
        assert settings.get_int(db.session, "recalls_before_no_show") == 4


def test_a_service_renamed_through_the_orm_is_seen_in_the_same_request(app):
    with app.test_request_context():
        choices = reference.current(db.session).service_choices()
        first_id = choices[0].services[0][0]
        db.session.get(Service, first_id).name = "Layanan Berganti Nama"
        db.session.flush()
        assert reference.current(db.session).service(first_id).name == "Layanan Berganti Nama"
        db.session.rollback()
        assert reference.current(db.session).service(first_id).name != "Layanan Berganti Nama"


def test_cached_values_match_the_catalogue_as_stored(app, session):
    from mpp_app.domain import catalogue

    with app.test_request_context():
        data = reference.current(db.session)
        assert data.service_choices() == catalogue.service_choices(db.session, "")
        stored = catalogue.active_agencies(db.session)
        assert [a.id for a in data.active_agencies] == [a.id for a in stored]
        assert [[s.id for s in a.active_services] for a in data.active_agencies] == \
               [[s.id for s in a.active_services] for a in stored]
        counter = session.get(Counter, 1)
        assert data.counter(1).service_ids == {s.id for s in counter.services}
        assert data.service(1).agency.id == session.get(Service, 1).agency_id
