"""The data model of the seed API: steps, workflows, contexts, results, errors.

Kept free of any syntax: nothing here imports `lark` or `compiler`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Protocol

from runtime.orchestration.canonical import canonical_hash
from runtime.orchestration.values import json_copy

SCHEMA_VERSION = 1  # of the compiled-workflow JSON (`metadata.schema_version`)
# Version 2: a human step may say how long it waits and who answers it (`approvals`,
# `exclude_starter`, `remind_before`, `deadlines`). A workflow using them is written as
# version 2, so a mission that predates them refuses it instead of ignoring its deadlines.
TIMED_SCHEMA_VERSION = 2
SCHEMA_VERSIONS = (SCHEMA_VERSION, TIMED_SCHEMA_VERSION)
LANGUAGE_VERSIONS = (1,)  # the `version` lines the compiler and the engine understand

# The metadata key listing the params `build_workflow` recorded but the mission does not
# declare (seed code passes such params): a run that takes its params from the metadata
# leaves these out.
IGNORED_PARAMS = "ignored_params"


class AntiFailureViolation(Exception):
    """The workflow breaks the anti-failure limits (steps, human steps)."""


class EnvelopeViolation(Exception):
    """The workflow asks for something outside the envelope (a kind, an operation, an effect)."""


class ParameterError(Exception):
    """Params or state inputs do not match the workflow's declarations."""


class AnswerError(Exception):
    """A person's answer does not fit the question; nothing was changed."""


class EffectError(Exception):
    """An effect runner refuses or cannot do a request; the step fails with this message."""


class EvaluationError(Exception):
    """An expression could not be evaluated (a missing key, a wrong type, a budget spent);
    the step fails with its message (`runtime.orchestration.expressions`)."""


class ReplayError(Exception):
    """A recorded journal does not fit the run replaying it (another effect or request), or
    a project's pure operation computed something else than the recorded run."""


class ImplementationError(Exception):
    """A project operation the workflow declares has no implementation, or one that does
    not match its declaration; raised before the first step."""


class MissingEffectRunner(Exception):
    """A step needs an effect (`run_tests` runs pytest) and the context has no effect runner
    that provides it, nor a journaled result: the caller passes one in
    `ExecutionContext(effects=...)`."""


# How a caller gives the engine an effect runner; ends every `MissingEffectRunner` message.
HOW_TO_PASS_A_RUNNER = ("pass one as ExecutionContext(effects=...): an object with "
                        "supports(effect) and run(effect, request), such as "
                        "runtime.local_effects.LocalEffects(root) for the tests under root")


# What `Orchestrator.run_workflow` raises when it refuses a workflow, params, answers or a
# journal: the caller's input is at fault, never the engine.
RUN_REFUSALS = (ParameterError, EnvelopeViolation, AntiFailureViolation, AnswerError,
                ReplayError, MissingEffectRunner, ImplementationError)


@dataclass
class StepSpec:
    id: str
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "payload": dict(sorted(self.payload.items()))}


@dataclass
class WorkflowDefinition:
    id: str = ""
    steps: list[StepSpec] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    name: str = ""

    def __post_init__(self) -> None:
        if self.id and self.name and self.id != self.name:
            raise ValueError(f"WorkflowDefinition id/name mismatch: '{self.id}' vs '{self.name}'")
        if not self.id:
            self.id = self.name
        if not self.name:
            self.name = self.id

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "metadata": dict(sorted(self.metadata.items())),
            "steps": [step.to_dict() for step in self.steps],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkflowDefinition:
        """Rebuild from `to_dict()` output (a compiled `.json` file); raises ValueError, also
        for data that is not plain JSON (`NotJSONData`, naming the path)."""
        if not isinstance(data, Mapping):
            raise ValueError("a workflow must be a JSON object")
        steps_data = data.get("steps", [])
        if not isinstance(steps_data, list):
            raise ValueError("`steps` must be a list")
        steps = []
        for index, step in enumerate(steps_data):
            if not isinstance(step, Mapping) or not isinstance(step.get("id"), str) \
                    or not isinstance(step.get("kind"), str):
                raise ValueError(f"step #{index + 1} must be an object with string `id` and `kind`")
            payload = step.get("payload", {})
            if not isinstance(payload, Mapping):
                raise ValueError(f"step `{step['id']}`: `payload` must be an object")
            steps.append(StepSpec(json_copy(step["id"], f"steps[{index}].id"),
                                  json_copy(step["kind"], f"steps[{index}].kind"),
                                  json_copy(dict(payload), f"steps[{index}].payload")))
        metadata = data.get("metadata", {})
        if not isinstance(metadata, Mapping):
            raise ValueError("`metadata` must be an object")
        workflow_id = data.get("id", "")
        if not isinstance(workflow_id, str):
            raise ValueError("`id` must be a string")
        return cls(id=json_copy(workflow_id, "id"), steps=steps,
                   metadata=json_copy(dict(metadata), "metadata"))


# Metadata keys left out of the content hash: where the workflow came from, and the hash itself.
_NOT_CONTENT = frozenset({"content_hash", "source"})


def content_hash(workflow: WorkflowDefinition) -> str:
    """The hash of what a workflow does: id, steps and metadata, without its source location.

    Empty seed-style `params` are left out too (they change nothing), so a built-in mission
    from the registry and the same `.mission` file compiled by hand hash the same.
    """
    data = workflow.to_dict()
    data["metadata"] = {k: v for k, v in data["metadata"].items()
                        if k not in _NOT_CONTENT and not (k == "params" and v == {})}
    return canonical_hash(data)


