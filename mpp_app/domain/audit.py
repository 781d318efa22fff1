"""The audit log: one row per login, override and administrative change, inside the caller's
transaction; and describe(), which reads a row back as a sentence with a before/after table."""
import json
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import Enum

from babel.dates import format_skeleton
from flask_babel import lazy_gettext as _l, ngettext
from sqlalchemy import select
from sqlalchemy.orm import object_session

from .. import clock
from ..labels import label
from ..models import Agency, AuditLog, Counter, CounterState, OpeningHours, Role, Ticket, User


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


# --- reading the log -------------------------------------------------------------------------
# The log keeps machine values (action codes, ids, JSON) so that it stays exact whatever changes
# later; describe() turns one row into a sentence and a small table in the reader's language.


@dataclass(frozen=True)
class Change:
    """One field that differs: its label and both values, formatted for reading."""

    label: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditLine:
    """One audit row in words: who (full name and username), when (WITA, the reader's language),
    what (one sentence) and the fields it changed."""

    action: str
    when: str
    actor: str
    username: str
    sentence: str
    changes: tuple = ()


RECORD_TYPES = {
    "user": _l("Akun pengguna"),
    "agency": _l("Instansi"),
    "service": _l("Layanan"),
    "counter": _l("Loket"),
    "openinghours": _l("Jam buka"),
    "closure": _l("Penutupan"),
    "specialhours": _l("Jam khusus"),
    "ticket": _l("Tiket"),
}

FIELD_LABELS = {
    "username": _l("Nama pengguna"),
    "full_name": _l("Nama lengkap"),
    "role": _l("Peran"),
    "agency": _l("Instansi"),
    "agency_id": _l("Instansi"),
    "active": _l("Aktif"),
    "is_open": _l("Buka hari itu"),
    "opens_at": _l("Buka"),
    "closes_at": _l("Tutup"),
    "break_start": _l("Istirahat mulai"),
    "break_end": _l("Istirahat selesai"),
    "last_ticket_at": _l("Nomor terakhir"),
    "start_date": _l("Dari tanggal"),
    "end_date": _l("Sampai tanggal"),
    "reason": _l("Keterangan"),
    "code": _l("Kode"),
    "name": _l("Nama"),
    "short_name": _l("Nama singkat"),
    "prefix": _l("Huruf awalan nomor"),
    "sort_order": _l("Urutan tampil"),
    "priority_every": _l("Aturan prioritas"),
    "requirements": _l("Persyaratan"),
    "procedure": _l("Sistem, mekanisme dan prosedur"),
    "processing_time": _l("Jangka waktu penyelesaian"),
    "fee": _l("Biaya/tarif"),
    "product": _l("Produk layanan"),
    "legal_basis": _l("Dasar hukum"),
    "complaints": _l("Penanganan pengaduan"),
    "expected_minutes": _l("Perkiraan menit per kunjungan"),
    "number": _l("Nomor loket"),
    "mpp_name": _l("Nama MPP"),
    "mpp_address": _l("Alamat"),
    "running_text": _l("Teks berjalan di papan"),
    "announce_mode": _l("Cara menyebut nomor"),
    "recalls_before_no_show": _l("Panggilan ulang sebelum boleh ditandai tidak hadir"),
    "retention_days": _l("Simpan data pribadi pengunjung (hari)"),
}
_TIME_FIELDS = {"opens_at", "closes_at", "break_start", "break_end", "last_ticket_at"}
_DATE_FIELDS = {"start_date", "end_date"}
_LONG_TEXT = 120
# Actions whose sentence already says everything that changed: a table would only repeat it.
_SENTENCE_ONLY = {"login", "login_failed", "logout", "password_changed", "password_reset", "user_created",
                  "user_unlocked", "user_activated", "user_deactivated", "backup_downloaded", "priority_rule_changed",
                  "ticket_override", "personal_data_purged", "holidays_imported", "counter_released",
                  "opening_hours_removed", "closure_deleted", "special_hours_deleted", "special_hours_added"}
# ... and those whose sentence says everything about a new record (not about a change).
_SAID_WHEN_NEW = {"closure_saved"}


def record_type_label(record_type: str) -> str:
    return str(RECORD_TYPES.get(record_type, record_type))


def _locale():
    from flask_babel import get_locale

    return get_locale() or "id"


def _date_text(value: date) -> str:
    return format_skeleton("yMMMd", value, locale=_locale())


def _when(moment: datetime) -> str:
    local = clock.local(moment)
    return f"{_date_text(local.date())}, {format_skeleton('Hms', local.time(), locale=_locale())}"


