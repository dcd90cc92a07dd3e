"""Starting, answering and cancelling runs on the run store, for the pages and the API alike.

Every change to a stored run goes through `mission.advance.move`, the path `mission
resume`, `cancel` and `tick` take: the run is held (this process's lock, then the store's
claim, so a `mission resume` in a terminal or another server waits its turn), reloaded,
a deadline of its waiting step that is due by now fires first (a deadline is defined by
time, not by when a timer happens to run), the checks below run on the record as it then
is, and the new record is written in one transaction. So one answer per step, whoever
asks at the same moment, and a server killed at any moment leaves the run as it was
before the change or after it.

Who may do what (docs/serve.md): answer the waiting step, members of the group it asks
*now* (after an escalation, the new group; a step without `by`, whoever may start its
mission), admins anything, never someone the step refuses by name (`except starter`, a
second answer of one person to `by N of GROUP`); cancel, admins and whoever started the
run. A request from someone who could never answer the step is refused before the run is
touched, so it fires nothing either.

Every problem is a `Refusal` with an HTTP status and a message; nothing is written before
every check has passed, and no message names where the store is.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mission.accounts import Accounts, User, may_answer
from mission.acting import Clock, answer_event
from mission.advance import Execute, Refusal, ended, fired_text, may_not_answer, move
from mission.binding import Binding
from mission.keeping import RunKeeper, record_starts
from mission.serve.catalogue import Mission
from mission.timers import Fired, tick
from runtime.listing import RunQuery, asked_group, mission_name
from runtime.orchestration.model import (
    ExecutionContext,
    StepSpec,
    WorkflowDefinition,
)
from runtime.records import RecordError, RunRecord
from runtime.store_api import (
    RunListing,
    RunStoreAPI,
    StoredRun,
    StoreError,
    UnknownRun,
    open_store,
)

if TYPE_CHECKING:
    from compiler.config import Config
    from mission.delivery import Deliverer, Outcome
    from mission.links import Link
    from mission.scheduler import Handled

CLAIM_WAIT = 5.0  # seconds a change waits for another process's claim on its run
MAX_REASON = 1000  # characters of a cancellation's reason


@dataclass(frozen=True, slots=True)
class Waiting:
    """A run waiting for an answer from someone who may give it."""

    run_id: int
    name: str  # the mission's own name
    title: str
    step_id: str
    question: dict[str, Any]
    group: str | None


def mission_title(record: RunRecord) -> str:
    """The mission's title (`mission NAME "TITLE"`), else its name."""
    metadata = (record.workflow or {}).get("metadata")
    title = metadata.get("description") if isinstance(metadata, dict) else None
    return title if isinstance(title, str) and title else mission_name(record)


def _may_start(accounts: Accounts, user: User, record: RunRecord) -> bool:
    """Whether `user` may start the run's mission: by what was run (a mission of this
    server) or by the mission's own name (a run started from the command line)."""
    return any(accounts.may_start(user, name) for name in {record.mission, mission_name(record)})


def answer_refusal(user: User, accounts: Accounts, record: RunRecord) -> str | None:
    """Why `user` may not answer the step run `record` waits on now (None: they may)."""
    step = record.waiting_step_id
    group = asked_group(record)
    if not may_answer(user, group, _may_start(accounts, user, record)):
        who = f"members of `{group}`" if group else \
            f"those who may start `{mission_name(record)}`"
        moved = _escalated_at(record)
        since = f" (its deadline passed at {moved} and moved the question to them)" \
            if moved else ""
        return f"{user.name} may not answer step `{step}`: only {who} may{since}"
    return may_not_answer(record, user.name)


def may_cancel(user: User, record: RunRecord) -> bool:
    """Admins and whoever started the run (by the name the run recorded)."""
    return user.is_admin or (record.started_by is not None and record.started_by == user.name)


def _escalated_at(record: RunRecord) -> str | None:
    """When the waiting step's question last moved to another group (None: it did not)."""
    last = _last_event(record, record.waiting_step_id)
    return str(last.get("at")) if last is not None and last["kind"] == "deadline" else None


def _last_event(record: RunRecord, step_id: str | None) -> dict[str, Any] | None:
    return next((event for event in reversed(record.events)
                 if event.get("step") == step_id), None)


def _not_waiting_for(record: RunRecord, run_id: int, step_id: str) -> str:
    """Why run `run_id` takes no answer to `step_id` now: what decided the step (an
    answer, its deadline), or how the run ended, or the step it waits on instead."""
    last = _last_event(record, step_id)
    if record.status == "cancelled":
        return ended(record, run_id)
    if last is not None and last["kind"] == "deadline":
        after = f"run {run_id} now waits on `{record.waiting_step_id}`" \
            if record.status == "waiting" else ended(record, run_id)
        return f"{fired_text(record, last)}; {after}"
    if step_id in record.answers:
        by = record.answered_by.get(step_id)
        return (f"step `{step_id}` of run {run_id} was already answered"
                f"{' by ' + by if by else ''}; an answer cannot be changed")
    if record.status == "waiting":
        return f"run {run_id} is not waiting for step `{step_id}`: it waits for " \
               f"`{record.waiting_step_id}`"
    return ended(record, run_id)