class EffectRunner(Protocol):
    """Runs effects (operations that touch the world) on the engine's behalf.

    `run` returns plain JSON data, or raises `EffectError` to refuse (the step
    then fails with its message). Either outcome is journaled.

    A runner may also have `started(start: EffectStart)`: the engine calls it once before
    an effect that is not replayed from the journal starts (before its first attempt), so
    the caller can record that it started (`mission` stores the run as it would be if the
    effect never reported back, `EffectStart.journal`); raising `EffectError` there fails
    the step with that message, and the effect does not run.
    """

    def supports(self, effect: str) -> bool: ...

    def run(self, effect: str, request: Mapping[str, Any]) -> Any: ...


def cut_off(effect: str) -> str:
    """What a step says of an effect that was started and never reported back."""
    return (f"the effect `{effect}` was started and its outcome was never recorded (the "
            "process running it stopped before it returned): it may or may not have taken "
            "place, so it is not run again; check what it did, then start a new run")


class Observer(Protocol):
    """Who a run tells what it goes through (`runtime.orchestration.trace`)."""

    def step(self, step_id: str) -> None:
        """The run reaches the step (before its `when` condition)."""

    def guard(self, taken: bool) -> None:
        """The current step's `when` condition gave `taken`."""

    def branch(self, node: Mapping[str, Any], taken: bool) -> None:
        """The conditional value `node` (`{"if": [...]}`) took its `then` (True) or `else`."""


# The observer of the runs in this context: None but in `mission test` (`tracing`).
OBSERVER: ContextVar[Observer | None] = ContextVar("mission_run_observer", default=None)


@dataclass(frozen=True)
class EffectStart:
    """An effect about to start (`EffectRunner.started`): its step, effect and request,
    and what a replay needs to give the run as it would be if the effect never reported
    back: the journal so far with that step's entry saying so (`cut_off`), and the
    events (answers, deadlines) the run consumed so far. Private copies."""

    step_id: str
    effect: str
    request: dict[str, Any]
    journal: dict[str, Any]
    events: list[dict[str, Any]]


@dataclass
class ExecutionContext:
    """Everything a run depends on besides the workflow.

    `params` binds the workflow's declared params (None: take
    `workflow.metadata["params"]`, as the seed's builder stored them).
    `answers` maps a human step's id to its answer. `ask` is called with the
    question (JSON data) when a human step has no answer; it returns the
    answer, or None to leave the step waiting. `effects` runs effects;
    `journal` holds the journal of an earlier run of the same workflow (step id
    to `{"effect", "request", "result" | "error"}`), replayed instead of
    running those effects again. `answered_by` maps a human step's id to the
    person who gave its answer (`mission serve`): the receipt's chain link for
    that step covers the name with the answer, and the receipt lists it.
    `implementations` maps the name of each project operation the workflow
    declares to its function (`runtime.user_code` imports them); the engine
    checks each against its declaration before any step runs.

    Time is data (`runtime.orchestration.human`): `started` records when the run
    was started and by whom (`{"at": ISO 8601 instant, "by": name}`), and `events`
    the answers, deadline firings and a cancellation in the order they were
    received, each with who acted and when (`{"kind": "answer", "step", "answer",
    "by", "at"}`, `{"kind": "deadline", "step", "stage", "at"}`, `{"kind":
    "cancel", "reason", "by", "at"}`). `answers` adds answers without a time.
    """

    initial_state: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, Any] | None = None
    params: Mapping[str, Any] | None = None
    answers: Mapping[str, Any] | None = None
    ask: Callable[[dict[str, Any]], Any] | None = None
    effects: EffectRunner | None = None
    journal: Mapping[str, Any] | None = None
    answered_by: Mapping[str, str] | None = None
    implementations: Mapping[str, Callable[..., Any]] | None = None
    started: Mapping[str, Any] | None = None
    events: list[dict[str, Any]] | None = None


@dataclass(frozen=True, slots=True)
class Answered:
    """An answer with who gave it and when, as `ExecutionContext.ask` may return it."""

    answer: Any
    by: str | None = None
    at: str | None = None  # an ISO 8601 instant


@dataclass
class OrchestrationResult:
    id: str
    success: bool
    executed_steps: list[StepSpec]
    final_state: dict[str, Any]
    failed_step_id: str | None = None
    error_message: str | None = None
    lineage: dict[str, Any] = field(default_factory=dict)
    receipt: dict[str, Any] = field(default_factory=dict)
    status: str = "succeeded"  # "succeeded", "failed", "waiting" or "cancelled"
    waiting_step_id: str | None = None
    question: dict[str, Any] | None = None
    answers: dict[str, Any] = field(default_factory=dict)
    journal: dict[str, Any] = field(default_factory=dict)
    # The events the run consumed (answers, deadlines, a cancellation), as recorded.
    events: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "answers": copy.deepcopy(self.answers),
            "error_message": self.error_message,
            "events": copy.deepcopy(self.events),
            "executed_steps": [step.to_dict() for step in self.executed_steps],
            "failed_step_id": self.failed_step_id,
            "final_state": copy.deepcopy(self.final_state),
            "id": self.id,
            "journal": copy.deepcopy(self.journal),
            "lineage": copy.deepcopy(self.lineage),
            "question": copy.deepcopy(self.question),
            "receipt": copy.deepcopy(self.receipt),
            "status": self.status,
            "success": self.success,
            "waiting_step_id": self.waiting_step_id,
        }
