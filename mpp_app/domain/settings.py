"""Site settings kept in the database so the manager can change them without a restart."""
from dataclasses import dataclass

from sqlalchemy import select

from . import audit
from ..models import Setting

DEFAULTS = {
    "running_text": ("Selamat datang di Mal Pelayanan Publik Kota Kupang. Semua layanan tanpa pungutan "
                     "selain biaya resmi. Prioritas untuk lansia, penyandang disabilitas, ibu hamil dan anak-anak."),
    # "digits": "nol nol satu"; "words": "satu", "seratus dua puluh tiga".
    "announce_mode": "digits",
    "recalls_before_no_show": "2",
    # Empty: use the configuration (MPP_NAME, MPP_ADDRESS, MPP_RETENTION_DAYS).
    "mpp_name": "",
    "mpp_address": "",
    "retention_days": "",
}


def get(session, key: str) -> str:
    value = session.scalar(select(Setting.value).where(Setting.key == key))
    return DEFAULTS[key] if value is None else value


def get_int(session, key: str) -> int:
    return int(get(session, key))


def all_values(session) -> dict:
    stored = dict(session.execute(select(Setting.key, Setting.value)).all())
    return {key: stored.get(key, default) for key, default in DEFAULTS.items()}


def put(session, key: str, value: str, actor=None) -> None:
    """Store a setting and audit the change; commits."""
    if key not in DEFAULTS:
        raise KeyError(key)
    row = session.get(Setting, key)
    before = row.value if row else DEFAULTS[key]
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    audit.record(session, actor, "setting_changed", before={key: before}, after={key: value})
    session.commit()


@dataclass(frozen=True)
class Site:
    name: str
    address: str
    retention_days: int


def site(session, config) -> Site:
    values = all_values(session)
    return Site(values["mpp_name"] or config["MPP_NAME"], values["mpp_address"] or config["MPP_ADDRESS"],
                int(values["retention_days"] or config["MPP_RETENTION_DAYS"]))
