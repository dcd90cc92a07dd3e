"""The run store: waiting runs (and what became of them) in an embedded SQLite database.

- Private: the directory is created 0700 and the database file 0600 (SQLite
  gives its WAL and shared-memory files the same mode); an existing store of
  ours that others could read is made 0600; a store owned by another user, in
  a directory others can write or that is another user's, or with a `-wal` or
  `-shm` file that is not ours beside it, is refused (`check_surroundings`, which the
  accounts file of `mission serve` shares).
- Readable when read-only: a store without write permission for us is opened
  read-only, so its runs can still be listed and verified.
- Durable: WAL journal, `synchronous=FULL`, and every write is one
  transaction (`BEGIN IMMEDIATE`), so a process killed at any moment leaves
  each run as it was before or after that write, never half-written.
- Tamper-evident: each row carries a sha256 over its id, version, columns and
  the record's canonical JSON text; a row that does not match, or whose
  record is not canonical, is refused on load with a message.
- One resumer at a time: `claim(run_id)` takes a POSIX lock on one byte of a
  lock file beside the database (released by the OS even when the process is
  killed); `update` also checks the row's version, so a run is never
  continued twice.

- Indexed: beside each record, the columns and timers `runtime.listing`
  derives from it (who started it and when, who is asked, when its deadline
  is due), written in the same transaction and checked against the record
  whenever the row is read; finding the due timers reads only those that are
  due (an index on their due time).

Run ids are the store's sequence numbers (1, 2, ...), in creation order. The
store reads no clock: every time it keeps comes from the record or the caller.
"""

from __future__ import annotations

import builtins
import contextlib
import fcntl
import json
import os
import sqlite3
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runtime.listing import LISTED, RunListing, RunQuery, Timer, listed_columns, timers_of
from runtime.notices import Notice
from runtime.orchestration.canonical import canonical_hash, canonical_json
from runtime.outbox import Execute, Outbox
from runtime.records import RecordError, RunRecord
from runtime.store_errors import AlreadyFired, StoreError, UnknownRun