def _json(text):
    if not text:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


class _Reader:
    """Looks up what the stored ids and codes stand for, through the entry's own session (none for
    an entry that was never stored: ids then stay as they are)."""

    def __init__(self, entry):
        self.session = object_session(entry)

    def get(self, model, record_id):
        if self.session is None or record_id is None:
            return None
        try:
            return self.session.get(model, int(record_id))
        except (TypeError, ValueError):
            return None

    def hours_row(self, entry):
        """The weekly hours row an entry changed, unless it was removed since: SQLite hands a
        removed row's id to the next new row, which would then name the wrong day."""
        if self.session is None or entry.record_id is None or self.session.scalar(select(AuditLog.id).where(
                AuditLog.action == "opening_hours_removed", AuditLog.record_id == entry.record_id,
                AuditLog.id > entry.id).limit(1)) is not None:
            return None
        return self.get(OpeningHours, entry.record_id)

    def agency_name(self, value, by_code=False) -> str:
        if value in (None, ""):
            return "—"
        agency = None
        if by_code and self.session is not None:
            agency = self.session.scalar(select(Agency).where(Agency.code == str(value)))
        elif not by_code:
            agency = self.get(Agency, value)
        return agency.short_name if agency else str(value)


def _enum_label(enum, value) -> str:
    try:
        return label(enum(value))
    except ValueError:
        return str(value)


