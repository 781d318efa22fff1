"""Editing the catalogue: agencies, services and counters. Nothing is ever deleted (tickets and
statistics refer to them): an agency, service or counter is deactivated instead. Every change is
validated, audited and takes effect at once."""
import re
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from . import audit
from .errors import DomainError, NotFoundError
from ..models import Agency, Counter, Service

AGENCY_FIELDS = ("code", "name", "short_name", "prefix", "active", "sort_order", "priority_every")
SERVICE_FIELDS = ("agency_id", "name", "requirements", "procedure", "processing_time", "fee", "product",
                  "legal_basis", "complaints", "expected_minutes", "active", "sort_order")
COUNTER_FIELDS = ("number", "name", "agency_id", "active")


PRIORITY_EVERY_MAX = 20


class CatalogueError(DomainError):
    message = _l("Data katalog tidak valid.")


def _load(session, model, record_id):
    if record_id is None:
        return model(), None
    record = session.get(model, record_id)
    if record is None:
        raise NotFoundError()
    return record, record


def _save(session, record, existing, values, fields, actor, action):
    before = audit.snapshot(existing, fields) if existing else None
    for name, value in values.items():
        setattr(record, name, value)
    if existing is None:
        session.add(record)
    session.flush()
    audit.record(session, actor, action, record, before=before, after=audit.snapshot(record, fields))
    session.commit()
    return record


def _check_priority_every(every) -> None:
    if not (isinstance(every, int) and 0 <= every <= PRIORITY_EVERY_MAX):
        raise CatalogueError(_l("Aturan prioritas 0 sampai %(n)s."), n=PRIORITY_EVERY_MAX)


def set_priority_rule(session, agency_code: str, every: int, actor=None) -> Agency:
    """An agency's priority rule: 0 calls waiting priority tickets first, always; N calls one after
    every N regular tickets (counter_actions). Audited; commits."""
    _check_priority_every(every)
    agency = session.scalar(select(Agency).where(Agency.code == (agency_code or "").strip().upper()))
    if agency is None:
        raise NotFoundError(_l("Instansi %(code)s tidak dikenal."), code=agency_code)
    before = agency.priority_every
    agency.priority_every = every
    audit.record(session, actor, "priority_rule_changed", agency, before={"priority_every": before},
                 after={"priority_every": every})
    session.commit()
    return agency


def save_agency(session, values: dict, actor, agency_id: Optional[int] = None) -> Agency:
    """Create or change an agency. Code: 2-20 of A-Z, 0-9, _; prefix: one letter, not I or O
    (they read as 1 and 0), unique; priority rule 0-20. Audited; commits."""
    values = {**values, "code": values["code"].strip().upper(), "prefix": values["prefix"].strip().upper()}
    if not re.fullmatch(r"[A-Z0-9_]{2,20}", values["code"]):
        raise CatalogueError(_l("Kode instansi 2-20 huruf besar, angka atau garis bawah."))
    if not re.fullmatch(r"[A-HJ-NP-Z]", values["prefix"]):
        raise CatalogueError(_l("Huruf awalan satu huruf A-Z, bukan I atau O (mirip angka 1 dan 0)."))
    _check_priority_every(values["priority_every"])
    for field, label in (("code", _l("Kode")), ("prefix", _l("Huruf awalan"))):
        clash = session.scalar(select(Agency).where(getattr(Agency, field) == values[field],
                                                    Agency.id != (agency_id or 0)))
        if clash:
            raise CatalogueError(_l("%(label)s %(value)s sudah dipakai oleh %(agency)s."),
                                 label=label, value=values[field], agency=clash.short_name)
    record, existing = _load(session, Agency, agency_id)
    return _save(session, record, existing, values, AGENCY_FIELDS, actor, "agency_saved")


def save_service(session, values: dict, actor, service_id: Optional[int] = None) -> Service:
    """Create or change a service with its service-standard fields; its name is unique within the
    agency; expected minutes 1-480. Audited; commits."""
    agency = session.get(Agency, values["agency_id"])
    if agency is None:
        raise CatalogueError(_l("Instansi tidak dikenal."))
    if not 1 <= values["expected_minutes"] <= 480:
        raise CatalogueError(_l("Perkiraan menit per kunjungan 1 sampai 480."))
    clash = session.scalar(select(Service).where(Service.agency_id == agency.id, Service.name == values["name"],
                                                 Service.id != (service_id or 0)))
    if clash:
        raise CatalogueError(_l("Layanan %(name)s sudah ada di %(agency)s."), name=values["name"],
                             agency=agency.short_name)
    record, existing = _load(session, Service, service_id)
    if existing and existing.agency_id != agency.id:
        raise CatalogueError(_l("Layanan tidak dapat dipindah ke instansi lain; buat layanan baru."))
    service = _save(session, record, existing, values, SERVICE_FIELDS, actor, "service_saved")
    if existing is None:  # a new service is served by the agency's counters until told otherwise
        for counter in agency.counters:
            counter.services.append(service)
        session.commit()
    return service


def save_counter(session, values: dict, service_ids: list, actor, counter_id: Optional[int] = None) -> Counter:
    """Create or change a counter: number unique in the mall (1-999), services of its own agency
    only, at least one. A held counter cannot move to another agency. Audited; commits."""
    if not 1 <= values["number"] <= 999:
        raise CatalogueError(_l("Nomor loket 1 sampai 999."))
    clash = session.scalar(select(Counter).where(Counter.number == values["number"],
                                                 Counter.id != (counter_id or 0)))
    if clash:
        raise CatalogueError(_l("Nomor loket %(number)s sudah dipakai %(name)s."), number=values["number"],
                             name=clash.name)
    services = session.scalars(select(Service).where(Service.id.in_(service_ids))).all()
    if not services:
        raise CatalogueError(_l("Pilih minimal satu layanan untuk loket ini."))
    if any(s.agency_id != values["agency_id"] for s in services):
        raise CatalogueError(_l("Loket hanya boleh melayani layanan instansinya sendiri."))
    record, existing = _load(session, Counter, counter_id)
    if existing and existing.officer_id and existing.agency_id != values["agency_id"]:
        raise CatalogueError(_l("Loket sedang dipegang petugas; tutup dulu sebelum memindah instansi."))
    counter = _save(session, record, existing, values, COUNTER_FIELDS, actor, "counter_saved")
    counter.services = list(services)
    session.commit()
    return counter
