"""Report pages over a generated year of a busy MPP.

    .venv/bin/python benchmarks/reports.py [--tickets 250000] [--repeat 3]

Builds a fresh SQLite instance with the Kupang seed, generates a year of working days of tickets
(issued, called, served, finished; some no-shows, cancellations and transfers), their events and
about 10% survey answers, then renders each report page through the app (logged in as a manager)
and prints the median time per page. Report pages should stay well under a second.
"""
import argparse
import os
import random
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

WITA = timezone(timedelta(hours=8))
PASSWORD = "benchmark-password-1"


def working_days(year_end: date, count: int) -> list:
    days, day = [], year_end
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


# The ticket columns a day's rows fill only for some statuses, so that all rows have the same keys.
UNSET = dict.fromkeys(("counter_id", "called_at", "wait_seconds", "served_by_id", "serving_started_at", "finished_at",
                       "service_seconds", "within_expected"))


def create_officers(db) -> dict:
    """One officer per counter (`officer<counter number>`, of the counter's agency): {counter id: user id}."""
    from sqlalchemy import select

    from mpp_app.domain.accounts import create_user
    from mpp_app.models import Counter, Role

    return {counter.id: create_user(db.session, f"officer{counter.number}", f"Petugas {counter.number}", Role.OFFICER,
                                    PASSWORD, agency_code=counter.agency.code, must_change_password=False).id
            for counter in db.session.scalars(select(Counter).order_by(Counter.id))}


def generate(db, tickets_wanted: int, end: date, rng: random.Random, days: int = 250, officers=None) -> dict:
    """`tickets_wanted` tickets spread evenly over the `days` working days up to `end` (250: a year,
    1250: five), served by `officers` ({counter id: user id}; created with create_officers when None).
    Row ids start at 1, so the database must hold no ticket yet; commits once per day."""
    from sqlalchemy import insert, select

    from mpp_app.models import Agency, DailyNumber, SurveyResponse, Ticket, TicketEvent

    agencies = db.session.scalars(select(Agency)).all()
    counters = {a.id: [c.id for c in a.counters] for a in agencies}
    services = {a.id: [(s.id, s.expected_minutes) for s in a.services] for a in agencies}
    officers = officers or create_officers(db)
    weights = [8 if a.code == "DUKCAPIL" else 2 if a.code in ("BAPENDA", "PLN", "BPJSKES") else 1 for a in agencies]
    days = working_days(end, days)
    per_day = tickets_wanted // len(days)
    ticket_id = event_id = 0
    totals = {"tickets": 0, "events": 0, "surveys": 0}
    for day in days:
        tickets, events, surveys, numbers = [], [], [], {}
        for _ in range(per_day):
            agency = rng.choices(agencies, weights)[0]
            service_id, expected = rng.choice(services[agency.id])
            counter_id = rng.choice(counters[agency.id])
            numbers[agency.id] = numbers.get(agency.id, 0) + 1
            ticket_id += 1
            issued = datetime.combine(day, datetime.min.time(), WITA) + timedelta(
                hours=8, seconds=rng.randint(0, int(6.75 * 3600)))
            wait = rng.randint(0, 3600)
            service_time = max(60, int(rng.gauss(expected * 60, expected * 20)))
            roll = rng.random()
            status = "no_show" if roll < 0.07 else "cancelled" if roll < 0.12 else "done"
            called = issued + timedelta(seconds=wait)
            started = called + timedelta(seconds=60)
            finished = started + timedelta(seconds=service_time)
            row = dict(id=ticket_id, agency_id=agency.id, queue_agency_id=agency.id, service_id=service_id,
                       business_date=day, number=numbers[agency.id], status=status,
                       public_token=secrets.token_urlsafe(16), issued_at=issued, queued_at=issued,
                       arrival_weekday=day.weekday(), arrival_hour=issued.hour, transferred=roll > 0.97,
                       recall_count=0, **UNSET)
            kinds = [("issued", issued, None)]
            if status != "cancelled":
                row.update(counter_id=counter_id, called_at=called, wait_seconds=wait,
                           served_by_id=officers[counter_id])
                kinds.append(("called", called, counter_id))
            if status == "done":
                row.update(serving_started_at=started, finished_at=finished, service_seconds=service_time,
                           within_expected=service_time <= expected * 60)
                kinds += [("serving", started, counter_id), ("finished", finished, counter_id)]
                if rng.random() < 0.1:
                    answers = {f"u{n}": rng.choice((2, 3, 3, 4, 4)) for n in range(1, 10)}
                    surveys.append(dict(ticket_id=ticket_id, agency_id=agency.id, service_id=service_id,
                                        counter_id=counter_id, business_date=day, answered_at=finished,
                                        channel="kiosk", **answers))
            elif status == "no_show":
                row.update(finished_at=started)
                kinds.append(("no_show", started, counter_id))
            else:
                row.update(finished_at=called)
                kinds.append(("cancelled", called, None))
            tickets.append(row)
            for kind, moment, where in kinds:
                event_id += 1
                events.append(dict(id=event_id, ticket_id=ticket_id, kind=kind, at=moment, counter_id=where))
        if not tickets:
            continue
        # Through the tables, every row with the same columns: one executemany per table and day
        # (the ORM's bulk insert splits a day into runs of rows with the same keys).
        db.session.execute(insert(Ticket.__table__), tickets)
        db.session.execute(insert(TicketEvent.__table__), events)
        db.session.execute(insert(DailyNumber.__table__), [
            dict(agency_id=agency_id, business_date=day, last_number=last) for agency_id, last in numbers.items()])
        if surveys:
            db.session.execute(insert(SurveyResponse.__table__), surveys)
        db.session.commit()
        totals["tickets"] += len(tickets)
        totals["events"] += len(events)
        totals["surveys"] += len(surveys)
    totals["first_day"], totals["last_day"] = days[0], days[-1]
    return totals


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=250_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the generated instance (about 220 MB) and print its path")
    options = parser.parse_args()
    instance = tempfile.mkdtemp(prefix="mpp-reports-")
    try:
        run(options, instance)
    finally:
        if options.keep:
            print(f"instance kept in {instance}")
        else:
            shutil.rmtree(instance, ignore_errors=True)


