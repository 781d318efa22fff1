"""Site settings kept in the database so the manager can change them without a restart.

What each setting accepts is written once, in RULES: the settings form and `mpp setting` both ask
check(), so the page and the command line refuse the same values with the same message.
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from ..models import Setting
from . import audit, reference
from .errors import DomainError

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


ANNOUNCE_MODES = {"digits": _l("Digit per digit: nol nol satu"), "words": _l("Bilangan utuh: seratus dua puluh tiga")}


@dataclass(frozen=True)
class Rule:
    """What one setting accepts: text up to max_length (required: not empty), one of `choices`,
    or a whole number within `between`; `message` says so when a value is refused."""

    message: str
    max_length: int = 500
    required: bool = False
    choices: tuple = ()
    between: tuple = ()


RULES = {
    "mpp_name": Rule(_l("Isi nama MPP, maksimal 120 karakter."), max_length=120, required=True),
    "mpp_address": Rule(_l("Isi alamat, maksimal 200 karakter."), max_length=200, required=True),
    "running_text": Rule(_l("Maksimal 500 karakter."), max_length=500),
    "announce_mode": Rule(_l("Pilihan tidak dikenal."), choices=tuple(ANNOUNCE_MODES)),
    "recalls_before_no_show": Rule(_l("Isi angka 0 sampai 10."), between=(0, 10)),
    "retention_days": Rule(_l("Isi angka 1 sampai 3650."), between=(1, 3650)),
}


class SettingValueError(DomainError):
    message = _l("Nilai pengaturan tidak valid.")


def check(key: str, value) -> str:
    """`value` as it is stored for setting `key` (text trimmed, a whole number written plainly),
    or SettingValueError with what the setting accepts."""
    rule = RULES[key]
    text = str(value if value is not None else "").strip()
    if rule.between:
        low, high = rule.between
        if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
            raise SettingValueError(rule.message)
        return str(int(text))
    if rule.choices:
        if text not in rule.choices:
            raise SettingValueError(rule.message)
        return text
    if len(text) > rule.max_length or (rule.required and not text):
        raise SettingValueError(rule.message)
    return text


def get(session, key: str) -> str:
    return reference.current(session).setting(key)


def get_int(session, key: str) -> int:
    return reference.current(session).setting_int(key)


def all_values(session) -> dict:
    return dict(reference.current(session).settings)


def put(session, key: str, value, actor=None) -> None:
    """Store a setting that check() accepts (else SettingValueError) and audit the change; commits."""
    if key not in DEFAULTS:
        raise KeyError(key)
    value = check(key, value)
    row = session.get(Setting, key)
    before = row.value if row else DEFAULTS[key]
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    audit.record(session, actor, "setting_changed", before={key: before}, after={key: value})
    session.commit()


def effective_values(session, config) -> dict:
    """Every setting as it applies now: stored, else the configuration (name, address, retention),
    else the default."""
    values = all_values(session)
    return {**values, "mpp_name": values["mpp_name"] or config["MPP_NAME"],
            "mpp_address": values["mpp_address"] or config["MPP_ADDRESS"],
            "retention_days": values["retention_days"] or str(config["MPP_RETENTION_DAYS"])}


def save_changed(session, values: dict, config, actor) -> list:
    """Store the settings whose value differs from what applies now (effective_values); each is
    checked and audited. Nothing is stored when one value is refused. Returns the changed keys."""
    checked = {key: check(key, value) for key, value in values.items()}
    current = effective_values(session, config)
    changed = [key for key, value in checked.items() if value != current[key]]
    for key in changed:
        put(session, key, checked[key], actor)
    return changed


@dataclass(frozen=True)
class Site:
    name: str
    address: str
    retention_days: int


def site(session, config) -> Site:
    values = effective_values(session, config)
    return Site(values["mpp_name"], values["mpp_address"], int(values["retention_days"]))
