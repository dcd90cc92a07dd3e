"""Who may use `mission serve`: users, groups, secrets, sessions and grants, in one SQLite file.

- Passwords are hashed with scrypt (`hashlib.scrypt`, n=2**15, r=8, p=1, a
  random 16-byte salt); a sign-in with an unknown user name costs the same
  scrypt, so timing does not tell which names exist.
- API tokens and session ids are 32 random bytes (`secrets`); only their
  sha256 is stored, so a copy of the file signs no one in.
- Every session has its own CSRF token, which every form carries back.
- Sign-in attempts are counted per user name and per client address before the
  password is checked, in one transaction with the check of the limit
  (`attempt`), so attempts sent at once cannot all be checked; a sign-in that
  succeeds takes its own back (`signed_in`). After `MAX_FAILURES` for a name
  (`MAX_ADDRESS_FAILURES` for an address, which many people may share behind a
  NAT) within `FAILURE_WINDOW` seconds, that name or address may not try again
  until the window has passed (this survives a restart). At most
  `CONCURRENT_HASHES` scrypt computations run at once in a process (32 MiB
  each), so a burst of sign-ins queues instead of taking the memory.
- A password change ends the user's sessions and revokes their API tokens;
  one token can be revoked by the prefix `mission users tokens` shows.
- Group `admin` may do everything; `start_grants` say which group may start
  which mission (`*`: any); a human step's `by GROUP` says who may answer it.

The file is created 0600 in a 0700 directory, like the run store, and its
surroundings are checked the same way (`runtime.store.check_surroundings`: no
file in a directory others can write or own, no `-wal`/`-shm` that is not ours);
every write is one transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import sqlite3
import stat
import threading
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from runtime.store import StoreError, check_surroundings, immediate_transaction

ADMIN_GROUP = "admin"
ANY_MISSION = "*"
MAX_FAILURES = 5
MAX_ADDRESS_FAILURES = 20
FAILURE_WINDOW = 300.0  # seconds
SESSION_LIFETIME = 8 * 3600.0  # seconds
_SCRYPT = {"n": 2**15, "r": 8, "p": 1, "maxmem": 64 * 1024 * 1024, "dklen": 32}
CONCURRENT_HASHES = 4  # scrypt computations at once (each takes 32 MiB for a moment)
_HASHING = threading.BoundedSemaphore(CONCURRENT_HASHES)
TOKEN_PREFIX = 12  # characters of a token kept to name it (`mst_` and 8 of its 43 random)
_USER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")
_GROUP_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
# An address mail is sent to: one line, no spaces or header syntax, a dot in the domain.
_EMAIL = re.compile(r"[^@\s<>()\[\]\\,;:\"]+@[^@\s<>()\[\]\\,;:\"]+\.[^@\s<>()\[\]\\,;:\"]+")
MAX_EMAIL = 254
_SCHEMA = """
CREATE TABLE users (name TEXT PRIMARY KEY, password TEXT, email TEXT);
CREATE TABLE memberships (user TEXT NOT NULL, grp TEXT NOT NULL, PRIMARY KEY (user, grp));
CREATE TABLE tokens (hash TEXT PRIMARY KEY, user TEXT NOT NULL, prefix TEXT);
CREATE TABLE sessions (hash TEXT PRIMARY KEY, user TEXT NOT NULL, csrf TEXT NOT NULL,
                       expires REAL NOT NULL);
