"""Staff accounts: password hashing, login with database-backed throttling, password changes.

Throttling lives in the login_failure and known_client tables, not in process memory, so it holds
across the threads and worker processes of one installation. Invariants:
- Failures count per (account, client address), per address and per account. Failures of a pair
  or an address are remembered for FAILURE_MEMORY; a success clears only its own pair.
- After MPP_LOGIN_MAX_FAILURES failures of a pair, each further try from that pair waits, twice as
  long each time, from FIRST_WAIT up to MPP_LOGIN_LOCK_MINUTES after its latest failure. The
  same holds for an address after MPP_LOGIN_MAX_CLIENT_FAILURES failures across accounts, except
  for accounts known at that address, so guessing from a NAT or an unconfigured proxy slows
  the guesser and not the staff behind it.
- MPP_LOGIN_MAX_ACCOUNT_FAILURES failures of an account within MPP_LOGIN_LOCK_MINUTES, from any
  addresses, lock it for MPP_LOGIN_LOCK_MINUTES after the latest, but only for addresses where it
  has not signed in within MPP_LOGIN_KNOWN_CLIENT_DAYS: the right password keeps working at the
  officer's own PC while a guesser elsewhere cannot lock it out.
- A throttled try is refused before the password is checked (a waiting pair cannot probe) and is
  not counted, so refusals write nothing. An admin unlock or a password reset clears every
  failure of the account.
- A try that may check a password is first recorded as a failure, committed before the check,
  and judged against the failures recorded before it; tries are admitted one at a time (SQLite's
  write lock, a PostgreSQL advisory lock). So tries sent in parallel count as if sent one after
  another: a wait lets one password check through, not one per server thread or process. The
  record stays if the password is wrong; a success removes it with the pair's failures.
"""
import ctypes
import ctypes.util
import math
import re
import secrets
import sys
import threading
from dataclasses import dataclass
from typing import Optional
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import clock
from . import audit, counter_sessions
from .catalogue import agency_by_code
from .errors import DomainError, InvalidCredentialsError, LoginLockedError, PasswordPolicyError
from ..models import Counter, KnownClient, LoginFailure, Role, User

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


# Failures of a pair or an address count for a day: with only a quarter hour of memory, a
# guesser who pauses regains every free try four times an hour (some 80 an hour from one address).
FAILURE_MEMORY = timedelta(hours=24)
FIRST_WAIT = timedelta(seconds=1)
# Any fixed key: advisory locks are per database, and the app takes no other.
_ADMISSION_LOCK_KEY = 0x6D70705F6C6F67  # "mpp_log"

WAIT_SECONDS_MESSAGE = _l("Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(seconds)s detik.")
WAIT_MINUTES_MESSAGE = _l("Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(minutes)s menit.")


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    max_client_failures: int = 20
    max_account_failures: int = 50
    lock_minutes: int = 15
    known_client_days: int = 30

    @classmethod
    def from_config(cls, config):
        return cls(
            max_failures=config["MPP_LOGIN_MAX_FAILURES"],
            max_client_failures=config["MPP_LOGIN_MAX_CLIENT_FAILURES"],
            max_account_failures=config["MPP_LOGIN_MAX_ACCOUNT_FAILURES"],
            lock_minutes=config["MPP_LOGIN_LOCK_MINUTES"],
            known_client_days=config["MPP_LOGIN_KNOWN_CLIENT_DAYS"],
        )

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.lock_minutes)


class LoginThrottledError(LoginLockedError):
    """A try refused for `wait` more: `retry_after` whole seconds for the Retry-After header."""

    def __init__(self, wait: timedelta, account_locked: bool):
        self.retry_after = max(1, math.ceil(wait.total_seconds()))
        minutes = math.ceil(self.retry_after / 60)
        if account_locked:
            super().__init__(minutes=minutes)  # the admin can lift an account lock, so say so
        elif self.retry_after < 60:
            super().__init__(WAIT_SECONDS_MESSAGE, seconds=self.retry_after)
        else:
            super().__init__(WAIT_MINUTES_MESSAGE, minutes=minutes)


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


def _failures(session, condition, since, excluding=None):
    """How many failures match `condition` after `since`, and the latest of them, leaving out the
    row with id `excluding`."""
    if excluding is not None:
        condition = condition & (LoginFailure.id != excluding)
    count, last = session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(condition, LoginFailure.at > since)
    ).one()
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=timezone.utc)
    return count, last


def _growing_wait_ends(failures, free: int, policy: ThrottlePolicy):
    """When the wait after the latest of `failures` (count, latest) ends, once `free` of them are
    used up: FIRST_WAIT, doubling with each further failure, never longer than the lock window."""
    count, last = failures
    if count < free:
        return None
    return last + min(FIRST_WAIT * 2 ** min(count - free, 30), policy.window)