def run(options, instance):
    os.environ["MPP_INSTANCE_PATH"] = instance
    os.environ.pop("MPP_DATABASE_URL", None)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    from mpp_app import create_app
    from mpp_app.domain.accounts import create_user
    from mpp_app.cli import apply_migrations
    from mpp_app.extensions import db
    from mpp_app.models import Role
    from mpp_app.seed import seed

    end = date(2026, 11, 27)
    app = create_app({"MPP_FROZEN_NOW": f"{end.isoformat()}T14:00:00+08:00"})
    with app.app_context():
        apply_migrations()
        seed(db.session, end)
        create_user(db.session, "manager", "Manajer", Role.MANAGER, PASSWORD, must_change_password=False)
        started = time.perf_counter()
        totals = generate(db, options.tickets, end, random.Random(2026))
        generated = time.perf_counter() - started
        db.session.remove()

    client = app.test_client()
    token = re.search(r'csrf-token" content="([^"]+)', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": "manager", "password": PASSWORD, "csrf_token": token})
    year = f"start={totals['first_day'].isoformat()}&end={totals['last_day'].isoformat()}"
    month = f"start={end.replace(day=1).isoformat()}&end={end.isoformat()}"
    pages = [f"/reports/?{year}&by=agency", f"/reports/?{year}&by=service", f"/reports/?{year}&by=counter",
             f"/reports/?{year}&by=officer", f"/reports/?{year}&by=service&agency=DUKCAPIL",
             f"/reports/?{month}&by=agency", "/reports/today", f"/reports/export.csv?{year}&by=service",
             f"/reports/export.xlsx?{year}&by=service", "/ikm?year=2026"]
    print(f"generated {totals['tickets']} tickets, {totals['events']} events, {totals['surveys']} survey answers "
          f"({totals['first_day']} .. {totals['last_day']}) in {generated:.0f} s; SQLite file "
          f"{Path(os.environ['MPP_INSTANCE_PATH'], 'mpp.sqlite').stat().st_size / 1e6:.0f} MB")
    print(f"{'page':<72}{'median ms':>10}{'max ms':>9}")
    for url in pages:
        timings = []
        for _ in range(options.repeat):
            began = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(f"{url:<72}{statistics.median(timings):>10.0f}{max(timings):>9.0f}")


if __name__ == "__main__":
    main()
