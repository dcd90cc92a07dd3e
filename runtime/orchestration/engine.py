"""The deterministic engine: checks a workflow, then runs its steps.

Pure: no clock, randomness, environment or I/O. A run is determined by the
workflow, the params, the initial state, the human answers and the effect
journal; the receipt hash-chains each step's change to the state so that any
edit of a stored run is detected on replay.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runtime.orchestration.canonical import canonical_hash
from runtime.orchestration.expressions import EvaluationError, evaluate, split_path
from runtime.orchestration.model import (
    AnswerError,
    AntiFailureViolation,
    EnvelopeViolation,
    ExecutionContext,
    OrchestrationResult,
    ParameterError,
    StepSpec,
    WorkflowDefinition,
    content_hash,
)
from runtime.orchestration.operations import (
    OPERATIONS,
    Change,
    Invocation,
    Operation,
    StepFailure,
    apply_change,
    check_value,
    question,
)
from runtime.orchestration.types import describe, matches

__all__ = [
    "AntiFailureViolation",
    "EnvelopeViolation",
    "ExecutionContext",
    "OrchestrationResult",
    "Orchestrator",
    "StepSpec",
    "WorkflowDefinition",
]

# Payload keys that are not operation arguments in a hand-written (seed-style) payload.
_RESERVED_PAYLOAD_KEYS = frozenset({"operation", "args", "output", "when", "description"})
_DEFAULT_OPERATION = {"runtime": "noop", "human": "confirm"}
_ASK_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class _Plan:
    """A step decoded and checked before the run starts."""

    spec: StepSpec
    operation: Operation
    args: Mapping[str, Any]  # argument name -> expression (compiled form)
    output: tuple[str, ...] | None
    when: Any


class Orchestrator:
    MAX_TOTAL_STEPS = 5
    MAX_HUMAN_STEPS = 2
    ALLOWED_KINDS = frozenset({"runtime", "human"})

    def run_workflow(self, workflow: WorkflowDefinition, ctx: ExecutionContext) -> OrchestrationResult:
        self.validate(workflow)
        plans = [_plan(step) for step in workflow.steps]
        journal_in = dict(ctx.journal or {})
        for plan in plans:
            effect = plan.operation.effect
            if effect and plan.spec.id not in journal_in and (
                ctx.effects is None or not ctx.effects.supports(effect)
            ):
                raise EnvelopeViolation(
                    f"Step '{plan.spec.id}' needs the effect '{effect}', and no effect runner "
                    "that provides it was given"
                )
        params = bind_params(workflow, ctx)
        state = bind_inputs(workflow, ctx.initial_state)
        return _Run(workflow, plans, ctx, params, state, journal_in).execute()

    def validate(self, workflow: WorkflowDefinition) -> None:
        """The envelope and anti-failure checks, in the seed's order."""
        allowed = sorted(self.ALLOWED_KINDS)
        for step in workflow.steps:
            if step.kind not in self.ALLOWED_KINDS:
                raise EnvelopeViolation(
                    f"Step '{step.id}' has disallowed kind '{step.kind}'. Allowed kinds: {allowed}"
                )
        total = len(workflow.steps)
        if total > self.MAX_TOTAL_STEPS:
            raise AntiFailureViolation(
                f"Workflow has {total} steps, exceeds maximum of {self.MAX_TOTAL_STEPS}"
            )
        human = sum(1 for step in workflow.steps if step.kind == "human")
        if human > self.MAX_HUMAN_STEPS:
            raise AntiFailureViolation(
                f"Workflow has {human} human steps, exceeds maximum of {self.MAX_HUMAN_STEPS}"
            )
        seen: set[str] = set()
        for step in workflow.steps:
            if step.id in seen:
                raise EnvelopeViolation(f"Step id '{step.id}' is used twice")
            seen.add(step.id)
            _plan(step)