def _value(key, value, reader: _Reader) -> str:
    """A stored value as a reader expects it: times 08.00, dates 2 Des 2026, Ya/Tidak, labels."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_l("Ya") if value else _l("Tidak"))
    try:
        if key in _TIME_FIELDS:
            return clock.clock_text(time.fromisoformat(str(value)))
        if key in _DATE_FIELDS:
            return _date_text(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)
    if key == "agency_id":
        return reader.agency_name(value)
    if key == "agency":
        return reader.agency_name(value, by_code=True)
    if key == "role":
        return _enum_label(Role, value)
    if key == "state":
        return _enum_label(CounterState, value)
    if key == "priority_every":
        return _priority_rule(value)
    if key == "announce_mode":
        from .settings import ANNOUNCE_MODES

        return str(ANNOUNCE_MODES.get(value, value))
    text = str(value)
    return text if len(text) <= _LONG_TEXT else text[:_LONG_TEXT - 1].rstrip() + "…"


def _priority_rule(value) -> str:
    if value in (0, "0"):
        return str(_l("prioritas selalu didahulukan"))
    return str(_l("satu prioritas setiap %(n)s reguler", n=value))


def _changes(before: dict, after: dict, reader: _Reader) -> tuple:
    """The fields that differ, in the order of FIELD_LABELS (the stored JSON is sorted by key:
    "Sampai tanggal" would come before "Dari tanggal")."""
    order = {key: position for position, key in enumerate(FIELD_LABELS)}
    keys = sorted({*before, *after}, key=lambda key: (order.get(key, len(order)), key))
    return tuple(Change(str(FIELD_LABELS.get(key, key)), _value(key, before.get(key), reader),
                        _value(key, after.get(key), reader))
                 for key in keys if before.get(key) != after.get(key))


def _hours_text(values: dict) -> str:
    """08.00–15.00 (istirahat 12.00–13.00), or "tutup"."""
    if not values:
        return "—"
    if values.get("is_open") is False or not values.get("opens_at"):
        return str(_l("tutup"))
    times = {key: _value(key, values.get(key), None) for key in _TIME_FIELDS}
    text = f"{times['opens_at']}–{times['closes_at']}"
    if values.get("break_start") and values.get("break_end"):
        text += " " + str(_l("(istirahat %(start)s–%(end)s)", start=times["break_start"], end=times["break_end"]))
    return text


def _range_text(values: dict) -> str:
    start, end = (values.get("start_date"), values.get("end_date"))
    if not start or start == end:
        return _value("start_date", start, None)
    return str(_l("%(start)s s.d. %(end)s", start=_value("start_date", start, None), end=_value("end_date", end, None)))


def _actor(user) -> str:
    """Manajer Budi Santoso; the server itself (hourly erasure, console commands) is "Sistem"."""
    if user is None:
        return str(_l("Sistem"))
    return f"{label(user.role)} {user.full_name}"


def _sentence(entry, actor: str, before: dict, after: dict, reader: _Reader) -> str:
    action = entry.action
    target = None
    if entry.record_type == "user":
        target = reader.get(User, entry.record_id)
    username = target.username if target else after.get("username", before.get("username", "#%s" % entry.record_id))
    values = {**before, **after}
    if action == "login":
        return str(_l("%(actor)s masuk dari %(client)s.", actor=actor, client=entry.client or "—"))
    if action == "login_failed":
        return str(_l("Percobaan masuk yang gagal dengan nama pengguna “%(username)s” dari %(client)s.",
                      username=after.get("username", username), client=entry.client or "—"))
    if action == "logout":
        return str(_l("%(actor)s keluar.", actor=actor))
    if action == "password_changed":
        return str(_l("%(actor)s mengganti kata sandinya sendiri.", actor=actor))
    if action == "password_reset":
        if entry.user_id is None:
            return str(_l("Kata sandi akun “%(username)s” diatur ulang dari konsol server (mpp reset-password).",
                          username=username))
        return str(_l("%(actor)s mengatur ulang kata sandi akun “%(username)s”.", actor=actor, username=username))
    if action == "user_created":
        role = _value("role", after.get("role"), reader).lower()  # mid-sentence: "akun petugas loket"
        if after.get("agency"):
            return str(_l("%(actor)s membuat akun %(role)s “%(username)s” (%(agency)s).", actor=actor, role=role,
                          username=username, agency=_value("agency", after["agency"], reader)))
        return str(_l("%(actor)s membuat akun %(role)s “%(username)s”.", actor=actor, role=role, username=username))
    if action == "user_updated":
        return str(_l("%(actor)s mengubah akun “%(username)s”.", actor=actor, username=username))
    if action == "user_unlocked":
        return str(_l("%(actor)s membuka kunci akun “%(username)s” (%(n)s percobaan gagal dihapus).",
                      actor=actor, username=username, n=before.get("failures", 0)))
    if action == "user_activated":
        return str(_l("%(actor)s mengaktifkan kembali akun “%(username)s”.", actor=actor, username=username))
    if action == "user_deactivated":
        return str(_l("%(actor)s menonaktifkan akun “%(username)s”.", actor=actor, username=username))
    if action == "backup_downloaded":
        return str(_l("%(actor)s mengunduh cadangan database %(file)s (%(tickets)s tiket).", actor=actor,
                      file=after.get("file", ""), tickets=after.get("tickets", "?")))
    if action in ("agency_saved", "service_saved", "counter_saved"):
        return _catalogue_sentence(action, actor, before, after, reader)
    if action == "priority_rule_changed":
        agency = reader.get(Agency, entry.record_id)
        return str(_l("%(actor)s mengubah aturan prioritas %(agency)s: %(before)s → %(after)s.", actor=actor,
                      agency=agency.short_name if agency else "#%s" % entry.record_id,
                      before=_priority_rule(before.get("priority_every")),
                      after=_priority_rule(after.get("priority_every"))))
    if action == "setting_changed" and (after or before):
        names = ", ".join("“%s”" % FIELD_LABELS.get(key, key) for key in after or before)
        return str(_l("%(actor)s mengubah pengaturan %(names)s.", actor=actor, names=names))
    if action == "ticket_override":
        ticket = reader.get(Ticket, entry.record_id)
        number = ticket.display_number if ticket else str(after.get("number", "?"))
        return str(_l("%(actor)s mengeluarkan nomor %(number)s di luar jam pengambilan nomor. Alasan: %(reason)s",
                      actor=actor, number=number, reason=after.get("reason", "—")))
    if action == "personal_data_purged":
        return str(_l("%(actor)s: nama, telepon dan catatan pengunjung dari %(n)s tiket sebelum %(day)s dihapus "
                      "(masa simpan data pribadi).", actor=actor, n=after.get("tickets", "?"),
                      day=_value("start_date", after.get("before"), reader)))
    if action == "opening_hours_changed":
        day = _weekday(values, reader.hours_row(entry), reader)
        if not before:
            return str(_l("%(actor)s menetapkan jam buka %(day)s: %(after)s.", actor=actor, day=day,
                          after=_hours_text(after)))
        return str(_l("%(actor)s mengubah jam buka %(day)s: %(before)s → %(after)s.", actor=actor, day=day,
                      before=_hours_text(before), after=_hours_text(after)))
    if action == "opening_hours_removed":
        return str(_l("%(actor)s menghapus jam buka sendiri sebuah instansi untuk satu hari (%(before)s); "
                      "instansi itu kembali mengikuti jam mal.", actor=actor, before=_hours_text(before)))
    if action in ("closure_saved", "closure_deleted"):
        scope = reader.agency_name(values["agency_id"]) if values.get("agency_id") else str(_l("seluruh mal"))
        if action == "closure_deleted":
            message = _l("%(actor)s menghapus penutupan %(scope)s %(range)s: %(reason)s.")
        elif before:
            message = _l("%(actor)s mengubah penutupan %(scope)s %(range)s: %(reason)s.")
        else:
            message = _l("%(actor)s menutup %(scope)s %(range)s: %(reason)s.")
        return str(message) % {"actor": actor, "scope": scope, "range": _range_text(after or before),
                              "reason": values.get("reason", "—")}
    if action == "holidays_imported":
        added = after.get("added", 0)
        return ngettext("%(actor)s mengimpor %(num)d hari libur tahun %(year)s sebagai penutupan.",
                        "%(actor)s mengimpor %(num)d hari libur tahun %(year)s sebagai penutupan.",
                        added if isinstance(added, int) else 0, actor=actor, year=after.get("year", "?"))
    if action == "special_hours_added":
        return str(_l("%(actor)s menetapkan jam khusus %(range)s, %(hours)s: %(reason)s.", actor=actor,
                      range=_range_text(after), hours=_hours_text(after), reason=after.get("reason", "—")))
    if action == "special_hours_deleted":
        return str(_l("%(actor)s menghapus jam khusus %(range)s: %(reason)s.", actor=actor,
                      range=_range_text(before), reason=before.get("reason", "—")))
    if action == "counter_released":
        counter = reader.get(Counter, entry.record_id)
        return str(_l("%(actor)s melepas %(counter)s dari petugas %(officer)s; nomor yang sedang dilayani kembali "
                      "ke antrean.", actor=actor, counter=counter.name if counter else "#%s" % entry.record_id,
                      officer=before.get("officer") or "—"))
    return _generic_sentence(entry, actor)


def _weekday(values: dict, row, reader: _Reader) -> str:
    """Senin, or Senin (Dukcapil) for an agency's own hours: from the stored values when they hold
    the weekday, else from the row (gone once an agency's day follows the mall again)."""
    if isinstance(values.get("weekday"), int) and 0 <= values["weekday"] <= 6:
        weekday, agency_id = values["weekday"], values.get("agency_id")
    elif row is not None:
        weekday, agency_id = row.weekday, row.agency_id
    else:
        return str(_l("sebuah hari"))
    day = clock.weekday_names()[weekday]
    return f"{day} ({reader.agency_name(agency_id)})" if agency_id else day


def _catalogue_sentence(action, actor, before, after, reader) -> str:
    if action == "counter_saved":
        name = "%s (%s)" % (after.get("name", "?"), reader.agency_name(after.get("agency_id")))
        message = _l("%(actor)s mengubah loket %(name)s.") if before else _l("%(actor)s menambah loket %(name)s.")
    elif action == "service_saved":
        name = after.get("name", "?")
        message = _l("%(actor)s mengubah layanan %(name)s.") if before else _l("%(actor)s menambah layanan %(name)s.")
    else:
        name = after.get("short_name") or after.get("name", "?")
        message = _l("%(actor)s mengubah instansi %(name)s.") if before else _l("%(actor)s menambah instansi %(name)s.")
    return str(message) % {"actor": actor, "name": name}


def _generic_sentence(entry, actor) -> str:
    """An action this version does not know by name (added later, or by a newer version): still a
    sentence, naming the code so that it can be looked up."""
    if entry.record_type:
        return str(_l("%(actor)s melakukan “%(action)s” pada %(record)s #%(id)s.", actor=actor, action=entry.action,
                      record=record_type_label(entry.record_type), id=entry.record_id or "—"))
    return str(_l("%(actor)s melakukan “%(action)s”.", actor=actor, action=entry.action))


def describe(entry: AuditLog) -> AuditLine:
    """One audit row in words, in the reader's language. Never raises for what the log may hold:
    an unknown action, a record deleted since, missing or malformed JSON all still give a line."""
    reader = _Reader(entry)
    before, after = _json(entry.before), _json(entry.after)
    user = entry.user
    actor = _actor(user)
    said_in_full = entry.action in _SENTENCE_ONLY or (entry.action in _SAID_WHEN_NEW and not before)
    changes = () if said_in_full else _changes(before, after, reader)
    return AuditLine(action=entry.action, when=_when(entry.at) if entry.at else "",
                     actor=user.full_name if user else actor, username=user.username if user else "",
                     sentence=_sentence(entry, actor, before, after, reader), changes=changes)