class Runs:
    """The run store as the server uses it: one short connection per request, the time of
    every change read from `clock`."""

    def __init__(self, location: str | Path, catalogue: dict[str, Mission],
                 clock: Clock) -> None:
        self.location = str(location)
        self.catalogue = catalogue
        self.clock = clock

    @contextmanager
    def store(self) -> Iterator[RunStoreAPI]:
        try:
            with open_store(self.location) as store:
                yield store
        except StoreError as problem:
            raise self.refusal(503, problem) from None

    def refusal(self, status: int, problem: StoreError) -> Refusal:
        """A refusal for a store's problem, told to every signed-in user: without the
        store's location (a file path, a host), which only the server's log names."""
        return Refusal(status, self.private(str(problem)))

    def private(self, message: str) -> str:
        """`message` with the store's location (and its directory) left out."""
        from runtime.store_api import is_postgres_url, mask_url, sqlite_path

        places = [self.location, mask_url(self.location)]
        if not is_postgres_url(self.location):
            try:
                path = sqlite_path(self.location)
            except StoreError:
                path = None
            if path is not None:
                for name in (path, path.absolute()):
                    places += [f"{name}.lock", str(name)]
                places += [str(path.parent), str(path.absolute().parent)]
        for place in sorted({place for place in places if place and place != "."},
                            key=len, reverse=True):
            message = message.replace(place, "the run store")
        return message

    def _moved(self, run_id: int, events: list[dict[str, Any]], now: str, execute: Execute,
               check: Callable[[RunRecord], None] | None = None) -> RunRecord:
        """`mission.advance.move` on this server's store, its refusals told privately."""
        with self.store() as store:
            try:
                return move(store, run_id, events, now, execute=execute, bind=bound,
                            wait=CLAIM_WAIT, check=check).record
            except Refusal as refusal:
                raise Refusal(refusal.status, self.private(refusal.message), refusal.field,
                              refusal.record) from None

    # -- reading ------------------------------------------------------------------------

    def load(self, run_id: int) -> StoredRun:
        with self.store() as store:
            try:
                return store.load(run_id)
            except UnknownRun:
                raise Refusal(404, f"there is no run {run_id}") from None
            except StoreError as problem:
                raise self.refusal(409, problem) from None

    def query(self, query: RunQuery) -> list[RunListing]:
        with self.store() as store:
            try:
                return store.query(query)
            except StoreError as problem:
                raise self.refusal(503, problem) from None

    def inbox(self, user: User, accounts: Accounts) -> list[Waiting]:
        """The waiting runs whose waiting step `user` may answer now, soonest deadline
        first (the store's order), then the oldest."""
        found = []
        with self.store() as store:
            for row in store.waiting(None if user.is_admin else sorted(user.groups)):
                if row.problem is not None or row.waiting_step is None:
                    continue
                try:
                    record = store.load(row.run_id).record
                except StoreError:
                    continue  # listed as damaged on the runs page
                if record.status == "waiting" and answer_refusal(user, accounts, record) is None:
                    found.append(Waiting(row.run_id, mission_name(record), mission_title(record),
                                         row.waiting_step, dict(record.question or {}),
                                         asked_group(record)))
        return found

    # -- writing ------------------------------------------------------------------------

    def start(self, user: User, accounts: Accounts, name: str, params: dict[str, Any],
              state: dict[str, Any]) -> tuple[int, RunRecord]:
        """Start `name` as `user`, now: the run records who started it and when."""
        from mission.binding import recorded_configuration

        mission = self.catalogue.get(name)
        if mission is None:
            raise Refusal(404, f"there is no mission `{name}` on this server "
                               f"(missions: {', '.join(sorted(self.catalogue))})")
        if not accounts.may_start(user, name):
            raise Refusal(403, f"{user.name} may not start `{name}` (an admin grants it with "
                               f"`mission users allow GROUP {name}`)")
        workflow = mission.workflow
        binding = bound(workflow, mission)
        context = ExecutionContext(initial_state=state, params=params, effects=binding.effects,
                                   implementations=binding.implementations,
                                   started={"at": self.clock.now(), "by": user.name})
        configuration = recorded_configuration(workflow, mission.config)
        with self.store() as store:
            keeper = RunKeeper(store)  # saved before an effect starts (`mission.keeping`)
            record_starts(context, keeper, name, workflow, configuration)
            result = _execute(workflow, context, None)
            record = RunRecord.of(name, workflow, context, result, keep_workflow=True,
                                  configuration=configuration)
            try:
                return keeper.save(record).run_id, record
            except StoreError as problem:
                raise self.refusal(409, problem) from None

    def answer(self, user: User, accounts: Accounts, run_id: int, step_id: str,
               value: Any) -> RunRecord:
        """Answer `step_id` of run `run_id` as `user`, now; the new record."""
        record = self.load(run_id).record
        step = _human_step(record, run_id, step_id)
        never = _never_answers(user, accounts, record, step)
        if never is not None:
            raise Refusal(403, never)

        def check(current: RunRecord) -> None:
            if current.waiting_step_id != step_id:
                raise Refusal(409, _not_waiting_for(current, run_id, step_id))
            refused = answer_refusal(user, accounts, current)
            if refused is not None:
                raise Refusal(403, refused)

        now = self.clock.now()
        try:
            return self._moved(run_id, [answer_event(step_id, value, user.name, now)], now,
                               lambda work, context: _execute(work, context, step_id), check)
        except Refusal as refusal:
            if refusal.record is None:
                raise
            raise Refusal(409, _not_waiting_for(refusal.record, run_id, step_id)) from None

    def cancel(self, user: User, run_id: int, reason: str) -> RunRecord:
        """Cancel waiting run `run_id` as `user`, now, for `reason`; the new record."""
        reason = reason.strip()
        if not reason:
            raise Refusal(422, "say why the run is cancelled: `reason` cannot be empty",
                          "reason")
        if len(reason) > MAX_REASON:
            raise Refusal(422, f"`reason` is at most {MAX_REASON} characters, not "
                               f"{len(reason)}", "reason")
        record = self.load(run_id).record
        if not may_cancel(user, record):
            starter = f" ({record.started_by})" if record.started_by else ""
            raise Refusal(403, f"{user.name} may not cancel run {run_id}: only admins and "
                               f"whoever started it{starter} may")
        now = self.clock.now()
        event = {"kind": "cancel", "reason": reason, "by": user.name, "at": now}
        try:
            return self._moved(run_id, [event], now,
                               lambda work, context: _execute(work, context, None))
        except Refusal as refusal:
            if refusal.record is None:
                raise
            if refusal.record.status == "cancelled":
                raise Refusal(409, f"run {run_id} is cancelled already: "
                                   f"{refusal.record.error_message}") from None
            raise Refusal(409, f"{refusal.message}; only a waiting run can be cancelled"
                          ) from None

    def fire_due(self, limit: int = 10_000) -> list[Fired]:
        """The timer service's work, once: fire the deadlines and reminders due now."""
        with self.store() as store:
            return tick(store, self.clock.now(), execute=lambda work, context:
                        _execute(work, context, None), bind=bound, limit=limit)

    def start_scheduled(self, config: Config) -> list[Handled]:
        """The scheduler's work, once: start the runs the schedules call for now."""
        from mission.scheduler import run_schedules

        with self.store() as store:
            try:
                return run_schedules(store, config, self.clock.now())
            except StoreError as problem:
                raise self.refusal(503, problem) from None

    def deliver(self, deliverer: Deliverer) -> list[Outcome]:
        """The deliverer's work, once: expand the new notices, send what is due now."""
        with self.store() as store:
            try:
                return deliverer.deliver(store, self.clock.now())
            except StoreError as problem:
                raise self.refusal(503, problem) from None

    def read(self, reading: Callable[[RunStoreAPI], Any]) -> Any:
        """`reading` of this server's store (`/metrics`, `/healthz`)."""
        with self.store() as store:
            try:
                return reading(store)
            except StoreError as problem:
                raise self.refusal(503, problem) from None

    def linked(self, link: Link, accounts: Accounts) -> tuple[RunRecord, User]:
        """The run and the person an answer link is for, if it answers now: else a
        `Refusal` saying why (the run moved on, and who answered; this person answered
        already; they may not answer now)."""
        run_id, step = link.run_id, link.step
        try:
            record = self.load(run_id).record
        except Refusal as refusal:
            if refusal.status != 404:
                raise
            raise Refusal(404, f"This link is for run {run_id}, which is not in this "
                               "server's run store.") from None
        if record.started_at != link.started_at:
            raise Refusal(403, f"This link is for another run {run_id} (one started at "
                               f"{link.started_at}), not the one in this server's run store.")
        user = accounts.user(link.user)
        if user is None:
            raise Refusal(403, f"This link was sent to {link.user}, who has no account on "
                               "this server any more.")
        given = _answer_of(record, step, user.name)
        if given is not None:
            at = f" at {given['at']}" if given.get("at") else ""
            raise Refusal(409, f"You ({user.name}) answered step `{step}` of run {run_id} "
                               f"already: {json.dumps(given.get('answer'))}{at}. An answer "
                               "link is used once.")
        if record.status != "waiting" or record.waiting_step_id != step:
            raise Refusal(409, _not_waiting_for(record, run_id, step))
        refused = answer_refusal(user, accounts, record)
        if refused is not None:
            raise Refusal(403, refused)
        return record, user