def _is_known(session, user, client: str, policy: ThrottlePolicy, now: datetime) -> bool:
    if user is None:
        return False
    since = now - timedelta(days=policy.known_client_days)
    return session.scalar(select(KnownClient.id).where(
        KnownClient.user_id == user.id, KnownClient.client == client, KnownClient.last_login_at > since
    )) is not None


def _account_lock_ends(session, username: str, policy: ThrottlePolicy, now: datetime, excluding=None):
    count, last = _failures(session, LoginFailure.username == username, now - policy.window, excluding)
    return last + policy.window if count >= policy.max_account_failures else None


def _throttle(session, username: str, user, client: str, policy: ThrottlePolicy, now: datetime,
              excluding=None):
    """The LoginThrottledError this try must get, or None when it may check a password; the
    failure with id `excluding` (this try's own record) is not counted."""
    memory = now - FAILURE_MEMORY
    pair = _failures(session, (LoginFailure.username == username) & (LoginFailure.client == client), memory,
                     excluding)
    ends = [(_growing_wait_ends(pair, policy.max_failures, policy), False)]
    if not _is_known(session, user, client, policy, now):
        address = _failures(session, LoginFailure.client == client, memory, excluding)
        ends += [(_growing_wait_ends(address, policy.max_client_failures, policy), False),
                 (_account_lock_ends(session, username, policy, now, excluding), True)]
    end, account_locked = max(((end, locked) for end, locked in ends if end is not None), default=(None, False))
    if end is None or end <= now:
        return None
    return LoginThrottledError(end - now, account_locked)


def _admit(session, username: str, user, client: str, policy: ThrottlePolicy, now: datetime):
    """Record this try as a failure and commit it, so that tries checking their passwords at the
    same time count it; or return the LoginThrottledError it gets instead, recording nothing."""
    if session.get_bind().dialect.name == "postgresql":
        # Sequence ids are not commit order: two tries that judged themselves before either record
        # was visible would both pass. Held until the commit or rollback below, a few milliseconds.
        session.execute(select(func.pg_advisory_xact_lock(_ADMISSION_LOCK_KEY)))
    attempt = LoginFailure(username=username, client=client, at=now)
    session.add(attempt)
    # On SQLite this insert takes the write lock (and the process's gate) until the commit or
    # rollback below, so every other record visible to the judgement was admitted before this one.
    session.flush()
    refusal = _throttle(session, username, user, client, policy, now, excluding=attempt.id)
    if refusal is not None:
        session.rollback()
        return refusal
    session.commit()
    return None


def _remember_client(session, user: User, client: str, policy: ThrottlePolicy, now: datetime) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(KnownClient).values(user_id=user.id, client=client, last_login_at=now)
    # An upsert: two tabs of one browser signing in at once must not collide on the unique pair.
    session.execute(statement.on_conflict_do_update(
        index_elements=["user_id", "client"], set_={"last_login_at": statement.excluded.last_login_at}))
    session.execute(delete(KnownClient).where(
        KnownClient.user_id == user.id, KnownClient.last_login_at <= now - timedelta(days=policy.known_client_days)))


def authenticate(session, username: str, password: str, client: str, policy: ThrottlePolicy, now=None) -> User:
    """Return the active user whose password matches, recording the attempt; commits.

    Raises LoginLockedError (a LoginThrottledError, with retry_after) while the pair, the address
    or the account is throttled (see the module's invariants), without checking the password and
    without recording anything; InvalidCredentialsError for a wrong password, an unknown or an
    inactive account. A success clears the failures of this account at this address and makes
    the address known for the account.
    """
    now = clock.at(now)
    username = username.strip().lower()[:40]
    client = client[:64]
    user = session.scalar(select(User).where(User.username == username))
    # Judged once without writing, so a guesser told to wait never queues for the write lock.
    refusal = _throttle(session, username, user, client, policy, now)
    if refusal is None:
        refusal = _admit(session, username, user, client, policy, now)
    if refusal is not None:
        raise refusal
    if not _password_matches(user, password) or not user.active:
        # _admit recorded the failure already. Only the recent failures are ever read: keep the
        # table as small as the guessing allows.
        session.execute(delete(LoginFailure).where(LoginFailure.at <= now - max(FAILURE_MEMORY, policy.window)))
        audit.record(session, user, "login_failed", user, after={"username": username}, client=client)
        session.commit()
        raise InvalidCredentialsError()
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    # This try's own record goes with the pair's failures.
    session.execute(delete(LoginFailure).where(LoginFailure.username == username, LoginFailure.client == client))
    _remember_client(session, user, client, policy, now)
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
    """Clear every failure of the account (its lock and its waits at every address); returns how
    many were removed; commits."""
    removed = session.execute(delete(LoginFailure).where(LoginFailure.username == user.username)).rowcount
    audit.record(session, actor, "user_unlocked", user, before={"failures": removed})
    session.commit()
    return removed


