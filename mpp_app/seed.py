"""Idempotent seeding of the Kupang MPP: agencies, services, counters, hours and holiday closures.

Seeding only adds what is missing (matched by agency code, service name, weekday, holiday date),
so running it again never overwrites what the manager has edited since.
"""
from dataclasses import dataclass
from datetime import date, time

import holidays
from sqlalchemy import func, select

from .seed_catalogue import AGENCIES, LAPOR, PROCEDURE
from .models import Agency, Closure, Counter, OpeningHours, Service

MALL_HOURS = (time(8, 0), time(15, 0))
# The last ticket 15 minutes before closing, so a late arrival can still be served by 15:00.
LAST_TICKET = time(14, 45)
COUNTERS_PER_AGENCY = {"DUKCAPIL": 3}


@dataclass
class SeedReport:
    agencies: int = 0
    services: int = 0
    counters: int = 0
    hours: int = 0
    closures: int = 0

    def __str__(self):
        return (f"agencies +{self.agencies}, services +{self.services}, counters +{self.counters}, "
                f"hours +{self.hours}, closures +{self.closures}")


def seed(session, today: date) -> SeedReport:
    """Add the launch catalogue and calendar that are missing; commits once."""
    report = SeedReport()
    _seed_catalogue(session, report)
    _seed_hours(session, report)
    report.closures = import_holidays(session, [today.year, today.year + 1])
    session.commit()
    return report


def _seed_catalogue(session, report):
    agencies = {a.code: a for a in session.scalars(select(Agency))}
    next_counter = (session.scalar(select(func.max(Counter.number))) or 0) + 1
    for order, (code, name, short, prefix, legal_basis, services) in enumerate(AGENCIES, start=1):
        agency = agencies.get(code)
        if agency is None:
            agency = Agency(code=code, name=name, short_name=short, prefix=prefix, sort_order=order)
            session.add(agency)
            report.agencies += 1
        existing = {s.name for s in agency.services}
        for position, (sname, requirements, fee, duration, product, minutes) in enumerate(services, 1):
            if sname in existing:
                continue
            session.add(Service(
                agency=agency, name=sname, requirements=requirements, fee=fee,
                processing_time=duration, product=product, expected_minutes=minutes,
                legal_basis=legal_basis, procedure=PROCEDURE, complaints=LAPOR, sort_order=position,
            ))
            report.services += 1
        session.flush()
        if not agency.counters:
            for n in range(COUNTERS_PER_AGENCY.get(code, 1)):
                session.add(Counter(
                    number=next_counter, name=f"Loket {next_counter}", agency=agency,
                    services=list(agency.services),
                ))
                next_counter += 1
                report.counters += 1
    session.flush()


def _seed_hours(session, report):
    present = set(session.scalars(select(OpeningHours.weekday).where(OpeningHours.agency_id.is_(None))))
    for weekday in range(7):
        if weekday in present:
            continue
        workday = weekday < 5
        session.add(OpeningHours(
            weekday=weekday, is_open=workday,
            opens_at=MALL_HOURS[0] if workday else None,
            closes_at=MALL_HOURS[1] if workday else None,
            last_ticket_at=LAST_TICKET if workday else None,
        ))
        report.hours += 1


def import_holidays(session, years) -> int:
    """Add national holidays and cuti bersama of `years` as mall closures; skips known dates.

    Returns how many closures were added. Does not commit (callers decide).
    """
    calendar = holidays.country_holidays("ID", years=years, categories=("public", "government"), language="id")
    known = set(session.scalars(select(Closure.start_date).where(
        Closure.source == "holiday", Closure.agency_id.is_(None))))
    added = 0
    for day, name in sorted(calendar.items()):
        if day in known:
            continue
        session.add(Closure(start_date=day, end_date=day, reason=name[:200], source="holiday"))
        added += 1
    return added
