"""Read-side of the service catalogue: active agencies and services, and the as-you-type search."""
from dataclasses import dataclass
from itertools import groupby
from typing import Optional

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..models import Agency, Service

MAX_QUERY_LENGTH = 100


def active_agencies(session):
    """Active agencies in display order, with their active services loaded."""
    agencies = session.scalars(
        select(Agency).where(Agency.active).order_by(Agency.sort_order, Agency.id)
        .options(selectinload(Agency.services))
    ).all()
    for agency in agencies:
        agency.active_services = [s for s in agency.services if s.active]
    return agencies


def _matching(query, text: str):
    """Narrow a query joined to Service and Agency to rows matching every word of `text`."""
    for word in [w for w in (text or "")[:MAX_QUERY_LENGTH].split() if w][:6]:
        pattern = contains_pattern(word)
        query = query.where(or_(
            Service.name.ilike(pattern, escape="\\"),
            Agency.name.ilike(pattern, escape="\\"),
            Agency.short_name.ilike(pattern, escape="\\"),
            Agency.code.ilike(pattern, escape="\\"),
        ))
    return query.where(Service.active, Agency.active).order_by(Agency.sort_order, Service.sort_order, Service.id)


def agency_by_code(session, code: str) -> Optional[Agency]:
    """The agency with this code, in any letter case; None for an empty or unknown code."""
    code = (code or "").strip().upper()
    return session.scalar(select(Agency).where(Agency.code == code)) if code else None


def search_services(session, text: str, limit: int = 20):
    """Active services of active agencies whose name, agency name, short name or code contains every word."""
    query = _matching(select(Service).join(Service.agency), text).options(selectinload(Service.agency))
    return session.scalars(query.limit(limit)).all()


@dataclass(frozen=True)
class ChoiceGroup:
    prefix: str
    agency: str
    services: list  # (service id, service name)


def service_choices(session, text: str) -> list:
    """The reception's radio list: matching services grouped by agency, as plain values
    (it is rendered after every ticket, so it skips ORM objects)."""
    rows = session.execute(_matching(
        select(Agency.prefix, Agency.short_name, Service.id, Service.name).join(Service.agency), text)).all()
    return [ChoiceGroup(prefix, short, [(sid, name) for _p, _s, sid, name in group])
            for (prefix, short), group in groupby(rows, key=lambda row: (row[0], row[1]))]


def contains_pattern(word: str) -> str:
    """A LIKE pattern (escape character backslash) for "contains `word`", taking % and _ literally."""
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
