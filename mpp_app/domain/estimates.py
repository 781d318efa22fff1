"""Wait estimates for tickets and for a visitor about to take one.

The formula, in minutes:

    minutes_per_visit = mean service time (serving started -> finished) of the last 20 tickets of
                        that service finished in the last 14 days, when there are at least 3 of
                        them; otherwise the service's expected_minutes
    open_counters     = counters open now (not paused or closed) that serve the service; when none
                        is open (before the day starts), the active counters that serve it; at least 1
    estimated_wait    = ceil(people_ahead * minutes_per_visit / open_counters)

For an agency as a whole (the reception overview) the same is computed over all its services,
falling back to the mean of their expected minutes.
"""
import math
from datetime import datetime, timedelta
from statistics import mean

from sqlalchemy import bindparam, case, func, select, true

from ..models import Counter, CounterState, Service, Ticket, TicketStatus, counter_service

SAMPLE_SIZE = 20
MIN_SAMPLES = 3
LOOKBACK_DAYS = 14


def _recent(condition, since):
    """(serving started, finished) of the last SAMPLE_SIZE tickets that meet `condition` and were
    served to the end since `since`, newest first."""
    return (select(Ticket.serving_started_at, Ticket.finished_at)
            .where(condition, Ticket.status == TicketStatus.DONE, Ticket.serving_started_at.is_not(None),
                   Ticket.finished_at >= since)
            .order_by(Ticket.finished_at.desc()).limit(SAMPLE_SIZE))


def _recent_minutes(session, condition, now: datetime):
    return _mean_minutes(session.execute(_recent(condition, now - timedelta(days=LOOKBACK_DAYS))).all())


def _mean_minutes(rows):
    durations = [(finished - started).total_seconds() / 60 for started, finished in rows]
    return mean(durations) if len(durations) >= MIN_SAMPLES else None


def minutes_per_visit(session, service: Service, now: datetime) -> float:
    recent = _recent_minutes(session, Ticket.service_id == service.id, now)
    return recent if recent is not None else float(service.expected_minutes)


def agency_minutes_per_visit(session, agency, now: datetime) -> float:
    recent = _recent_minutes(session, Ticket.queue_agency_id == agency.id, now)
    if recent is not None:
        return recent
    expected = [s.expected_minutes for s in agency.active_services]
    return float(mean(expected)) if expected else 10.0


# Counters open now and active counters; a service is staffed by the first, or by the second
# before anyone has opened a counter in the morning.
_OPEN_AND_ACTIVE = (func.count(case((Counter.state == CounterState.OPEN, Counter.id))).label("opened"),
                    func.count(Counter.id).label("active"))


def _staffed(opened: int, active: int) -> int:
    return opened or active


class _Placeholders:
    """A waiting ticket whose values are bound parameters: the estimate's statement is built once
    per shape of the line's order (regular or priority ticket) and run for any ticket."""

    def __init__(self, priority):
        self.priority = priority
        self.queue_agency_id = bindparam("queue_agency_id")
        self.business_date = bindparam("business_date")
        self.queued_at = bindparam("queued_at")
        self.id = bindparam("ticket_id")


_ESTIMATES = {}


def _estimate_statement(ahead_condition, priority: bool):
    """One row of counts (people ahead, the service's open and active counters, its expected
    minutes) left-joined to the recent service times, so that it has a row without them too."""
    people = (select(func.count().label("people")).select_from(Ticket)
              .where(ahead_condition(_Placeholders(priority or None))).subquery())
    service_id = bindparam("service_id")
    served = Counter.id.in_(select(counter_service.c.counter_id).where(counter_service.c.service_id == service_id))
    staff = select(*_OPEN_AND_ACTIVE).where(served, Counter.active).subquery()
    expected = select(Service.expected_minutes).where(Service.id == service_id).scalar_subquery()
    recent = _recent(Ticket.service_id == service_id, bindparam("since")).subquery()
    return (select(people.c.people, staff.c.opened, staff.c.active, expected,
                   recent.c.serving_started_at, recent.c.finished_at)
            .select_from(people.join(staff, true()).outerjoin(recent, true())))


def ticket_estimate(session, ticket: Ticket, ahead_condition, now: datetime) -> tuple:
    """(people ahead, estimated wait in minutes) of a waiting ticket by the formula above, in one
    statement, since every ticket issued, printed and polled asks for it. `ahead_condition(ticket)`
    is the condition of the waiting tickets called before it (queue_status.ahead_condition)."""
    shape = (ahead_condition, ticket.priority is not None)
    statement = _ESTIMATES.get(shape)
    if statement is None:
        statement = _ESTIMATES[shape] = _estimate_statement(*shape)
    rows = session.connection().execute(statement, {
        "queue_agency_id": ticket.queue_agency_id, "business_date": ticket.business_date,
        "queued_at": ticket.queued_at, "ticket_id": ticket.id, "service_id": ticket.service_id,
        "since": now - timedelta(days=LOOKBACK_DAYS)}).all()
    count, opened, active, expected_minutes = rows[0][:4]
    per_visit = _mean_minutes([(started, finished) for *_, started, finished in rows if finished is not None])
    per_visit = float(expected_minutes) if per_visit is None else per_visit
    return count, wait_minutes(count, per_visit, _staffed(opened, active))


def agencies_open_counters(session) -> dict:
    """The open_counters of the formula for each agency as a whole, by agency id (agencies without
    counters absent)."""
    rows = session.execute(
        select(Counter.agency_id, *_OPEN_AND_ACTIVE).where(Counter.active).group_by(Counter.agency_id)).all()
    return {agency_id: _staffed(opened, active) for agency_id, opened, active in rows}


def wait_minutes(people_ahead: int, per_visit: float, counters: int) -> int:
    """ceil(people_ahead * per_visit / counters), never dividing by zero."""
    return math.ceil(people_ahead * per_visit / max(1, counters))