def _answer_of(record: RunRecord, step: str, who: str) -> dict[str, Any] | None:
    """`who`'s answer to `step`, as the run recorded it (None: they gave none)."""
    return next((event for event in record.events if event.get("kind") == "answer"
                 and event.get("step") == step and event.get("by") == who), None)


def _human_step(record: RunRecord, run_id: int, step_id: str) -> StepSpec:
    workflow = stored_workflow(record, run_id)
    for step in workflow.steps:
        if step.id == step_id and step.kind == "human":
            return step
    raise Refusal(404, f"run {run_id} has no human step `{step_id}`")


def _never_answers(user: User, accounts: Accounts, record: RunRecord,
                   step: StepSpec) -> str | None:
    """Why `user` can never answer `step` of this run: in none of the groups it may ask at
    any of its stages, its starter under `except starter`, or one who answered it already
    (None: they may at some stage, or the step's rules cannot be read here and the engine
    will say what is wrong). Decided before the run is held, so it fires nothing."""
    from runtime.orchestration.human import rules_of
    from runtime.orchestration.model import EnvelopeViolation

    try:
        rules = rules_of(step.id, step.kind, step.payload)
    except EnvelopeViolation:
        return None
    assert rules is not None
    if rules.exclude_starter and record.started_by == user.name:
        return f"{user.name} started this run and may not answer step `{step.id}` " \
               "(no self-approval)"
    stages = 1 + sum(deadline.action == "escalate" for deadline in rules.deadlines)
    groups = {rules.group_at(stage) for stage in range(stages)}
    may_start = _may_start(accounts, user, record)
    if any(may_answer(user, group, may_start) for group in groups):
        if record.status == "waiting" and record.waiting_step_id == step.id:
            return may_not_answer(record, user.name)
        return None
    asked = asked_group(record) if record.waiting_step_id == step.id else rules.group
    who = f"members of `{asked}`" if asked else f"those who may start `{mission_name(record)}`"
    return f"{user.name} may not answer step `{step.id}`: only {who} may"


