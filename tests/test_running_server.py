"""Cookies, security headers, CSRF and the access matrix, checked against `mpp serve` itself."""
import re

import pytest
import requests

from . import helpers
from .conftest import PASSWORD, POSTGRES_URL
from .test_access import MATRIX, PUBLIC

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(bool(POSTGRES_URL), reason="one run against the served SQLite default is enough")]

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("served")
    env = helpers.instance_env(instance)
    helpers.prepare(env, desks=1)
    running = helpers.Server(env, threads=4).start()
    yield running
    running.stop()


def logged_in(server):
    return helpers.Desk(server, "desk0")


def login_cookie(server):
    http = requests.Session()
    page = http.get(f"{server.base}/login").text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = http.post(f"{server.base}/login", data={"username": "desk0", "password": PASSWORD,
                                                       "csrf_token": token}, allow_redirects=False)
    assert response.status_code == 302
    return response.headers["Set-Cookie"]


def test_session_cookie_is_http_only_and_same_site(server):
    cookie = login_cookie(server)
    assert cookie.startswith("mpp_session=")
    for flag in ("HttpOnly", "SameSite=Lax", "Path=/"):
        assert flag in cookie, cookie
    assert "Expires=" in cookie  # a working day, not forever
    assert "Secure" not in cookie  # the default: the office LAN speaks plain HTTP


def test_session_cookie_is_secure_when_served_behind_https(tmp_path):
    env = {**helpers.instance_env(tmp_path), "MPP_SECURE_COOKIES": "1"}
    helpers.prepare(env, desks=1)
    https_server = helpers.Server(env, threads=2).start()
    try:
        # The cookie set with the login form's CSRF token already carries the flag.
        assert "; Secure" in requests.get(f"{https_server.base}/login").headers["Set-Cookie"]
    finally:
        https_server.stop()


@pytest.mark.parametrize("path", ["/", "/login", "/board/", "/layanan", "/healthz", "/nope"])
def test_security_headers_on_public_pages(server, path):
    response = requests.get(f"{server.base}{path}")
    headers = response.headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Server"] == "mpp"  # waitress names no version


def test_staff_pages_are_never_cached(server):
    desk = logged_in(server)
    response = desk.http.get(f"{server.base}/reception/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_posts_without_csrf_token_are_refused(server):
    desk = logged_in(server)
    for path in ("/reception/tickets", "/logout", "/password", "/admin/settings", "/counters/1/call-next"):
        response = desk.http.post(f"{server.base}{path}", data={"visitor_name": "x"}, allow_redirects=False)
        assert response.status_code == 400, path
    assert desk.http.get(f"{server.base}/reception/").status_code == 200  # still logged in


@pytest.fixture(scope="module")
def matrix_urls():
    """Each endpoint of the access matrix as a path, with its sample arguments."""
    from flask import url_for

    from mpp_app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.test_request_context():
        return {endpoint: url_for(endpoint, **arguments) for endpoint, (_m, arguments, _a) in MATRIX.items()}


def test_access_matrix_over_http(server, matrix_urls):
    """Every route of the matrix: anonymous visitors go to the login page (or, posting without a
    session, are refused by CSRF), and a receptionist gets through only where allowed."""
    desk = logged_in(server)
    anonymous = requests.Session()
    for endpoint, (method, _arguments, allowed) in MATRIX.items():
        if endpoint == "auth.logout":  # would end the desk's session for the rest of the loop
            continue
        url = f"{server.base}{matrix_urls[endpoint]}"
        if method == "GET":
            response = anonymous.get(url, allow_redirects=False)
            if allowed == PUBLIC:
                assert response.status_code in (200, 304, 404), (endpoint, response.status_code)
                continue
            assert response.status_code == 302 and "/login" in response.headers["Location"], endpoint
            response = desk.http.get(url, allow_redirects=False)
        else:
            response = anonymous.post(url, allow_redirects=False)  # no session, so no CSRF token
            assert response.status_code == 400, (endpoint, response.status_code)
            if allowed == PUBLIC:
                continue
            response = desk.http.post(url, data={"csrf_token": desk.csrf}, allow_redirects=False)
        if "resepsionis" in allowed:
            assert response.status_code not in (401, 403), (endpoint, response.status_code)
            assert "/login" not in response.headers.get("Location", ""), endpoint
        else:
            assert response.status_code == 403, (endpoint, response.status_code)
