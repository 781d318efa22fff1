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

from sqlalchemy import case, func, select

from ..models import Counter, CounterState, Service, Ticket, TicketStatus, counter_service

SAMPLE_SIZE = 20
MIN_SAMPLES = 3
LOOKBACK_DAYS = 14


def _recent_minutes(session, condition, now: datetime):
    rows = session.execute(
        select(Ticket.serving_started_at, Ticket.finished_at)
        .where(condition, Ticket.status == TicketStatus.DONE, Ticket.serving_started_at.is_not(None),
               Ticket.finished_at >= now - timedelta(days=LOOKBACK_DAYS))
        .order_by(Ticket.finished_at.desc()).limit(SAMPLE_SIZE)
    ).all()
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
_OPEN_AND_ACTIVE = (func.count(case((Counter.state == CounterState.OPEN, Counter.id))), func.count(Counter.id))


def _staffed(opened: int, active: int) -> int:
    return opened or active


def open_counters(session, service_id: int) -> int:
    served = Counter.id.in_(select(counter_service.c.counter_id).where(counter_service.c.service_id == service_id))
    return _staffed(*session.execute(select(*_OPEN_AND_ACTIVE).where(served, Counter.active)).one())


def agencies_open_counters(session) -> dict:
    """open_counters for each agency as a whole, by agency id (agencies without counters absent)."""
    rows = session.execute(
        select(Counter.agency_id, *_OPEN_AND_ACTIVE).where(Counter.active).group_by(Counter.agency_id)).all()
    return {agency_id: _staffed(opened, active) for agency_id, opened, active in rows}


def wait_minutes(people_ahead: int, per_visit: float, counters: int) -> int:
    """ceil(people_ahead * per_visit / counters), never dividing by zero."""
    return math.ceil(people_ahead * per_visit / max(1, counters))
