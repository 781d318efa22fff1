"""The audit log: one row per login, override and administrative change, inside the caller's transaction."""
import json
from datetime import date, datetime, time
from enum import Enum

from ..models import AuditLog


def _plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return value


def snapshot(record, fields) -> dict:
    """The named attributes of a record as JSON-ready values, for before/after comparisons."""
    return {name: _plain(getattr(record, name)) for name in fields}


def record(session, actor, action, target=None, before=None, after=None, client=""):
    """Add an audit row to the session; the caller's commit makes it durable with the change."""
    entry = AuditLog(
        user_id=getattr(actor, "id", None),
        action=action,
        record_type=type(target).__name__.lower() if target is not None else "",
        record_id=getattr(target, "id", None),
        before=json.dumps(before, ensure_ascii=False, sort_keys=True) if before is not None else None,
        after=json.dumps(after, ensure_ascii=False, sort_keys=True) if after is not None else None,
        client=client[:64],
    )
    session.add(entry)
    return entry
