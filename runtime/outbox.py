"""The run store's outbox and schedule fires: what both stores keep beside the runs.

- **Notices** (`runtime.notices`) are written by `create`, `update` and `fire_timer` in the
  same transaction as the change that causes them, each once per run and key: a notice
  exists exactly when its change does, so nothing is lost however a process dies.
- **Deliveries** are a notice expanded, when it is delivered, into one row per channel and
  recipient (`expand_notice`), each with the idempotency key its receiver sees. A deliverer
  *claims* the deliveries that are due for a while (a lease, `claim_deliveries`): on
  PostgreSQL with `FOR UPDATE SKIP LOCKED`, so servers sharing a store skip the rows another
  holds; on SQLite in one `BEGIN IMMEDIATE` transaction, a conditional update. It then
  *settles* each (`settle_delivery`: sent, retried at a later time, or dead), only while its
  lease is its own. A deliverer killed mid-delivery leaves its rows leased: they are due
  again when the lease ends, so a message is delivered at least once, and twice only when
  the sender died between the receiver's acceptance and its own record.
- **Schedule fires** (`schedule_fires`): each (schedule, fire time) handled, by a run
  started for it (written by `create` with the run: a second `create` for the same fire is
  refused, `AlreadyFired`, so a fire starts at most one run across every server on the
  store) or by a decision not to start one (`skip_fire`). The latest fire of a schedule is
  where its scheduler resumes.

The store reads no clock: every time here comes from the caller. The SQL is written once
for both stores, with `?` placeholders (the PostgreSQL store turns them into `%s`).
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from runtime.notices import Notice
from runtime.orchestration.canonical import canonical_json
from runtime.records import RunRecord
from runtime.store_errors import AlreadyFired

DELIVERY_STATES = ("pending", "sent", "dead")
# What `Execute` runs: one statement and its values, giving a cursor (`fetchall`, `rowcount`).
Execute = Callable[[str, Sequence[Any]], Any]


@dataclass(frozen=True, slots=True)
class StoredNotice:
    notice_id: int
    run_id: int
    kind: str
    key: str
    at: str | None
    payload: dict[str, Any] | None  # None: the row is damaged and cannot be read


@dataclass(frozen=True, slots=True)
class NewDelivery:
    """One message of a notice: a channel ("email", "webhook"), to one recipient (a user's
    name, a webhook's name) at one address (an email address; "" for a webhook, whose URL
    is the configuration's), with its idempotency key."""

    channel: str
    recipient: str
    address: str
    key: str


@dataclass(frozen=True, slots=True)
class Delivery:
    delivery_id: int
    notice_id: int
    run_id: int
    kind: str  # the notice's kind
    channel: str
    recipient: str
    address: str
    key: str
    state: str  # one of DELIVERY_STATES
    attempts: int  # how many times it was claimed to be sent
    next_at: str  # when it is due (again)
    last_error: str | None
    sent_at: str | None
    created_at: str
    payload: dict[str, Any] | None  # the notice's; None: damaged

    def to_json(self) -> dict[str, Any]:
        """The fields `mission notifications --json` and the pages give."""
        return {"id": self.delivery_id, "run_id": self.run_id, "kind": self.kind,
                "channel": self.channel, "recipient": self.recipient,
                "address": self.address, "key": self.key, "state": self.state,
                "attempts": self.attempts, "next_at": self.next_at,
                "last_error": self.last_error, "sent_at": self.sent_at,
                "created_at": self.created_at}


@dataclass(frozen=True, slots=True)
class Fire:
    """One fire time of a schedule, handled: a run started for it, or skipped, or failed
    to start (`outcome` says which and why)."""

    schedule: str
    fire_at: str
    run_id: int | None
    outcome: str  # "started", "skipped: WHY" or "failed: WHY"
    at: str | None  # when it was handled (the run's start)


@dataclass(frozen=True, slots=True)
class Gauges:
    """What `/metrics` reads of a store at one instant."""

    waiting: int  # runs waiting for an answer
    due: int  # deadlines due and not fired yet
    overdue: int  # of those, due before `overdue_before` (the timer service is late)
    notices: int  # notices not yet expanded into deliveries
    pending: int  # deliveries not yet sent
    dead: int  # deliveries given up on (dead letters)


_DELIVERY_COLUMNS = ("d.id, d.notice_id, n.run_id, n.kind, d.channel, d.recipient, d.address, "
                     "d.key, d.state, d.attempts, d.next_at, d.last_error, d.sent_at, "
                     "d.created_at, n.payload")
_FROM = "FROM deliveries d JOIN notices n ON n.id = d.notice_id"


class Outbox:
    """The outbox and schedule fires of a store; the store gives `_outbox_write` (a
    transaction, yielding its `Execute`) and `_outbox_read` (rows of one query)."""

    SKIP_LOCKED = ""  # PostgreSQL: " FOR UPDATE SKIP LOCKED"

    def _outbox_write(self) -> AbstractContextManager[Execute]:
        raise NotImplementedError

    def _outbox_read(self, sql: str, values: Sequence[Any]) -> builtins.list[tuple[Any, ...]]:
        raise NotImplementedError

    # -- written with a run -------------------------------------------------------------

    @staticmethod
    def _write_notices(execute: Execute, run_id: int, notices: Sequence[Notice]) -> None:
        """The notices of a change to run `run_id`, in the caller's transaction; one of a key
        the run has already is left as it is."""
        for notice in notices:
            execute("INSERT INTO notices (run_id, key, kind, at, payload) VALUES "
                    "(?, ?, ?, ?, ?) ON CONFLICT (run_id, key) DO NOTHING",
                    (run_id, notice.key, notice.kind, notice.at, canonical_json(notice.payload)))

    @staticmethod
    def _write_fire(execute: Execute, run_id: int, record: RunRecord,
                    refuse_twice: bool = True) -> None:
        """A scheduled run's fire, in its transaction: `AlreadyFired` when a run was already
        started for it (or it was skipped), unless `refuse_twice` is false (an import)."""
        schedule = record.schedule
        if schedule is None:
            return
        cursor = execute("INSERT INTO schedule_fires (schedule, fire_at, run_id, outcome, at) "
                         "VALUES (?, ?, ?, 'started', ?) ON CONFLICT (schedule, fire_at) "
                         "DO NOTHING", (schedule["name"], schedule["fire_at"], run_id,
                                        record.started_at))
        if cursor.rowcount == 0 and refuse_twice:
            raise AlreadyFired(f"schedule `{schedule['name']}` was already handled for its "
                               f"fire at {schedule['fire_at']} (by another process)")

    # -- notices and deliveries ---------------------------------------------------------

    def new_notices(self, limit: int = 100) -> builtins.list[StoredNotice]:
        """Notices not yet expanded into deliveries, oldest first."""
        rows = self._outbox_read("SELECT id, run_id, kind, key, at, payload FROM notices "
                                 "WHERE expanded_at IS NULL ORDER BY id LIMIT ?", (limit,))
        return [StoredNotice(row[0], row[1], str(row[2]), str(row[3]), row[4],
                             _payload(row[5])) for row in rows]

    def expand_notice(self, notice_id: int, deliveries: Sequence[NewDelivery],
                      now: str) -> int:
        """Write a notice's deliveries, due now, and mark it expanded; a delivery whose key
        is there already (another process expanded it too) is kept once. How many were new."""
        added = 0
        with self._outbox_write() as execute:
            for delivery in deliveries:
                cursor = execute(
                    "INSERT INTO deliveries (notice_id, channel, recipient, address, key, "
                    "state, attempts, next_at, created_at) VALUES (?, ?, ?, ?, ?, 'pending', "
                    "0, ?, ?) ON CONFLICT (key) DO NOTHING",
                    (notice_id, delivery.channel, delivery.recipient, delivery.address,
                     delivery.key, now, now))
                added += cursor.rowcount
            execute("UPDATE notices SET expanded_at = ? WHERE id = ? AND expanded_at IS NULL",
                    (now, notice_id))
        return added

    def claim_deliveries(self, owner: str, now: str, lease_until: str,
                         limit: int = 20) -> builtins.list[Delivery]:
        """Hold up to `limit` due deliveries for `owner` until `lease_until` (each claim
        counts as an attempt), skipping those another deliverer holds."""
        with self._outbox_write() as execute:
            claimed = [row[0] for row in execute(
                "UPDATE deliveries SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 "
                "WHERE id IN (SELECT id FROM deliveries WHERE state = 'pending' AND next_at <= ? "
                "AND (lease_until IS NULL OR lease_until <= ?) ORDER BY next_at, id LIMIT ?"
                f"{self.SKIP_LOCKED}) RETURNING id",
                (owner, lease_until, now, now, limit)).fetchall()]
        if not claimed:
            return []
        marks = ", ".join("?" for _ in claimed)
        return sorted(self._deliveries(f"WHERE d.id IN ({marks})", claimed),
                      key=lambda found: (found.next_at, found.delivery_id))

    def settle_delivery(self, delivery_id: int, owner: str, state: str, now: str,
                        next_at: str | None = None, error: str | None = None) -> bool:
        """Record what became of a claimed delivery: "sent", "dead", or "pending" again at
        `next_at`; False when the lease is no longer `owner`'s (it ran out, and another
        deliverer has it now)."""
        with self._outbox_write() as execute:
            cursor = execute(
                "UPDATE deliveries SET state = ?, next_at = ?, last_error = ?, sent_at = ?, "
                "lease_owner = NULL, lease_until = NULL WHERE id = ? AND lease_owner = ?",
                (state, next_at or now, error, now if state == "sent" else None, delivery_id,
                 owner))
            return bool(cursor.rowcount == 1)

    def deliveries(self, state: str | None = None, limit: int = 50,
                   before: int | None = None) -> builtins.list[Delivery]:
        """Deliveries, newest first: those in `state`, with an id below `before`."""
        conditions: list[str] = []
        values: list[Any] = []
        if state is not None:
            conditions.append("d.state = ?")
            values.append(state)
        if before is not None:
            conditions.append("d.id < ?")
            values.append(before)
        where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
        return self._deliveries(f"{where}ORDER BY d.id DESC LIMIT ?", [*values, limit])

    def retry_deliveries(self, ids: Sequence[int] | None, now: str) -> int:
        """Send dead deliveries again from now, with their attempts counted from zero: those
        of `ids`, or every dead one (None). How many."""
        where = "state = 'dead'"
        values: list[Any] = [now]
        if ids is not None:
            if not ids:
                return 0
            where += f" AND id IN ({', '.join('?' for _ in ids)})"
            values += list(ids)
        with self._outbox_write() as execute:
            cursor = execute("UPDATE deliveries SET state = 'pending', attempts = 0, "
                             f"next_at = ?, lease_owner = NULL, lease_until = NULL WHERE {where}",
                             values)
            return int(cursor.rowcount)

    def _deliveries(self, tail: str, values: Sequence[Any]) -> builtins.list[Delivery]:
        return [Delivery(int(row[0]), int(row[1]), int(row[2]), str(row[3]), str(row[4]),
                         str(row[5]), str(row[6]), str(row[7]), str(row[8]), int(row[9]),
                         str(row[10]), row[11], row[12], str(row[13]), _payload(row[14]))
                for row in self._outbox_read(f"SELECT {_DELIVERY_COLUMNS} {_FROM} {tail}",
                                             values)]

    # -- schedules ----------------------------------------------------------------------

    def last_fires(self) -> dict[str, Fire]:
        """The latest fire handled of each schedule that has one."""
        rows = self._outbox_read(
            "SELECT schedule, fire_at, run_id, outcome, at FROM schedule_fires f WHERE "
            "fire_at = (SELECT max(fire_at) FROM schedule_fires l WHERE l.schedule = "
            "f.schedule)", ())
        return {str(row[0]): Fire(str(row[0]), str(row[1]), row[2], str(row[3]), row[4])
                for row in rows}

    def skip_fire(self, schedule: str, fire_at: str, outcome: str, at: str) -> bool:
        """Record that no run starts for this fire (`outcome` says why); False when it was
        handled already."""
        with self._outbox_write() as execute:
            cursor = execute("INSERT INTO schedule_fires (schedule, fire_at, run_id, outcome, "
                             "at) VALUES (?, ?, NULL, ?, ?) ON CONFLICT (schedule, fire_at) "
                             "DO NOTHING", (schedule, fire_at, outcome, at))
            return bool(cursor.rowcount == 1)

    # -- what /metrics reads ------------------------------------------------------------

    def gauges(self, now: str, overdue_before: str) -> Gauges:
        def count(sql: str, values: Sequence[Any] = ()) -> int:
            return int(self._outbox_read(sql, values)[0][0])

        deadline = "SELECT count(*) FROM timers WHERE fired_at IS NULL AND kind = 'deadline' "
        return Gauges(
            waiting=count("SELECT count(*) FROM runs WHERE status = 'waiting'"),
            due=count(deadline + "AND due_at <= ?", (now,)),
            overdue=count(deadline + "AND due_at <= ?", (overdue_before,)),
            notices=count("SELECT count(*) FROM notices WHERE expanded_at IS NULL"),
            pending=count("SELECT count(*) FROM deliveries WHERE state = 'pending'"),
            dead=count("SELECT count(*) FROM deliveries WHERE state = 'dead'"))


def _payload(text: Any) -> dict[str, Any] | None:
    """A notice's payload as stored, or None when the row is damaged."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return None
    try:
        data = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
