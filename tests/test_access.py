"""The access matrix: every route against anonymous visitors and every role, plus security headers."""
import pytest
from flask import url_for

from .conftest import Staff

PUBLIC = "public"
ANY_STAFF = {"admin", "manager", "resepsionis", "petugas"}
MANAGERS = {"admin", "manager"}
FRONT_DESK = {"admin", "manager", "resepsionis"}
COUNTER_STAFF = {"admin", "manager", "petugas"}
OFFICER = {"petugas"}
REPORT_READERS = {"admin", "manager", "petugas"}

# endpoint: (method, url arguments, who may use it)
MATRIX = {
    "services.home": ("GET", {}, PUBLIC),
    "services.catalogue_page": ("GET", {}, PUBLIC),
    "services.service_detail": ("GET", {"service_id": 1}, PUBLIC),
    "auth.login": ("GET", {}, PUBLIC),
    "auth.language": ("POST", {}, PUBLIC),
    "auth.logout": ("POST", {}, ANY_STAFF),
    "auth.change_password": ("GET", {}, ANY_STAFF),
    "services.ticket_status": ("GET", {"token": "tidak-ada"}, PUBLIC),
    "services.find_ticket": ("GET", {}, PUBLIC),
    "services.health": ("GET", {}, PUBLIC),
    "services.favicon": ("GET", {}, PUBLIC),
    "reception.index": ("GET", {}, FRONT_DESK),
    "reception.service_choices": ("GET", {}, FRONT_DESK),
    "reception.issue": ("POST", {}, FRONT_DESK),
    "reception.overview": ("GET", {}, FRONT_DESK),
    "reception.lookup": ("GET", {}, FRONT_DESK),
    "reception.cancel": ("POST", {"ticket_id": 1}, FRONT_DESK),
    "reception.print_ticket": ("GET", {"ticket_id": 1}, FRONT_DESK),
    "counters.index": ("GET", {}, COUNTER_STAFF),
    "counters.console": ("GET", {"counter_id": 1}, COUNTER_STAFF),
    "counters.current": ("GET", {"counter_id": 1}, COUNTER_STAFF),
    "counters.waiting": ("GET", {"counter_id": 1}, COUNTER_STAFF),
    "counters.transfer_targets": ("GET", {"counter_id": 1}, COUNTER_STAFF),
    "counters.open_counter": ("POST", {"counter_id": 1}, OFFICER),
    "counters.release": ("POST", {"counter_id": 1}, MANAGERS),
    "counters.call_next": ("POST", {"counter_id": 1}, OFFICER),
    "counters.call_ticket": ("POST", {"counter_id": 1, "ticket_id": 1}, OFFICER),
    "counters.recall": ("POST", {"counter_id": 1}, OFFICER),
    "counters.no_show": ("POST", {"counter_id": 1}, OFFICER),
    "counters.start": ("POST", {"counter_id": 1}, OFFICER),
    "counters.finish": ("POST", {"counter_id": 1}, OFFICER),
    "counters.transfer": ("POST", {"counter_id": 1}, OFFICER),
    "counters.pause": ("POST", {"counter_id": 1}, OFFICER),
    "counters.resume": ("POST", {"counter_id": 1}, OFFICER),
    "counters.close": ("POST", {"counter_id": 1}, OFFICER),
    "board.page": ("GET", {}, PUBLIC),
    "survey.kiosk": ("GET", {"token": "tidak-ada"}, PUBLIC),
    "survey.kiosk_answer": ("POST", {"token": "tidak-ada"}, PUBLIC),
    "survey.phone": ("GET", {"token": "tidak-ada"}, PUBLIC),
    "survey.public_index": ("GET", {}, PUBLIC),
    "reports.index": ("GET", {}, REPORT_READERS),
    "reports.today": ("GET", {}, REPORT_READERS),
    "reports.export_csv": ("GET", {}, REPORT_READERS),
    "reports.export_xlsx": ("GET", {}, REPORT_READERS),
    "board.state": ("GET", {}, PUBLIC),
    "board.today_hours": ("GET", {}, PUBLIC),
    "admin.index": ("GET", {}, MANAGERS),
    "admin.download_backup": ("POST", {}, {"admin"}),
    "admin.users": ("GET", {}, MANAGERS),
    "admin.unlock_user": ("POST", {"user_id": 4}, MANAGERS),
    "admin.reset_password": ("POST", {"user_id": 4}, MANAGERS),
    "admin.set_user_active": ("POST", {"user_id": 4}, MANAGERS),
    "admin.edit_user": ("GET", {"user_id": 4}, MANAGERS),
    "admin.new_user": ("GET", {}, MANAGERS),
    "admin.hours_page": ("GET", {}, MANAGERS),
    "admin.hours_preview": ("GET", {}, MANAGERS),
    "admin.edit_weekday": ("GET", {"weekday": 4}, MANAGERS),
    "admin.show_weekday": ("GET", {"weekday": 4}, MANAGERS),
    "admin.save_weekday": ("POST", {"weekday": 4}, MANAGERS),
    "admin.preview_weekday": ("POST", {"weekday": 4}, MANAGERS),
    "admin.follow_mall": ("POST", {"weekday": 4, "agency": "PLN"}, MANAGERS),
    "admin.save_closure": ("POST", {}, MANAGERS),
    "admin.edit_closure": ("GET", {"closure_id": 1}, MANAGERS),
    "admin.delete_closure": ("POST", {"closure_id": 1}, MANAGERS),
    "admin.holiday_preview": ("POST", {}, MANAGERS),
    "admin.holiday_import": ("POST", {}, MANAGERS),
    "admin.save_special_hours": ("POST", {}, MANAGERS),
    "admin.delete_special_hours": ("POST", {"special_id": 1}, MANAGERS),
    "admin.agencies": ("GET", {}, MANAGERS),
    "admin.edit_agency": ("GET", {"agency_id": 1}, MANAGERS),
    "admin.services": ("GET", {}, MANAGERS),
    "admin.edit_service": ("GET", {"service_id": 1}, MANAGERS),
    "admin.counters": ("GET", {}, MANAGERS),
    "admin.edit_counter": ("GET", {"counter_id": 1}, MANAGERS),
    "admin.site_settings": ("GET", {}, MANAGERS),
    "admin.audit_log": ("GET", {}, MANAGERS),
}
ROLES = [None, "admin", "manager", "resepsionis", "petugas"]


