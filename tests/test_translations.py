"""English through Flask-Babel: a complete catalogue, compiled, and chosen per user."""
import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from mpp_app.extensions import db
from mpp_app.models import User

from .conftest import Staff

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "mpp_app" / "translations" / "en" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def source_messages():
    method_map = [("mpp_app/**.py", "python"), ("mpp_app/templates/**.html", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, keywords=KEYWORDS,
            options_map={"mpp_app/templates/**.html": {"extensions": "jinja2.ext.i18n"}}):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_source_string_has_an_english_translation():
    with open(CATALOGUE / "messages.po", "rb") as handle:
        catalogue = read_po(handle)
    translated = {m.id[0] if isinstance(m.id, tuple) else m.id: m for m in catalogue if m.id}
    missing = sorted(source_messages() - set(translated))
    assert not missing, f"run `make translations` and translate: {missing[:10]}"
    untranslated = sorted(key for key, m in translated.items()
                          if m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string]))
    assert not untranslated, untranslated[:10]


def test_compiled_catalogue_matches_the_po_file():
    with open(CATALOGUE / "messages.po", "rb") as handle:
        catalogue = read_po(handle)
    fresh = io.BytesIO()
    write_mo(fresh, catalogue)
    assert (CATALOGUE / "messages.mo").read_bytes() == fresh.getvalue(), "messages.mo is stale: run `make translations`"


def test_a_user_who_chooses_english_gets_english_and_others_keep_indonesian(app, client, session):
    desk = Staff(client).login("resepsionis")
    page = desk.get("/reception/").get_data(as_text=True)
    assert "Daftarkan pengunjung" in page and 'lang="id"' in page
    desk.post("/language", {"language": "en", "next": "/reception/"})
    page = desk.get("/reception/").get_data(as_text=True)
    assert 'lang="en"' in page
    assert "Register a visitor" in page and "Daftarkan pengunjung" not in page
    response = desk.post("/reception/tickets", {"service_id": "", "visitor_name": ""}, htmx=True)
    assert "Enter the visitor's name." in response.get_data(as_text=True)  # validation messages too

    session.expire_all()
    assert session.scalar(db.select(User.language).where(User.username == "resepsionis")) == "en"
    other = Staff(app.test_client()).login("petugas")  # the choice is per user, not per PC
    assert 'lang="id"' in other.get("/counters/", follow_redirects=True).get_data(as_text=True)
    again = Staff(app.test_client()).login("resepsionis")  # and it follows the user to another PC
    assert "Register a visitor" in again.get("/reception/").get_data(as_text=True)


def test_day_names_follow_the_language(client):
    manager = Staff(client).login("manager")
    assert "Jumat" in manager.get("/admin/hours").get_data(as_text=True)
    manager.post("/language", {"language": "en"})
    hours = manager.get("/admin/hours").get_data(as_text=True)
    assert "Friday" in hours and "Jumat" not in hours
    heatmap = manager.get("/reports/").get_data(as_text=True)
    assert ">Mon<" in heatmap and ">Sen<" not in heatmap


def test_exports_and_form_choices_follow_the_language(client):
    admin = Staff(client).login("admin")
    admin.post("/language", {"language": "en"})
    period, header = admin.get("/reports/export.csv").get_data(as_text=True).splitlines()[:2]
    assert period.startswith("\ufeffPeriod ")
    assert "Issued" in header and "Diterbitkan" not in header
    assert ">Receptionist<" in admin.get("/admin/users/new").get_data(as_text=True)
