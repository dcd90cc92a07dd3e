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

from runtime.bounds import MAX_DEPTH
from runtime.orchestration.budget import Budget
from runtime.orchestration.calling import (
    Change,
    Invocation,
    Operation,
    Outcome,
    Parameter,
    StepFailure,
)
from runtime.orchestration.canonical import (
    StateHasher,
    canonical_hash,
    data_hash,
    json_string,
    text_hash,
)
from runtime.orchestration.expressions import (
    EvaluationError,
    evaluate,
    expression_problem,
    json_equal,
    lookup,
    path_problem,
    split_path,
)
from runtime.orchestration.human import (
    HumanRules,
    Wait,
    checked_events,
    checked_start,
    latest,
    rules_of,
)
from runtime.orchestration.model import (
    HOW_TO_PASS_A_RUNNER,
    IGNORED_PARAMS,
    OBSERVER,
    Answered,
    AnswerError,
    AntiFailureViolation,
    EffectError,
    EffectStart,
    EnvelopeViolation,
    ExecutionContext,
    ImplementationError,
    MissingEffectRunner,
    OrchestrationResult,
    ParameterError,
    ReplayError,
    StepSpec,
    WorkflowDefinition,
    content_hash,
    cut_off,
)
from runtime.orchestration.operations import (
    OPERATIONS,
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
    shape_form_problem,
    shape_problem,
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
    signature_problem,
    workflow_operations,
)
from runtime.orchestration.values import NotJSONData, checked_copy, json_copy, json_problem

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
_RESERVED_PAYLOAD_KEYS = frozenset({"operation", "args", "output", "when", "description",
                                    "answered_by"})
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
    # In the operation's order: (name, parameter, how, what), decoded once (`_ARGUMENT_*`).
    arguments: tuple[tuple[str, Parameter, int, Any], ...]
    human: HumanRules | None  # a human step's rules: who answers, its deadlines


@dataclass(frozen=True, slots=True)
class _Prepared:
    """What every run of one workflow content needs, decoded and checked once.

    Built from a private copy of the workflow, so a caller changing its own workflow
    later cannot change it; shared by every run (and thread) of that content, never
    changed: a run reads its plans and copies what it hands out.
    """

    workflow: WorkflowDefinition  # the private copy
    plans: tuple[_Plan, ...]
    workflow_hash: str
    human_ids: tuple[str, ...]
    effects: Mapping[str, str]  # step id -> effect, for the steps that have one
    # The project operations the workflow declares, bound per run (`_bind_implementations`):
    declared: tuple[int, ...]  # the indices of the plans that call one
    pure: Mapping[str, str]  # step id -> pure operation, journaled to catch a divergence
    retried: frozenset[str]  # the steps of project effects (their journal keeps `attempts`)


# Prepared workflows by content (see `_content_key`), oldest first; bounded in entries and
# in the size of their keys (about the size of the workflows themselves).
_PREPARED: dict[tuple[Any, ...], _Prepared] = {}
_PREPARED_ENTRIES = 256
_PREPARED_KEY_BYTES = 8_000_000
_prepared_key_bytes = 0
# The last workflow objects run, by identity (each kept alive here, so its id is not reused):
# the object, the checker's key, a snapshot of its contents and what it was prepared as.
_SEEN: dict[int, tuple[WorkflowDefinition, tuple[Any, ...], Any, _Prepared]] = {}


