"""Staff login: sessions, throttling per account and address across processes (database-backed), forced
password change, CSRF."""
import re
import threading
from collections import Counter as Tally
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mpp_app.domain import accounts
from mpp_app import create_app
from mpp_app.extensions import db
from mpp_app.domain.errors import InvalidCredentialsError, LoginLockedError, PasswordPolicyError
from mpp_app.models import AuditLog, LoginFailure, Role, User

from .conftest import PASSWORD, PRODUCTION_HASHER, Staff, at, csrf_token, login
from .helpers import run_in_processes


def user(session, username):
    return session.scalar(select(User).where(User.username == username))


@pytest.mark.parametrize("username, start", [
    ("admin", "/admin/"), ("manager", "/admin/"), ("resepsionis", "/reception/"), ("petugas", "/counters/"),
])
def test_each_role_lands_on_its_start_page(client, username, start):
    response = login(client, username)
    assert response.status_code == 302 and response.headers["Location"] == start
    assert client.get(start).status_code == 200


def test_navigation_names_the_role_in_the_chosen_language(client):
    login(client, "petugas")
    page = client.get("/counters/").get_data(as_text=True)
    assert "(Petugas loket)" in page and "(officer)" not in page
    client.post("/language", data={"language": "en", "csrf_token": csrf_token(client)})
    assert "(Counter officer)" in client.get("/counters/").get_data(as_text=True)


def test_login_page_is_indonesian(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="id"' in page and "Masuk petugas" in page and "Kata sandi" in page


def test_wrong_password_is_refused_and_audited(client, session):
    response = login(client, "petugas", "salah-sekali-123")
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(LoginFailure)) == 1
    assert session.scalar(select(AuditLog.action).order_by(AuditLog.id.desc())) == "login_failed"


