"""Moving a stored run on: an answer, a cancellation, or a deadline that is due.

`mission resume`, `mission cancel`, `mission tick` and `mission serve` all change a
stored run the same way, here: hold the run (this process's lock, then the store's
claim, so nobody else continues it meanwhile), load it, fire the deadline of the
step it waits on if that is due by now (a deadline is defined by time, not by when
a timer happens to run: an answer that comes after it is told what the deadline
decided), then replay the record with the new events and write the new record in
one transaction. Every event carries who acted and when; the engine reads neither.

A change that cannot be made raises `Refusal`, with an HTTP status (serve shows
it; the command line prints its message, exit 2), and writes nothing.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from mission.binding import Binding
from mission.keeping import RunKeeper, record_starts
from runtime.listing import Timer
from runtime.orchestration.model import (
    ExecutionContext,
    OrchestrationResult,
    WorkflowDefinition,
)
from runtime.orchestration.times import parse_instant
from runtime.records import RecordError, RunRecord
from runtime.store_api import RunStoreAPI, StoredRun, StoreError, UnknownRun

Execute = Callable[[WorkflowDefinition, ExecutionContext], OrchestrationResult]
# The effect runner and the project operations' functions a stored run of a workflow needs
# (`mission.binding.bind_record`: under the configuration the run started with).
Bind = Callable[[WorkflowDefinition, RunRecord], Binding]


class Refusal(Exception):
    """A change that is not made: its HTTP status, message and, for a form, the field;
    `record` is the run as it was found when it no longer waits (so the caller can say
    what decided it, in its own words)."""

    def __init__(self, status: int, message: str, field: str | None = None,
                 record: RunRecord | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.record = record


@dataclass
class Moved:
    """A stored run after a change: the new row, what it replaced, and the replay."""

    run_id: int
    stored: StoredRun
    before: RunRecord
    workflow: WorkflowDefinition
    context: ExecutionContext
    result: OrchestrationResult
    fired: list[dict[str, Any]] = field(default_factory=list)  # deadlines fired on the way

    @property
    def record(self) -> RunRecord:
        return self.stored.record


# This process's lock per run: the store's claim is a POSIX lock for SQLite, which threads
# of one process share, so the server's threads (requests, the timer) also queue here.
_LOCKS: dict[int, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


@contextmanager
def held(store: RunStoreAPI, run_id: int, wait: float) -> Iterator[None]:
    """Hold run `run_id`: this process's lock, then the store's claim, waiting up to `wait`
    seconds for another holder (which finishes in milliseconds) before `Refusal` 409."""
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(run_id, threading.Lock())
    if not (lock.acquire(timeout=wait) if wait > 0 else lock.acquire(blocking=False)):
        raise Refusal(409, f"run {run_id} is being changed right now; try again")
    try:
        with ExitStack() as claimed:
            deadline = time.monotonic() + wait
            while True:
                try:
                    claimed.enter_context(store.claim(run_id))
                    break
                except UnknownRun as problem:
                    raise Refusal(404, str(problem)) from None
                except StoreError as problem:
                    if time.monotonic() >= deadline:
                        raise Refusal(409, str(problem)) from None
                    time.sleep(0.01)
            yield
    finally:
        lock.release()


def load(store: RunStoreAPI, run_id: int) -> StoredRun:
    try:
        return store.load(run_id)
    except UnknownRun as problem:
        raise Refusal(404, str(problem)) from None
    except StoreError as problem:
        raise Refusal(409, str(problem)) from None


def stored_workflow(record: RunRecord, run_id: int) -> WorkflowDefinition:
    try:
        return record.stored_workflow()
    except RecordError as problem:
        raise Refusal(409, f"run {run_id}: {problem}") from None


def ended(record: RunRecord, run_id: int) -> str:
    """Why run `run_id` takes no more answers: how it ended, by whom and when."""
    if record.status == "cancelled":
        cancel = next((event for event in record.events if event.get("kind") == "cancel"), {})
        by = f" by {cancel['by']}" if "by" in cancel else ""
        at = f" at {cancel['at']}" if "at" in cancel else ""
        reason = f" ({cancel['reason']})" if cancel.get("reason") else ""
        return f"run {run_id} was cancelled{by}{at}{reason}; it takes no more answers"
    when = f" at {record.finished_at}" if record.finished_at else ""
    return f"run {run_id} is not waiting for an answer: it {record.status}{when}"


def _replayed(store: RunStoreAPI, stored: StoredRun, workflow: WorkflowDefinition,
              events: list[dict[str, Any]], execute: Execute, bind: Bind,
              ask: Callable[[dict[str, Any]], Any] | None = None,
              before_write: Callable[[RunRecord], None] | None = None,
              ) -> tuple[StoredRun, ExecutionContext, OrchestrationResult]:
    """The run replayed with `events` added, its new record written (when it changed);
    `before_write` sees the new record first (a receipt file that cannot be written then
    stores nothing more). Before an effect starts the run is saved as it would be if the
    effect never reported back (`mission.keeping`), so no effect runs twice."""
    record = stored.record
    binding = bind(workflow, record)
    context = record.context(events=events, effects=binding.effects, ask=ask,
                             implementations=binding.implementations)
    keeper = RunKeeper(store, stored)
    record_starts(context, keeper, record.mission, workflow, record.configuration)
    try:
        result = execute(workflow, context)
        updated = RunRecord.of(record.mission, workflow, context, result, keep_workflow=True,
                               configuration=record.configuration)
        assert keeper.stored is not None
        if keeper.stored is not stored and updated != keeper.stored.record:
            keeper.save(updated)  # an effect started: what happened is stored before all else
        if before_write is not None:
            before_write(updated)
        if updated != keeper.stored.record:
            keeper.save(updated)
    except StoreError as problem:
        raise Refusal(409, str(problem)) from None
    assert keeper.stored is not None
    return keeper.stored, context, result


def due_deadline(record: RunRecord, now: str) -> dict[str, Any] | None:
    """The deadline event to record now for the step the run waits on, if it is due."""
    deadline = (record.question or {}).get("deadline") if record.status == "waiting" else None
    due = deadline.get("due_at") if isinstance(deadline, dict) else None
    if not isinstance(due, str) or parse_instant(due) > parse_instant(now):
        return None
    assert deadline is not None
    return {"kind": "deadline", "step": record.waiting_step_id, "stage": deadline["stage"],
            "at": now}


def _fire_due(store: RunStoreAPI, stored: StoredRun, workflow: WorkflowDefinition, now: str,
              execute: Execute, bind: Bind) -> tuple[StoredRun, list[dict[str, Any]],
                                                       OrchestrationResult | None,
                                                       ExecutionContext | None]:
    """Fire the waiting step's deadlines that are due by `now`, each written as it fires."""
    fired: list[dict[str, Any]] = []
    result = context = None
    while (event := due_deadline(stored.record, now)) is not None:
        stored, context, result = _replayed(store, stored, workflow, [event], execute, bind)
        fired.append(event)
    return stored, fired, result, context


