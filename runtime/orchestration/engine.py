"""The deterministic engine: checks a workflow, then runs its steps.

Pure: no clock, randomness, environment or I/O. A run is determined by the
workflow, the params, the initial state, the human answers and the effect
journal; the receipt hash-chains each step's change to the state and what it
consumed (an answer, a journaled effect), so any edit of a recorded run is
detected when it is replayed.

The state is private to the run and copy-on-write: the initial state is copied
when it is bound, every value written is copied as it is written (and checked to
be JSON data in the same walk), and a change replaces the maps along its path
instead of editing them. So the final state shares nothing with the caller's
data or the workflow without a copy at the end, and a value the steps did not
replace keeps its identity, which lets the final hash reuse the canonical text
of the initial one (`StateHasher`).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from runtime.orchestration.canonical import StateHasher, canonical_hash
from runtime.orchestration.expressions import (
    EvaluationError,
    evaluate,
    expression_problem,
    json_equal,
    path_problem,
    split_path,
)
from runtime.orchestration.model import (
    AnswerError,
    AntiFailureViolation,
    EffectError,
    EnvelopeViolation,
    ExecutionContext,
    OrchestrationResult,
    ParameterError,
    ReplayError,
    StepSpec,
    WorkflowDefinition,
    content_hash,
)
from runtime.orchestration.operations import (
    OPERATIONS,
    Change,
    Invocation,
    Operation,
    Outcome,
    StepFailure,
    apply_change,
    check_value,
    dotted,
    question,
)
from runtime.orchestration.types import (
    TYPE_NAMES,
    bounds_phrase,
    describe,
    matches,
    type_of,
    wanted,
)
from runtime.orchestration.user_operations import (
    RETRY,
    TIMEOUT,
    DeclarationError,
    OperationDeclaration,
    call_arguments,
    checked_result,
    declarations_from_workflow,
    operation_of,
    signature_problem,
)
from runtime.orchestration.values import NotJSONData, json_copy, json_problem

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
ASK_ATTEMPTS = 3
_JOURNAL_KEYS = (["effect", "request", "result"], ["effect", "error", "request"])
# A project's pure operation journals what it computed, so a replay can tell it diverged.
_PURE_KEYS = (["operation", "request", "result"], ["error", "operation", "request"])


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

    def run_workflow(self, workflow: WorkflowDefinition,
                     ctx: ExecutionContext) -> OrchestrationResult:
        """Run to the end, to a failed step, or to a human step with no answer (waiting).

        Raises before any step runs when the workflow or the context is refused
        (`EnvelopeViolation`, `AntiFailureViolation`, `ParameterError`,
        `AnswerError`, `ReplayError`); a fresh run (no `journal`) that uses an
        effect no runner provides is refused then. During the run, a refused
        answer raises `AnswerError`, and a replay (a `journal` given) that
        reaches an effect neither journaled nor provided raises
        `EnvelopeViolation`; no result is returned then.
        """
        plans = _bind_implementations(self._plans(workflow), ctx)
        journal = _check_context(ctx, plans)
        params = bind_params(workflow, ctx)
        state = bind_inputs(workflow, ctx.initial_state)
        return _Run(workflow, plans, ctx, params, state, journal).execute()

    def validate(self, workflow: WorkflowDefinition) -> None:
        """The envelope and anti-failure checks, in the seed's order, then the steps' shape."""
        self._plans(workflow)

    def _plans(self, workflow: WorkflowDefinition) -> list[_Plan]:
        """`validate`, returning the decoded steps."""
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
        plans = []
        table = _operation_table(workflow)
        for step in workflow.steps:
            if step.id in seen:
                raise EnvelopeViolation(f"Step id '{step.id}' is used twice")
            seen.add(step.id)
            problem = json_problem(step.payload, "payload")
            if problem:
                raise EnvelopeViolation(f"Step '{step.id}': {problem}")
            plans.append(_plan(step, table))
        problem = json_problem(workflow.metadata, "metadata")
        if problem:
            raise EnvelopeViolation(f"Workflow '{workflow.id}': {problem}")
        _check_declarations(workflow)
        return plans


def _operation_table(workflow: WorkflowDefinition) -> Mapping[str, Operation]:
    """The built-in operations and the project operations the workflow declares."""
    if "operations" not in workflow.metadata:
        return OPERATIONS
    try:
        declared = declarations_from_workflow(workflow.metadata["operations"])
    except DeclarationError as problem:
        raise EnvelopeViolation(f"Workflow '{workflow.id}': {problem}") from None
    return {**OPERATIONS, **{name: operation_of(d) for name, d in declared.items()}}


def _bind_implementations(plans: list[_Plan], ctx: ExecutionContext) -> list[_Plan]:
    """Each project operation bound to its implementation, checked against its declaration
    before any step runs. A replay (a journal given) needs the pure ones only: an effect's
    result comes from the journal."""
    given = ctx.implementations or {}
    bound = []
    for plan in plans:
        declaration: OperationDeclaration | None = plan.operation.declaration
        if declaration is None:
            bound.append(plan)
            continue
        function = given.get(declaration.name)
        if function is None:
            if declaration.kind == "effect" and ctx.journal is not None:
                bound.append(plan)
                continue
            raise EnvelopeViolation(
                f"Step '{plan.spec.id}' uses the project operation '{declaration.name}' "
                f"(implemented by `{declaration.implementation}`), and no implementation was "
                "given: pass ExecutionContext(implementations=...), for example "
                "runtime.user_code.load_implementations(workflow)")
        problem = signature_problem(declaration, function)
        if problem:
            raise EnvelopeViolation(f"Step '{plan.spec.id}': {problem}")
        if declaration.kind == "pure":
            operation = dataclasses.replace(plan.operation,
                                            implementation=_pure_call(declaration, function))
            plan = dataclasses.replace(plan, operation=operation)
        bound.append(plan)
    return bound


def _pure_call(declaration: OperationDeclaration,
               function: Callable[..., Any]) -> Callable[[Invocation], Outcome]:
    def implementation(invocation: Invocation) -> Outcome:
        return Outcome(result=invoke(declaration, function, invocation.args))

    return implementation


def invoke(declaration: OperationDeclaration, function: Callable[..., Any],
           args: Mapping[str, Any]) -> Any:
    """Call a project operation's function; whatever it raises fails the step with its
    message (never a traceback), and its result must fit the declared type."""
    try:
        value = function(**copy.deepcopy(call_arguments(declaration, args)))
    except Exception as problem:  # user code: any exception is the step's failure
        raise StepFailure(raised(declaration, problem)) from None
    return checked_result(declaration, value)


def raised(declaration: OperationDeclaration, problem: BaseException) -> str:
    message = str(problem).strip() or "(no message)"
    return f"`{declaration.name}` raised {type(problem).__name__}: {message}"


def _plan(step: StepSpec, table: Mapping[str, Operation]) -> _Plan:
    """Decode a step's payload; anything the engine cannot run is refused here."""
    payload = step.payload
    name = payload.get("operation", _DEFAULT_OPERATION[step.kind])
    operation = table.get(name) if isinstance(name, str) else None
    if operation is None:
        raise EnvelopeViolation(
            f"Step '{step.id}' uses unknown operation '{name}'. "
            f"Known operations: {sorted(table)}"
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
        for argument, expression in sorted(args.items()):
            problem = expression_problem(expression)
            if problem:
                raise EnvelopeViolation(f"Step '{step.id}': argument '{argument}' of '{name}' "
                                        f"is malformed: {problem}")
    else:  # a seed-style payload: operation arguments are literal payload keys
        args = {key: {"lit": value} for key, value in payload.items()
                if key not in _RESERVED_PAYLOAD_KEYS and key in operation.parameter_names}
        if step.kind == "human" and "prompt" not in args:
            args["prompt"] = {"lit": payload.get("description",
                                                 f"Continue after step '{step.id}'?")}
    for parameter in operation.parameters:
        if parameter.required and parameter.name not in args:
            raise EnvelopeViolation(
                f"Step '{step.id}': operation '{name}' is missing argument '{parameter.name}'"
            )
        if parameter.place and parameter.name in args:
            target = args[parameter.name]
            reference = target.get("ref") if isinstance(target, dict) else None
            if path_problem(reference, ("state",)) is not None:
                raise EnvelopeViolation(
                    f"Step '{step.id}': argument '{parameter.name}' of '{name}' must be a "
                    "state path such as {\"ref\": \"state.x\"}"
                )
    output = payload.get("output")
    output_path: tuple[str, ...] | None = None
    if output is not None:
        if path_problem(output, ("state",)) is not None:
            raise EnvelopeViolation(f"Step '{step.id}': `output` must be a state path such as "
                                    "\"state.x\"")
        if operation.result is None:
            raise EnvelopeViolation(f"Step '{step.id}': operation '{name}' has no result to write")
        output_path = split_path(output)[1]
    when = payload.get("when")
    problem = expression_problem(when)
    if problem:
        raise EnvelopeViolation(f"Step '{step.id}': its `when` condition is malformed: {problem}")
    return _Plan(step, operation, args, output_path, when)


def _check_declarations(workflow: WorkflowDefinition) -> None:
    """The param and input declarations of a compiled workflow are well formed."""
    declarations = workflow.metadata.get("declarations", {})
    if not isinstance(declarations, dict):
        raise EnvelopeViolation("metadata.declarations must be a map")
    for group in ("params", "inputs"):
        entries = declarations.get(group, {})
        if not isinstance(entries, dict):
            raise EnvelopeViolation(f"metadata.declarations.{group} must be a map")
        for name, declaration in sorted(entries.items()):
            where = f"metadata.declarations.{group}.{name}"
            if not isinstance(declaration, dict) or declaration.get("type") not in TYPE_NAMES:
                raise EnvelopeViolation(f"{where} must be a map with a `type` "
                                        f"({', '.join(TYPE_NAMES)})")
            bounds = [declaration[key] for key in ("min", "max") if key in declaration]
            if bounds and (declaration["type"] not in ("int", "float", "number")
                           or any(type_of(bound) not in ("int", "float") for bound in bounds)):
                raise EnvelopeViolation(f"{where}: `min` and `max` are numbers, for a number type")
            if "default" in declaration and not matches(declaration["default"],
                                                        declaration["type"]):
                raise EnvelopeViolation(f"{where}: the default is not {declaration['type']}")


def _check_context(ctx: ExecutionContext, plans: list[_Plan]) -> dict[str, Any]:
    """Answers, journal and effects fit the workflow; returns the journal to replay."""
    human = [plan.spec.id for plan in plans if plan.spec.kind == "human"]
    if ctx.answers is not None:
        if not isinstance(ctx.answers, Mapping):
            raise AnswerError("answers must be a mapping of step ids to answers")
        for step_id in ctx.answers:
            if step_id not in human:
                known = ", ".join(f"'{name}'" for name in human) or "none"
                raise AnswerError(f"there is no human step '{step_id}' to answer "
                                  f"(human steps: {known})")
        problem = json_problem(dict(ctx.answers), "answers")
        if problem:
            raise AnswerError(problem)
    effects = {plan.spec.id: plan.operation.effect for plan in plans if plan.operation.effect}
    pure = {plan.spec.id: plan.operation.name for plan in plans
            if plan.operation.declaration is not None and not plan.operation.effect}
    retried = {plan.spec.id for plan in plans
               if plan.operation.declaration is not None and plan.operation.effect}
    journal = dict(ctx.journal or {})
    problem = json_problem(journal, "journal")
    if problem:
        raise ReplayError(problem)
    for step_id, entry in sorted(journal.items()):
        if step_id in pure:
            if not isinstance(entry, dict) or sorted(entry) not in _PURE_KEYS \
                    or entry["operation"] != pure[step_id] \
                    or not isinstance(entry["request"], dict):
                raise ReplayError(f"the journal entry for '{step_id}' must be a map "
                                  f"{{operation: '{pure[step_id]}', request: {{...}}, "
                                  "result or error}")
            continue
        if step_id not in effects:
            raise ReplayError(f"the journal has an entry for '{step_id}', which is not a step "
                              "with an effect in this workflow")
        attempts = entry.get("attempts") if isinstance(entry, dict) else None
        keys = sorted(set(entry) - ({"attempts"} if step_id in retried else set())) \
            if isinstance(entry, dict) else []
        if not isinstance(entry, dict) or keys not in _JOURNAL_KEYS \
                or (attempts is not None and not isinstance(attempts, list)) \
                or entry["effect"] != effects[step_id] or not isinstance(entry["request"], dict):
            raise ReplayError(f"the journal entry for '{step_id}' must be a map "
                              f"{{effect: '{effects[step_id]}', request: {{...}}, "
                              "result or error}")
    if ctx.journal is None:  # a fresh run: every effect it may reach must be provided
        for step_id, effect in effects.items():
            if not _provided(ctx, effect):
                raise EnvelopeViolation(
                    f"Step '{step_id}' needs the effect '{effect}', and no effect runner "
                    "that provides it was given"
                )
    return journal


def _provided(ctx: ExecutionContext, effect: str) -> bool:
    return ctx.effects is not None and ctx.effects.supports(effect)


def bind_params(workflow: WorkflowDefinition, ctx: ExecutionContext) -> dict[str, Any]:
    """The params of this run, checked against the declarations, defaults filled in."""
    given = ctx.params if ctx.params is not None else workflow.metadata.get("params", {})
    if not isinstance(given, Mapping):
        raise ParameterError("params must be a mapping of names to values")
    try:
        bound: dict[str, Any] = json_copy(dict(given), "param")
    except NotJSONData as problem:
        raise ParameterError(str(problem)) from None
    declarations = workflow.metadata.get("declarations", {}).get("params")
    if declarations is None:
        return bound
    return _bind("param", declarations, bound)


def bind_inputs(workflow: WorkflowDefinition, initial_state: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(initial_state, Mapping):
        raise ParameterError(f"the initial state must be a map, found {describe(initial_state)}")
    try:
        state: dict[str, Any] = json_copy(dict(initial_state), "state")
    except NotJSONData as problem:
        raise ParameterError(str(problem)) from None
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
        type_name = declaration["type"]
        if not matches(value, type_name):
            raise ParameterError(f"{what} `{name}` must be {wanted(type_name)}, "
                                 f"found {describe(value)}")
        low, high = declaration.get("min"), declaration.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ParameterError(f"{what} `{name}` must be {bounds_phrase(low, high)}, "
                                 f"found {value}")
        bound[name] = value
    return bound


_NO_INPUT = object()  # a step that consumed neither an answer nor an effect


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
        self.hasher = StateHasher()
        self.initial_state_hash = self.hasher.hash(state)
        self.head = canonical_hash({
            "workflow": self.workflow_hash,
            "params": canonical_hash(params),
            "initial_state": self.initial_state_hash,
        })
        self.chain: list[dict[str, Any]] = []
        self.steps: list[dict[str, Any]] = []

    def execute(self) -> OrchestrationResult:
        executed: list[StepSpec] = []
        failed: tuple[str, str] | None = None
        waiting: tuple[str, dict[str, Any]] | None = None
        for plan in self.plans:
            step_id = plan.spec.id
            consumed: Any = _NO_INPUT
            kept: list[Change] = []  # changes a failing step still made (Outcome.failure)
            try:
                if plan.when is not None and not self._guard(plan):
                    self._record(step_id, "skipped", (), _NO_INPUT)
                    continue
                args = self._arguments(plan)
                if plan.operation.check is not None:
                    plan.operation.check(args)
                if plan.spec.kind == "human":
                    answered = self._answer(plan, args)
                    if answered is None:
                        waiting = (step_id, self._question(plan, args))
                        self._record(step_id, "waiting", (), _NO_INPUT)
                        break
                    consumed = effect_result = answered[0]
                elif plan.operation.effect:
                    effect_result = self._effect(plan, args)
                    consumed = self.journal[step_id]
                else:
                    effect_result = None
                if plan.operation.declaration is not None and not plan.operation.effect:
                    outcome = self._pure(plan, args)
                else:
                    outcome = plan.operation.implementation(
                        Invocation(step_id, args, self.state, effect_result)
                    )
                changes = list(outcome.changes)
                if plan.output is not None:
                    changes.append(Change("set", plan.output, outcome.result))
                changes = [_written(change) for change in changes]
                state = self.state
                for change in changes:
                    state = apply_change(state, change)
                if outcome.failure is not None:
                    self.state, kept = state, changes
                    raise StepFailure(outcome.failure)
            except (StepFailure, EvaluationError) as problem:
                executed.append(_copy_step(plan.spec))
                self._record(step_id, "failed", kept, consumed)
                failed = (step_id, f"Step '{step_id}' failed: {problem}")
                break
            self.state = state
            executed.append(_copy_step(plan.spec))
            self._record(step_id, "succeeded", changes, consumed)
        return self._result(executed, failed, waiting)

    def _guard(self, plan: _Plan) -> bool:
        value = evaluate(plan.when, self.params, self.state)
        if not isinstance(value, bool):
            raise StepFailure("its `when` condition must be true or false, "
                              f"found {describe(value)}")
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
            args[parameter.name] = value  # may share with the state: nothing mutates either
        return args

    def _question(self, plan: _Plan, args: Mapping[str, Any]) -> dict[str, Any]:
        description = plan.spec.payload.get("description")
        return copy.deepcopy(question(plan.operation, plan.spec.id, args,
                                      description if isinstance(description, str) else None))

    def _answer(self, plan: _Plan, args: dict[str, Any]) -> tuple[Any] | None:
        """The validated answer, or None when the step must wait for one."""
        step_id = plan.spec.id
        validate = plan.operation.answer
        assert validate is not None
        if step_id in self.given_answers:
            try:
                value = _valid_answer(validate, args, self.given_answers[step_id])
            except AnswerError as problem:
                raise AnswerError(f"Step '{step_id}': {problem}") from None
        elif self.ctx.ask is not None:
            shown = self._question(plan, args)
            for _attempt in range(ASK_ATTEMPTS):
                given = self.ctx.ask(copy.deepcopy(shown))
                if given is None:
                    return None
                try:
                    value = _valid_answer(validate, args, given)
                    break
                except AnswerError as problem:
                    shown["error"] = str(problem)
            else:
                raise AnswerError(f"Step '{step_id}': no valid answer after {ASK_ATTEMPTS} tries: "
                                  f"{shown['error']}")
        else:
            return None
        self.answers[step_id] = copy.deepcopy(value)
        return (value,)

    def _pure(self, plan: _Plan, args: dict[str, Any]) -> Outcome:
        """A project's pure operation, computed again on every replay and journaled: a
        replay that computes something else than the recorded run is caught here, at the
        step, the way Temporal detects non-determinism."""
        step_id, name = plan.spec.id, plan.operation.name
        entry: dict[str, Any] = {"operation": name, "request": copy.deepcopy(args)}
        try:
            outcome = plan.operation.implementation(Invocation(step_id, args, self.state))
            entry["result"] = copy.deepcopy(outcome.result)
        except StepFailure as problem:
            outcome, entry["error"] = None, str(problem)
        recorded = self.journal_in.get(step_id)
        if recorded is not None and not json_equal(recorded, entry):
            raise ReplayError(_divergence(step_id, name, recorded, entry))
        self.journal[step_id] = entry
        if outcome is None:
            raise StepFailure(entry["error"])
        return outcome

    def _effect(self, plan: _Plan, args: dict[str, Any]) -> Any:
        """The effect's result: replayed from the journal, or run by the effect runner."""
        step_id = plan.spec.id
        effect = plan.operation.effect
        assert effect is not None
        request = copy.deepcopy(args)
        declaration: OperationDeclaration | None = plan.operation.declaration
        if declaration is not None:
            request.setdefault(TIMEOUT, declaration.timeout)
        if step_id in self.journal_in:
            entry = copy.deepcopy(self.journal_in[step_id])
            if not json_equal(entry["request"], request):
                raise ReplayError(f"Step '{step_id}': the journal recorded the effect '{effect}' "
                                  f"for the request {entry['request']}, but this run asks "
                                  f"{request}")
        else:
            if not _provided(self.ctx, effect) or self.ctx.effects is None:
                raise EnvelopeViolation(f"Step '{step_id}' needs the effect '{effect}': the "
                                        "journal has no result for it and no effect runner "
                                        "that provides it was given")
            entry = {"effect": effect, "request": request}
            tries = 1 + int(request.get(RETRY, 0)) if declaration is not None else 1
            attempts: list[dict[str, Any]] = []
            for _attempt in range(tries):
                entry.pop("error", None)
                try:
                    result = self.ctx.effects.run(effect, copy.deepcopy(request))
                except EffectError as refusal:
                    entry["error"] = str(refusal)
                else:
                    problem = json_problem(result, f"the result of effect '{effect}'")
                    if problem:
                        entry["error"] = f"the effect runner returned something that is not " \
                                         f"JSON data: {problem}"
                    else:
                        entry["result"] = copy.deepcopy(result)
                attempts.append({"error": entry["error"]} if "error" in entry else {"ok": True})
                if "result" in entry:
                    break
            if declaration is not None:
                entry["attempts"] = attempts
                if "error" in entry and tries > 1:
                    entry["error"] = f"{entry['error']} (after {tries} attempts)"

        self.journal[step_id] = entry
        if "error" in entry:
            raise StepFailure(entry["error"])
        return copy.deepcopy(entry["result"])

    def _record(self, step_id: str, status: str, changes: Any, consumed: Any) -> None:
        change_hash = canonical_hash([change.to_json() for change in changes])
        input_hash = None if consumed is _NO_INPUT else canonical_hash(consumed)
        previous = self.chain[-1]["link"] if self.chain else self.head
        link = canonical_hash([previous, step_id, status, change_hash, input_hash])
        self.chain.append({"changes": change_hash, "input": input_hash, "link": link,
                           "status": status, "step": step_id})
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
        final_state_hash = self.hasher.hash(self.state)
        answers_hash = canonical_hash(self.answers)
        journal_hash = canonical_hash(self.journal)
        error_message = failed[1] if failed else None
        last = self.chain[-1]["link"] if self.chain else self.head
        receipt = {
            "answers_hash": answers_hash,
            "chain": self.chain,
            "digest": canonical_hash([last, status, final_state_hash, answers_hash,
                                      journal_hash, error_message]),
            "final_state_hash": final_state_hash,
            "head": self.head,
            "id": self.workflow.id,
            "initial_state_hash": self.initial_state_hash,
            "journal_hash": journal_hash,
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
            final_state=self.state,  # private: see the module docstring
            failed_step_id=failed[0] if failed else None,
            error_message=error_message,
            lineage=lineage,
            receipt=receipt,
            status=status,
            waiting_step_id=waiting[0] if waiting else None,
            question=waiting[1] if waiting else None,
            answers=copy.deepcopy(self.answers),
            journal=copy.deepcopy(self.journal),
        )


def _divergence(step_id: str, name: str, recorded: Any, replayed: dict[str, Any]) -> str:
    def outcome(entry: Any) -> str:
        if not isinstance(entry, dict):
            return describe(entry)
        if "error" in entry:
            return f"the failure {entry['error']!r}"
        text = repr(entry.get("result"))
        return text if len(text) <= 80 else text[:77] + "..."

    if isinstance(recorded, dict) and not json_equal(recorded.get("request"),
                                                     replayed["request"]):
        what = f"was called with {recorded.get('request')!r}, the replay calls it with " \
               f"{replayed['request']!r}"
    else:
        what = f"gave {outcome(recorded)}, the replay computes {outcome(replayed)}"
    return (f"Step '{step_id}': the pure operation '{name}' is not deterministic: the recorded "
            f"run {what}; a pure operation must give the same result for the same arguments "
            "(declare it `kind = \"effect\"` if it reads the clock, files or the network)")


def _valid_answer(validate: Any, args: Mapping[str, Any], given: Any) -> Any:
    value = validate(args, given)
    problem = json_problem(value, "the answer")
    if problem:
        raise AnswerError(problem)
    return value


def _written(change: Change) -> Change:
    """The change with a private copy of the value it writes, which must stay plain JSON
    (e.g. no overflowing number): it may come from the workflow, an answer or an effect."""
    if change.action != "set":
        return change
    try:
        return Change("set", change.path, json_copy(change.value, dotted(change.path)))
    except NotJSONData as problem:
        raise StepFailure(f"cannot write {problem}") from None


def _copy_step(step: StepSpec) -> StepSpec:
    return StepSpec(step.id, step.kind, json_copy(step.payload, "payload"))  # checked: JSON
