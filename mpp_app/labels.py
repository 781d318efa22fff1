"""What each enum value is called on screen, in the user's language: the one place for labels.

Templates use the `label` filter (`{{ ticket.status|label }}`); Python code calls `label(value)`.
Keyed by enum class first: str enums of different classes may share a value ("called").
"""
from flask_babel import lazy_gettext as _l

from .models import CounterState, PriorityCategory, Role, TicketStatus

LABELS = {
    TicketStatus: {
        TicketStatus.WAITING: _l("menunggu"),
        TicketStatus.CALLED: _l("dipanggil"),
        TicketStatus.SERVING: _l("sedang dilayani"),
        TicketStatus.DONE: _l("selesai"),
        TicketStatus.NO_SHOW: _l("tidak hadir"),
        TicketStatus.CANCELLED: _l("dibatalkan"),
    },
    PriorityCategory: {
        PriorityCategory.LANSIA: _l("Lanjut usia"),
        PriorityCategory.DISABILITAS: _l("Penyandang disabilitas"),
        PriorityCategory.IBU_HAMIL: _l("Ibu hamil"),
        PriorityCategory.ANAK: _l("Anak-anak"),
        PriorityCategory.KORBAN_BENCANA: _l("Korban bencana"),
    },
    Role: {
        Role.ADMIN: _l("Admin"),
        Role.MANAGER: _l("Manajer"),
        Role.RECEPTIONIST: _l("Resepsionis"),
        Role.OFFICER: _l("Petugas loket"),
    },
    CounterState: {
        CounterState.OPEN: _l("Buka"),
        CounterState.PAUSED: _l("Istirahat"),
        CounterState.CLOSED: _l("Tutup"),
    },
}


def label(value) -> str:
    return str(LABELS[type(value)][value])


def labels_of(enum) -> dict:
    """Every member of `enum` with its label, in declaration order (for choices and legends)."""
    return LABELS[enum]