BUSY_TIMEOUT_SECONDS = 30.0
# MIGRATIONS[n] takes the schema from version n to n + 1 (`PRAGMA user_version`). Never edit
# one that has shipped: add the next. Version 2's columns are filled from the records by
# `_fill_listed_columns`.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    ("""CREATE TABLE runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            version INTEGER NOT NULL,
            mission TEXT NOT NULL,
            status TEXT NOT NULL,
            waiting_step TEXT,
            record TEXT NOT NULL,
            record_hash TEXT NOT NULL
        )""",),
    (*(f"ALTER TABLE runs ADD COLUMN {column} TEXT" for column in LISTED),
     "CREATE INDEX runs_waiting ON runs (due_at, id) WHERE status = 'waiting'",
     "CREATE INDEX runs_name ON runs (name, id)",
     """CREATE TABLE timers (
            run_id INTEGER NOT NULL REFERENCES runs (id),
            kind TEXT NOT NULL,
            step TEXT NOT NULL,
            stage INTEGER NOT NULL,
            due_at TEXT NOT NULL,
            fired_at TEXT,
            PRIMARY KEY (run_id, kind, step, stage)
        )""",
     "CREATE INDEX timers_due ON timers (due_at) WHERE fired_at IS NULL"),
    (  # 3: the outbox and the schedule fires (`runtime.outbox`)
     """CREATE TABLE notices (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_id INTEGER NOT NULL REFERENCES runs (id),
            key TEXT NOT NULL,
            kind TEXT NOT NULL,
            at TEXT,
            payload TEXT NOT NULL,
            expanded_at TEXT,
            UNIQUE (run_id, key)
        )""",
     "CREATE INDEX notices_new ON notices (id) WHERE expanded_at IS NULL",
     """CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            notice_id INTEGER NOT NULL REFERENCES notices (id),
            channel TEXT NOT NULL,
            recipient TEXT NOT NULL,
            address TEXT NOT NULL,
            key TEXT NOT NULL UNIQUE,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            next_at TEXT NOT NULL,
            lease_owner TEXT,
            lease_until TEXT,
            last_error TEXT,
            sent_at TEXT,
            created_at TEXT NOT NULL
        )""",
     "CREATE INDEX deliveries_due ON deliveries (next_at, id) WHERE state = 'pending'",
     "CREATE INDEX deliveries_dead ON deliveries (id) WHERE state = 'dead'",
     """CREATE TABLE schedule_fires (
            schedule TEXT NOT NULL,
            fire_at TEXT NOT NULL,
            run_id INTEGER,
            outcome TEXT NOT NULL,
            at TEXT,
            PRIMARY KEY (schedule, fire_at)
        )"""),
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True, slots=True)
class StoredRun:
    run_id: int
    version: int
    record: RunRecord


__all__ = ["AlreadyFired", "RunListing", "RunQuery", "RunStore", "StoreError", "StoredRun",
           "Timer", "UnknownRun"]


def default_path() -> Path:
    """`$XDG_DATA_HOME/mission/runs.sqlite3`, else `~/.local/share/mission/runs.sqlite3`."""
    data_home = os.environ.get("XDG_DATA_HOME", "")
    base = Path(data_home) if os.path.isabs(data_home) else Path.home() / ".local" / "share"
    return base / "mission" / "runs.sqlite3"


def _row_hash(run_id: int, version: int, mission: str, status: str, waiting_step: str | None,
              record_text: str) -> str:
    return canonical_hash([run_id, version, mission, status, waiting_step, record_text])


# A run's row, as both stores write it: in one statement, with its integrity hash and the
# columns `mission runs` lists and filters by.
ROW_COLUMNS = ("id", "version", "mission", "status", "waiting_step", "record", "record_hash",
               *LISTED)


def row_values(run_id: int, version: int, record: RunRecord, text: str) -> tuple[Any, ...]:
    """The values of `ROW_COLUMNS` for `record`, whose canonical JSON text is `text`."""
    return (run_id, version, record.mission, record.status, record.waiting_step_id, text,
            _row_hash(run_id, version, record.mission, record.status, record.waiting_step_id,
                      text), *listed_columns(record))


def insert_row_sql(mark: str) -> str:
    """The INSERT of a run's row (`mark` is the driver's placeholder)."""
    return (f"INSERT INTO runs ({', '.join(ROW_COLUMNS)}) "
            f"VALUES ({', '.join([mark] * len(ROW_COLUMNS))})")


def update_row_sql(mark: str) -> str:
    """The UPDATE of a run's row if it is still at the version the caller loaded: its
    values are `row_values(...)[1:]`, then the id and that version."""
    return (f"UPDATE runs SET {', '.join(f'{column} = {mark}' for column in ROW_COLUMNS[1:])} "
            f"WHERE id = {mark} AND version = {mark}")


def _create_private(path: Path) -> None:
    """Create the store's directory (0700) and an empty file (0600) unless they exist; the
    surroundings are checked before anything is created in them."""
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    check_surroundings(path)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        return
    os.close(descriptor)


def _make_private(path: Path, mode: int) -> None:
    """Take away what others may do with an existing store of ours (and its WAL files),
    as `mkdir -m 700` would have: made by another tool, it may be readable by all."""
    if not mode & 0o077:
        return
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path.with_name(name), 0o600)


@contextmanager
def immediate_transaction(db: sqlite3.Connection) -> Iterator[None]:
    """`BEGIN IMMEDIATE` (the write lock at once, so writers queue instead of deadlocking),
    then `COMMIT`, or `ROLLBACK` when the body raises."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def check_surroundings(path: Path, what: str = "run store") -> None:
    """Refuse a private SQLite file (the run store, the accounts file of `mission serve`)
    that others could replace or add to, as ssh refuses a key file others could write:
    its directory must be writable by its owner only (or also by our own private group)
    and owned by us (or root), and the WAL and shared-memory files SQLite reads beside it
    must be regular files of ours. A `-wal` file planted by someone else is replayed into
    the database when it is opened: it could add a run (the row hashes are not secret),
    change one, or add an API token's hash."""
    directory = path.parent
    info = directory.stat()
    where = "--store" if what == "run store" else "--accounts"
    if info.st_uid not in (os.geteuid(), 0):
        raise StoreError(f"the {what} {path} is in {directory}, which belongs to another "
                         f"user, who could replace it; refusing to use it (choose a {what} "
                         f"in a directory of yours with {where})")
    if info.st_mode & 0o002 or (info.st_mode & 0o020 and not _private_group(info.st_gid)):
        raise StoreError(f"the {what} {path} is in {directory}, which other users can "
                         f"write (mode {stat.filemode(info.st_mode)}): they could replace it "
                         f"or plant its -wal file; refusing to use it (choose a {what} in a "
                         "directory only you can write, as the default one is)")
    for name in (path.name + "-wal", path.name + "-shm"):
        try:
            beside = os.lstat(path.with_name(name))
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(beside.st_mode) or beside.st_uid != os.geteuid():
            raise StoreError(f"{path.with_name(name)} beside the {what} is not a file of "
                             "yours: it may have been planted to change it; refusing to use "
                             "it (remove it if you know where it comes from)")


