"""Several OS processes issue tickets at once against a real database file (or PostgreSQL):
no number is issued twice, none is skipped, and a form submitted twice yields one ticket."""
from collections import Counter as Tally

import pytest
from sqlalchemy import select

from mpp_app import create_app
from mpp_app.domain import tickets
from mpp_app.extensions import db
from mpp_app.models import Agency, Ticket

from .helpers import run_in_processes

pytestmark = pytest.mark.slow

AGENCIES = ["DUKCAPIL", "BAPENDA", "PLN", "POS"]


def issue_worker(config, worker, count, keys, start, results):
    """Runs in its own process: waits for the start signal, then issues `count` tickets."""
    app = create_app(config)
    issued, errors = [], []
    with app.app_context():
        services = {a.code: a.services[0].id for a in db.session.scalars(select(Agency))}
        start.wait()
        for n in range(count):
            # A form submitted twice is the same form: same service, same key.
            code = AGENCIES[(n if keys else worker + n) % len(AGENCIES)]
            key = keys[n] if keys else f"w{worker}-{n}"
            try:
                result = tickets.issue_ticket(db.session, service_id=services[code], visitor_name=f"P{worker}-{n}",
                                            submission_key=key)
                issued.append((result.ticket.agency.code, result.ticket.number, key, result.duplicate))
            except Exception as error:  # collected: the assertion below shows every failure
                db.session.rollback()
                errors.append(repr(error))
        db.engine.dispose()
    results.put((issued, errors))


def run_workers(app_config, processes, count, keys=None):
    config = {**app_config, "SECRET_KEY": "concurrency-test"}
    collected = run_in_processes([(issue_worker, (config, w, count, keys)) for w in range(processes)])
    issued = [row for rows, _ in collected for row in rows]
    errors = [e for _, errs in collected for e in errs]
    return issued, errors


def test_concurrent_issuing_never_duplicates_or_skips(app, app_config, session):
    issued, errors = run_workers(app_config, processes=8, count=125)
    assert errors == []
    assert len(issued) == 1000
    per_agency = Tally(code for code, *_ in issued)
    for code, count in per_agency.items():
        numbers = sorted(number for c, number, *_ in issued if c == code)
        assert numbers == list(range(1, count + 1)), code  # unique and gapless
    stored = session.execute(select(Agency.code, Ticket.number).join(Ticket.agency)).all()
    assert len(stored) == 1000 and len(set(stored)) == 1000


def test_concurrent_double_submits_issue_one_ticket_per_form(app, app_config, session):
    keys = [f"form-{n}" for n in range(60)]
    issued, errors = run_workers(app_config, processes=4, count=60, keys=keys)
    assert errors == []
    by_key = {}
    for code, number, key, _duplicate in issued:
        by_key.setdefault(key, set()).add((code, number))
    assert all(len(tickets) == 1 for tickets in by_key.values())  # every submit of a form got the same ticket
    assert len(session.scalars(select(Ticket)).all()) == 60
    stored = session.execute(select(Agency.code, Ticket.number).join(Ticket.agency)).all()
    for code in {c for c, _ in stored}:
        mine = sorted(n for c, n in stored if c == code)
        assert mine == list(range(1, len(mine) + 1))
