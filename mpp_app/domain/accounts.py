"""Staff accounts: password hashing, login with database-backed throttling, password changes.

Throttling lives in the login_failure table, not in process memory, so it holds across the
threads and worker processes of one installation. An account is locked while it has
MPP_LOGIN_MAX_FAILURES failures within MPP_LOGIN_LOCK_MINUTES; a client address likewise with
MPP_LOGIN_MAX_CLIENT_FAILURES (guessing across many usernames). A success or an admin unlock
clears the account's failures.
"""
import ctypes
import ctypes.util
import re
import secrets
import sys
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from . import audit
from .catalogue import agency_by_code
from .errors import DomainError, InvalidCredentialsError, LoginLockedError, PasswordPolicyError
from ..models import Counter, CounterState, LoginFailure, Role, User

# Argon2id at OWASP's first recommended setting (19 MiB, 2 passes, 1 lane): strong, and light
# enough that a burst of logins at opening time does not exhaust an office PC's memory.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))
# Each hash holds 19 MiB while it runs; at opening time every PC logs in at once, so bound the
# memory by letting only two hashes run together (the rest wait a few tens of milliseconds).
_hash_slots = threading.BoundedSemaphore(2)


def _keep_large_blocks_on_mmap():
    """Each hash allocates 19 MiB. glibc raises its mmap threshold after the first such block is
    freed, so later ones land in per-thread heaps and stay resident: 8 server threads would hold
    160 MB after the morning logins. A fixed threshold keeps big blocks on mmap, freed at once."""
    if sys.platform != "linux":
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-3, 1024 * 1024)  # M_MMAP_THRESHOLD = 1 MiB
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        pass


_keep_large_blocks_on_mmap()

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
USERNAME_PATTERN = re.compile(r"^[a-z0-9._-]{3,40}$")


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    max_client_failures: int = 20
    lock_minutes: int = 15

    @classmethod
    def from_config(cls, config):
        return cls(
            config["MPP_LOGIN_MAX_FAILURES"],
            config["MPP_LOGIN_MAX_CLIENT_FAILURES"],
            config["MPP_LOGIN_LOCK_MINUTES"],
        )


def hash_password(password: str) -> str:
    with _hash_slots:
        return _hasher.hash(password)


def check_password_policy(password: str, username: str = "") -> None:
    """Raise PasswordPolicyError unless the password is 10 to 128 characters and not the username."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordPolicyError(_l("Kata sandi minimal %(n)s karakter."), n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise PasswordPolicyError(_l("Kata sandi maksimal %(n)s karakter."), n=MAX_PASSWORD_LENGTH)
    if username and password.lower() == username.lower():
        raise PasswordPolicyError(_l("Kata sandi tidak boleh sama dengan nama pengguna."))


def _password_matches(user, password: str) -> bool:
    try:
        with _hash_slots:
            return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerificationError, InvalidHashError):
        return False


def _lock_remaining(session, username: str, client: str, policy: ThrottlePolicy, now: datetime):
    since = now - timedelta(minutes=policy.lock_minutes)
    rows = [
        (LoginFailure.username == username, policy.max_failures),
        (LoginFailure.client == client, policy.max_client_failures),
    ]
    for condition, limit in rows:
        recent = session.execute(
            select(func.count(), func.max(LoginFailure.at)).where(condition, LoginFailure.at > since)
        ).one()
        if recent[0] >= limit:
            last = recent[1].replace(tzinfo=timezone.utc) if recent[1].tzinfo is None else recent[1]
            return last + timedelta(minutes=policy.lock_minutes) - now
    return None


def authenticate(session, username: str, password: str, client: str, policy: ThrottlePolicy, now=None) -> User:
    """Return the active user whose password matches, recording the attempt; commits.

    Raises LoginLockedError while the account or client is throttled (without checking the
    password, so a locked account cannot be probed) and InvalidCredentialsError otherwise.
    """
    now = now or datetime.now(timezone.utc)
    username = username.strip().lower()[:40]
    remaining = _lock_remaining(session, username, client, policy, now)
    if remaining is not None:
        raise LoginLockedError(minutes=max(1, int(remaining.total_seconds() // 60) + 1))
    user = session.scalar(select(User).where(User.username == username))
    if not _password_matches(user, password) or not user.active:
        session.add(LoginFailure(username=username, client=client[:64], at=now))
        audit.record(session, user, "login_failed", user, after={"username": username}, client=client)
        session.commit()
        raise InvalidCredentialsError()
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.execute(delete(LoginFailure).where(LoginFailure.username == username))
    user.last_login_at = now
    audit.record(session, user, "login", user, client=client)
    session.commit()
    return user


def end_session(session, user: User) -> None:
    """Invalidate every session cookie of the user (logout); commits."""
    user.session_token = secrets.token_hex(32)
    audit.record(session, user, "logout", user)
    session.commit()


def change_password(session, user: User, current: str, new: str) -> None:
    """Replace the user's password after checking the current one; ends other sessions; commits."""
    if not _password_matches(user, current):
        raise InvalidCredentialsError(_l("Kata sandi saat ini salah."))
    if current == new:
        raise PasswordPolicyError(_l("Kata sandi baru harus berbeda dari yang lama."))
    check_password_policy(new, user.username)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_token = secrets.token_hex(32)
    audit.record(session, user, "password_changed", user)
    session.commit()