class Orchestrator:
    MAX_TOTAL_STEPS = 5
    MAX_HUMAN_STEPS = 2
    ALLOWED_KINDS = frozenset({"runtime", "human"})

    def run_workflow(self, workflow: WorkflowDefinition,
                     ctx: ExecutionContext) -> OrchestrationResult:
        """Run to the end, to a failed step, or to a human step with no answer (waiting).

        Raises before any step runs when the workflow or the context is refused
        (`EnvelopeViolation`, `AntiFailureViolation`, `ParameterError`,
        `AnswerError`, `ReplayError`, and `ImplementationError` when a project
        operation's function is missing or does not fit its declaration); a fresh
        run (no `journal`) that uses an effect no runner provides is refused then
        (`MissingEffectRunner`). During the run, a refused answer raises
        `AnswerError`, and a replay (a `journal` given) that reaches an effect
        neither journaled nor provided raises `MissingEffectRunner`; no result is
        returned then.
        """
        prepared = self._prepared(workflow)
        plans = _bind_implementations(prepared, ctx)
        journal = _check_context(ctx, prepared)
        inputs = _human_inputs(ctx, prepared)
        params = bind_params(prepared.workflow, ctx)
        state = bind_inputs(prepared.workflow, ctx.initial_state)
        return _Run(prepared, plans, ctx, params, state, journal, inputs).execute()

    def validate(self, workflow: WorkflowDefinition) -> None:
        """The envelope and anti-failure checks, in the seed's order, then the steps' shape."""
        self._prepared(workflow)

    def _prepared(self, workflow: WorkflowDefinition) -> _Prepared:
        """The checked, decoded workflow: from the cache when this content was seen by this
        class with these limits (a subclass may change its checks or its limits)."""
        checker = (type(self), self.MAX_TOTAL_STEPS, self.MAX_HUMAN_STEPS,
                   tuple(sorted(self.ALLOWED_KINDS)))
        seen = _SEEN.get(id(workflow))
        if seen is not None and seen[0] is workflow and seen[1] == checker \
                and seen[2] == _contents(workflow):
            return seen[3]
        content = _content_key(workflow)
        if content is None:  # not only built-in data: checked (and refused) every time
            return _prepare(workflow, self._plans(workflow))
        key = (content, *checker)
        found = _PREPARED.get(key)
        if found is None:
            found = self._prepare_privately(workflow)
            _remember(key, found)
        _remember_object(workflow, checker, found)
        return found

    def _prepare_privately(self, workflow: WorkflowDefinition) -> _Prepared:
        private = WorkflowDefinition(
            id=workflow.id, metadata=copy.deepcopy(workflow.metadata),
            steps=[StepSpec(step.id, step.kind, copy.deepcopy(step.payload))
                   for step in workflow.steps])
        return _prepare(private, self._plans(private))

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
        for number, step in enumerate(workflow.steps, 1):
            if not step.id:
                raise EnvelopeViolation(f"Step #{number} has an empty id; every step needs one "
                                        "(answers, receipts and `mission runs` name it)")
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


def _content_key(workflow: WorkflowDefinition) -> str | None:
    """The workflow's content as text that tells built-in values and types apart (1, 1.0,
    True and "1"; a list and a tuple): its `repr`. Equal text means equal data; anything
    else only costs a second entry. None when it cannot be written (too deep)."""
    try:
        return repr((workflow.id, [(step.id, step.kind, step.payload)
                                   for step in workflow.steps], workflow.metadata))
    except RecursionError:
        return None


def _contents(workflow: WorkflowDefinition) -> tuple[Any, ...]:
    return (workflow.id, [(step.id, step.kind, step.payload) for step in workflow.steps],
            workflow.metadata)