def _plan(step: StepSpec) -> _Plan:
    """Decode a step's payload; anything the engine cannot run is refused here."""
    payload = step.payload
    name = payload.get("operation", _DEFAULT_OPERATION[step.kind])
    operation = OPERATIONS.get(name) if isinstance(name, str) else None
    if operation is None:
        raise EnvelopeViolation(
            f"Step '{step.id}' uses unknown operation '{name}'. "
            f"Known operations: {sorted(OPERATIONS)}"
        )
    if operation.kind != step.kind:
        raise EnvelopeViolation(
            f"Step '{step.id}' is a {step.kind} step and cannot use the {operation.kind} "
            f"operation '{name}'"
        )
    if "args" in payload:
        args = payload["args"]
        if not isinstance(args, dict):
            raise EnvelopeViolation(f"Step '{step.id}': `args` must be an object")
        unknown = sorted(set(args) - set(operation.parameter_names))
        if unknown:
            raise EnvelopeViolation(
                f"Step '{step.id}': operation '{name}' has no argument '{unknown[0]}'"
            )
    else:  # a seed-style payload: operation arguments are literal payload keys
        args = {key: {"lit": value} for key, value in payload.items()
                if key not in _RESERVED_PAYLOAD_KEYS and key in operation.parameter_names}
        if step.kind == "human" and "prompt" not in args:
            args["prompt"] = payload.get("description", f"Continue after step '{step.id}'?")
    for parameter in operation.parameters:
        if parameter.required and parameter.name not in args:
            raise EnvelopeViolation(
                f"Step '{step.id}': operation '{name}' is missing argument '{parameter.name}'"
            )
        if parameter.place and parameter.name in args:
            target = args[parameter.name]
            if not (isinstance(target, dict) and isinstance(target.get("ref"), str)
                    and target["ref"].startswith("state.")):
                raise EnvelopeViolation(
                    f"Step '{step.id}': argument '{parameter.name}' of '{name}' must be a "
                    "state path"
                )
    output = payload.get("output")
    output_path: tuple[str, ...] | None = None
    if output is not None:
        root, path = split_path(output) if isinstance(output, str) else ("", ())
        if root != "state" or not path:
            raise EnvelopeViolation(f"Step '{step.id}': `output` must be a state path")
        if operation.result is None:
            raise EnvelopeViolation(f"Step '{step.id}': operation '{name}' has no result to write")
        output_path = path
    return _Plan(step, operation, args, output_path, payload.get("when"))


def bind_params(workflow: WorkflowDefinition, ctx: ExecutionContext) -> dict[str, Any]:
    """The params of this run, checked against the declarations, defaults filled in."""
    given = ctx.params if ctx.params is not None else workflow.metadata.get("params", {})
    if not isinstance(given, Mapping):
        raise ParameterError("params must be a mapping of names to values")
    given = copy.deepcopy(dict(given))
    declarations = workflow.metadata.get("declarations", {}).get("params")
    if declarations is None:
        return given
    return _bind("param", declarations, given)