def create_user(session, username, full_name, role: Role, password, agency_code=None, actor=None,
                must_change_password=True) -> User:
    """Create a staff account; officers need an agency. Raises PasswordPolicyError/DomainError; commits."""
    username = username.strip().lower()
    if not USERNAME_PATTERN.match(username):
        raise DomainError(_l("Nama pengguna 3-40 karakter: huruf kecil, angka, titik, garis bawah atau tanda hubung."))
    if session.scalar(select(User.id).where(User.username == username)):
        raise DomainError(_l("Nama pengguna %(username)s sudah dipakai."), username=username)
    agency = None
    if agency_code:
        agency = agency_by_code(session, agency_code)
        if agency is None:
            raise DomainError(_l("Instansi %(code)s tidak dikenal."), code=agency_code)
    if role is Role.OFFICER and agency is None:
        raise DomainError(_l("Petugas loket harus terdaftar pada satu instansi."))
    check_password_policy(password, username)
    user = User(
        username=username,
        full_name=(full_name or username).strip()[:120],
        role=role,
        agency=agency,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user_created", user,
                 after={"username": username, "role": role.value, "agency": agency_code})
    session.commit()
    return user


def unlock(session, user: User, actor: User) -> int:
    """Clear the throttle on an account; returns how many failures were removed; commits."""
    removed = session.execute(delete(LoginFailure).where(LoginFailure.username == user.username)).rowcount
    audit.record(session, actor, "user_unlocked", user, before={"failures": removed})
    session.commit()
    return removed


def is_locked(session, user: User, policy: ThrottlePolicy, now=None) -> bool:
    now = now or datetime.now(timezone.utc)
    since = now - timedelta(minutes=policy.lock_minutes)
    count = session.scalar(
        select(func.count()).where(LoginFailure.username == user.username, LoginFailure.at > since)
    )
    return count >= policy.max_failures


def generate_password() -> str:
    """A random 16-character password, readable aloud (no 0/O, 1/l)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


def set_language(session, user: User, language: str) -> None:
    """Remember the user's interface language; commits."""
    user.language = language
    session.commit()


MANAGEABLE_ROLES = {
    Role.ADMIN: set(Role),
    Role.MANAGER: {Role.RECEPTIONIST, Role.OFFICER},
}


def can_manage(actor: User, target: User) -> bool:
    """An admin manages everyone; a manager manages receptionists and officers."""
    return target.role in MANAGEABLE_ROLES.get(actor.role, set())


def _require_manageable(actor: User, target: User) -> None:
    if not can_manage(actor, target):
        raise DomainError(_l("Anda tidak berwenang mengelola akun %(username)s."), username=target.username)


def reset_password(session, target: User, actor: User) -> str:
    """Give the account a one-time password that must be changed at the next login; ends its
    sessions and lifts any throttle. Returns the password (shown once). Audited; commits."""
    _require_manageable(actor, target)
    password = generate_password()
    target.password_hash = hash_password(password)
    target.must_change_password = True
    target.session_token = secrets.token_hex(32)
    session.execute(delete(LoginFailure).where(LoginFailure.username == target.username))
    audit.record(session, actor, "password_reset", target)
    session.commit()
    return password


def set_active(session, target: User, active: bool, actor: User) -> None:
    """Deactivate (or reactivate) an account; a deactivated user's sessions end at once. Commits."""
    _require_manageable(actor, target)
    if target.id == actor.id:
        raise DomainError(_l("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    before = target.active
    target.active = active
    target.session_token = secrets.token_hex(32)
    if not active:
        session.execute(update(Counter).where(Counter.officer_id == target.id)
                        .values(officer_id=None, state=CounterState.CLOSED))
    audit.record(session, actor, "user_activated" if active else "user_deactivated", target,
                 before={"active": before}, after={"active": active})
    session.commit()
