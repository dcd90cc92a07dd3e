"""The run store's interface, and the one place a store URL becomes a store.

Two implementations pass the same test suite (`tests/runtime/test_store_contract.py`):

- `runtime.store.RunStore`: SQLite, embedded, the default (a path or `sqlite:///PATH`);
- `runtime.postgres_store.PostgresRunStore`: PostgreSQL through psycopg 3, for a store
  shared by several hosts (`postgresql://...`, the `mission[postgres]` extra).

Both keep the same rows (id, version, mission, status, waiting step, the record's
canonical JSON and a sha256 over all of them, and the columns and timers
`runtime.listing` derives from the record), refuse a row whose hash does not match,
number runs in creation order, check the version on every update, and let one process at
a time `claim` a run; the lock is the database's or the OS's, released when the holder
dies, never a lock kept by the client.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol, runtime_checkable

from runtime.listing import RunListing, RunQuery, Timer
from runtime.notices import Notice
from runtime.outbox import Delivery, Fire, Gauges, NewDelivery, StoredNotice
from runtime.records import RunRecord
from runtime.store import StoredRun
from runtime.store_errors import AlreadyFired, StoreError, UnknownRun
from runtime.store_urls import SQLITE_SCHEME, is_postgres_url, mask_url, sqlite_path

__all__ = ["AlreadyFired", "RunListing", "RunQuery", "RunStoreAPI", "StoreError", "StoredRun",
           "Timer", "UnknownRun", "is_postgres_url", "mask_url", "open_store", "sqlite_path"]



@runtime_checkable
class RunStoreAPI(Protocol):
    """What the commands (`run`, `resume`, `runs`, `verify`, `store`) need of a run store."""

    @property
    def location(self) -> str:
        """Where the store is, fit to print: a path, or a URL with its password masked."""
        ...

    def __enter__(self) -> RunStoreAPI: ...

    def __exit__(self, *exc_info: object) -> None: ...

    def close(self) -> None: ...

    def create(self, record: RunRecord, notices: Sequence[Notice] = ()) -> int:
        """Store a new run and the notices it causes, in one transaction; returns its id (ids
        grow in creation order). A run a schedule started for a fire that was handled
        already raises `AlreadyFired` and stores nothing (`runtime.outbox`)."""
        ...

    def update(self, stored: StoredRun, record: RunRecord,
               notices: Sequence[Notice] = ()) -> StoredRun:
        """Replace a run's record, if nobody changed it since `stored` was loaded, with the
        notices the change causes, in one transaction."""
        ...

    def insert(self, stored: StoredRun) -> bool:
        """Put a run with its own id and version (an import); False if that exact run is
        already there, `StoreError` if another run holds the id."""
        ...

    def claim(self, run_id: int) -> AbstractContextManager[None]:
        """Hold run `run_id` for this process; another holder makes this raise `StoreError`."""
        ...

    def load(self, run_id: int) -> StoredRun:
        """A run, after checking its integrity; a damaged or edited row raises `StoreError`."""
        ...

    def list(self) -> list[RunListing]:
        """Every run, oldest first."""
        ...

    def query(self, query: RunQuery) -> builtins.list[RunListing]:
        """The runs `query` asks for, newest first."""
        ...

    def waiting(self, groups: Sequence[str] | None) -> builtins.list[RunListing]:
        """The waiting runs, soonest deadline first; with `groups`, those asking one of
        them or no group."""
        ...

    def due_timers(self, now: str, limit: int = 100) -> builtins.list[Timer]:
        """The timers not yet fired that are due at `now`, soonest first; the cost grows
        with how many are due, not with how many runs wait (an index on the due time)."""
        ...

    def fire_timer(self, timer: Timer, now: str, notices: Sequence[Notice] = ()) -> bool:
        """Mark `timer` fired, with the notices that causes; False when another process
        fired it first."""
        ...

    # -- the outbox and the schedule fires (`runtime.outbox`) ---------------------------

    def new_notices(self, limit: int = 100) -> builtins.list[StoredNotice]: ...

    def expand_notice(self, notice_id: int, deliveries: Sequence[NewDelivery],
                      now: str) -> int: ...

    def claim_deliveries(self, owner: str, now: str, lease_until: str,
                         limit: int = 20) -> builtins.list[Delivery]: ...

    def settle_delivery(self, delivery_id: int, owner: str, state: str, now: str,
                        next_at: str | None = None, error: str | None = None) -> bool: ...

    def deliveries(self, state: str | None = None, limit: int = 50,
                   before: int | None = None) -> builtins.list[Delivery]: ...

    def retry_deliveries(self, ids: Sequence[int] | None, now: str) -> int: ...

    def last_fires(self) -> dict[str, Fire]: ...

    def skip_fire(self, schedule: str, fire_at: str, outcome: str, at: str) -> bool: ...

    def gauges(self, now: str, overdue_before: str) -> Gauges: ...

    def integrity_check(self) -> str:
        """The database's own check of the store: "ok" when sound."""
        ...

    def schema_version(self) -> int:
        """The version of the store's tables (migrations have run when this is current)."""
        ...


def open_store(location: str | Path) -> RunStoreAPI:
    """The store `location` names: a path or `sqlite:///...` (SQLite), `postgresql://...`."""
    text = str(location)
    if is_postgres_url(text):
        try:
            from runtime.postgres_store import PostgresRunStore
        except ImportError as problem:
            raise StoreError(f"a PostgreSQL store needs psycopg 3 ({problem.name} is not "
                             "installed): pip install 'mission[postgres]'") from None
        return PostgresRunStore(text)
    if "://" in text and not text.startswith(SQLITE_SCHEME):
        scheme = text.split("://", 1)[0]
        raise StoreError(f"`{scheme}://` is not a run store; give a path, sqlite:///PATH "
                         "or postgresql://USER@HOST:PORT/DATABASE")
    from runtime.store import RunStore

    return RunStore(sqlite_path(text))


def iterate_runs(store: RunStoreAPI) -> Iterator[StoredRun]:
    """Every sound run of `store`, oldest first (damaged rows are left to `mission runs`)."""
    for item in store.list():
        if item.problem is None:
            yield store.load(item.run_id)
