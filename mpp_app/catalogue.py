"""Read-side of the service catalogue: active agencies and services, and the as-you-type search."""
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from .models import Agency, Service

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


def search_services(session, text: str, limit: int = 20):
    """Active services of active agencies whose name, agency name, short name or code contains every word."""
    words = [w for w in (text or "")[:MAX_QUERY_LENGTH].split() if w][:6]
    query = (
        select(Service).join(Service.agency)
        .where(Service.active, Agency.active)
        .order_by(Agency.sort_order, Service.sort_order, Service.id)
        .options(selectinload(Service.agency))
    )
    for word in words:
        pattern = f"%{_escape_like(word)}%"
        query = query.where(or_(
            Service.name.ilike(pattern, escape="\\"),
            Agency.name.ilike(pattern, escape="\\"),
            Agency.short_name.ilike(pattern, escape="\\"),
            Agency.code.ilike(pattern, escape="\\"),
        ))
    return session.scalars(query.limit(limit)).all()


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