def _private_group(gid: int) -> bool:
    """Whether `gid` is our own private group (a user-private group, as Debian and Fedora
    give every user): our primary group, with no other member. A directory writable by
    such a group is writable by us alone, so it is accepted, as Debian's ssh accepts it."""
    import grp
    import pwd

    try:
        me = pwd.getpwuid(os.geteuid())
        group = grp.getgrgid(gid)
    except KeyError:
        return False
    if gid != me.pw_gid or any(member != me.pw_name for member in group.gr_mem):
        return False
    return not any(user.pw_gid == gid and user.pw_uid != me.pw_uid for user in pwd.getpwall())


class RunStore(Outbox):
    """A connection to one store file. Use as a context manager, or call `close()`.

    A store you may read but not write (its file or directory has no write permission
    for you) is opened read-only: runs can be listed, loaded and verified, and any write
    is a `StoreError` saying so."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            _create_private(self.path)
            info = self.path.stat()
        except OSError as problem:
            raise StoreError(f"cannot create or open the run store {self.path}: "
                             f"{problem.strerror or problem}") from None
        if info.st_uid != os.geteuid():
            raise StoreError(f"the run store {self.path} belongs to another user; "
                             "refusing to use it (choose another with --store)")
        self.read_only = not (os.access(self.path, os.W_OK)
                              and os.access(self.path.parent, os.W_OK))
        if not self.read_only:
            _make_private(self.path, info.st_mode)
        self._lock_descriptor: int | None = None
        try:
            self._db = self._connect()
        except sqlite3.Error as problem:
            raise StoreError(f"cannot open the run store {self.path}: {problem}") from None
        try:
            self._prepare()
        except (sqlite3.DatabaseError, UnicodeDecodeError) as problem:
            # A damaged file can hand back text that is not UTF-8 even to a PRAGMA.
            self._db.close()
            raise StoreError(f"{self.path} is not a usable run store: {problem}") from None
        except StoreError:
            self._db.close()
            raise

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()
        if self._lock_descriptor is not None:
            os.close(self._lock_descriptor)
            self._lock_descriptor = None

    @property
    def location(self) -> str:
        return str(self.path)

    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def insert(self, stored: StoredRun) -> bool:
        """Put a run with its own id and version (`mission store import`); False if that
        exact run is already here, `StoreError` if another run holds the id."""
        text = stored.record.to_text()
        with self._transaction():
            row = self._db.execute("SELECT version, record FROM runs WHERE id = ?",
                                   (stored.run_id,)).fetchone()
            if row is not None:
                if tuple(row) == (stored.version, text):
                    return False
                raise StoreError(f"run {stored.run_id} is already in {self.path} with another "
                                 "record; import into an empty store")
            self._insert_row(stored.run_id, stored.version, stored.record, text)
            self._write_fire(self._db.execute, stored.run_id, stored.record, refuse_twice=False)
        return True

    def _insert_row(self, run_id: int, version: int, record: RunRecord, text: str) -> None:
        """A new run's row with its listed columns, and its timers, in one go (in the
        caller's transaction)."""
        self._db.execute(_INSERT_ROW, row_values(run_id, version, record, text))
        for kind, step, stage, due in timers_of(record):
            self._db.execute("INSERT INTO timers (run_id, kind, step, stage, due_at) "
                             "VALUES (?, ?, ?, ?, ?)", (run_id, kind, step, stage, due))

    def _write_listed(self, run_id: int, record: RunRecord) -> None:
        """The run's listed columns and timers, as its record says (in the caller's
        transaction): version 2's migration fills them so."""
        self._db.execute(f"UPDATE runs SET {', '.join(f'{c} = ?' for c in LISTED)} "
                         "WHERE id = ?", (*listed_columns(record), run_id))
        self._write_timers(run_id, record)

    def _write_timers(self, run_id: int, record: RunRecord) -> None:
        """The run's timers, as its record says (in the caller's transaction). A reminder
        already sent for the same wait stays sent."""
        wanted = {(kind, step, stage): due for kind, step, stage, due in timers_of(record)}
        for kind, step, stage in self._db.execute(
                "SELECT kind, step, stage FROM timers WHERE run_id = ?", (run_id,)).fetchall():
            if (kind, step, stage) not in wanted:
                self._db.execute("DELETE FROM timers WHERE run_id = ? AND kind = ? AND step = ? "
                                 "AND stage = ?", (run_id, kind, step, stage))
        for (kind, step, stage), due in wanted.items():
            self._db.execute("INSERT OR IGNORE INTO timers (run_id, kind, step, stage, due_at) "
                             "VALUES (?, ?, ?, ?, ?)", (run_id, kind, step, stage, due))

    def _connect(self) -> sqlite3.Connection:
        if not self.read_only:
            return sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        # Read-only: SQLite reads a WAL database through a shared-memory file it creates
        # beside it; where it cannot (a read-only directory) and no WAL is left, the file
        # alone is the whole database (`immutable`).
        uri = f"{self.path.absolute().as_uri()}?mode=ro"
        if not os.access(self.path.parent, os.W_OK) \
                and not self.path.with_name(self.path.name + "-wal").exists():
            uri += "&immutable=1"
        return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_SECONDS,
                               isolation_level=None)

    def _refuse_writes(self) -> None:
        if self.read_only:
            raise StoreError(f"the run store {self.path} is read-only for you (no write "
                             "permission on it or its directory): its runs can be listed and "
                             "verified, not continued or added to")

    def _prepare(self) -> None:
        self._db.execute("PRAGMA trusted_schema = OFF")
        if self.read_only:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                raise sqlite3.DatabaseError(f"schema version {version}; this mission reads "
                                            f"version {SCHEMA_VERSION} (and cannot write "
                                            "this read-only store)")
            return
        if self._db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = FULL")
        if self._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return
        with self._transaction():  # the first open of each version migrates, once
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version == 0 and self._db.execute("SELECT name FROM sqlite_master").fetchall():
                raise sqlite3.DatabaseError("it holds other tables (not made by mission)")
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(f"schema version {version}; this mission reads "
                                            f"version {SCHEMA_VERSION} (upgrade mission)")
            if version < 0:
                raise sqlite3.DatabaseError(f"schema version {version}, which no mission "
                                            "writes (its header is damaged)")
            for step in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[step]:
                    self._db.execute(statement)
                if step == 1:
                    self._fill_listed_columns()
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _fill_listed_columns(self) -> None:
        """Version 2's columns and timers, from each sound record (a damaged row keeps none,
        and is listed as damaged as before)."""
        rows = self._db.execute(f"SELECT {_ROW_COLUMNS_V1} FROM runs").fetchall()
        for row in rows:
            record, _ = _check_row((*row, *(None,) * len(LISTED)), check_listed=False)
            if record is not None:
                self._write_listed(row[0], record)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write, all or nothing; SQLite's own errors become `StoreError`s."""
        self._refuse_writes()
        try:
            with immediate_transaction(self._db):
                yield
        except sqlite3.OperationalError as problem:
            raise StoreError(f"cannot write to the run store {self.path}: {problem}") from None
        except sqlite3.DatabaseError as problem:  # found damaged while writing (a page)
            raise StoreError(f"{self.path} is damaged and cannot be written: {problem}; "
                             "nothing was saved (`mission runs` lists what can still be "
                             "read)") from None

    # -- writing ------------------------------------------------------------------

    def create(self, record: RunRecord, notices: Sequence[Notice] = ()) -> int:
        """Store a new run, with the notices it causes; returns its id (the next number of
        the table's sequence, which also counts runs imported with their own ids)."""
        text = record.to_text()
        with self._transaction():
            last = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'runs'"
                                    ).fetchone()
            run_id = (last[0] if last is not None else 0) + 1
            self._insert_row(run_id, 1, record, text)
            self._write_notices(self._db.execute, run_id, notices)
            self._write_fire(self._db.execute, run_id, record)
        return run_id

    def update(self, stored: StoredRun, record: RunRecord,
               notices: Sequence[Notice] = ()) -> StoredRun:
        """Replace a run's record, if nobody changed the run since `stored` was loaded,
        with the notices the change causes."""
        text = record.to_text()
        version = stored.version + 1
        with self._transaction():
            cursor = self._db.execute(_UPDATE_ROW, (*row_values(stored.run_id, version, record,
                                                                text)[1:],
                                                    stored.run_id, stored.version))
            if cursor.rowcount != 1:
                raise StoreError(f"run {stored.run_id} was changed by another process while "
                                 "this one worked on it; nothing was saved (see `mission runs`)")
            self._write_timers(stored.run_id, record)
            self._write_notices(self._db.execute, stored.run_id, notices)
        return StoredRun(stored.run_id, version, record)

    @contextmanager
    def claim(self, run_id: int) -> Iterator[None]:
        """Hold run `run_id` for this process; another holder makes this raise `StoreError`."""
        self._refuse_writes()
        if self._lock_descriptor is None:
            lock_path = self.path.with_name(self.path.name + ".lock")
            try:
                self._lock_descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW,
                                                0o600)
            except OSError as problem:
                raise StoreError(f"cannot open the lock file {lock_path}: "
                                 f"{problem.strerror}") from None
        try:
            fcntl.lockf(self._lock_descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, run_id)
        except OSError:
            raise StoreError(f"run {run_id} is being resumed by another process right now; "
                             "wait for it to finish, then see `mission runs`") from None
        try:
            yield
        finally:
            fcntl.lockf(self._lock_descriptor, fcntl.LOCK_UN, 1, run_id)

    # -- reading --------------------------------------------------------------------

    def load(self, run_id: int) -> StoredRun:
        """A run, after checking its integrity; a damaged or edited row raises `StoreError`."""
        try:
            row = self._db.execute(
                f"SELECT {_ROW_COLUMNS} FROM runs "
                "WHERE id = ?", (run_id,)).fetchone()
        except (sqlite3.DatabaseError, UnicodeDecodeError) as error:
            raise StoreError(f"{self.path} is damaged and cannot be read: {error}") from None
        if row is None:
            raise UnknownRun(f"there is no run {run_id} in {self.path} (see `mission runs`)")
        record, problem = _check_row(row)
        if record is None:
            raise StoreError(f"run {run_id} in {self.path} was changed outside mission or is "
                             f"damaged ({problem}); refusing to use it")
        return StoredRun(run_id, row[1], record)

    def list(self) -> list[RunListing]:
        """Every run, oldest first (`mission store export` and the checks use it)."""
        return self._listing(f"SELECT {_ROW_COLUMNS} FROM runs ORDER BY id", ())

    def query(self, query: RunQuery) -> builtins.list[RunListing]:
        """The runs `query` asks for, newest first."""
        where, values = _where(query, "?")
        return self._listing(f"SELECT {_ROW_COLUMNS} FROM runs {where} ORDER BY id DESC "
                             "LIMIT ?", (*values, query.limit))

    def waiting(self, groups: Sequence[str] | None) -> builtins.list[RunListing]:
        """The waiting runs, soonest deadline first (then oldest); with `groups`, only those
        whose waiting step asks one of them or no group at all."""
        where = "WHERE status = 'waiting'"
        values: tuple[Any, ...] = ()
        if groups is not None:
            marks = ", ".join("?" for _ in groups)
            where += f" AND (asked IS NULL OR asked IN ({marks}))"
            values = tuple(groups)
        return self._listing(f"SELECT {_ROW_COLUMNS} FROM runs {where} "
                             "ORDER BY due_at IS NULL, due_at, id", values)

    def _listing(self, sql: str, values: tuple[Any, ...]) -> builtins.list[RunListing]:
        return [listing_of(row) for row in self._read(sql, values)]

    def _read(self, sql: str, values: tuple[Any, ...]) -> builtins.list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, values).fetchall()
        except (sqlite3.DatabaseError, UnicodeDecodeError) as error:
            raise StoreError(f"{self.path} is damaged and cannot be read: {error}") from None

    def due_timers(self, now: str, limit: int = 100) -> builtins.list[Timer]:
        """The timers not yet fired that are due at `now`, soonest first (a row a damaged
        page spoiled is left out: its run is listed as damaged)."""
        rows = self._read(
            "SELECT run_id, kind, step, stage, due_at FROM timers "
            "WHERE fired_at IS NULL AND due_at <= ? ORDER BY due_at, run_id LIMIT ?",
            (now, limit))
        return [Timer(*row) for row in rows
                if [type(value) for value in row] == [int, str, str, int, str]]

    def fire_timer(self, timer: Timer, now: str, notices: Sequence[Notice] = ()) -> bool:
        """Mark `timer` fired at `now`, with the notices that causes (a reminder's); False
        when another process fired it first (or the run's wait moved on and took it away),
        and then nothing is written."""
        with self._transaction():
            cursor = self._db.execute(
                "UPDATE timers SET fired_at = ? WHERE run_id = ? AND kind = ? AND step = ? "
                "AND stage = ? AND fired_at IS NULL",
                (now, timer.run_id, timer.kind, timer.step, timer.stage))
            if cursor.rowcount == 1:
                self._write_notices(self._db.execute, timer.run_id, notices)
        return cursor.rowcount == 1

    @contextmanager
    def _outbox_write(self) -> Iterator[Execute]:
        with self._transaction():
            yield self._db.execute

    def _outbox_read(self, sql: str, values: Sequence[Any]) -> builtins.list[tuple[Any, ...]]:
        return self._read(sql, tuple(values))

    def integrity_check(self) -> str:
        """SQLite's own check of the database file: "ok" when sound."""
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])