class _Exact:
    """A number in a snapshot of a workflow: equal to the same value of the same type only
    (Python holds 1, 1.0 and True equal, and 0.0 and -0.0), as the content key tells them
    apart."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self.value) and repr(other) == repr(self.value)

    __hash__ = None  # type: ignore[assignment]


def _snapshot(value: Any) -> Any:
    """`value` to compare a workflow's contents with later: `snapshot == contents` holds
    while the contents are the same data, built-in types included (strings compared as
    their `repr` is: a `str` subclass without a `repr` of its own is equal, as before)."""
    kind = type(value)
    if kind is dict:
        return {key: _snapshot(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return kind(_snapshot(item) for item in value)
    if kind is str or value is None:
        return value
    return _Exact(value)


def _remember_object(workflow: WorkflowDefinition, checker: tuple[Any, ...],
                     prepared: _Prepared) -> None:
    """Remember which prepared workflow this very object had, with a snapshot of its
    contents: comparing them (in C, about a twentieth of writing the content key) tells
    whether it was changed in place since."""
    try:
        snapshot = _snapshot(_contents(workflow))
    except RecursionError:
        return
    while len(_SEEN) >= _PREPARED_ENTRIES:
        oldest = next(iter(_SEEN), None)
        if oldest is not None:
            _SEEN.pop(oldest, None)  # another thread may be first
    _SEEN.pop(id(workflow), None)  # the newest last, so the oldest goes first
    _SEEN[id(workflow)] = (workflow, checker, snapshot, prepared)


def _prepare(workflow: WorkflowDefinition, plans: list[_Plan]) -> _Prepared:
    return _Prepared(
        workflow=workflow,
        plans=tuple(plans),
        workflow_hash=content_hash(workflow),
        human_ids=tuple(plan.spec.id for plan in plans if plan.spec.kind == "human"),
        effects={plan.spec.id: plan.operation.effect for plan in plans
                 if plan.operation.effect},
        declared=tuple(index for index, plan in enumerate(plans)
                       if plan.operation.declaration is not None),
        pure={plan.spec.id: plan.operation.name for plan in plans
              if plan.operation.declaration is not None and not plan.operation.effect},
        retried=frozenset(plan.spec.id for plan in plans
                          if plan.operation.declaration is not None and plan.operation.effect),
    )


def _remember(key: tuple[Any, ...], prepared: _Prepared) -> None:
    global _prepared_key_bytes
    size = len(key[0])
    if size > _PREPARED_KEY_BYTES // 4:
        return  # a huge workflow: its runs are long anyway
    while _PREPARED and (len(_PREPARED) >= _PREPARED_ENTRIES
                         or _prepared_key_bytes + size > _PREPARED_KEY_BYTES):
        oldest = next(iter(_PREPARED), None)
        if oldest is not None and _PREPARED.pop(oldest, None) is not None:  # another thread
            _prepared_key_bytes -= len(oldest[0])                           # may be first
    if key not in _PREPARED:
        _PREPARED[key] = prepared
        _prepared_key_bytes += size


def _operation_table(workflow: WorkflowDefinition) -> Mapping[str, Operation]:
    """The built-in operations and the project operations the workflow declares."""
    if "operations" not in workflow.metadata:
        return OPERATIONS
    problem = json_problem(workflow.metadata["operations"], "metadata.operations")
    if problem:
        raise EnvelopeViolation(f"Workflow '{workflow.id}': {problem}")
    try:
        return workflow_operations(workflow.metadata)
    except DeclarationError as problem:
        raise EnvelopeViolation(f"Workflow '{workflow.id}': {problem}") from None


def _bind_implementations(prepared: _Prepared, ctx: ExecutionContext) -> tuple[_Plan, ...]:
    """The plans of this run: each project operation's function, from this run's context,
    checked against its declaration before any step runs (the cached plans hold the
    declarations only, so a binding is never reused from another run). A replay (a journal
    given) may leave an effect unbound: its result comes from the journal."""
    if not prepared.declared:
        return prepared.plans
    given = ctx.implementations or {}
    if not isinstance(given, Mapping):
        raise ImplementationError("implementations must be a mapping of operation names to "
                                  "functions")
    plans = list(prepared.plans)
    for index in prepared.declared:
        plan = plans[index]
        declaration: OperationDeclaration = plan.operation.declaration
        function = given.get(declaration.name)
        if function is None:
            if declaration.kind == "effect" and ctx.journal is not None:
                continue
            raise ImplementationError(
                f"Step '{plan.spec.id}' uses the project operation '{declaration.name}' "
                f"(implemented by `{declaration.implementation}`), and no implementation was "
                "given: pass ExecutionContext(implementations=...), for example "
                "runtime.user_code.load_implementations(workflow)")
        problem = signature_problem(declaration, function)
        if problem:
            raise ImplementationError(f"Step '{plan.spec.id}': {problem}")
        if declaration.kind == "pure":
            operation = dataclasses.replace(plan.operation,
                                            implementation=_pure_call(declaration, function))
            plans[index] = dataclasses.replace(plan, operation=operation)
    return tuple(plans)


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
    except EffectError as problem:  # a confined call's own account (`runtime.user_code`)
        raise StepFailure(str(problem)) from None
    except (Exception, SystemExit) as problem:  # user code: any failure, `sys.exit` too
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
        if operation.compute is not None:  # a data operation: checked as its call expression
            problem = expression_problem({"call": name, "args": args})
            if problem:
                raise EnvelopeViolation(f"Step '{step.id}': the arguments of '{name}' are "
                                        f"malformed: {problem}")
        for argument, expression in sorted(args.items()):
            parameter = operation.parameter(argument)
            problem = None if operation.compute is not None else expression_problem(
                expression, item=parameter is not None and parameter.per_item)
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
    group = payload.get("answered_by")
    if group is not None and (step.kind != "human" or not isinstance(group, str)
                              or not group.isidentifier()):
        raise EnvelopeViolation(f"Step '{step.id}': `answered_by` names the group that answers "
                                "a human step: a name, on a human step only")
    human = rules_of(step.id, step.kind, payload)
    when = payload.get("when")
    problem = expression_problem(when)
    if problem:
        raise EnvelopeViolation(f"Step '{step.id}': its `when` condition is malformed: {problem}")
    arguments = tuple(_decoded_argument(parameter, args[parameter.name])
                      for parameter in operation.parameters if parameter.name in args)
    return _Plan(step, operation, args, output_path, when, arguments, human)


# How `_Run._arguments` gets an argument's value, decided once per plan: a place's state path;
# a literal already known to fit its parameter; a reference into the state or the params
# (its root and path split); any other expression, evaluated and checked; a per-item one.
_ARGUMENT_PLACE, _ARGUMENT_CONSTANT, _ARGUMENT_STATE, _ARGUMENT_PARAM, _ARGUMENT_EXPRESSION, \
    _ARGUMENT_PER_ITEM = range(6)


def _decoded_argument(parameter: Parameter, expression: Any) -> tuple[str, Parameter, int, Any]:
    name = parameter.name
    if parameter.place:
        return name, parameter, _ARGUMENT_PLACE, split_path(expression["ref"])[1]
    if parameter.per_item:
        return name, parameter, _ARGUMENT_PER_ITEM, expression
    if isinstance(expression, dict) and len(expression) == 1:
        if "lit" in expression and check_value(parameter, expression["lit"]) is None:
            return name, parameter, _ARGUMENT_CONSTANT, expression["lit"]
        reference = expression.get("ref")
        if isinstance(reference, str):
            root, path = split_path(reference)
            if root == "state":
                return name, parameter, _ARGUMENT_STATE, path
            if root == "param":
                return name, parameter, _ARGUMENT_PARAM, path
    return name, parameter, _ARGUMENT_EXPRESSION, expression


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
            if declaration.get("nullable", True) is not True:
                raise EnvelopeViolation(f"{where}: `nullable` is written only as `true`")
            bounds = [declaration[key] for key in ("min", "max") if key in declaration]
            if bounds and (declaration["type"] not in ("int", "float", "number")
                           or any(type_of(bound) not in ("int", "float") for bound in bounds)):
                raise EnvelopeViolation(f"{where}: `min` and `max` are numbers, for a number type")
            if "items" in declaration:
                problem = shape_form_problem(declaration["items"]) \
                    if declaration["type"] == "list" else "only a list has `items`"
                if problem:
                    raise EnvelopeViolation(f"{where}: {problem}")
            if "fields" in declaration:  # a record declared on its own: `{a: int}`
                problem = shape_form_problem({key: declaration[key] for key in declaration
                                              if key in ("type", "nullable", "fields")})
                if problem:
                    raise EnvelopeViolation(f"{where}: {problem}")
            if "default" in declaration and (
                    not matches(declaration["default"], declared_type(declaration))
                    or (("items" in declaration or "fields" in declaration) and shape_problem(
                        declaration["default"], declaration, "the default") is not None)):
                raise EnvelopeViolation(f"{where}: the default is not "
                                        f"{declared_type(declaration)}")


def _check_context(ctx: ExecutionContext, prepared: _Prepared) -> dict[str, Any]:
    """Answers, journal and effects fit the workflow; returns the journal to replay."""
    human = prepared.human_ids
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
    effects = prepared.effects
    pure = prepared.pure
    retried = prepared.retried
    journal = dict(ctx.journal or {})
    if journal:
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
                raise MissingEffectRunner(
                    f"Step '{step_id}' needs the effect '{effect}', and no effect runner "
                    f"that provides it was given: {HOW_TO_PASS_A_RUNNER}"
                )
    return journal


@dataclass(frozen=True, slots=True)
class _HumanInputs:
    """When and by whom the run was started, and the events given to it: each human step's
    answers and deadline firings in the order received (`ctx.answers` after `ctx.events`,
    as answers without a time), and the cancellation, if any."""

    started: dict[str, Any] | None
    by_step: dict[str, list[dict[str, Any]]]
    cancel: dict[str, Any] | None


def _human_inputs(ctx: ExecutionContext, prepared: _Prepared) -> _HumanInputs:
    events = []
    if ctx.events is not None:
        if not isinstance(ctx.events, list):
            raise ReplayError("events must be a list")
        for index, event in enumerate(ctx.events):
            answered = isinstance(event, Mapping) and event.get("kind") == "answer"
            where = f"answers.{event.get('step')}" if answered and isinstance(
                event.get("step"), str) else f"events[{index}]"
            problem = json_problem(event.get("answer") if answered else event, where)
            if problem:
                raise (AnswerError if answered else ReplayError)(problem)
        events = checked_events(ctx.events, prepared.human_ids)
    by_step: dict[str, list[dict[str, Any]]] = {}
    cancel = None
    for event in events:
        if event["kind"] == "cancel":
            cancel = event
        else:
            by_step.setdefault(event["step"], []).append(event)
    who = ctx.answered_by or {}
    for step_id, value in (ctx.answers or {}).items():
        given = {"kind": "answer", "step": step_id, "answer": copy.deepcopy(value)}
        if who.get(step_id) is not None:
            given["by"] = str(who[step_id])
        by_step.setdefault(step_id, []).append(given)
    return _HumanInputs(checked_start(ctx.started), by_step, cancel)


def _provided(ctx: ExecutionContext, effect: str) -> bool:
    return ctx.effects is not None and ctx.effects.supports(effect)


def bind_params(workflow: WorkflowDefinition, ctx: ExecutionContext) -> dict[str, Any]:
    """The params of this run, checked against the declarations, defaults filled in.

    `ctx.params` is taken strictly. Without it the params come from the metadata, as the
    seed's builder stored them, less those it recorded as undeclared (`IGNORED_PARAMS`).
    """
    if ctx.params is not None:
        return check_params(workflow, ctx.params)
    given = workflow.metadata.get("params", {})
    ignored = workflow.metadata.get(IGNORED_PARAMS, [])
    if not isinstance(ignored, list) or not all(isinstance(name, str) for name in ignored):
        raise ParameterError(f"the workflow's metadata `{IGNORED_PARAMS}` must be a list of "
                             "param names")
    if ignored and isinstance(given, Mapping):
        given = {name: value for name, value in given.items() if name not in ignored}
    return check_params(workflow, given)


def check_params(workflow: WorkflowDefinition, given: object,
                 allow_missing: bool = False) -> dict[str, Any]:
    """`given` checked against the workflow's declared params (ParameterError if it does
    not fit), with the defaults filled in; `allow_missing` for a workflow being built, whose
    run may still be given the required params."""
    if not isinstance(given, Mapping):
        raise ParameterError("params must be a mapping of names to values")
    try:
        bound: dict[str, Any] = json_copy(dict(given), "param")
    except NotJSONData as problem:
        raise ParameterError(str(problem)) from None
    declarations = workflow.metadata.get("declarations", {}).get("params")
    if declarations is None:
        return bound
    return _bind("param", declarations, bound, allow_missing=allow_missing)


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
          allow_unknown: bool = False, allow_missing: bool = False) -> dict[str, Any]:
    if not allow_unknown:
        unknown = sorted(set(given) - set(declarations))
        if unknown:
            known = ", ".join(f"`{name}`" for name in sorted(declarations)) or "none"
            raise ParameterError(f"unknown {what} `{unknown[0]}`"
                                 f"{_did_you_mean(unknown[0], declarations)}; declared: {known}")
    bound: dict[str, Any] = {}
    for name in sorted(declarations):
        declaration = declarations[name]
        if name in given:
            value = given[name]
        elif "default" in declaration:
            value = json_copy(declaration["default"], "default")  # checked: JSON data
        elif allow_missing:
            continue
        else:
            raise ParameterError(f"missing required {what} `{name}` "
                                 f"({declared_type(declaration)})")
        type_name = declared_type(declaration)
        if not matches(value, type_name):
            raise ParameterError(f"{what} `{name}` must be {wanted(type_name)}, "
                                 f"found {describe(value)}")
        if "items" in declaration or "fields" in declaration:  # every element and field
            problem = shape_problem(value, declaration, name)
            if problem:
                raise ParameterError(f"{what} {problem}")
        low, high = declaration.get("min"), declaration.get("max")
        if value is not None and ((low is not None and value < low)
                                  or (high is not None and value > high)):
            raise ParameterError(f"{what} `{name}` must be {bounds_phrase(low, high)}, "
                                 f"found {value}")
        bound[name] = value
    return bound


def declared_type(declaration: Mapping[str, Any]) -> str:
    """A declaration's type as the run-time checks read it: `int`, or `int?` when it is
    `nullable` (a checked declaration)."""
    return str(declaration["type"]) + ("?" if declaration.get("nullable") else "")


def _did_you_mean(name: str, declared: Mapping[str, Any]) -> str:
    import difflib  # only for a misspelled name

    close = difflib.get_close_matches(name, sorted(declared), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


_NO_INPUT = object()  # a step that consumed neither an answer nor an effect
_NO_CHANGES_HASH = canonical_hash([])
_EMPTY_MAP_HASH = canonical_hash({})


class _Run:
    """One execution: walks the plans, records lineage, journal and the receipt chain."""

    def __init__(self, prepared: _Prepared, plans: tuple[_Plan, ...], ctx: ExecutionContext,
                 params: dict[str, Any], state: dict[str, Any], journal: dict[str, Any],
                 inputs: _HumanInputs) -> None:
        self.workflow = prepared.workflow
        self.plans = plans
        self.ctx = ctx
        self.params = params
        self.state = state
        self.journal_in = journal
        self.journal: dict[str, Any] = {}
        self.answers: dict[str, Any] = {}
        self.pending = inputs.by_step  # each human step's events, taken when it is reached
        self.cancel = inputs.cancel
        self.started = inputs.started
        self.starter = (inputs.started or {}).get("by")
        self.clock: str | None = (inputs.started or {}).get("at")  # the latest time recorded
        self.events: list[dict[str, Any]] = []  # what the run consumed, in order
        self.answered_by_used: dict[str, str] = {}
        self.workflow_hash = prepared.workflow_hash
        self.hasher = StateHasher()
        self.initial_state_hash = self.hasher.hash(state)
        self.params_hash = data_hash(params)
        self.head = _head_hash(self.workflow_hash, self.params_hash, self.initial_state_hash) \
            if self.started is None else canonical_hash(
                {"initial_state": self.initial_state_hash, "params": self.params_hash,
                 "started": self.started, "workflow": self.workflow_hash})
        self.chain: list[dict[str, Any]] = []
        self.steps: list[dict[str, Any]] = []
        self.checked: dict[str, Any] = {}  # see `Invocation.checked`
        self.observer = OBSERVER.get()  # `runtime.orchestration.trace`: None but in tests

    def execute(self) -> OrchestrationResult:
        executed: list[StepSpec] = []
        failed: tuple[str, str] | None = None
        waiting: tuple[str, dict[str, Any]] | None = None
        cancelled: str | None = None
        for plan in self.plans:
            step_id = plan.spec.id
            if self.observer is not None:
                self.observer.step(step_id)
            consumed: Any = _NO_INPUT
            kept: list[Change] = []  # changes a failing step still made (Outcome.failure)
            try:
                if plan.when is not None and not self._guard(plan):
                    self._record(step_id, "skipped", (), _NO_INPUT)
                    continue
                data = plan.operation.compute is not None  # its value is the step's result
                args = {} if data else self._arguments(plan)
                if plan.operation.check is not None:
                    plan.operation.check(args)
                if plan.spec.kind == "human":
                    wait = self._wait(plan, args)
                    if wait.failure is not None:
                        consumed = wait.consumed()
                        raise StepFailure(wait.failure)
                    if wait.decided is None:
                        if self.cancel is not None:
                            cancelled = self._cancelled(step_id, wait)
                            break
                        waiting = (step_id, {**self._question(plan, args), **wait.shown()})
                        self._record(step_id, "waiting", (), wait.consumed()
                                     if wait.events or wait.began is not None else _NO_INPUT)
                        break
                    effect_result, who = wait.decided
                    self.answers[step_id] = copy.deepcopy(effect_result)
                    if who is not None:
                        self.answered_by_used[step_id] = who
                    consumed = wait.consumed()
                elif plan.operation.effect:
                    effect_result = self._effect(plan, args)
                    consumed = self.journal[step_id]
                else:
                    effect_result = None
                if plan.operation.declaration is not None and not plan.operation.effect:
                    outcome = self._pure(plan, args)
                elif data:
                    outcome = Outcome(result=evaluate({"call": plan.operation.name,
                                                       "args": plan.args},
                                                      self.params, self.state))
                else:
                    outcome = plan.operation.implementation(
                        Invocation(step_id, args, self.state, effect_result, self.checked)
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
                executed.append(_copy_step(plan))
                self._record(step_id, "failed", kept, consumed)
                failed = (step_id, f"Step '{step_id}' failed: {problem}")
                break
            self.state = state
            executed.append(_copy_step(plan))
            self._record(step_id, "succeeded", changes, consumed)
        if self.cancel is not None and cancelled is None:
            raise ReplayError("the run was cancelled while it waited, but it does not wait "
                              f"now ({'it failed' if failed else 'it finished'}), so the "
                              "cancellation cannot be placed")
        return self._result(executed, failed, waiting, cancelled)

    def _guard(self, plan: _Plan) -> bool:
        value = evaluate(plan.when, self.params, self.state)
        if not isinstance(value, bool):
            raise StepFailure("its `when` condition must be true or false, "
                              f"found {describe(value)}")
        if self.observer is not None:
            self.observer.guard(value)
        return value

    def _arguments(self, plan: _Plan) -> dict[str, Any]:
        args: dict[str, Any] = {}
        per_item = []
        for name, parameter, how, what in plan.arguments:
            if how <= _ARGUMENT_CONSTANT:  # a place or a constant
                args[name] = what  # the path, or a literal that fits (`_decoded_argument`)
                continue
            if how == _ARGUMENT_PER_ITEM:
                per_item.append((name, parameter, what))
                continue
            if how == _ARGUMENT_STATE:
                value = lookup(self.state, "state", what)
            elif how == _ARGUMENT_PARAM:
                value = lookup(self.params, "param", what)
            else:
                value = evaluate(what, self.params, self.state)
            problem = check_value(parameter, value)
            if problem:
                raise StepFailure(problem)
            args[name] = value  # may share with the state: nothing mutates either
        if not per_item:
            return args
        # `label: item.title`: one value per element of the operation's list, within one
        # budget for the whole argument (`runtime.orchestration.budget`)
        elements = args.get(plan.operation.items_parameter or "", [])
        for name, parameter, expression in per_item:
            budget = Budget()
            values = []
            for element in elements:
                budget.item()
                value = evaluate(expression, self.params, self.state, element, budget)
                budget.charge(budget.placed(value), name)
                values.append(value)
            for value in values:
                problem = check_value(parameter, value)
                if problem:
                    raise StepFailure(problem)
            args[name] = values
        return args

    def _question(self, plan: _Plan, args: Mapping[str, Any]) -> dict[str, Any]:
        description = plan.spec.payload.get("description")
        return copy.deepcopy(question(plan.operation, plan.spec.id, args,
                                      description if isinstance(description, str) else None))

    def _wait(self, plan: _Plan, args: dict[str, Any]) -> Wait:
        """The step's wait after the events given for it, and one answer asked (`ctx.ask`)
        when they leave it undecided: decided, failed by a deadline, or still waiting."""
        step_id = plan.spec.id
        validate = plan.operation.answer
        rules = plan.human
        assert validate is not None and rules is not None

        def answer_of(given: Any) -> Any:
            try:
                return _valid_answer(validate, args, given)
            except AnswerError as problem:
                raise AnswerError(f"Step '{step_id}': {problem}") from None

        wait = Wait(step_id, rules, answer_of, veto=plan.operation.name == "confirm",
                    starter=self.starter, began=self.clock)
        for event in self.pending.pop(step_id, []):
            wait.add(event)
        if not wait.done and self.ctx.ask is not None and self.cancel is None:
            self._ask(plan, args, wait)
        self.events += wait.events
        self.clock = latest(self.clock, wait.clock)
        return wait

    def _ask(self, plan: _Plan, args: dict[str, Any], wait: Wait) -> None:
        """One answer from `ctx.ask`, asked again (with the problem) while it does not fit."""
        assert self.ctx.ask is not None
        shown = {**self._question(plan, args), **wait.shown()}
        for _attempt in range(ASK_ATTEMPTS):
            given = self.ctx.ask(copy.deepcopy(shown))
            if given is None:
                return
            event: dict[str, Any] = {"kind": "answer", "step": plan.spec.id}
            if isinstance(given, Answered):
                event.update({"answer": given.answer, "by": given.by, "at": given.at})
            else:
                event["answer"] = given
            try:
                wait.add(checked_events([event], (plan.spec.id,))[0])
                return
            except AnswerError as problem:
                shown["error"] = str(problem).removeprefix(f"Step '{plan.spec.id}': ")
        raise AnswerError(f"Step '{plan.spec.id}': no valid answer after {ASK_ATTEMPTS} tries: "
                          f"{shown['error']}")

    def _cancelled(self, step_id: str, wait: Wait) -> str:
        """The run is cancelled where it waits: the step's link covers the cancellation."""
        assert self.cancel is not None
        cancel = self.cancel
        self.events.append(cancel)
        covered = wait.consumed() if wait.events or wait.began is not None else {}
        if not isinstance(covered, dict) or "events" not in covered:
            covered = {"events": []}
        self._record(step_id, "cancelled", (), {**covered, "cancel": cancel})
        by = f" by {cancel['by']}" if "by" in cancel else ""
        at = f" at {cancel['at']}" if "at" in cancel else ""
        reason = f": {cancel['reason']}" if cancel["reason"] else ""
        return f"Run cancelled{by}{at} while step '{step_id}' waited{reason}"

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
                raise MissingEffectRunner(f"Step '{step_id}' needs the effect '{effect}': the "
                                          "journal has no result for it and no effect runner "
                                          f"that provides it was given: {HOW_TO_PASS_A_RUNNER}")
            entry = {"effect": effect, "request": request}
            tries = 1 + int(request.get(RETRY, 0)) if declaration is not None else 1
            attempts: list[dict[str, Any]] = []
            refused = self._start(step_id, effect, entry, declaration is not None)
            if refused is not None:
                entry["error"] = refused
                attempts.append({"error": refused})
                tries = 0
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

    def _start(self, step_id: str, effect: str, entry: dict[str, Any],
               retried: bool) -> str | None:
        """Tell the runner the effect is about to start (`EffectRunner.started`); its
        refusal, if it refuses."""
        started = getattr(self.ctx.effects, "started", None)
        if started is None:
            return None
        unfinished: dict[str, Any] = {**copy.deepcopy(entry), "error": cut_off(effect)}
        if retried:
            unfinished["attempts"] = [{"error": unfinished["error"]}]
        try:
            started(EffectStart(step_id, effect, copy.deepcopy(entry["request"]),
                                {**copy.deepcopy(self.journal), step_id: unfinished},
                                copy.deepcopy(self.events)))
        except EffectError as refusal:
            return str(refusal)
        return None

    def _record(self, step_id: str, status: str, changes: Any, consumed: Any) -> None:
        change_hash = data_hash([change.to_json() for change in changes]) if changes \
            else _NO_CHANGES_HASH
        input_hash = None if consumed is _NO_INPUT else data_hash(consumed)
        previous = self.chain[-1]["link"] if self.chain else self.head
        link = _link_hash(previous, step_id, status, change_hash, input_hash)
        self.chain.append({"changes": change_hash, "input": input_hash, "link": link,
                           "status": status, "step": step_id})
        self.steps.append({"id": step_id, "status": status})

    def _result(self, executed: list[StepSpec], failed: tuple[str, str] | None,
                waiting: tuple[str, dict[str, Any]] | None,
                cancelled: str | None) -> OrchestrationResult:
        status = "failed" if failed else "waiting" if waiting else \
            "cancelled" if cancelled else "succeeded"
        executed_ids = [step.id for step in executed]
        skipped = [step["id"] for step in self.steps if step["status"] == "skipped"]
        lineage = {
            "executed_step_ids": executed_ids,
            "skipped_step_ids": skipped,
            "steps": self.steps,
            "workflow_id": self.workflow.id,
        }
        final_state_hash = self.hasher.hash(self.state)
        answers_hash = data_hash(self.answers) if self.answers else _EMPTY_MAP_HASH
        journal_hash = data_hash(self.journal) if self.journal else _EMPTY_MAP_HASH
        error_message = failed[1] if failed else cancelled
        last = self.chain[-1]["link"] if self.chain else self.head
        receipt: dict[str, Any] = {
            "answers_hash": answers_hash,
            "chain": self.chain,
            "digest": _digest_hash(last, status, final_state_hash, answers_hash, journal_hash,
                                   error_message),
            "final_state_hash": final_state_hash,
            "head": self.head,
            "id": self.workflow.id,
            "initial_state_hash": self.initial_state_hash,
            "journal_hash": journal_hash,
            "params_hash": self.params_hash,
            "skipped": skipped,
            "status": status,
            "steps": executed_ids,
            "workflow_hash": self.workflow_hash,
        }
        if self.answered_by_used:
            receipt["answered_by"] = dict(sorted(self.answered_by_used.items()))
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
            answers=json_copy(self.answers, "answers"),  # checked: JSON data
            journal=json_copy(self.journal, "journal"),
            events=json_copy(self.events, "events"),
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
    (e.g. no overflowing number): it may come from the workflow, an answer or an effect.
    The state stays within `MAX_DEPTH` levels, its path included, so every run can be
    stored and read back (`runtime.bounds`)."""
    if change.action != "set":
        return change
    room = MAX_DEPTH - len(change.path)
    try:
        return Change("set", change.path, json_copy(change.value, dotted(change.path), room))
    except NotJSONData as problem:
        if json_problem(change.value, dotted(change.path)) is None:  # only too deep here
            raise StepFailure(f"cannot write `{dotted(change.path)}`: the value would nest the "
                              f"state more than {MAX_DEPTH} levels deep (its path takes "
                              f"{len(change.path)}, the value more than {room})") from None
        raise StepFailure(f"cannot write {problem}") from None


# The receipt's hashes of small lists and maps of hex digests and names: their canonical
# JSON written directly (a digest needs no escaping), for a third of what encoding them
# costs; `tests/perf/test_engine_cache.py` checks each against `canonical_hash`.


def _head_hash(workflow_hash: str, params_hash: str, initial_state_hash: str) -> str:
    """`canonical_hash({"workflow": ..., "params": ..., "initial_state": ...})`."""
    return text_hash(f'{{"initial_state":"{initial_state_hash}","params":"{params_hash}",'
                     f'"workflow":"{workflow_hash}"}}')


def _link_hash(previous: str, step_id: str, status: str, change_hash: str,
               input_hash: str | None) -> str:
    """`canonical_hash([previous, step_id, status, change_hash, input_hash])`."""
    return text_hash(f'["{previous}",{json_string(step_id)},{json_string(status)},'
                     f'"{change_hash}",{_quoted(input_hash)}]')


def _digest_hash(last: str, status: str, final_state_hash: str, answers_hash: str,
                 journal_hash: str, error_message: str | None) -> str:
    """`canonical_hash([last, status, final_state_hash, answers_hash, journal_hash,
    error_message])`."""
    return text_hash(f'["{last}",{json_string(status)},"{final_state_hash}","{answers_hash}",'
                     f'"{journal_hash}",{_quoted(error_message)}]')


def _quoted(text: str | None) -> str:
    return "null" if text is None else json_string(text)


def _copy_step(plan: _Plan) -> StepSpec:
    step = plan.spec
    return StepSpec(step.id, step.kind, checked_copy(step.payload))  # checked by `_plans`