def bound(workflow: WorkflowDefinition, source: Mission | RunRecord) -> Binding:
    """The binding of a workflow's project operations, as the command line makes it
    (`mission.binding`): under the configuration a mission of the catalogue was loaded
    with, or the one a stored run started with. What cannot be bound is a 409 naming the
    operation: this server cannot run that code now."""
    from mission.binding import bind, bind_record
    from mission.cli import UsageError

    try:
        if isinstance(source, Mission):
            return bind(workflow, source.config)
        return bind_record(workflow, source)
    except UsageError as problem:
        raise Refusal(409, f"this server cannot run the mission's own code: "
                           f"{_without_paths(str(problem))}") from None


def _without_paths(message: str) -> str:
    """A binding's message, told to every signed-in user, without the server's own paths
    (its directory, where a project's configuration is): the server's log has them."""
    import logging
    import re

    logging.getLogger("mission.serve").warning("%s", message)
    return re.sub(r"(?<![\w`])/[^\s`(),;:]+", "<path>", message)


def stored_workflow(record: RunRecord, run_id: int) -> WorkflowDefinition:
    """The workflow a stored run holds; a damaged one is a 409."""
    try:
        return record.stored_workflow()
    except RecordError as problem:
        raise Refusal(409, f"run {run_id}: {problem}") from None


def _execute(workflow: WorkflowDefinition, context: Any, field: str | None) -> Any:
    """Run; a refused param, answer or journal is a 422 with the engine's own message."""
    from runtime.orchestration.engine import Orchestrator
    from runtime.orchestration.model import (
        AnswerError,
        AntiFailureViolation,
        EnvelopeViolation,
        ImplementationError,
        MissingEffectRunner,
        ParameterError,
        ReplayError,
    )

    try:
        return Orchestrator().prepare(workflow).run(context)
    except AnswerError as problem:
        raise Refusal(422, str(problem), field) from None
    except ParameterError as problem:
        raise Refusal(422, str(problem), _param_named(str(problem))) from None
    except (EnvelopeViolation, AntiFailureViolation, ReplayError, MissingEffectRunner) as problem:
        raise Refusal(422, str(problem)) from None
    except ImplementationError as problem:
        raise Refusal(409, f"this server cannot run the mission's own code: "
                           f"{_without_paths(str(problem))}") from None


def _param_named(message: str) -> str | None:
    """The param a `ParameterError` names (`param `x` must ...`), to show it by its field."""
    _, found, rest = message.partition("`")
    name = rest.partition("`")[0] if found else ""
    return name or None
