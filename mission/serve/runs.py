"""Starting and answering runs on the run store, for the pages and the API alike.

One answer per step, whoever asks at the same moment: an answer takes this
process's lock on the run, then the store's claim on it (so a `mission resume`
in a terminal waits its turn too), reloads the run, and only then checks that
the step still waits; the store's version check backs this up. The first
answer is kept; the others are told who answered. The new record is written
in one transaction, so a server killed at any moment leaves the run as it was
before the answer or after it, never half-answered.

Every problem is a `Refusal` with an HTTP status and a message; nothing is
written before every check has passed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mission.binding import Binding
from mission.keeping import RunKeeper, record_starts
from mission.serve.accounts import Accounts, User, may_answer
from mission.serve.catalogue import Mission
from runtime.orchestration.model import WorkflowDefinition
from runtime.records import RecordError, RunRecord
from runtime.store_api import (
    RunListing,
    RunStoreAPI,
    StoredRun,
    StoreError,
    UnknownRun,
    open_store,
)

CLAIM_WAIT = 5.0  # seconds an answer waits for another process's claim on its run


class Refusal(Exception):
    """A request that changes nothing: its HTTP status, message and, for a form, the field."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


@dataclass(frozen=True, slots=True)
class Waiting:
    """A run waiting for an answer from someone who may give it."""

    run_id: int
    mission: str
    step_id: str
    question: dict[str, Any]
    group: str | None


def step_group(workflow: WorkflowDefinition, step_id: str) -> str | None:
    """The group a human step names with `by GROUP`, if any."""
    for step in workflow.steps:
        if step.id == step_id:
            group = step.payload.get("answered_by")
            return group if isinstance(group, str) else None
    return None


class Runs:
    """The run store as the server uses it: one short connection per request."""

    def __init__(self, location: str | Path, catalogue: dict[str, Mission]) -> None:
        self.location = str(location)
        self.catalogue = catalogue
        self._locks: dict[int, threading.Lock] = {}
        self._locks_guard = threading.Lock()

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

    @contextmanager
    def _only_answer(self, run_id: int) -> Iterator[RunStoreAPI]:
        with self._locks_guard:
            lock = self._locks.setdefault(run_id, threading.Lock())
        with lock, self.store() as store, ExitStack() as claimed:
            try:
                _claim(store, run_id, claimed)
                yield store
            except StoreError as problem:
                if isinstance(problem, UnknownRun):
                    raise Refusal(404, f"there is no run {run_id}") from None
                raise self.refusal(409, problem) from None

    # -- reading ------------------------------------------------------------------------

    def load(self, run_id: int) -> StoredRun:
        with self.store() as store:
            return self._load(store, run_id)

    def _load(self, store: RunStoreAPI, run_id: int) -> StoredRun:
        try:
            return store.load(run_id)
        except UnknownRun:
            raise Refusal(404, f"there is no run {run_id}") from None
        except StoreError as problem:
            raise self.refusal(409, problem) from None

    def listing(self, status: str | None = None, mission: str | None = None) -> list[RunListing]:
        with self.store() as store:
            rows = store.list()
        return [row for row in rows if (status is None or row.status == status)
                and (mission is None or row.mission == mission)]

    def inbox(self, user: User, accounts: Accounts) -> list[Waiting]:
        """The waiting runs whose waiting step `user` may answer, oldest first."""
        found = []
        with self.store() as store:
            for row in store.list():
                if row.status != "waiting" or row.problem is not None or row.waiting_step is None:
                    continue
                record = self._load(store, row.run_id).record
                group = step_group(stored_workflow(record, row.run_id), row.waiting_step)
                if may_answer(user, group, accounts.may_start(user, record.mission)):
                    found.append(Waiting(row.run_id, record.mission, row.waiting_step,
                                         dict(record.question or {}), group))
        return found

    # -- writing ------------------------------------------------------------------------

    def start(self, user: User, accounts: Accounts, name: str, params: dict[str, Any],
              state: dict[str, Any]) -> tuple[int, RunRecord]:
        from mission.binding import recorded_configuration
        from runtime.orchestration.model import ExecutionContext

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
                                   implementations=binding.implementations)
        configuration = recorded_configuration(workflow, mission.config)
        with self.store() as store:
            keeper = RunKeeper(store)  # saved before an effect starts (`mission.keeping`)
            record_starts(context, keeper, name, workflow, configuration)
            result = _execute(workflow, context, None)
            record = RunRecord.of(name, workflow, context, result, keep_workflow=True,
                                  configuration=configuration)
            return keeper.save(record).run_id, record

    def answer(self, user: User, accounts: Accounts, run_id: int, step_id: str,
               value: Any) -> RunRecord:
        """Answer `step_id` of run `run_id` as `user`; the new record."""
        with self._only_answer(run_id) as store:
            stored = self._load(store, run_id)
            record = stored.record
            workflow = stored_workflow(record, run_id)
            if not any(step.id == step_id for step in workflow.steps):
                raise Refusal(404, f"run {run_id} has no step `{step_id}`")
            group = step_group(workflow, step_id)
            if not may_answer(user, group, accounts.may_start(user, record.mission)):
                who = (f"members of `{group}`" if group
                       else f"those who may start `{record.mission}`")
                raise Refusal(403, f"{user.name} may not answer step `{step_id}`: only {who} may")
            if step_id in record.answers:
                by = record.answered_by.get(step_id)
                raise Refusal(409, f"step `{step_id}` of run {run_id} was already answered"
                                   f"{' by ' + by if by else ''}; an answer cannot be changed")
            if record.status != "waiting" or record.waiting_step_id != step_id:
                raise Refusal(409, f"run {run_id} is not waiting for step `{step_id}`: it "
                                   + (f"waits for `{record.waiting_step_id}`"
                                      if record.status == "waiting" else record.status))
            binding = bound(workflow, record)
            context = record.context(answers={step_id: value}, effects=binding.effects,
                                     answered_by={step_id: user.name},
                                     implementations=binding.implementations)
            keeper = RunKeeper(store, stored)  # saved before an effect starts
            record_starts(context, keeper, record.mission, workflow, record.configuration)
            result = _execute(workflow, context, step_id)
            updated = RunRecord.of(record.mission, workflow, context, result, keep_workflow=True,
                                   configuration=record.configuration)
            try:
                keeper.save(updated)
            except StoreError as problem:
                raise self.refusal(409, problem) from None
            return updated


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


def _claim(store: RunStoreAPI, run_id: int, stack: ExitStack) -> None:
    """The store's claim on the run, entered on `stack`. Another holder (a second server on
    the same store, a `mission resume`) finishes in milliseconds: wait for it up to
    `CLAIM_WAIT` seconds, so the answer that comes second is told the step was answered,
    not that the run was busy."""
    deadline = time.monotonic() + CLAIM_WAIT
    while True:
        try:
            stack.enter_context(store.claim(run_id))
            return
        except UnknownRun:
            raise
        except StoreError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


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
        return Orchestrator().run_workflow(workflow, context)
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