def is_locked(session, user: User, policy: ThrottlePolicy, now=None) -> bool:
    """Whether the account-wide lock holds: addresses it has not signed in from recently are refused."""
    now = clock.at(now)
    ends = _account_lock_ends(session, user.username, policy, now)
    return ends is not None and ends > now


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


def reset_password(session, target: User, actor: Optional[User]) -> str:
    """Give the account a one-time password that must be changed at the next login; ends its
    sessions and lifts any throttle. Returns the password (shown once). Audited; commits.
    `actor` None is the server's own console (`mpp reset-password`), whoever may run it there."""
    if actor is not None:
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
    """Deactivate (or reactivate) an account; a deactivated user's sessions end at once. The
    counter a deactivated officer held is released in the same transaction (counter_sessions.free_counter: its
    called or serving ticket goes back to the line at its old place, not left called at a closed
    counter). Commits."""
    _require_manageable(actor, target)
    if target.id == actor.id:
        raise DomainError(_l("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    if not active:
        held = session.scalar(select(Counter).where(Counter.officer_id == target.id))
        if held is not None:
            counter_sessions.free_counter(session, held, actor, clock.now())
    before = target.active
    target.active = active
    target.session_token = secrets.token_hex(32)
    audit.record(session, actor, "user_activated" if active else "user_deactivated", target,
                 before={"active": before}, after={"active": active})
    session.commit()


class AccountFieldError(DomainError):
    """A refused account change, naming the form field (full_name, role, agency) it is about."""

    def __init__(self, field: str, message, **params):
        super().__init__(message, **params)
        self.field = field


def update_user(session, target: User, full_name: str, role: Role, agency_code: Optional[str], actor: User) -> User:
    """Change an account's full name, role and agency (the username stays: it is in the audit log
    and the officer's habits). Invariants:
    - the actor may manage the account and may give it the new role (MANAGEABLE_ROLES: a manager
      edits receptionists and officers and cannot make managers or admins);
    - nobody changes their own role: an admin cannot lock the office out of administration by
      accident, and no one promotes themself;
    - at least one active admin remains;
    - a counter officer belongs to exactly one agency;
    - an officer holding an open or paused counter keeps role and agency until that counter is
      closed or released: moved, they would hold a counter of an agency they may no longer work,
      and releasing it here would silently send its called ticket back to the line.
    Audited as user_updated with the old and new values of the changed fields; commits; writes
    nothing when nothing changed."""
    _require_manageable(actor, target)
    full_name = (full_name or "").strip()
    if not full_name:
        raise AccountFieldError("full_name", _l("Isi nama lengkap."))
    if len(full_name) > 120:
        raise AccountFieldError("full_name", _l("Maksimal 120 karakter."))
    if role not in MANAGEABLE_ROLES.get(actor.role, set()):
        raise AccountFieldError("role", _l("Anda tidak berwenang memberi peran ini."))
    if target.id == actor.id and role is not target.role:
        raise AccountFieldError("role", _l("Anda tidak dapat mengubah peran akun Anda sendiri."))
    if target.role is Role.ADMIN and role is not Role.ADMIN and not session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active, User.id != target.id)):
        raise AccountFieldError("role", _l("Akun ini admin aktif terakhir; jadikan akun lain admin dahulu."))
    agency = None
    if agency_code:
        agency = agency_by_code(session, agency_code)
        if agency is None:
            raise AccountFieldError("agency", _l("Instansi %(code)s tidak dikenal."), code=agency_code)
    if role is Role.OFFICER and agency is None:
        raise AccountFieldError("agency", _l("Petugas loket harus terdaftar pada satu instansi."))
    if role is not target.role or agency != target.agency:
        held = session.scalar(select(Counter).where(Counter.officer_id == target.id))
        if held is not None:
            raise AccountFieldError("agency", _l(
                "%(name)s sedang memegang %(counter)s. Minta ia menutup loket itu, atau lepaskan loketnya di "
                "halaman Loket, lalu ubah peran atau instansinya."), name=target.full_name, counter=held.name)
    old = {"full_name": target.full_name, "role": target.role.value,
           "agency": target.agency.code if target.agency else None}
    new = {"full_name": full_name, "role": role.value, "agency": agency.code if agency else None}
    changed = [key for key in old if old[key] != new[key]]
    if not changed:
        return target
    target.full_name, target.role, target.agency = full_name, role, agency
    audit.record(session, actor, "user_updated", target, before={key: old[key] for key in changed},
                 after={key: new[key] for key in changed})
    session.commit()
    return target