def test_matrix_covers_every_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints == set(MATRIX), "add new routes to the access matrix"


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, client, endpoint, role):
    method, arguments, allowed = MATRIX[endpoint]
    staff = Staff(client)
    if role:
        staff.login(role)
    with app.test_request_context():
        url = url_for(endpoint, **arguments)
    response = staff.post(url, data={"language": "id"}) if method == "POST" else client.get(url)
    granted = allowed == PUBLIC or role in allowed
    if granted:
        assert response.status_code not in (401, 403), (endpoint, role, response.status_code)
        if endpoint != "auth.logout":  # logging out lands on the login page by design
            assert not response.headers.get("Location", "").startswith("/login")
    elif role is None:
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == 403
        assert "tidak memiliki akses" in response.get_data(as_text=True)


OWN_AGENCY_ONLY = sorted(name for name, (_m, args, _who) in MATRIX.items()
                         if "counter_id" in args and name.startswith("counters."))


@pytest.mark.parametrize("endpoint", OWN_AGENCY_ONLY)
def test_officer_of_another_agency_is_refused(app, staff, endpoint):
    method, arguments, allowed = MATRIX[endpoint]
    staff.login("petugas2")  # Bapenda; counter 1 belongs to Dukcapil
    with app.test_request_context():
        url = url_for(endpoint, **arguments)
    response = staff.post(url) if method == "POST" else staff.get(url)
    assert response.status_code == 403


def test_officer_sees_only_own_agency_counters(staff):
    page = staff.login("petugas").get("/counters/").get_data(as_text=True)
    assert "Dukcapil" in page and "Bapenda" not in page


@pytest.mark.parametrize("url", ["/", "/login", "/layanan", "/does-not-exist"])
def test_security_headers(client, url):
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_staff_pages_are_not_cached(staff):
    assert staff.login("manager").get("/admin/").headers["Cache-Control"] == "no-store"


def test_friendly_error_pages(client):
    missing = client.get("/tidak-ada")
    assert missing.status_code == 404 and "Halaman tidak ditemukan" in missing.get_data(as_text=True)
    assert client.get("/layanan/99999").status_code == 404
    assert client.post("/layanan").status_code == 405


def test_htmx_error_goes_to_message_area(client):
    response = client.get("/tidak-ada", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#messages"
    assert "<html" not in response.get_data(as_text=True)


def test_no_cdn_and_vendored_htmx(client):
    page = client.get("/").get_data(as_text=True)
    assert "/static/vendor/htmx-2.0.4/htmx.min.js" in page
    assert "https://" not in page.split("<body")[0]
    assert client.get("/static/vendor/htmx-2.0.4/htmx.min.js").status_code == 200


def test_a_polled_panel_without_a_session_moves_the_whole_page_to_login_and_back(client):
    """An expired session must not swap a login page into the reception overview (and stop its
    polling): htmx is told to move the page, and the login returns to where the desk was."""
    response = client.get("/reception/overview", headers={
        "HX-Request": "true", "HX-Current-URL": "http://localhost/reception/?q=ktp"})
    assert response.status_code == 401 and response.get_data(as_text=True) == ""
    assert response.headers["HX-Redirect"] == "/login?next=%2Freception%2F%3Fq%3Dktp"
    page = client.get("/reception/")
    assert page.status_code == 302 and page.headers["Location"] == "/login?next=%2Freception%2F"


def test_every_page_links_the_icon_and_the_old_icon_address_leads_to_it(client):
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/board/").get_data(as_text=True)
    for address in ("/favicon.ico", "/static/favicon.svg"):
        icon = client.get(address)
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
