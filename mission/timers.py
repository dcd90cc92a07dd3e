"""The timer service: fire the deadlines and reminders that are due.

`mission tick` runs it once and exits (for cron or a systemd timer); `mission
serve` runs it every few seconds. It asks the store only for the timers that
are due (an index on their due time, so the cost follows what is due, not
what waits), and fires each through `mission.advance`, the path answers take:
a deadline is recorded as an event "by the deadline" at the time it fired, and
the run continues as its rule says. Several services on one store fire each
deadline once: the run's claim and the record's version decide, and a timer
whose run is held elsewhere is tried again on the next tick. A reminder is
marked sent in one transaction with its notice (`runtime.notices`), so it is sent once;
the deadline's own notices are written with the record it changes (`mission.keeping`).
"""

from __future__ import annotations

from dataclasses import dataclass

from mission.advance import Bind, Execute, describe_fired, fire
from runtime.listing import Timer
from runtime.notices import reminder_notice
from runtime.orchestration.times import parse_instant
from runtime.records import RunRecord
from runtime.store_api import RunStoreAPI, StoreError

BATCH = 100  # timers read from the store at a time


@dataclass(frozen=True, slots=True)
class Fired:
    timer: Timer
    line: str  # what happened, for people


def tick(store: RunStoreAPI, now: str, *, execute: Execute, bind: Bind,
         limit: int = 10_000) -> list[Fired]:
    """Fire every timer due at `now` (at most `limit`), soonest first."""
    done: list[Fired] = []
    passed: set[tuple[int, str, str, int]] = set()  # held elsewhere: next tick
    while len(done) < limit:
        due = [timer for timer in store.due_timers(now, BATCH)
               if (timer.run_id, timer.kind, timer.step, timer.stage) not in passed]
        if not due:
            break
        for timer in due[:limit - len(done)]:
            fired = _fire(store, timer, now, execute, bind)
            if fired is None:
                passed.add((timer.run_id, timer.kind, timer.step, timer.stage))
            else:
                done.append(fired)
    return done


def _fire(store: RunStoreAPI, timer: Timer, now: str, execute: Execute,
          bind: Bind) -> Fired | None:
    if timer.kind == "reminder":
        try:
            record: RunRecord | None = store.load(timer.run_id).record
        except StoreError:
            record = None  # a damaged run: the reminder is marked sent, with no message
        if record is not None and _deadline_due(record, now):
            store.fire_timer(timer, now, [])  # the timer ran late: the deadline speaks now
            return None
        notices = [] if record is None else \
            [reminder_notice(record, timer.step, timer.stage, timer.due_at)]
        if not store.fire_timer(timer, now, notices):
            return None
        return Fired(timer, _reminded(record, timer))
    moved = fire(store, timer, now, execute=execute, bind=bind)
    return None if moved is None else Fired(timer, describe_fired(moved))


def _deadline_due(record: RunRecord, now: str) -> bool:
    """Whether the deadline a reminder comes before is itself due by `now` (a tick after
    a pause): the reminder is then marked sent without a message."""
    deadline = (record.question or {}).get("deadline")
    due = deadline.get("due_at") if isinstance(deadline, dict) else None
    return isinstance(due, str) and parse_instant(due) <= parse_instant(now)


def _reminded(record: RunRecord | None, timer: Timer) -> str:
    """What a reminder says: the step that waits, who is asked, when its deadline is due."""
    question = (record.question if record is not None else None) or {}
    group = question.get("group")
    deadline = question.get("deadline")
    due = deadline.get("due_at", "?") if isinstance(deadline, dict) else "?"
    asked = f" for {group}" if isinstance(group, str) else ""
    return (f"run {timer.run_id}: reminder: step `{timer.step}` waits{asked}; its deadline "
            f"is due at {due}")
