"""Effects and project operations whose results a case gives as data.

`result STEP = OUTCOME, ...` gives one outcome per call of the step's effect or project
operation: a value (its result), `error "MESSAGE"` (the call failed with that message) or
`timeout` (it did not finish in time, worded as the confined child's own timeout). A
retried effect (`retry: N`) is called again, and takes the next outcome; the last one
stands for every later call. Calls are counted per run of the engine, so a run replayed
from the start (the next point of the case's timeline) is given the same outcomes, and an
effect already journaled is not called again at all, as in a real run.

`real STEP` runs the step's effect or project operation for real: the project's code,
bound as `mission run` binds it (`mission.binding`), in its confined child processes.
Nothing else touches the world.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mission.testing.observe import Observed
from runtime.orchestration.model import EffectError, EffectRunner, WorkflowDefinition
from runtime.orchestration.user_operations import TIMEOUT, OperationDeclaration


class MissingResult(BaseException):
    """A step reached an effect or project operation the case gives no result for. A
    `BaseException`, so that the engine's catch-all for a project's code (which turns any
    `Exception` into a step failure) lets it through to the case."""

    def __init__(self, step_id: str, operation: str, kind: str) -> None:
        super().__init__(step_id, operation, kind)
        self.step_id = step_id
        self.operation = operation
        self.kind = kind

    def __str__(self) -> str:
        return (f"step `{self.step_id}` calls the {self.kind} `{self.operation}`, and the test "
                f"gives no result for it: add `result {self.step_id} = VALUE` (or `real "
                f"{self.step_id}` to run it)")


@dataclass(frozen=True, slots=True)
class Outcome:
    """One call's outcome: `kind` is "value", "error" or "timeout"."""

    kind: str
    value: Any = None  # the result, or the error's message


def timeout_message(operation: str, seconds: Any) -> str:
    """What the confined child reports when a call runs over its time
    (`runtime.user_code.ProjectCode`)."""
    return f"`{operation}` did not finish within {seconds} s and was stopped"


@dataclass
class Script:
    """The outcomes a case gives, by step, and the steps it runs for real."""

    workflow: WorkflowDefinition
    outcomes: dict[str, tuple[Outcome, ...]]
    real: frozenset[str]
    observed: Observed
    bind_real: Callable[[], tuple[Mapping[str, Callable[..., Any]] | None,
                                  EffectRunner | None]] | None = None
    calls: dict[str, int] = field(default_factory=dict)  # calls per step in this run
    _real: tuple[Mapping[str, Callable[..., Any]] | None, EffectRunner | None] | None = None
    # A real effect's results, by step and request: run once per case, even when a later
    # point of the timeline replays a run that did not get to journal it.
    _done: dict[tuple[str, str], Any] = field(default_factory=dict)

    def begin_run(self) -> None:
        self.calls.clear()

    def _next(self, step_id: str, operation: str, kind: str) -> Outcome:
        given = self.outcomes.get(step_id)
        if not given:
            raise MissingResult(step_id, operation, kind)
        index = self.calls.get(step_id, 0)
        self.calls[step_id] = index + 1
        return given[min(index, len(given) - 1)]

    def bound(self) -> tuple[Mapping[str, Callable[..., Any]] | None, EffectRunner | None]:
        """The real functions and effect runner (`UsageError` when they cannot be bound)."""
        if self._real is None:
            assert self.bind_real is not None
            self._real = self.bind_real()
        return self._real

    # -- the effect runner (`runtime.orchestration.model.EffectRunner`) ---------------------

    def supports(self, effect: str) -> bool:
        return True

    def run(self, effect: str, request: Mapping[str, Any]) -> Any:
        step_id = self.observed.current
        if step_id in self.real:
            return self._run_real(step_id, effect, request)
        outcome = self._next(step_id, effect, "effect")
        if outcome.kind == "error":
            raise EffectError(str(outcome.value))
        if outcome.kind == "timeout":
            raise EffectError(timeout_message(effect, request.get(TIMEOUT, "its")))
        return copy.deepcopy(outcome.value)

    def _run_real(self, step_id: str, effect: str, request: Mapping[str, Any]) -> Any:
        from mission.testing.observe import canonical_text

        key = (step_id, canonical_text(dict(request)))
        if key not in self._done:
            runner = self.bound()[1]
            if runner is None or not runner.supports(effect):
                raise EffectError(f"no effect runner provides '{effect}'")
            try:
                self._done[key] = ("result", runner.run(effect, request))
            except EffectError as problem:
                self._done[key] = ("error", str(problem))
        kind, value = self._done[key]
        if kind == "error":
            raise EffectError(value)
        return copy.deepcopy(value)

    # -- project operations (`ExecutionContext.implementations`) --------------------------

    def implementations(self, declared: Mapping[str, OperationDeclaration]
                        ) -> dict[str, Callable[..., Any]]:
        return {name: self._function(declaration) for name, declaration in declared.items()}

    def _function(self, declaration: OperationDeclaration) -> Callable[..., Any]:
        def call(**arguments: Any) -> Any:
            step_id = self.observed.current
            if step_id in self.real:
                functions = self.bound()[0] or {}
                return functions[declaration.name](**arguments)
            outcome = self._next(step_id, declaration.name, "project operation")
            if outcome.kind == "error":
                raise EffectError(str(outcome.value))
            if outcome.kind == "timeout":
                raise EffectError(timeout_message(declaration.name, declaration.timeout))
            return copy.deepcopy(outcome.value)

        call.__name__ = declaration.name
        return call