def bind_inputs(workflow: WorkflowDefinition, initial_state: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(initial_state, Mapping):
        raise ParameterError(f"the initial state must be a map, found {describe(initial_state)}")
    state = copy.deepcopy(dict(initial_state))
    declarations = workflow.metadata.get("declarations", {}).get("inputs")
    if declarations is None:
        return state
    declared = {key: value for key, value in state.items() if key in declarations}
    bound = _bind("state input", declarations, declared, allow_unknown=True)
    state.update(bound)
    return state


def _bind(what: str, declarations: Mapping[str, Any], given: dict[str, Any],
          allow_unknown: bool = False) -> dict[str, Any]:
    if not allow_unknown:
        unknown = sorted(set(given) - set(declarations))
        if unknown:
            known = ", ".join(f"`{name}`" for name in sorted(declarations)) or "none"
            raise ParameterError(f"unknown {what} `{unknown[0]}`; declared: {known}")
    bound: dict[str, Any] = {}
    for name in sorted(declarations):
        declaration = declarations[name]
        if name in given:
            value = given[name]
        elif "default" in declaration:
            value = copy.deepcopy(declaration["default"])
        else:
            raise ParameterError(f"missing required {what} `{name}` ({declaration['type']})")
        type_name = declaration.get("type", "any")
        if not matches(value, type_name):
            raise ParameterError(f"{what} `{name}` must be {type_name}, found {describe(value)}")
        low, high = declaration.get("min"), declaration.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ParameterError(f"{what} `{name}` must be between {low} and {high}, found {value}")
        bound[name] = value
    return bound


class _Run:
    """One execution: walks the plans, records lineage, journal and the receipt chain."""

    def __init__(self, workflow: WorkflowDefinition, plans: list[_Plan], ctx: ExecutionContext,
                 params: dict[str, Any], state: dict[str, Any], journal: dict[str, Any]) -> None:
        self.workflow = workflow
        self.plans = plans
        self.ctx = ctx
        self.params = params
        self.state = state
        self.journal_in = journal
        self.journal: dict[str, Any] = {}
        self.answers: dict[str, Any] = {}
        self.given_answers = dict(ctx.answers or {})
        self.workflow_hash = content_hash(workflow)
        self.head = canonical_hash({
            "workflow": self.workflow_hash,
            "params": canonical_hash(params),
            "initial_state": canonical_hash(state),
        })
        self.chain: list[dict[str, Any]] = []
        self.steps: list[dict[str, Any]] = []
        self.initial_state_hash = canonical_hash(state)

    def execute(self) -> OrchestrationResult:
        executed: list[StepSpec] = []
        failed: tuple[str, str] | None = None
        waiting: tuple[str, dict[str, Any]] | None = None
        for plan in self.plans:
            step_id = plan.spec.id
            try:
                if plan.when is not None and not self._guard(plan):
                    self._record(step_id, "skipped", ())
                    continue
                args = self._arguments(plan)
                if plan.spec.kind == "human":
                    asked = self._answer(plan, args)
                    if asked is None:
                        waiting = (step_id, question(plan.operation, step_id, args))
                        self._record(step_id, "waiting", ())
                        break
                    effect_result = asked[0]
                elif plan.operation.effect:
                    effect_result = self._effect(plan, args)
                else:
                    effect_result = None
                outcome = plan.operation.implementation(
                    Invocation(step_id, args, self.state, effect_result)
                )
                changes = list(outcome.changes)
                if plan.output is not None:
                    changes.append(Change("set", plan.output, outcome.result))
                state = self.state
                for change in changes:
                    state = apply_change(state, change)
            except (StepFailure, EvaluationError) as problem:
                executed.append(_copy_step(plan.spec))
                self._record(step_id, "failed", ())
                failed = (step_id, f"Step '{step_id}' failed: {problem}")
                break
            self.state = state
            executed.append(_copy_step(plan.spec))
            self._record(step_id, "succeeded", changes)
        return self._result(executed, failed, waiting)

    def _guard(self, plan: _Plan) -> bool:
        value = evaluate(plan.when, self.params, self.state)
        if not isinstance(value, bool):
            raise StepFailure(f"its `when` condition must be true or false, found {describe(value)}")
        return value

    def _arguments(self, plan: _Plan) -> dict[str, Any]:
        args: dict[str, Any] = {}
        for parameter in plan.operation.parameters:
            if parameter.name not in plan.args:
                continue
            expression = plan.args[parameter.name]
            if parameter.place:
                args[parameter.name] = split_path(expression["ref"])[1]
                continue
            value = evaluate(expression, self.params, self.state)
            problem = check_value(parameter, value)
            if problem:
                raise StepFailure(problem)
            args[parameter.name] = value
        return args

    def _answer(self, plan: _Plan, args: dict[str, Any]) -> tuple[Any] | None:
        """The validated answer, or None when the step must wait for one."""
        step_id = plan.spec.id
        validate = plan.operation.answer
        assert validate is not None
        if step_id in self.given_answers:
            try:
                value = validate(args, self.given_answers[step_id])
            except AnswerError as problem:
                raise AnswerError(f"Step '{step_id}': {problem}") from None
        elif self.ctx.ask is not None:
            shown = question(plan.operation, step_id, args)
            for _attempt in range(_ASK_ATTEMPTS):
                try:
                    value = validate(args, self.ctx.ask(copy.deepcopy(shown)))
                    break
                except AnswerError as problem:
                    shown["error"] = str(problem)
            else:
                raise AnswerError(f"Step '{step_id}': no valid answer after {_ASK_ATTEMPTS} tries: "
                                  f"{shown['error']}")
        else:
            return None
        self.answers[step_id] = value
        return (value,)

    def _effect(self, plan: _Plan, args: dict[str, Any]) -> Any:
        step_id = plan.spec.id
        if step_id in self.journal_in:
            result = copy.deepcopy(self.journal_in[step_id])
        else:
            assert self.ctx.effects is not None and plan.operation.effect is not None
            result = self.ctx.effects.run(plan.operation.effect, copy.deepcopy(args))
        self.journal[step_id] = copy.deepcopy(result)
        return result

    def _record(self, step_id: str, status: str, changes: Any) -> None:
        change_data = [change.to_json() for change in changes]
        change_hash = canonical_hash(change_data)
        previous = self.chain[-1]["link"] if self.chain else self.head
        link = canonical_hash([previous, step_id, status, change_hash])
        self.chain.append({"changes": change_hash, "link": link, "status": status,
                           "step": step_id})
        self.steps.append({"id": step_id, "status": status})

    def _result(self, executed: list[StepSpec], failed: tuple[str, str] | None,
                waiting: tuple[str, dict[str, Any]] | None) -> OrchestrationResult:
        status = "failed" if failed else "waiting" if waiting else "succeeded"
        executed_ids = [step.id for step in executed]
        skipped = [step["id"] for step in self.steps if step["status"] == "skipped"]
        lineage = {
            "executed_step_ids": executed_ids,
            "skipped_step_ids": skipped,
            "steps": self.steps,
            "workflow_id": self.workflow.id,
        }
        receipt = {
            "answers_hash": canonical_hash(self.answers),
            "chain": self.chain,
            "final_state_hash": canonical_hash(self.state),
            "head": self.head,
            "id": self.workflow.id,
            "initial_state_hash": self.initial_state_hash,
            "journal_hash": canonical_hash(self.journal),
            "params_hash": canonical_hash(self.params),
            "skipped": skipped,
            "status": status,
            "steps": executed_ids,
            "workflow_hash": self.workflow_hash,
        }
        return OrchestrationResult(
            id=self.workflow.id,
            success=status == "succeeded",
            executed_steps=executed,
            final_state=copy.deepcopy(self.state),
            failed_step_id=failed[0] if failed else None,
            error_message=failed[1] if failed else None,
            lineage=lineage,
            receipt=receipt,
            status=status,
            waiting_step_id=waiting[0] if waiting else None,
            question=waiting[1] if waiting else None,
            answers=self.answers,
            journal=self.journal,
        )


def _copy_step(step: StepSpec) -> StepSpec:
    return StepSpec(step.id, step.kind, copy.deepcopy(step.payload))