# The text columns are read as bytes and decoded here: SQLite hands back whatever bytes a
# damaged file holds, and sqlite3 would raise while fetching the row if they are not UTF-8.
_ROW_COLUMNS_V1 = ("id, version, CAST(mission AS BLOB), CAST(status AS BLOB), "
                   "CAST(waiting_step AS BLOB), CAST(record AS BLOB), "
                   "CAST(record_hash AS BLOB), typeof(mission) = 'text' AND typeof(status) = "
                   "'text' AND typeof(record) = 'text' AND typeof(record_hash) = 'text' AND "
                   "typeof(waiting_step) IN ('text', 'null')")
_ROW_COLUMNS = _ROW_COLUMNS_V1 + "".join(f", CAST({column} AS BLOB)" for column in LISTED)
_INSERT_ROW = insert_row_sql("?")
_UPDATE_ROW = update_row_sql("?")


def _where(query: RunQuery, mark: str) -> tuple[str, tuple[Any, ...]]:
    """The WHERE clause of `query` (`mark` is the driver's placeholder) and its values."""
    conditions, values = [], []
    for column, value, test in (("status", query.status, "="), ("name", query.name, "="),
                                ("asked", query.asked, "="),
                                ("created_by", query.started_by, "="),
                                ("created_at", query.since, ">="),
                                ("created_at", query.until, "<"), ("id", query.before, "<")):
        if value is not None:
            conditions.append(f"{column} {test} {mark}")
            values.append(value)
    return ("WHERE " + " AND ".join(conditions) if conditions else ""), tuple(values)


