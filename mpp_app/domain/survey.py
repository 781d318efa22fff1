"""The citizen satisfaction survey (SKM) and its index (IKM), as PermenPANRB 14/2017 prescribes.

For each of the nine elements U1-U9 the NRR is the mean of the answers (1-4). The unit's index is
the weighted sum of the NRRs with the weight exactly 1/9 (not the rounded 0.11, which understates
it), converted to 25-100 by x 25; that is IKM = 25 x mean of the nine NRRs. The grade is read from
the converted value rounded to two decimals: below 65.00 D (tidak baik), below 76.61 C (kurang baik),
below 88.31 B (baik), else A (sangat baik).
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Optional

from babel.lists import format_list
from flask_babel import get_locale, lazy_gettext as _l, ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..ids import parse_row_id
from .errors import ConflictError, DomainError
from ..models import SurveyResponse, Ticket, TicketStatus

# (code, element, question, answers 1..4) in the wording of the regulation's questionnaire.
ELEMENTS = [
    ("u1", _l("Persyaratan"), _l("Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?"),
     (_l("Tidak sesuai"), _l("Kurang sesuai"), _l("Sesuai"), _l("Sangat sesuai"))),
    ("u2", _l("Sistem, mekanisme, dan prosedur"), _l("Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?"),
     (_l("Tidak mudah"), _l("Kurang mudah"), _l("Mudah"), _l("Sangat mudah"))),
    ("u3", _l("Waktu penyelesaian"), _l("Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?"),
     (_l("Tidak cepat"), _l("Kurang cepat"), _l("Cepat"), _l("Sangat cepat"))),
    ("u4", _l("Biaya/tarif"), _l("Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?"),
     (_l("Sangat mahal"), _l("Cukup mahal"), _l("Murah"), _l("Gratis"))),
    ("u5", _l("Produk spesifikasi jenis pelayanan"), _l("Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang diberikan?"),
     (_l("Tidak sesuai"), _l("Kurang sesuai"), _l("Sesuai"), _l("Sangat sesuai"))),
    ("u6", _l("Kompetensi pelaksana"), _l("Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?"),
     (_l("Tidak kompeten"), _l("Kurang kompeten"), _l("Kompeten"), _l("Sangat kompeten"))),
    ("u7", _l("Perilaku pelaksana"), _l("Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?"),
     (_l("Tidak sopan dan ramah"), _l("Kurang sopan dan ramah"), _l("Sopan dan ramah"), _l("Sangat sopan dan ramah"))),
    ("u8", _l("Sarana dan prasarana"), _l("Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?"),
     (_l("Buruk"), _l("Cukup"), _l("Baik"), _l("Sangat baik"))),
    ("u9", _l("Penanganan pengaduan, saran dan masukan"), _l("Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?"),
     (_l("Tidak ada"), _l("Ada tetapi tidak berfungsi"), _l("Berfungsi kurang maksimal"), _l("Dikelola dengan baik"))),
]
CODES = [code for code, *_ in ELEMENTS]
# The screen after the ninth question: comment, optional profile and the send button.
LAST_SCREEN = "end"
PROFILE = {
    "age_band": ("<20", "20-29", "30-39", "40-49", "50-59", "60+"),
    "sex": ("L", "P"),
    "education": ("SD", "SMP", "SMA", "D1-D3", "D4-S1", "S2+"),
    "occupation": ("PNS", "TNI/Polri", "Swasta", "Wirausaha", "Pelajar", "Lainnya"),
}
# What the stored codes are called on screen; school levels and PNS/TNI/Polri are names in any language.
PROFILE_LABELS = {"L": _l("Laki-laki"), "P": _l("Perempuan"), "Swasta": _l("Pegawai swasta"),
                  "Wirausaha": _l("Wirausaha"), "Pelajar": _l("Pelajar/mahasiswa"), "Lainnya": _l("Lainnya")}
GRADES = [(Decimal("65.00"), "D", _l("Tidak baik")), (Decimal("76.61"), "C", _l("Kurang baik")),
          (Decimal("88.31"), "B", _l("Baik"))]
KIOSK_WINDOW = timedelta(minutes=15)


class SurveyAnswerError(DomainError):
    """Questions without an answer 1-4, all of them named in one sentence ("Pertanyaan 2 dan 5 belum dijawab.")."""

    def __init__(self, gaps: list):
        super().__init__()
        self.gaps = gaps

    def __str__(self):
        numbers = format_list([str(n) for n in self.gaps], locale=get_locale() or "id")
        return ngettext("Pertanyaan %(numbers)s belum dijawab.", "Pertanyaan %(numbers)s belum dijawab.",
                        len(self.gaps), numbers=numbers)


class AlreadyAnsweredError(ConflictError):
    message = _l("Survei untuk tiket ini sudah diisi. Terima kasih.")


class StaleSurveyError(ConflictError):
    message = _l("Sesi survei sudah berganti. Silakan isi untuk layanan yang tampil.")


class NotFinishedError(ConflictError):
    message = _l("Survei dapat diisi setelah layanan selesai.")


@dataclass(frozen=True)
class Index:
    respondents: int
    nrr: tuple  # the nine element means, in U1..U9 order (None when nobody answered)
    value: Optional[Decimal]  # converted IKM, 25-100, two decimals
    grade: str
    label: str


def grade(value: Decimal) -> tuple:
    """(letter, label) of a converted IKM value, rounded to two decimals first."""
    rounded = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    for bound, letter, label in GRADES:
        if rounded < bound:
            return letter, str(label)
    return "A", str(_l("Sangat baik"))


def index_from(sums: list, respondents: int) -> Index:
    """The IKM from the per-element sums of answers over `respondents` questionnaires."""
    if not respondents:
        return Index(0, (None,) * 9, None, "-", str(_l("Belum ada responden")))
    nrr = tuple(Decimal(total) / respondents for total in sums)
    value = (sum(nrr) / 9 * 25).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    letter, label = grade(value)
    return Index(respondents, tuple(n.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP) for n in nrr),
                 value, letter, label)


def compute_index(session, start, end, agency_id: Optional[int] = None, service_id: Optional[int] = None) -> Index:
    """The IKM of answers given on business days start..end, for the mall, an agency or a service."""
    query = select(func.count(), *[func.sum(getattr(SurveyResponse, code)) for code in CODES]).where(
        SurveyResponse.business_date >= start, SurveyResponse.business_date <= end)
    if agency_id:
        query = query.where(SurveyResponse.agency_id == agency_id)
    if service_id:
        query = query.where(SurveyResponse.service_id == service_id)
    row = session.execute(query).one()
    return index_from(list(row[1:]), row[0])


def index_by_agency(session, start, end) -> list:
    """(agency_id, Index) for every agency with answers in the period; one query."""
    rows = session.execute(
        select(SurveyResponse.agency_id, func.count(), *[func.sum(getattr(SurveyResponse, c)) for c in CODES])
        .where(SurveyResponse.business_date >= start, SurveyResponse.business_date <= end)
        .group_by(SurveyResponse.agency_id)).all()
    return [(row[0], index_from(list(row[2:]), row[1])) for row in rows]


def submit(session, ticket: Ticket, answers: dict, channel: str, comment: str = "", profile: Optional[dict] = None,
           now: Optional[datetime] = None) -> SurveyResponse:
    """Store one anonymous answer for a finished ticket: all nine elements 1-4 (else every question
    without one is named), at most one per ticket (a unique constraint stands behind the check, for
    double submits and a second survey of the same ticket on another device). Commits."""
    now = clock.at(now)
    if ticket.status is not TicketStatus.DONE:
        raise NotFinishedError()
    values = valid_answers(answers)
    if len(values) < len(CODES):
        raise SurveyAnswerError(gaps(values))
    values = {code: int(value) for code, value in values.items()}
    profile = {k: v for k, v in (profile or {}).items() if k in PROFILE and v in PROFILE[k]}
    response = SurveyResponse(ticket_id=ticket.id, agency_id=ticket.queue_agency_id, service_id=ticket.service_id,
                              counter_id=ticket.counter_id, business_date=ticket.business_date, answered_at=now,
                              channel=channel, comment=(comment or "").strip()[:500] or None, **values, **profile)
    session.add(response)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise AlreadyAnsweredError() from None
    return response


def answered(session, ticket_id: int) -> bool:
    return session.scalar(select(SurveyResponse.id).where(SurveyResponse.ticket_id == ticket_id)) is not None


def valid_answers(answers: dict) -> dict:
    """The answers that are one of the four choices, as "1".."4" by element code; others are unanswered."""
    return {code: str(answers.get(code, "")).strip() for code in CODES
            if str(answers.get(code, "")).strip() in ("1", "2", "3", "4")}


def gaps(answers: dict) -> list:
    """The numbers (1-9) of the questions without a valid answer, in order."""
    given = valid_answers(answers)
    return [number for number, code in enumerate(CODES, 1) if code not in given]


def next_screen(answers: dict, screen: str, back: bool = False) -> str:
    """The screen of the step-by-step survey that follows `screen` (a question code, or LAST_SCREEN).

    Back goes one question back (never before the first). Forward stays on a question still without
    an answer, else goes to the next unanswered question after it, then to one left unanswered before
    it (a gap named by a refused send, a page reloaded from history), and to LAST_SCREEN when all nine
    are answered; so a citizen who went back to change an answer returns to where they were."""
    if screen not in CODES:
        screen = LAST_SCREEN if screen == LAST_SCREEN else CODES[0]
    if back:
        position = CODES.index(screen) if screen in CODES else len(CODES)
        return CODES[max(position - 1, 0)]
    given = valid_answers(answers)
    if screen in CODES and screen not in given:
        return screen
    start = CODES.index(screen) + 1 if screen in CODES else len(CODES)
    for code in CODES[start:] + CODES[:start]:
        if code not in given:
            return code
    return LAST_SCREEN


def kiosk_ticket(session, counter_id: int, now: Optional[datetime] = None) -> Optional[Ticket]:
    """The ticket a counter's survey tablet asks about: the counter's latest finished ticket, when it
    finished in the last 15 minutes and has no answer yet. Once it is answered the tablet waits for the
    next citizen instead of asking about an earlier one, whose citizen has left."""
    now = clock.at(now)
    latest = session.scalar(
        select(Ticket).where(Ticket.counter_id == counter_id, Ticket.status == TicketStatus.DONE)
        .order_by(Ticket.finished_at.desc(), Ticket.id.desc()).limit(1))
    if latest is None or not _askable(session, latest.id, counter_id, now):
        return None
    return latest


def kiosk_survey(session, counter_id: int, ticket_id, now: Optional[datetime] = None) -> Ticket:
    """The ticket a tablet's survey screen was opened for, while its answers are still welcome: a
    ticket of this counter, finished in the last 15 minutes, not yet answered. A citizen finishing
    the survey after the officer already finished the next one is still counted. Raises
    AlreadyAnsweredError (a double tap on send) or StaleSurveyError (a screen left too long)."""
    now = clock.at(now)
    ticket_id = parse_row_id(str(ticket_id or ""))
    ticket = session.get(Ticket, ticket_id) if ticket_id else None
    if ticket is None or ticket.counter_id != counter_id or ticket.status is not TicketStatus.DONE:
        raise StaleSurveyError()
    if answered(session, ticket.id):
        raise AlreadyAnsweredError()
    if not _askable(session, ticket.id, counter_id, now):
        raise StaleSurveyError()
    return ticket


def _askable(session, ticket_id: int, counter_id: int, now: datetime) -> bool:
    return session.scalar(
        select(Ticket.id).where(Ticket.id == ticket_id, Ticket.counter_id == counter_id,
                                Ticket.status == TicketStatus.DONE, Ticket.finished_at >= now - KIOSK_WINDOW,
                                ~select(SurveyResponse.id).where(SurveyResponse.ticket_id == Ticket.id).exists())
    ) is not None