CREATE TABLE start_grants (grp TEXT NOT NULL, mission TEXT NOT NULL, PRIMARY KEY (grp, mission));
CREATE TABLE failures (key TEXT PRIMARY KEY, count INTEGER NOT NULL, since REAL NOT NULL);
"""


class AccountError(Exception):
    """A bad user or group name, an unknown user, or an accounts file that cannot be used."""


@dataclass(frozen=True, slots=True)
class User:
    name: str
    groups: frozenset[str]
    email: str | None = None  # where notifications are sent (None: none are)

    @property
    def is_admin(self) -> bool:
        return ADMIN_GROUP in self.groups


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    csrf: str


def default_path(store: Path) -> Path:
    """The accounts file that goes with a run store: `serve.sqlite3` beside it."""
    return store.with_name("serve.sqlite3")


def _scrypt(password: str, salt: bytes) -> bytes:
    with _HASHING:  # at most CONCURRENT_HASHES at once: a burst waits, it does not pile up
        return hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT)


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    return f"scrypt${salt.hex()}${_scrypt(password, salt).hex()}"


def password_matches(password: str, stored: str | None) -> bool:
    """Constant work whether or not there is a stored hash (an unknown user costs the same)."""
    kind, _, rest = (stored or "scrypt$" + "00" * 16 + "$").partition("$")
    salt_hex, _, digest_hex = rest.partition("$")
    digest = _scrypt(password, bytes.fromhex(salt_hex))
    return stored is not None and kind == "scrypt" and hmac.compare_digest(digest.hex(),
                                                                           digest_hex)


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def check_user_name(name: str) -> str:
    if not _USER_NAME.fullmatch(name):
        raise AccountError(f"a user name is a letter or `_` then up to 63 letters, digits, "
                           f"`_`, `.` or `-`, not {name!r}")
    return name


def check_email(address: str) -> str:
    """A notification address: `name@example.com`, one line, without header syntax (a
    display name or a second address could be smuggled into the To header otherwise)."""
    if len(address) > MAX_EMAIL or not _EMAIL.fullmatch(address):
        raise AccountError(f"an email address is like name@example.com (at most {MAX_EMAIL} "
                           f"characters, no spaces, commas or <>), not {address!r}")
    return address


def check_group_name(name: str) -> str:
    if not _GROUP_NAME.fullmatch(name):
        raise AccountError(f"a group name is a letter or `_` then up to 63 letters, digits or "
                           f"`_` (as `by GROUP` in a mission), not {name!r}")
    return name


class Accounts:
    """A connection to the accounts file; one per thread (SQLite connections are not shared)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            if not path.parent.exists():
                path.parent.mkdir(mode=0o700, parents=True)
            check_surroundings(path, "accounts file")
            _create(path)
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode):
                raise AccountError(f"the accounts file {path} is not a regular file (a link?)")
            if info.st_uid != os.geteuid():
                raise AccountError(f"the accounts file {path} belongs to another user")
            os.chmod(path, 0o600)
            self._db = sqlite3.connect(path, timeout=30.0, isolation_level=None,
                                       check_same_thread=False)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
            with self._transaction():
                if not self._db.execute("SELECT name FROM sqlite_master").fetchall():
                    for statement in filter(str.strip, _SCHEMA.split(";")):
                        self._db.execute(statement)
                _migrate(self._db)
        except StoreError as problem:
            raise AccountError(str(problem)) from None
        except OSError as problem:
            raise AccountError(f"cannot open the accounts file {path}: "
                               f"{problem.strerror or problem}") from None
        except sqlite3.Error as problem:
            raise AccountError(f"{path} is not a usable accounts file: {problem}") from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Accounts:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _transaction(self) -> AbstractContextManager[None]:
        return immediate_transaction(self._db)

    # -- users ------------------------------------------------------------------------

    def add_user(self, name: str, password: str | None, groups: list[str],
                 email: str | None = None) -> None:
        check_user_name(name)
        for group in groups:
            check_group_name(group)
        if email is not None:
            check_email(email)
        hashed = hash_password(password) if password else None
        with self._transaction():
            if self._db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise AccountError(f"there is already a user `{name}`")
            self._db.execute("INSERT INTO users (name, password, email) VALUES (?, ?, ?)",
                             (name, hashed, email))
            self._db.executemany("INSERT OR IGNORE INTO memberships VALUES (?, ?)",
                                 [(name, group) for group in groups])

    def set_password(self, name: str, password: str) -> int:
        """Set the password, end the user's sessions and revoke their API tokens (what one
        does after a leak withdraws every credential); how many tokens were revoked."""
        hashed = hash_password(password)
        with self._transaction():
            self._require(name)
            self._db.execute("UPDATE users SET password = ? WHERE name = ?", (hashed, name))
            self._db.execute("DELETE FROM sessions WHERE user = ?", (name,))
            return self._db.execute("DELETE FROM tokens WHERE user = ?", (name,)).rowcount

    def set_email(self, name: str, email: str | None) -> None:
        """Where `name`'s notifications go (None: nowhere)."""
        if email is not None:
            check_email(email)
        with self._transaction():
            self._require(name)
            self._db.execute("UPDATE users SET email = ? WHERE name = ?", (email, name))

    def remove_user(self, name: str) -> None:
        with self._transaction():
            self._require(name)
            for table in ("memberships", "tokens", "sessions"):
                self._db.execute(f"DELETE FROM {table} WHERE user = ?", (name,))
            self._db.execute("DELETE FROM users WHERE name = ?", (name,))

    def add_to_group(self, name: str, group: str) -> None:
        check_group_name(group)
        with self._transaction():
            self._require(name)
            self._db.execute("INSERT OR IGNORE INTO memberships VALUES (?, ?)", (name, group))

    def leave_group(self, name: str, group: str) -> None:
        with self._transaction():
            self._require(name)
            if not self._db.execute("DELETE FROM memberships WHERE user = ? AND grp = ?",
                                    (name, group)).rowcount:
                raise AccountError(f"`{name}` is not in group `{group}`")

    def new_token(self, name: str) -> str:
        """A new API token for `name`: shown once; its hash is kept, and its first
        `TOKEN_PREFIX` characters to name it (`tokens`, `revoke_token`)."""
        token = "mst_" + secrets.token_urlsafe(32)
        with self._transaction():
            self._require(name)
            self._db.execute("INSERT INTO tokens (hash, user, prefix) VALUES (?, ?, ?)",
                             (_secret_hash(token), name, token[:TOKEN_PREFIX]))
        return token

    def tokens(self, name: str) -> list[str]:
        """The prefixes of the user's tokens ("?" for one made before prefixes were kept)."""
        self._require(name)
        return [row[0] or "?" for row in self._db.execute(
            "SELECT prefix FROM tokens WHERE user = ? ORDER BY rowid", (name,))]

    def revoke_token(self, name: str, given: str | None) -> int:
        """Revoke the user's token named by `given` (its prefix as `tokens` shows it, or
        the whole token), or every token of theirs (None); how many were revoked."""
        with self._transaction():
            self._require(name)
            if given is None:
                return self._db.execute("DELETE FROM tokens WHERE user = ?", (name,)).rowcount
            rows = self._db.execute("SELECT hash, prefix FROM tokens WHERE user = ?",
                                    (name,)).fetchall()
            matching = [hashed for hashed, prefix in rows
                        if hashed == _secret_hash(given)
                        or (len(given) <= TOKEN_PREFIX and (prefix or "").startswith(given))]
            if len(matching) != 1:
                known = ", ".join(self.tokens(name)) or "none"
                raise AccountError(f"{'no' if not matching else 'more than one'} token of "
                                   f"`{name}` starts with {given[:TOKEN_PREFIX]!r} (its "
                                   f"tokens: {known})")
            self._db.execute("DELETE FROM tokens WHERE hash = ?", (matching[0],))
            return 1

    def _require(self, name: str) -> None:
        if not self._db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
            raise AccountError(f"there is no user `{name}` (see `mission users list`)")

    def user(self, name: str) -> User | None:
        row = self._db.execute("SELECT email FROM users WHERE name = ?", (name,)).fetchone()
        if row is None:
            return None
        groups = self._db.execute("SELECT grp FROM memberships WHERE user = ?", (name,))
        return User(name, frozenset(row[0] for row in groups), row[0])

    def members(self, group: str) -> list[User]:
        """The users in `group`, by name."""
        names = [row[0] for row in self._db.execute(
            "SELECT user FROM memberships WHERE grp = ? ORDER BY user", (group,))]
        return [user for user in map(self.user, names) if user is not None]

    def starters(self, missions: set[str]) -> list[User]:
        """The users a grant lets start one of `missions` (by a group of theirs; admins
        only through such a grant), by name: who is asked a step without `by GROUP`."""
        groups = {group for group, mission in self.start_grants()
                  if mission in missions or mission == ANY_MISSION}
        found = {user.name: user for group in sorted(groups) for user in self.members(group)}
        return [found[name] for name in sorted(found)]

    def users(self) -> list[User]:
        names = [row[0] for row in self._db.execute("SELECT name FROM users ORDER BY name")]
        return [user for user in map(self.user, names) if user is not None]

    def has_admin(self) -> bool:
        return self._db.execute("SELECT 1 FROM memberships WHERE grp = ?",
                                (ADMIN_GROUP,)).fetchone() is not None

    # -- signing in ---------------------------------------------------------------------

    def by_token(self, token: str) -> User | None:
        row = self._db.execute("SELECT user FROM tokens WHERE hash = ?",
                               (_secret_hash(token),)).fetchone()
        return self.user(row[0]) if row else None

    def attempt(self, keys: list[str], now: float | None = None) -> bool:
        """Count a sign-in attempt for each key before its password is checked, in one
        transaction with the check of the limit: False (nothing counted) when a key is
        locked out. So attempts sent at once are counted one by one, and at most the limit
        of them is ever checked."""
        now = time.time() if now is None else now
        with self._transaction():
            if self.locked_out(keys, now):
                return False
            self._count(keys, now)
        return True

    def signed_in(self, keys: list[str]) -> None:
        """A sign-in succeeded: its name's count is cleared, and the address gets back the
        attempt `attempt` counted (a person signing in often is not guessing)."""
        name, *addresses = keys
        with self._transaction():
            self._db.execute("DELETE FROM failures WHERE key = ?", (name,))
            self._db.executemany("UPDATE failures SET count = count - 1 WHERE key = ? AND "
                                 "count > 0", [(key,) for key in addresses])

    def check_password(self, name: str, password: str) -> User | None:
        """The user, when the password (or one of the user's API tokens) is theirs."""
        row = self._db.execute("SELECT password FROM users WHERE name = ?", (name,)).fetchone()
        if password_matches(password, row[0] if row else None):
            return self.user(name)
        by_token = self.by_token(password) if row else None
        return by_token if by_token is not None and by_token.name == name else None

    def locked_out(self, keys: list[str], now: float | None = None) -> bool:
        now = time.time() if now is None else now
        for key in keys:
            row = self._db.execute("SELECT count, since FROM failures WHERE key = ?",
                                   (key,)).fetchone()
            limit = MAX_ADDRESS_FAILURES if key.startswith("ip:") else MAX_FAILURES
            if row and row[0] >= limit and now - row[1] < FAILURE_WINDOW:
                return True
        return False

    def record_failure(self, keys: list[str], now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self._transaction():
            self._count(keys, now)

    def _count(self, keys: list[str], now: float) -> None:
        for key in keys:
            row = self._db.execute("SELECT count, since FROM failures WHERE key = ?",
                                   (key,)).fetchone()
            if row is None or now - row[1] >= FAILURE_WINDOW:
                self._db.execute("INSERT OR REPLACE INTO failures VALUES (?, 1, ?)",
                                 (key, now))
            else:
                self._db.execute("UPDATE failures SET count = count + 1 WHERE key = ?",
                                 (key,))

    def clear_failures(self, key: str) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM failures WHERE key = ?", (key,))

    # -- sessions -----------------------------------------------------------------------

    def new_session(self, user: User, now: float | None = None) -> str:
        """A new session id for the cookie (only its hash is kept) with its own CSRF token."""
        now = time.time() if now is None else now
        session_id = secrets.token_urlsafe(32)
        with self._transaction():
            self._db.execute("DELETE FROM sessions WHERE expires < ?", (now,))
            self._db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)",
                             (_secret_hash(session_id), user.name, secrets.token_urlsafe(32),
                              now + SESSION_LIFETIME))
        return session_id

    def session(self, session_id: str, now: float | None = None) -> Session | None:
        now = time.time() if now is None else now
        row = self._db.execute("SELECT user, csrf, expires FROM sessions WHERE hash = ?",
                               (_secret_hash(session_id),)).fetchone()
        if row is None or row[2] < now:
            return None
        user = self.user(row[0])
        return Session(user, row[1]) if user is not None else None

    def end_session(self, session_id: str) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM sessions WHERE hash = ?", (_secret_hash(session_id),))

    # -- grants -------------------------------------------------------------------------

    def allow_start(self, group: str, mission: str) -> None:
        check_group_name(group)
        with self._transaction():
            self._db.execute("INSERT OR IGNORE INTO start_grants VALUES (?, ?)", (group, mission))

    def disallow_start(self, group: str, mission: str) -> None:
        with self._transaction():
            if not self._db.execute("DELETE FROM start_grants WHERE grp = ? AND mission = ?",
                                    (group, mission)).rowcount:
                granted = ", ".join(f"{g} {m}" for g, m in self.start_grants()) or "none"
                raise AccountError(f"group `{group}` has no grant to start `{mission}` "
                                   f"(the grants: {granted})")

    def start_grants(self) -> list[tuple[str, str]]:
        return [(row[0], row[1]) for row in
                self._db.execute("SELECT grp, mission FROM start_grants ORDER BY grp, mission")]

    def may_start(self, user: User, mission: str) -> bool:
        if user.is_admin:
            return True
        return any(group in user.groups and granted in (mission, ANY_MISSION)
                   for group, granted in self.start_grants())


def _create(path: Path) -> None:
    """Create the file (0600) if it is not there. Never open and close an existing one:
    closing any descriptor of a file drops every POSIX lock this process holds on it, so
    the connections other threads have open would lose theirs, and another process (a
    `mission users revoke`) would then take itself for the last user of the database,
    checkpoint and reset its WAL under them: they kept reading a revoked token."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return
    os.close(descriptor)


def _migrate(db: sqlite3.Connection) -> None:
    """Bring an accounts file made by an earlier version up to date (in its transaction):
    tokens keep a prefix to be named by; users have an email address."""
    columns = [row[1] for row in db.execute("PRAGMA table_info(tokens)")]
    if "prefix" not in columns:
        db.execute("ALTER TABLE tokens ADD COLUMN prefix TEXT")
    if "email" not in [row[1] for row in db.execute("PRAGMA table_info(users)")]:
        db.execute("ALTER TABLE users ADD COLUMN email TEXT")


def may_answer(user: User, group: str | None, may_start_mission: bool) -> bool:
    """A step `by GROUP`: that group's members; a step without: whoever may start the mission."""
    if user.is_admin:
        return True
    return group in user.groups if group is not None else may_start_mission