def listing_of(row: tuple[Any, ...]) -> RunListing:
    """A row of `_ROW_COLUMNS` (or the PostgreSQL store's) as a listing, checked."""
    problem = _check_row(row)[1]
    waiting = _text(row[4])
    run_id = row[0]
    if not isinstance(run_id, int):  # a damaged page: listed as run 0, never an id
        run_id, problem = 0, "its id is damaged"
    listed = [_text(value) for value in row[8:]]
    shown = [None if problem else value if isinstance(value, str) else None
             for value in listed]
    return RunListing(run_id, _shown(row[2]), _shown(row[3]),
                      waiting if isinstance(waiting, str) else None, problem, *shown)


def _text(value: Any) -> Any:
    """A column read as bytes, as text; undecodable bytes make it a byte string still."""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value
    return value


def _shown(value: Any) -> str:
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)


def _check_row(row: tuple[Any, ...], check_listed: bool = True,
               ) -> tuple[RunRecord | None, str | None]:
    """The row's record, or None and what is wrong with the row (its listed columns are
    compared with the record unless `check_listed` is false: a row being migrated)."""
    run_id, version, mission, status, waiting_step, text, stored_hash, typed = \
        map(_text, row[:8])
    if not typed:
        return None, "a column has the wrong type"
    if any(isinstance(value, bytes) for value in (mission, status, waiting_step, text,
                                                  stored_hash)):
        return None, "a column is not UTF-8 text"
    if not (isinstance(version, int) and isinstance(mission, str) and isinstance(status, str)
            and isinstance(text, str) and isinstance(stored_hash, str)
            and (waiting_step is None or isinstance(waiting_step, str))):
        return None, "a column has the wrong type"
    if _row_hash(run_id, version, mission, status, waiting_step, text) != stored_hash:
        return None, "its integrity hash does not match"
    try:
        data = json.loads(text)
        record = RunRecord.from_json(data)
    except (ValueError, RecordError) as problem:
        return None, f"its record is not valid: {problem}"
    if canonical_json(data) != text:
        return None, "its record is not in canonical form"
    if (record.mission, record.status, record.waiting_step_id) != (mission, status,
                                                                    waiting_step):
        return None, "its columns disagree with its record"
    if check_listed and tuple(map(_text, row[8:])) != listed_columns(record):
        return None, "its listed columns disagree with its record"
    return record, None
