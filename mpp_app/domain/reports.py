"""Service performance for a period: counts, waiting and service times, busiest hours, per group.

Waiting time is issue -> first call (Ticket.wait_seconds); service time is start -> finish
(Ticket.service_seconds); both are recorded by the transitions, so a year of tickets is counted
with plain integer columns: aggregates in SQL, medians and 90th percentiles from one sorted column.
Every figure counts tickets by business day (WITA) and the queue they ended in (after transfers).
"""
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

from sqlalchemy import and_, case, func, select

from ..models import Agency, Counter, Service, Ticket, TicketStatus, User

GROUPS = {
    "agency": (Ticket.queue_agency_id, Agency, Agency.short_name),
    "service": (Ticket.service_id, Service, Service.name),
    "counter": (Ticket.counter_id, Counter, Counter.name),
    "officer": (Ticket.served_by_id, User, User.full_name),
}


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    agency_id: Optional[int] = None
    service_id: Optional[int] = None
    counter_id: Optional[int] = None
    officer_id: Optional[int] = None

    def conditions(self):
        found = [Ticket.business_date >= self.start, Ticket.business_date <= self.end]
        for column, value in ((Ticket.queue_agency_id, self.agency_id), (Ticket.service_id, self.service_id),
                              (Ticket.counter_id, self.counter_id), (Ticket.served_by_id, self.officer_id)):
            if value:
                found.append(column == value)
        return found


@dataclass(frozen=True)
class Durations:
    """Minutes, from a list of seconds: mean, median and 90th percentile (nearest rank)."""

    count: int
    mean: Optional[float]
    median: Optional[float]
    p90: Optional[float]

    @classmethod
    def of(cls, seconds: list) -> "Durations":
        if not seconds:
            return cls(0, None, None, None)
        ordered = sorted(seconds)
        n = len(ordered)
        middle = (ordered[(n - 1) // 2] + ordered[n // 2]) / 2
        rank = max(1, math.ceil(0.9 * n))
        return cls(n, sum(ordered) / n / 60, middle / 60, ordered[rank - 1] / 60)


@dataclass
class Figures:
    issued: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    transferred: int = 0
    within_expected: int = 0
    waiting: Durations = field(default_factory=lambda: Durations(0, None, None, None))
    service: Durations = field(default_factory=lambda: Durations(0, None, None, None))

    @property
    def within_expected_share(self) -> Optional[float]:
        return self.within_expected / self.served if self.served else None


def _counts():
    return (
        func.count(),
        func.sum(case((Ticket.status == TicketStatus.DONE, 1), else_=0)),
        func.sum(case((Ticket.status == TicketStatus.NO_SHOW, 1), else_=0)),
        func.sum(case((Ticket.status == TicketStatus.CANCELLED, 1), else_=0)),
        func.sum(case((Ticket.transferred, 1), else_=0)),
        func.sum(case((and_(Ticket.status == TicketStatus.DONE, Ticket.within_expected), 1), else_=0)),
    )


def _figures(row, waits, services) -> Figures:
    return Figures(*(int(value or 0) for value in row), waiting=Durations.of(waits), service=Durations.of(services))


@dataclass(frozen=True)
class GroupRow:
    key: Optional[int]
    name: str
    figures: Figures


def report(session, filters: Filters, group: str) -> tuple:
    """(totals, rows per agency/service/counter/officer, busiest first) in two queries: grouped
    counts, and one pass over the waiting and service seconds that serves groups and totals."""
    column, model, label = GROUPS[group]
    connection = session.connection()  # plain rows: a year is 250,000 of them
    names = dict(connection.execute(select(model.id, label)).all())
    counts = connection.execute(select(column, *_counts()).where(*filters.conditions()).group_by(column)).all()
    waits, services = {}, {}
    seconds = connection.execute(select(column, Ticket.wait_seconds, Ticket.service_seconds)
                                 .where(*filters.conditions(), Ticket.wait_seconds.is_not(None)))
    # Integers only, so the driver's own tuples will do: Row objects would double the time.
    fetched = seconds.cursor.fetchall()
    seconds.close()
    for key, wait, service in fetched:
        waits.setdefault(key, []).append(wait)
        if service is not None:
            services.setdefault(key, []).append(service)
    for values in (*waits.values(), *services.values()):
        values.sort()  # sorted runs make the totals' sort below almost linear
    rows = [GroupRow(row[0], names.get(row[0], "—"), _figures(row[1:], waits.get(row[0], []),
                                                                services.get(row[0], []))) for row in counts]
    totals = [sum(int(value or 0) for value in values) for values in zip(*(row[1:] for row in counts))] or [0] * 6
    everyone = _figures(totals, [w for ws in waits.values() for w in ws], [s for ss in services.values() for s in ss])
    return everyone, sorted(rows, key=lambda r: -r.figures.issued)


def summary(session, filters: Filters) -> Figures:
    return report(session, filters, "agency")[0]


def by_group(session, filters: Filters, group: str) -> list:
    return report(session, filters, group)[1]


def per_day(session, filters: Filters) -> list:
    """(business date, issued, served) for each day with tickets."""
    return session.execute(
        select(Ticket.business_date, func.count(), func.sum(case((Ticket.status == TicketStatus.DONE, 1), else_=0)))
        .where(*filters.conditions()).group_by(Ticket.business_date).order_by(Ticket.business_date)).all()


def arrivals_heatmap(session, filters: Filters) -> list:
    """7 x 24 counts of arrivals by local weekday (0 Monday) and hour."""
    grid = [[0] * 24 for _ in range(7)]
    # Grouped in the order of ix_ticket_arrivals (day first) and summed here: SQLite then streams
    # the index instead of sorting a year of rows into a temporary B-tree (3x faster).
    for weekday, hour, count in session.execute(
            select(Ticket.arrival_weekday, Ticket.arrival_hour, func.count())
            .where(*filters.conditions(), Ticket.arrival_weekday.is_not(None))
            .group_by(Ticket.business_date, Ticket.arrival_weekday, Ticket.arrival_hour)):
        grid[weekday][hour] += count
    return grid