def test_unknown_user_gets_the_same_message(client):
    response = login(client, "siapa-saja", "apa-saja-12345")
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah" in response.get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"username": "", "password": ""}, "Isi nama pengguna."),
    ({"username": "x" * 41, "password": "p"}, "Nama pengguna terlalu panjang."),
])
def test_login_form_validation(client, data, message):
    data["csrf_token"] = csrf_token(client)
    response = client.post("/login", data=data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


GUESS = "tebak-tebak-123"
OFFICE_PC, WIFI_GUESSER = "10.0.0.12", "10.0.0.66"


def login_from(client, address, username, password=PASSWORD):
    return client.post("/login", environ_base={"REMOTE_ADDR": address},
                       data={"username": username, "password": password, "csrf_token": csrf_token(client)})


def set_clock(app, moment):
    app.config["MPP_FROZEN_NOW"] = moment.isoformat()


def failures(session):
    return session.scalar(select(func.count()).select_from(LoginFailure))


def guess_for_an_hour(app, address, usernames, start):
    """A script guessing passwords from one address for an hour of the frozen clock, as fast as
    the server lets it: at each moment it tries every username until one is checked, and when all
    are refused it waits exactly the shortest Retry-After. Returns how many passwords were checked
    and the wait it was last told."""
    client = app.test_client()
    token = csrf_token(client)
    now, checked, wait = start, 0, 0
    while now < start + timedelta(hours=1):
        set_clock(app, now)
        waits = []
        for name in usernames:
            response = client.post("/login", environ_base={"REMOTE_ADDR": address},
                                   data={"username": name, "password": GUESS, "csrf_token": token})
            if response.status_code != 429:
                assert response.status_code == 401
                checked += 1
                break
            waits.append(int(response.headers["Retry-After"]))
        else:
            wait = min(waits)
            now += timedelta(seconds=wait)
    return checked, wait


def test_five_failures_make_that_address_wait_for_that_account(client, session):
    for _ in range(5):
        assert login_from(client, WIFI_GUESSER, "petugas", GUESS).status_code == 401
    refused = login_from(client, WIFI_GUESSER, "petugas")  # the right password is not even checked
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam 1 detik." in refused.get_data(as_text=True)
    assert failures(session) == 5  # a refused try is not counted
    set_clock(client.application, at(10, 0, 1))
    assert login_from(client, WIFI_GUESSER, "petugas", GUESS).status_code == 401
    assert login_from(client, WIFI_GUESSER, "petugas").headers["Retry-After"] == "2"  # each failure doubles it
    assert login_from(client.application.test_client(), OFFICE_PC, "petugas").status_code == 302
    assert login_from(client, WIFI_GUESSER, "manager").status_code == 302  # other accounts are unaffected


def test_waits_grow_to_minutes_and_a_success_clears_its_own_address(session):
    policy = accounts.ThrottlePolicy()
    now = at(8)
    for _ in range(12):
        with pytest.raises(InvalidCredentialsError):
            accounts.authenticate(session, "petugas", GUESS, OFFICE_PC, policy, now=now)
        now += timedelta(minutes=5)
    with pytest.raises(LoginLockedError) as refused:
        accounts.authenticate(session, "petugas", PASSWORD, OFFICE_PC, policy, now=now - timedelta(minutes=5))
    assert refused.value.retry_after == 2 ** 7
    assert str(refused.value) == "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam 3 menit."
    accounts.authenticate(session, "petugas", PASSWORD, OFFICE_PC, policy, now=now)
    with pytest.raises(InvalidCredentialsError):  # a typo after signing in starts from nothing again
        accounts.authenticate(session, "petugas", GUESS, OFFICE_PC, policy, now=now)
    assert accounts.authenticate(session, "petugas", PASSWORD, OFFICE_PC, policy, now=now)


def test_a_guesser_on_the_wifi_cannot_lock_the_officer_out(app, session):
    officer = app.test_client()
    set_clock(app, at(7, 55))
    assert login_from(officer, OFFICE_PC, "petugas").status_code == 302
    officer.post("/logout", headers={"X-CSRFToken": csrf_token(officer)})
    guess_for_an_hour(app, WIFI_GUESSER, ["petugas"], at(8))
    assert failures(session) > 10
    guesser = login_from(app.test_client(), WIFI_GUESSER, "petugas")  # knowing it now would not help yet
    assert guesser.status_code == 429
    assert login_from(officer, OFFICE_PC, "petugas").status_code == 302
    # One address cannot reach the account-wide lock either: a new PC signs in as well.
    assert login_from(app.test_client(), "10.0.0.13", "petugas").status_code == 302


def guess_from_threads(config, threads, start, results):
    """Runs in its own process, as one server process would: `threads` threads, each with its own
    client, send one wrong password for petugas from the guesser's address the moment `start` is
    set. Puts their (status, Retry-After)."""
    app = create_app(config)
    clients = [app.test_client() for _ in range(threads)]
    tokens = [csrf_token(client) for client in clients]
    outcomes = []

    def guess(client, token):
        start.wait()
        try:
            response = client.post("/login", environ_base={"REMOTE_ADDR": WIFI_GUESSER},
                                   data={"username": "petugas", "password": GUESS, "csrf_token": token})
            outcomes.append((response.status_code, response.headers.get("Retry-After")))
        except Exception as error:  # collected: the assertion shows it
            outcomes.append((repr(error), None))

    workers = [threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    with app.app_context():
        db.engine.dispose()
    results.put(outcomes)


@pytest.mark.slow
def test_a_burst_of_parallel_guesses_gets_one_password_check_per_wait(app, app_config, session):
    # The real Argon2 cost (the workers verify with the production hasher) is the window a burst
    # races through; 4 processes of 4 threads meet both the in-process write gate and the database.
    user(session, "petugas").password_hash = PRODUCTION_HASHER.hash(PASSWORD)
    session.add_all([LoginFailure(username="petugas", client=WIFI_GUESSER, at=at(10)) for _ in range(5)])
    session.commit()
    # The free tries are used up and the first wait has just ended: one more guess may be checked.
    config = {**app_config, "SECRET_KEY": "burst-test", "MPP_FROZEN_NOW": at(10, 0, 1).isoformat()}
    outcomes = [o for batch in run_in_processes([(guess_from_threads, (config, 4))] * 4) for o in batch]
    # The others are told to wait from the one guess that was checked.
    assert Tally(outcomes) == {(401, None): 1, (429, "2"): 15}
    assert failures(session) == 6


@pytest.mark.parametrize("usernames", [
    ["petugas"],
    ["petugas", "petugas2", "manager", "admin", "resepsionis"] + [f"tamu{n}" for n in range(5)],
], ids=["one account", "many usernames"])
def test_guessing_from_one_address_slows_to_a_crawl(app, usernames):
    checked, wait = guess_for_an_hour(app, WIFI_GUESSER, usernames, at(8))
    assert checked < 40
    assert wait >= 10 * 60  # by the end of the hour every further guess waits a quarter hour


def test_a_nat_full_of_failures_slows_only_accounts_new_to_it(session):
    policy = accounts.ThrottlePolicy(max_failures=100, max_client_failures=4)
    accounts.authenticate(session, "manager", PASSWORD, "192.0.2.7", policy, now=at(8) - timedelta(days=29))
    for name in ("a1", "b2", "c3", "d4"):
        with pytest.raises(InvalidCredentialsError):
            accounts.authenticate(session, name, GUESS, "192.0.2.7", policy, now=at(8))
    assert accounts.authenticate(session, "manager", PASSWORD, "192.0.2.7", policy, now=at(8))
    with pytest.raises(LoginLockedError):
        accounts.authenticate(session, "petugas", PASSWORD, "192.0.2.7", policy, now=at(8))
    assert accounts.authenticate(session, "petugas", PASSWORD, "192.0.2.8", policy, now=at(8))


def fail_from_many_addresses(session, policy, count, now):
    for n in range(count):
        with pytest.raises(InvalidCredentialsError):
            accounts.authenticate(session, "petugas", GUESS, f"10.9.{n // 5}.{n % 5}", policy, now=now)


def test_account_is_locked_for_new_addresses_after_fifty_failures(session):
    policy = accounts.ThrottlePolicy()
    fail_from_many_addresses(session, policy, 49, at(10))
    assert not accounts.is_locked(session, user(session, "petugas"), policy, now=at(10))
    assert accounts.authenticate(session, "petugas", PASSWORD, "10.0.0.20", policy, now=at(10))
    fail_from_many_addresses(session, policy, 1, at(10, 1))
    assert accounts.is_locked(session, user(session, "petugas"), policy, now=at(10, 1))
    with pytest.raises(LoginLockedError) as refused:
        accounts.authenticate(session, "petugas", PASSWORD, "10.0.0.21", policy, now=at(10, 1))
    assert str(refused.value) == ("Terlalu banyak percobaan masuk yang gagal. "
                                  "Coba lagi dalam 15 menit atau hubungi admin.")
    assert accounts.authenticate(session, "manager", PASSWORD, "10.0.0.21", policy, now=at(10, 1))


def test_new_address_is_refused_only_while_the_account_lock_holds(session):
    policy = accounts.ThrottlePolicy()
    accounts.authenticate(session, "petugas", PASSWORD, OFFICE_PC, policy, now=at(8) - timedelta(days=3))
    accounts.authenticate(session, "petugas", PASSWORD, "10.0.0.14", policy, now=at(8) - timedelta(days=31))
    fail_from_many_addresses(session, policy, 50, at(10))
    for address in ("10.0.0.13", "10.0.0.14"):  # never here, or not for a month
        with pytest.raises(LoginLockedError):
            accounts.authenticate(session, "petugas", PASSWORD, address, policy, now=at(10, 14))
    assert accounts.authenticate(session, "petugas", PASSWORD, OFFICE_PC, policy, now=at(10, 1))
    assert accounts.is_locked(session, user(session, "petugas"), policy, now=at(10, 14, 59))
    assert accounts.authenticate(session, "petugas", PASSWORD, "10.0.0.13", policy, now=at(10, 15, 1))


def test_throttle_is_shared_through_the_database(app, session):
    policy = accounts.ThrottlePolicy(max_failures=3, max_account_failures=10)
    now = at(10)
    # Failures recorded by "another process" are rows like any other.
    session.add_all([LoginFailure(username="petugas", client="10.0.0.9", at=now) for _ in range(3)])
    session.commit()
    with pytest.raises(LoginLockedError):
        accounts.authenticate(session, "petugas", PASSWORD, "10.0.0.9", policy, now=now)
    assert accounts.authenticate(session, "petugas", PASSWORD, "10.0.0.1", policy, now=now)
    session.add_all([LoginFailure(username="petugas", client=f"10.0.1.{n}", at=now) for n in range(7)])
    session.commit()
    with pytest.raises(LoginLockedError):
        accounts.authenticate(session, "petugas", PASSWORD, "10.0.0.2", policy, now=now)
    assert accounts.authenticate(session, "petugas", PASSWORD, "10.0.0.1", policy, now=now)
    later = now + timedelta(minutes=16)
    assert accounts.authenticate(session, "petugas", PASSWORD, "10.0.0.2", policy, now=later).username == "petugas"


@pytest.mark.parametrize("proxies, recorded", [(0, "127.0.0.1"), (1, "10.1.2.3")])
def test_throttle_trusts_forwarded_addresses_only_behind_a_configured_proxy(app, app_config, session, proxies,
                                                                             recorded):
    behind = create_app({**app_config, "MPP_PROXY_COUNT": proxies}).test_client()
    # Over HTTPS Flask-WTF also wants a same-origin Referer, as a browser sends it.
    headers = {"X-Forwarded-For": "10.1.2.3", "X-Forwarded-Proto": "https", "Referer": "https://localhost/login"}
    page = behind.get("/login", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_data(as_text=True)
    response = behind.post("/login", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}, data={
        "username": "petugas", "password": "bukan-sandinya-1",
        "csrf_token": re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)})
    assert response.status_code == 401
    assert session.scalar(select(LoginFailure.client)) == recorded


def test_admin_unlocks_account(client, session):
    session.add_all([LoginFailure(username="petugas", client=f"10.0.1.{n}", at=at(10)) for n in range(50)])
    session.commit()
    assert login_from(client, "10.0.0.13", "petugas").status_code == 429
    admin_client = client.application.test_client()
    admin = Staff(admin_client).login("admin")
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "Terkunci" in page
    target = user(session, "petugas")
    response = admin.post(f"/admin/users/{target.id}/unlock")
    assert response.status_code == 302
    assert login_from(client, "10.0.0.13", "petugas").status_code == 302
    assert session.scalar(select(AuditLog).where(AuditLog.action == "user_unlocked")) is not None


def test_manager_cannot_unlock_admin(staff, session):
    staff.login("manager")
    target = user(session, "admin")
    assert staff.post(f"/admin/users/{target.id}/unlock").status_code == 403


def test_inactive_user_cannot_log_in(client, session):
    user(session, "petugas").active = False
    session.commit()
    assert login(client, "petugas").status_code == 401


def test_session_cookie_flags_and_lifetime(client):
    response = login(client, "manager")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert "Secure" not in cookie


def test_secure_cookie_when_configured(app_config):
    from mpp_app import create_app

    app = create_app({**app_config, "SESSION_COOKIE_SECURE": True})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_login_clears_previous_session(client):
    with client.session_transaction() as sess:
        sess["left_behind"] = "data of the previous visitor"
    login(client, "resepsionis")
    with client.session_transaction() as sess:
        assert "left_behind" not in sess


def test_logout_really_ends_the_session(client, session):
    login(client, "manager")
    with client.session_transaction() as sess:
        stolen = dict(sess)
    response = client.post("/logout", headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302
    with client.session_transaction() as sess:  # replay the old cookie contents
        sess.update(stolen)
    assert client.get("/admin/").status_code == 302


def test_logout_requires_post_with_csrf(client):
    login(client, "manager")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/admin/").status_code == 200


def test_forced_password_change_on_first_login(app, client, session):
    accounts.create_user(session, "baru", "Petugas Baru", Role.RECEPTIONIST, "awal-sementara-1")
    assert login(client, "baru", "awal-sementara-1").headers["Location"] == "/reception/"
    response = client.get("/reception/")
    assert response.status_code == 302 and response.headers["Location"] == "/password"
    token = csrf_token(client)
    bad = client.post("/password", data={"current": "awal-sementara-1", "new": "pendek", "confirm": "pendek",
                                         "csrf_token": token})
    assert bad.status_code == 422 and "10 sampai 128 karakter" in bad.get_data(as_text=True)
    mismatch = client.post("/password", data={"current": "awal-sementara-1", "new": "sandi-baru-yang-kuat",
                                              "confirm": "lain-lagi-kuat", "csrf_token": token})
    assert mismatch.status_code == 422 and "tidak sama" in mismatch.get_data(as_text=True)
    wrong = client.post("/password", data={"current": "keliru-keliru-1", "new": "sandi-baru-yang-kuat",
                                           "confirm": "sandi-baru-yang-kuat", "csrf_token": token})
    assert wrong.status_code == 422 and "Kata sandi saat ini salah" in wrong.get_data(as_text=True)
    ok = client.post("/password", data={"current": "awal-sementara-1", "new": "sandi-baru-yang-kuat",
                                        "confirm": "sandi-baru-yang-kuat", "csrf_token": token})
    assert ok.status_code == 302
    assert client.get("/reception/").status_code == 200
    session.expire_all()
    assert user(session, "baru").must_change_password is False


def test_password_policy():
    with pytest.raises(PasswordPolicyError):
        accounts.check_password_policy("123456789")
    with pytest.raises(PasswordPolicyError):
        accounts.check_password_policy("petugasbaru", "petugasbaru")
    with pytest.raises(PasswordPolicyError):
        accounts.check_password_policy("x" * 129)
    accounts.check_password_policy("sepuluh-karakter")


def test_passwords_are_argon2id_hashed(session, client, production_hasher):
    stored = accounts.hash_password(PASSWORD)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert "m=19456,t=2,p=1" in stored
    account = user(session, "petugas")
    account.password_hash = stored
    session.commit()
    assert login(client, "petugas", "salah-sekali-123").status_code == 401
    assert login(client, "petugas").status_code == 302


def test_open_redirect_is_refused(client):
    token = csrf_token(client)
    response = client.post("/login?next=//evil.example/", data={"username": "manager", "password": PASSWORD,
                                                                 "csrf_token": token})
    assert response.headers["Location"] == "/admin/"


def test_post_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": "manager", "password": PASSWORD})
    assert response.status_code == 400
    assert "Sesi formulir kedaluwarsa" in response.get_data(as_text=True)


def test_htmx_post_with_csrf_header_is_accepted(staff, session):
    staff.login("admin")
    target = user(session, "petugas")
    response = staff.post(f"/admin/users/{target.id}/unlock", htmx=True)
    assert response.status_code == 302


def test_language_choice_switches_to_english(client):
    token = csrf_token(client)
    client.post("/language", data={"language": "en", "csrf_token": token, "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="en"' in page


def test_unknown_language_is_refused(client):
    token = csrf_token(client)
    response = client.post("/language", data={"language": "xx", "csrf_token": token})
    assert response.status_code == 422