def move(store: RunStoreAPI, run_id: int, events: list[dict[str, Any]], now: str, *,
         execute: Execute, bind: Bind, wait: float = 0.0,
         check: Callable[[RunRecord], None] | None = None,
         ask: Callable[[dict[str, Any]], Any] | None = None,
         before_write: Callable[[RunRecord], None] | None = None) -> Moved:
    """Fire what is due, then add `events` (answers, a cancellation) to waiting run
    `run_id`; `check` refuses the change for the record as it then is (who may answer)."""
    with held(store, run_id, wait):
        stored = load(store, run_id)
        before = stored.record
        workflow = stored_workflow(before, run_id)
        stored, fired, _, _ = _fire_due(store, stored, workflow, now, execute, bind)
        record = stored.record
        if record.status != "waiting":
            message = ended(record, run_id)
            if fired:
                message = f"{fired_text(record, fired[-1])}; {message}"
            raise Refusal(409, message, record=record)
        if check is not None:
            check(record)
        stored, context, result = _replayed(store, stored, workflow, events, execute, bind,
                                            ask, before_write)
        return Moved(run_id, stored, before, workflow, context, result, fired)


def fire(store: RunStoreAPI, timer: Timer, now: str, *, execute: Execute,
         bind: Bind) -> Moved | None:
    """The timer service's work for one due deadline: fire it, unless the run moved on or
    another process holds it (it is tried again on the next tick). None: nothing fired."""
    try:
        with held(store, timer.run_id, 0.0):
            stored = load(store, timer.run_id)
            before = stored.record
            workflow = stored_workflow(before, timer.run_id)
            stored, fired, result, context = _fire_due(store, stored, workflow, now, execute,
                                                       bind)
            if not fired:
                store.fire_timer(timer, now)  # left behind by a change: never due again
                return None
            assert result is not None and context is not None
            return Moved(timer.run_id, stored, before, workflow, context, result, fired)
    except Refusal:
        return None


def fired_text(record: RunRecord, event: dict[str, Any]) -> str:
    """What a deadline decided, for the person whose answer came after it."""
    step = event["step"]
    if record.status == "waiting" and record.waiting_step_id == step:
        group = (record.question or {}).get("group")
        return f"the deadline of step `{step}` passed at {event['at']} and moved the " \
               f"question to {group}"
    if step in record.answers:
        answer = json.dumps(record.answers[step], ensure_ascii=False, sort_keys=True)
        return f"the deadline of step `{step}` passed at {event['at']} and applied its " \
               f"default answer {answer}"
    return f"the deadline of step `{step}` passed at {event['at']} and failed the step"


def describe_fired(moved: Moved) -> str:
    """One line saying what the deadlines fired on a run did."""
    event = moved.fired[-1]
    return f"run {moved.run_id}: {fired_text(moved.record, event)}; the run " + (
        f"now waits on `{moved.record.waiting_step_id}`" if moved.record.status == "waiting"
        else moved.record.status)


def may_not_answer(record: RunRecord, who: str) -> str | None:
    """Why `who` may not answer the step the run waits on (None: they may, as far as the
    record tells: no self-approval, one answer per person)."""
    refused = (record.question or {}).get("may_not_answer", {})
    reason = refused.get(who) if isinstance(refused, dict) else None
    if reason is None:
        return None
    step = record.waiting_step_id
    if reason == "started the run":
        return f"{who} started this run and may not answer step `{step}` (no self-approval)"
    return f"{who} has already answered step `{step}`; another person must answer it"
